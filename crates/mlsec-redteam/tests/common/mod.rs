//! Test support: a minimal `.npy` reader and a dense ReLU network built from the reference
//! models' weights (the Gemm/Relu/Softmax graphs in tests/data, see PROVENANCE).
#![allow(dead_code)]

use std::path::PathBuf;

use mlsec_redteam::model::{Classifier, ModelError};

pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Reads a little-endian C-order `.npy` of f32, f64 or i64 as (values as f64, shape).
pub fn npy(name: &str) -> (Vec<f64>, Vec<usize>) {
    let b = std::fs::read(data(name)).unwrap();
    assert_eq!(&b[..6], b"\x93NUMPY");
    let (hlen, start) = if b[6] == 1 {
        (u16::from_le_bytes([b[8], b[9]]) as usize, 10)
    } else {
        (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12)
    };
    let header = std::str::from_utf8(&b[start..start + hlen]).unwrap();
    assert!(header.contains("'fortran_order': False"));
    let shape_s = &header[header.find("'shape': (").unwrap() + 10..];
    let shape: Vec<usize> = shape_s[..shape_s.find(')').unwrap()]
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().unwrap())
        .collect();
    let body = &b[start + hlen..];
    let vals: Vec<f64> = if header.contains("'<f4'") {
        body.chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64)
            .collect()
    } else if header.contains("'<f8'") {
        body.chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    } else if header.contains("'<i8'") {
        body.chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap()) as f64)
            .collect()
    } else {
        panic!("unsupported dtype in {name}: {header}");
    };
    (vals, shape)
}

pub fn npy_f32(name: &str) -> Vec<f32> {
    npy(name).0.into_iter().map(|v| v as f32).collect()
}

pub fn npy_labels(name: &str) -> Vec<usize> {
    npy(name).0.into_iter().map(|v| v as usize).collect()
}

/// `softmax(... relu(x W0 + b0) ... W_last + b_last)`.
pub struct DenseNet {
    layers: Vec<(Vec<f32>, Vec<f32>, usize, usize)>,
}

impl DenseNet {
    /// Loads `{prefix}_W{i}.npy` / `{prefix}_b{i}.npy` for `i in 0..n_layers`.
    pub fn load(prefix: &str, n_layers: usize) -> Self {
        let layers = (0..n_layers)
            .map(|i| {
                let (w, shape) = npy(&format!("{prefix}_W{i}.npy"));
                let b = npy_f32(&format!("{prefix}_b{i}.npy"));
                (
                    w.into_iter().map(|v| v as f32).collect(),
                    b,
                    shape[0],
                    shape[1],
                )
            })
            .collect();
        DenseNet { layers }
    }
}

impl Classifier for DenseNet {
    fn n_features(&self) -> usize {
        self.layers[0].2
    }
    fn n_classes(&self) -> usize {
        self.layers.last().unwrap().3
    }
    fn predict_proba(&self, x: &[f32]) -> Result<Vec<f32>, ModelError> {
        let d = self.n_features();
        let mut out = Vec::new();
        for row in x.chunks(d) {
            let mut h = row.to_vec();
            for (li, (w, b, nin, nout)) in self.layers.iter().enumerate() {
                let mut z = b.clone();
                for i in 0..*nin {
                    let hi = h[i];
                    if hi == 0.0 {
                        continue;
                    }
                    for (zj, wj) in z.iter_mut().zip(&w[i * nout..(i + 1) * nout]) {
                        *zj += hi * wj;
                    }
                }
                if li + 1 < self.layers.len() {
                    z.iter_mut().for_each(|v| *v = v.max(0.0));
                }
                h = z;
            }
            let m = h.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let s: f32 = h.iter().map(|v| (v - m).exp()).sum();
            out.extend(h.iter().map(|v| (v - m).exp() / s));
        }
        Ok(out)
    }
}

pub struct Reference {
    pub model: DenseNet,
    pub x_train: Vec<f32>,
    pub y_train: Vec<usize>,
    pub x_test: Vec<f32>,
    pub y_test: Vec<usize>,
}

/// `"digits"` (MLP, 3 layers) or `"bc"` (logistic regression).
pub fn reference(name: &str) -> Reference {
    Reference {
        model: DenseNet::load(name, if name == "digits" { 3 } else { 1 }),
        x_train: npy_f32(&format!("{name}_x_train.npy")),
        y_train: npy_labels(&format!("{name}_y_train.npy")),
        x_test: npy_f32(&format!("{name}_x_test.npy")),
        y_test: npy_labels(&format!("{name}_y_test.npy")),
    }
}
