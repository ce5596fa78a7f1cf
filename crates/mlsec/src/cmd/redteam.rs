//! `mlsec redteam`: attack a model (local ONNX file or remote OIP v2 endpoint) and report how
//! easily it is fooled, copied or made to reveal its training set. Flags plus glue over
//! `mlsec-redteam`.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail};
use clap::ValueEnum;
use mlsec_core::Severity;
use mlsec_redteam::dataset::{self, Matrix};
use mlsec_redteam::evasion::{Bounds, EvasionSummary, summarise};
use mlsec_redteam::explain::{kernel_shap, permutation_importance};
use mlsec_redteam::extraction::{ExtractionConfig, SurrogateKind, extract};
use mlsec_redteam::fairness::fairness;
use mlsec_redteam::findings::Config;
use mlsec_redteam::hsj::{HsjConfig, hop_skip_jump};
use mlsec_redteam::mia::{MiaData, membership_inference};
use mlsec_redteam::model::{Classifier, Differentiable};
use mlsec_redteam::onnx::OnnxModel;
use mlsec_redteam::query::predict_labels;
use mlsec_redteam::remote::{RemoteModel, RemoteOptions};
use mlsec_redteam::report::{DataInfo, ModelInfo, Report, SCHEMA, Timing};
use mlsec_redteam::square::{SquareConfig, square_attack};
use mlsec_redteam::strip::{StripConfig, Trigger, strip};
use mlsec_redteam::whitebox;

/// Report formats of `redteam`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Text for a terminal
    Human,
    /// JSON (`mlsec.redteam/v1`, docs/redteam-json.md)
    Json,
    /// One self-contained HTML file with plots
    Html,
}

const AFTER_HELP: &str = "\
Attacks (--attack, comma-separated; default: every one that applies):
  fgsm, pgd     white-box evasion with exact gradients (local differentiable models)
  square        score-based black-box evasion (Square attack, L∞)
  hsj           label-only black-box evasion (HopSkipJump from the nearest real sample)
  mia           membership inference (loss/confidence threshold; needs --train)
  extraction    train a surrogate from queries; fidelity vs number of queries
  fairness      demographic parity, equalized odds, disparate impact (needs --sensitive)
  explain       permutation importance and Kernel SHAP of a few rows
  strip         STRIP backdoor check (with --trigger)

Examples:
  mlsec redteam model.onnx --data x_test.npy --labels y_test.npy --train x_train.npy --train-labels y_train.npy
  mlsec redteam model.onnx --data test.csv --labels test.csv --label-column y --sensitive sex --format html -o report.html
  mlsec redteam http://localhost:8080/v2/models/fraud --api-key $KEY --data x.npy --labels y.npy --attack square,hsj
  mlsec redteam model.onnx --data x.npy --labels y.npy --fail-on high --record   # CI gate, evidence in the store

Exit status: 0 no finding at or above --fail-on, 1 findings, 2 error.
Thresholds and severities: --config redteam.toml (docs/redteam-json.md lists the keys).";

/// `mlsec redteam` arguments.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// ONNX model file, or an OIP v2 endpoint http(s)://HOST/v2/models/NAME
    pub model: String,
    /// Test features (.npy, .csv, .parquet, .jsonl)
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Test labels (.npy, or a table with --label-column)
    #[arg(long, value_name = "FILE")]
    pub labels: PathBuf,
    /// Label column in tabular label files (also dropped from tabular --data)
    #[arg(long, value_name = "NAME")]
    pub label_column: Option<String>,
    /// Training features (members for membership inference, start points for HopSkipJump)
    #[arg(long, value_name = "FILE", requires = "train_labels")]
    pub train: Option<PathBuf>,
    /// Training labels
    #[arg(long, value_name = "FILE", requires = "train")]
    pub train_labels: Option<PathBuf>,
    /// Attacks to run, comma-separated (see below)
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub attack: Vec<String>,
    /// L∞ budgets on the feature scale
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.05,0.1,0.2,0.3",
        value_name = "LIST"
    )]
    pub eps: Vec<f32>,
    /// Query budget per sample of the black-box attacks [default: Square 1002, HopSkipJump 20 iterations]
    #[arg(long, value_name = "N")]
    pub budget: Option<u64>,
    /// Test rows attacked by the evasion attacks (the first N)
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub samples: usize,
    /// Seed of every randomised attack
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Sensitive attribute for the fairness audit: a column name (tabular data) or index
    #[arg(long, value_name = "COL")]
    pub sensitive: Vec<String>,
    /// Threshold splitting a continuous sensitive attribute [default: its median]
    #[arg(long, value_name = "T")]
    pub sensitive_threshold: Option<f64>,
    /// Favourable class for the fairness audit
    #[arg(long, default_value_t = 1, value_name = "CLASS")]
    pub positive_class: usize,
    /// Candidate backdoor trigger for STRIP: FEATURE=VALUE pairs, e.g. 3=1.0,7=0
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub trigger: Vec<String>,
    /// Features the attacker may not change (indices or column names)
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub immutable: Vec<String>,
    /// Extraction query budgets
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "50,100,250,500,1000,2000",
        value_name = "LIST"
    )]
    pub extraction_budgets: Vec<usize>,
    /// Thresholds and severity overrides (TOML)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report here instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding has this severity or higher
    #[arg(long, default_value = "medium", value_parser = parse_severity, value_name = "SEVERITY")]
    pub fail_on: Severity,
    /// API key of a remote endpoint (sent as Authorization: Bearer KEY)
    #[arg(
        long,
        env = "MLSEC_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,
    /// Class count of a label-only remote endpoint
    #[arg(long, value_name = "K")]
    pub classes: Option<usize>,
    #[command(flatten)]
    pub record: crate::record::RecordArgs,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s)
        .ok_or_else(|| format!("`{s}` is not one of info, low, medium, high, critical"))
}

const ALL_ATTACKS: [&str; 9] = [
    "fgsm",
    "pgd",
    "square",
    "hsj",
    "mia",
    "extraction",
    "fairness",
    "explain",
    "strip",
];

fn column_index(spec: &str, names: Option<&Vec<String>>, d: usize) -> anyhow::Result<usize> {
    if let Some(i) = names.and_then(|n| n.iter().position(|c| c == spec)) {
        return Ok(i);
    }
    match spec.parse::<usize>() {
        Ok(i) if i < d => Ok(i),
        Ok(i) => bail!("feature index {i} is out of range (the data has {d} features)"),
        Err(_) => bail!(
            "no column named `{spec}` in the data\nhint: give a column name of a tabular file or a 0-based index"
        ),
    }
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let cfg = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            Config::parse(&text, &p.display().to_string()).map_err(anyhow::Error::msg)?
        }
        None => Config::default(),
    };
    for a in &args.attack {
        if !ALL_ATTACKS.contains(&a.as_str()) {
            bail!(
                "unknown attack `{a}`\nhint: one of {}",
                ALL_ATTACKS.join(", ")
            );
        }
    }
    if args.eps.iter().any(|e| !(e.is_finite() && *e > 0.0)) {
        bail!("--eps values must be positive numbers");
    }
    let progress = std::io::stderr().is_terminal();
    let say = |m: &str| {
        if progress {
            eprintln!("mlsec redteam: {m}");
        }
    };

    // Model.
    let remote = args.model.starts_with("http://") || args.model.starts_with("https://");
    let (local, remote_model): (Option<OnnxModel>, Option<RemoteModel>) = if remote {
        let opts = RemoteOptions {
            api_key: args.api_key.clone(),
            n_classes: args.classes,
            ..RemoteOptions::default()
        };
        (None, Some(RemoteModel::connect(&args.model, opts)?))
    } else {
        (Some(OnnxModel::load(Path::new(&args.model))?), None)
    };
    let model: &dyn Classifier = match (&local, &remote_model) {
        (Some(m), _) => m,
        (_, Some(m)) => m,
        _ => unreachable!("one model is always loaded"),
    };
    let white: Option<&dyn Differentiable> = local
        .as_ref()
        .filter(|m| m.differentiable().is_ok())
        .map(|m| m as &dyn Differentiable);
    let d = model.n_features();
    let k = model.n_classes();

    // Data.
    let x = dataset::load_features(&args.data, args.label_column.as_deref())?;
    let y = dataset::load_labels(&args.labels, args.label_column.as_deref())?;
    check_data(&x, &y, d, k, &args.data)?;
    let train = match (&args.train, &args.train_labels) {
        (Some(xp), Some(yp)) => {
            let xt = dataset::load_features(xp, args.label_column.as_deref())?;
            let yt = dataset::load_labels(yp, args.label_column.as_deref())?;
            check_data(&xt, &yt, d, k, xp)?;
            Some((xt, yt))
        }
        _ => None,
    };
    let n = args.samples.min(y.len());
    let xs = &x.data[..n * d];
    let ys = &y[..n];
    let mut bounds = {
        let b = whitebox::Bounds::infer(&x.data, d);
        Bounds {
            lo: b.lo,
            hi: b.hi,
            immutable: vec![false; d],
        }
    };
    for c in &args.immutable {
        bounds.immutable[column_index(c, x.names.as_ref(), d)?] = true;
    }

    let wanted = |a: &str| args.attack.is_empty() || args.attack.iter().any(|w| w == a);
    let explicit = |a: &str| args.attack.iter().any(|w| w == a);
    let mut notes = Vec::new();
    let mut timings = Vec::new();
    let mut evasion: Vec<EvasionSummary> = Vec::new();
    let timed = |name: &str, t: Instant, timings: &mut Vec<Timing>| {
        timings.push(Timing {
            audit: name.to_string(),
            ms: t.elapsed().as_secs_f64() * 1e3,
        })
    };

    let clean_pred = predict_labels(model, xs, 512)?;
    let clean_accuracy =
        clean_pred.iter().zip(ys).filter(|(a, b)| a == b).count() as f64 / n.max(1) as f64;

    // White-box evasion.
    for attack in ["fgsm", "pgd"] {
        if !wanted(attack) {
            continue;
        }
        let Some(wm) = white else {
            let why = match &local {
                Some(m) => format!(
                    "the graph has no exact gradients ({})",
                    m.differentiable().err().unwrap_or("")
                ),
                None => "a remote endpoint gives no gradients".into(),
            };
            if explicit(attack) {
                bail!(
                    "{attack} needs exact gradients: {why}\nhint: use the black-box attacks square and hsj"
                );
            }
            notes.push(format!("{attack} skipped: {why}"));
            continue;
        };
        say(attack);
        let t = Instant::now();
        let wcfg = whitebox::AttackConfig {
            seed: args.seed,
            bounds: Some(whitebox::Bounds {
                lo: bounds.lo.clone(),
                hi: bounds.hi.clone(),
            }),
            immutable: Some(bounds.immutable.clone()),
            ..whitebox::AttackConfig::default()
        };
        for r in whitebox::run(wm, attack, xs, ys, &args.eps, &wcfg)? {
            evasion.push(EvasionSummary {
                attack: r.attack,
                eps: r.eps,
                norm: "inf".into(),
                samples: r.n,
                clean_accuracy: r.clean_accuracy,
                robust_accuracy: r.robust_accuracy,
                attack_success_rate: r.attack_success_rate,
                queries_per_sample: 0.0,
                mean_linf: r.mean_linf,
                mean_l2: r.mean_l2,
            });
        }
        timed(attack, t, &mut timings);
    }

    // Black-box evasion.
    if wanted("square") {
        if remote_model.as_ref().is_some_and(|m| m.labels_only()) {
            if explicit("square") {
                bail!(
                    "square needs scores but {} answers labels only\nhint: use hsj",
                    args.model
                );
            }
            notes.push("square skipped: the endpoint answers labels only".into());
        } else {
            say("square");
            let t = Instant::now();
            let max_iter = args
                .budget
                .map(|b| b.saturating_sub(2) as usize)
                .unwrap_or(1000);
            for &eps in &args.eps {
                let scfg = SquareConfig {
                    eps,
                    max_iter,
                    p_init: 0.3,
                    image: None,
                    seed: args.seed,
                };
                let out = square_attack(model, xs, ys, &bounds, &scfg)?;
                evasion.push(out.summary("square", eps, "inf", xs));
            }
            timed("square", t, &mut timings);
        }
    }
    if wanted("hsj") {
        say("hsj");
        let t = Instant::now();
        let (pool, pool_y) = match &train {
            Some((xt, yt)) => (&xt.data[..], &yt[..]),
            None => (&x.data[..], &y[..]),
        };
        let hcfg = HsjConfig {
            stop_at: args.eps.iter().copied().reduce(f32::min),
            max_queries: args.budget,
            seed: args.seed,
            ..HsjConfig::default()
        };
        let out = hop_skip_jump(model, xs, ys, pool, pool_y, &bounds, &hcfg)?;
        for &eps in &args.eps {
            evasion.push(summarise(
                "hsj",
                eps,
                "inf",
                xs,
                &out.adv_at(eps, xs),
                &out.clean_correct,
                &out.fooled_at(eps),
                &out.queries,
            ));
        }
        timed("hsj", t, &mut timings);
    }

    // Privacy.
    let mut mia = Vec::new();
    if wanted("mia") {
        match &train {
            Some((xt, yt)) => {
                say("membership inference");
                let t = Instant::now();
                mia = membership_inference(
                    model,
                    &MiaData {
                        train: (&xt.data, yt),
                        test: (&x.data, &y),
                        reference: None,
                    },
                )?;
                timed("mia", t, &mut timings);
            }
            None if explicit("mia") => {
                bail!("mia needs the training data\nhint: pass --train and --train-labels")
            }
            None => notes.push("mia skipped: no --train data".into()),
        }
    }
    let mut extraction = None;
    if wanted("extraction") {
        say("extraction");
        let t = Instant::now();
        let pool = train
            .as_ref()
            .map(|(xt, _)| &xt.data[..])
            .unwrap_or(&x.data[..]);
        let labels_only = remote_model.as_ref().is_some_and(|m| m.labels_only());
        extraction = Some(extract(
            model,
            pool,
            &x.data,
            &y,
            Some((&bounds.lo, &bounds.hi)),
            &ExtractionConfig {
                budgets: args.extraction_budgets.clone(),
                labels_only,
                surrogate: if k > 2 {
                    SurrogateKind::Mlp { hidden: 64 }
                } else {
                    SurrogateKind::Softmax
                },
                seed: args.seed,
            },
        )?);
        timed("extraction", t, &mut timings);
    }

    // Fairness.
    let mut fair = Vec::new();
    if wanted("fairness") {
        if args.sensitive.is_empty() {
            if explicit("fairness") {
                bail!("fairness needs a sensitive attribute\nhint: pass --sensitive COLUMN");
            }
        } else {
            let t = Instant::now();
            let pred = predict_labels(model, &x.data, 512)?;
            for s in &args.sensitive {
                let j = column_index(s, x.names.as_ref(), d)?;
                let attr: Vec<f64> = (0..y.len()).map(|i| x.data[i * d + j] as f64).collect();
                fair.push(fairness(
                    s,
                    &attr,
                    &pred,
                    &y,
                    args.positive_class,
                    args.sensitive_threshold,
                ));
            }
            timed("fairness", t, &mut timings);
        }
    }

    // Explanations.
    let (mut importances, mut shap) = (Vec::new(), Vec::new());
    if wanted("explain") {
        say("explanations");
        let t = Instant::now();
        let m = y.len().min(1000);
        importances = permutation_importance(model, &x.data[..m * d], &y[..m], 5, args.seed)?;
        if let Some(names) = &x.names {
            for i in &mut importances {
                i.name = names.get(i.feature).cloned();
            }
        }
        let bg_rows = y.len().min(20);
        let background = &x.data[..bg_rows * d];
        for r in 0..n.min(3) {
            let mut s = kernel_shap(
                model,
                &x.data[r * d..(r + 1) * d],
                background,
                None,
                512,
                args.seed,
            )?;
            s.row = r;
            shap.push(s);
        }
        timed("explain", t, &mut timings);
    }

    // Backdoor.
    let mut strip_result = None;
    if wanted("strip") && (explicit("strip") || !args.trigger.is_empty()) {
        say("strip");
        let t = Instant::now();
        let trigger = if args.trigger.is_empty() {
            None
        } else {
            let mut features = Vec::new();
            for p in &args.trigger {
                let (f, v) = p
                    .split_once('=')
                    .with_context(|| format!("--trigger `{p}`: expected FEATURE=VALUE"))?;
                let v: f32 = v
                    .trim()
                    .parse()
                    .with_context(|| format!("--trigger `{p}`: `{v}` is not a number"))?;
                features.push((column_index(f.trim(), x.names.as_ref(), d)?, v));
            }
            Some(Trigger { features })
        };
        strip_result = Some(strip(
            model,
            &x.data,
            trigger.as_ref(),
            &bounds,
            &StripConfig {
                seed: args.seed,
                ..StripConfig::default()
            },
        )?);
        timed("strip", t, &mut timings);
    }

    let digest = match &local {
        Some(_) => Some(crate::model_digest::of(Path::new(&args.model))?.to_string()),
        None => None,
    };
    let mut report = Report {
        schema: SCHEMA,
        tool: format!("mlsec {}", env!("CARGO_PKG_VERSION")),
        model: ModelInfo {
            source: args.model.clone(),
            digest,
            ops: local.as_ref().map(|m| m.ops().to_vec()).unwrap_or_default(),
            remote,
            labels_only: remote_model.as_ref().is_some_and(|m| m.labels_only()),
            n_features: d,
            n_classes: k,
        },
        data: DataInfo {
            data: args.data.display().to_string(),
            rows: y.len(),
            train: args.train.as_ref().map(|p| p.display().to_string()),
            train_rows: train.as_ref().map(|(_, yt)| yt.len()),
            samples: n,
        },
        seed: args.seed,
        clean_accuracy,
        evasion,
        membership_inference: mia,
        extraction,
        fairness: fair,
        importances,
        shap,
        strip: strip_result,
        findings: Vec::new(),
        notes,
        timings,
    };
    report.judge(&cfg);

    let text = match args.format {
        Format::Json => report.to_json() + "\n",
        Format::Html => report.html(),
        Format::Human => report.human(args.output.is_none() && crate::color_wanted()),
    };
    match &args.output {
        Some(p) => {
            std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => print!("{text}"),
    }
    let failed = report.max_severity().is_some_and(|s| s >= args.fail_on);
    if args.record.wanted() {
        let outcome = if failed {
            mlsec_store::Outcome::Failure
        } else {
            mlsec_store::Outcome::Success
        };
        let mut ev = mlsec_store::NewEvent::new("", "redteam", outcome)
            .payload(serde_json::to_value(&report)?);
        ev.model = match &report.model.digest {
            Some(d) => Some(mlsec_core::Digest::parse(d).map_err(|e| anyhow::anyhow!("{e}"))?),
            None => None,
        };
        crate::record::record(&args.record, ev)?;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn check_data(x: &Matrix, y: &[usize], d: usize, k: usize, path: &Path) -> anyhow::Result<()> {
    if x.cols != d {
        bail!(
            "{}: {} features per row, but the model takes {d}",
            path.display(),
            x.cols
        );
    }
    if x.rows != y.len() {
        bail!("{}: {} rows but {} labels", path.display(), x.rows, y.len());
    }
    if let Some((i, c)) = y.iter().enumerate().find(|(_, c)| **c >= k) {
        bail!(
            "label {c} of row {} is not a class of the model ({k} classes)",
            i + 1
        );
    }
    if x.data.iter().any(|v| !v.is_finite()) {
        bail!("{}: contains NaN or infinite values", path.display());
    }
    Ok(())
}
