//! IBM ART 1.20.1 reference numbers (/work/shared/vectors/redteam/reference_targets.json) on the
//! digits MLP and the breast-cancer logistic regression: black-box robust accuracy at the same
//! or a smaller query budget must be at or below ART's; membership-inference AUC within ±0.001.

mod common;

use common::reference;
use mlsec_redteam::evasion::{Bounds, summarise};
use mlsec_redteam::hsj::{HsjConfig, hop_skip_jump};
use mlsec_redteam::mia::{MiaData, MiaScore, membership_inference};
use mlsec_redteam::query::predict_labels;
use mlsec_redteam::square::{SquareConfig, square_attack};

const EPS: [f32; 4] = [0.05, 0.1, 0.2, 0.3];

struct Art {
    clean: f64,
    square: [f64; 4],
    square_q: [f64; 4],
    hsj: [f64; 4],
    hsj_q: f64,
    mia_auc: f64,
    mia_adv: f64,
}

const DIGITS: Art = Art {
    clean: 0.9711,
    square: [0.85, 0.54, 0.02, 0.0],
    square_q: [2724.0, 2145.0, 1112.0, 94.0],
    hsj: [0.86, 0.65, 0.11, 0.0],
    hsj_q: 6444.0,
    mia_auc: 0.5353,
    mia_adv: 0.109,
};

const BC: Art = Art {
    clean: 0.9649,
    square: [0.82, 0.57, 0.17, 0.05],
    square_q: [2648.0, 2163.0, 1374.0, 1126.0],
    hsj: [0.81, 0.53, 0.17, 0.02],
    hsj_q: 6424.0,
    mia_auc: 0.5112,
    mia_adv: 0.0484,
};

fn check(name: &str, art: &Art) {
    let r = reference(name);
    let d = r.x_test.len() / r.y_test.len();
    let pred = predict_labels(&r.model, &r.x_test, 256).unwrap();
    let clean =
        pred.iter().zip(&r.y_test).filter(|(a, b)| a == b).count() as f64 / r.y_test.len() as f64;
    assert!(
        (clean - art.clean).abs() < 0.0006,
        "{name}: clean accuracy {clean}"
    );

    let (x, y) = (&r.x_test[..100 * d], &r.y_test[..100]);
    let bounds = Bounds::uniform(d, 0.0, 1.0);
    for (i, eps) in EPS.into_iter().enumerate() {
        let cfg = SquareConfig {
            eps,
            max_iter: 1000,
            p_init: 0.3,
            seed: 0,
            ..SquareConfig::default()
        };
        let out = square_attack(&r.model, x, y, &bounds, &cfg).unwrap();
        let s = out.summary("square", eps, "inf", x);
        eprintln!(
            "{name} square eps {eps}: robust {:.2} (ART {:.2}), queries {:.0} (ART {:.0})",
            s.robust_accuracy, art.square[i], s.queries_per_sample, art.square_q[i]
        );
        assert!(
            s.robust_accuracy <= art.square[i] + 1e-9,
            "{name} square {eps}: {s:?}"
        );
        assert!(
            s.queries_per_sample <= art.square_q[i].max(1002.0),
            "{name} square {eps}: {s:?}"
        );
    }

    let cfg = HsjConfig {
        stop_at: Some(EPS[0]),
        seed: 0,
        ..HsjConfig::default()
    };
    let out = hop_skip_jump(&r.model, x, y, &r.x_train, &r.y_train, &bounds, &cfg).unwrap();
    let q = out.queries.iter().sum::<u64>() as f64 / 100.0;
    for (i, eps) in EPS.into_iter().enumerate() {
        let fooled = out.fooled_at(eps);
        let s = summarise(
            "hsj",
            eps,
            "inf",
            x,
            &out.adv_at(eps, x),
            &out.clean_correct,
            &fooled,
            &out.queries,
        );
        eprintln!(
            "{name} hsj eps {eps}: robust {:.2} (ART {:.2}), queries {q:.0} (ART {:.0})",
            s.robust_accuracy, art.hsj[i], art.hsj_q
        );
        assert!(
            s.robust_accuracy <= art.hsj[i] + 1e-9,
            "{name} hsj {eps}: {s:?}"
        );
    }
    assert!(q <= art.hsj_q, "{name}: hsj used {q} queries per sample");

    let mia = membership_inference(
        &r.model,
        &MiaData {
            train: (&r.x_train, &r.y_train),
            test: (&r.x_test, &r.y_test),
            reference: None,
        },
    )
    .unwrap();
    let loss = mia.iter().find(|m| m.score == MiaScore::Loss).unwrap();
    eprintln!(
        "{name} mia: auc {:.4} (ART {}), advantage {:.4} (ART {})",
        loss.auc, art.mia_auc, loss.advantage, art.mia_adv
    );
    assert!((loss.auc - art.mia_auc).abs() <= 0.001, "{name}: {loss:?}");
    assert!(
        (loss.advantage - art.mia_adv).abs() <= 0.001,
        "{name}: {loss:?}"
    );
}

#[test]
fn digits_mlp_meets_art() {
    check("digits", &DIGITS);
}

#[test]
fn bc_logreg_meets_art() {
    check("bc", &BC);
}
