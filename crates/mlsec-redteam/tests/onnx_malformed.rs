//! The ONNX decoder and evaluator never panic on bad bytes: random input, and real models with
//! bytes flipped, truncated or spliced, give errors (or a model that still evaluates).

use mlsec_redteam::model::{Classifier, Differentiable};
use mlsec_redteam::onnx::OnnxModel;
use proptest::prelude::*;
use std::path::Path;

fn model_bytes(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

fn exercise(bytes: &[u8]) {
    if let Ok(m) = OnnxModel::from_bytes(bytes) {
        let f = m.n_features();
        if f <= 4096 {
            let x = vec![0.5f32; f * 2];
            let _ = m.predict_proba(&x);
            let _ = m.loss_gradient(&x, &[0, 0]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_do_not_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes);
    }

    #[test]
    fn mutated_models_do_not_panic(
        which in 0usize..2,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut b = model_bytes(["bc_logreg.onnx", "bc_logreg_nn.onnx"][which]);
        for (i, v) in flips {
            let i = i.index(b.len());
            b[i] = v;
        }
        if truncate {
            b.truncate(cut.index(b.len()));
        }
        exercise(&b);
    }
}

#[test]
fn huge_declared_tensors_are_refused_without_allocating() {
    // ModelProto { graph: GraphProto { initializer: TensorProto { dims: [2^40, 2^40], data_type: FLOAT } } }
    let mut t = vec![0x08];
    t.extend(varint(1 << 40));
    t.push(0x08);
    t.extend(varint(1 << 40));
    t.extend([0x10, 0x01]);
    let mut g = vec![0x2a];
    g.extend(varint(t.len() as u64));
    g.extend(&t);
    let mut m = vec![0x3a];
    m.extend(varint(g.len() as u64));
    m.extend(&g);
    let e = OnnxModel::from_bytes(&m).unwrap_err().to_string();
    assert!(e.contains("more than"), "{e}");
}

#[test]
fn unsupported_operators_are_named() {
    // A graph with one node of op type "If".
    let mut node = vec![0x0a, 1, b'x', 0x12, 1, b'y', 0x22, 2, b'I', b'f'];
    let mut g = vec![0x0a];
    g.extend(varint(node.len() as u64));
    g.append(&mut node);
    // input x: ValueInfo { name: "x", type: { tensor_type: { elem_type: 1, shape: [?, 2] } } }
    let shape = [0x0a, 0x00, 0x0a, 0x02, 0x08, 0x02];
    let mut tt = vec![0x08, 0x01, 0x12, shape.len() as u8];
    tt.extend(shape);
    let mut ty = vec![0x0a, tt.len() as u8];
    ty.extend(tt);
    let mut vi = vec![0x0a, 1, b'x', 0x12, ty.len() as u8];
    vi.extend(ty);
    g.push(0x5a);
    g.extend(varint(vi.len() as u64));
    g.extend(vi);
    let mut m = vec![0x3a];
    m.extend(varint(g.len() as u64));
    m.extend(&g);
    let e = OnnxModel::from_bytes(&m).unwrap_err().to_string();
    assert!(e.contains("operator If"), "{e}");
}

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}
