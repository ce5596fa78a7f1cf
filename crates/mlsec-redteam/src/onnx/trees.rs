//! Native evaluation of `ai.onnx.ml` `TreeEnsembleClassifier` / `TreeEnsembleRegressor`, with
//! ONNX Runtime's semantics: every node mode, missing-value tracks, base values, the
//! post transforms, and its handling of binary classifiers that carry weights for one class only.
//!
//! Tree ensembles have no gradient: they are attacked black-box.

use super::ops::post_transform;
use super::proto::{Attr, Node};
use super::tensor::{Data, Tensor};
use std::collections::HashMap;

type R<T> = Result<T, String>;

/// The tree operators evaluated here.
pub(crate) const SUPPORTED: &[&str] = &["TreeEnsembleClassifier", "TreeEnsembleRegressor"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Leq,
    Lt,
    Gte,
    Gt,
    Eq,
    Neq,
    Leaf,
}

#[derive(Debug, Clone)]
struct TreeNode {
    mode: Mode,
    feature: usize,
    value: f32,
    yes: usize,
    no: usize,
    missing_true: bool,
    /// (class or target, weight) contributions when this is a leaf.
    weights: Vec<(usize, f32)>,
}

/// A parsed ensemble.
#[derive(Debug, Clone)]
struct Ensemble {
    nodes: Vec<TreeNode>,
    roots: Vec<usize>,
    n_out: usize,
}

fn ints(n: &Node, k: &str) -> Vec<i64> {
    match n.attrs.get(k) {
        Some(Attr::Ints(v)) => v.clone(),
        _ => Vec::new(),
    }
}

fn floats(n: &Node, k: &str) -> Vec<f32> {
    match n.attrs.get(k) {
        Some(Attr::Floats(v)) => v.clone(),
        Some(Attr::Tensor(t)) => t.to_f32().unwrap_or_default(),
        _ => match n.attrs.get(&format!("{k}_as_tensor")) {
            Some(Attr::Tensor(t)) => t.to_f32().unwrap_or_default(),
            _ => Vec::new(),
        },
    }
}

fn string(n: &Node, k: &str, d: &str) -> String {
    match n.attrs.get(k) {
        Some(Attr::Str(v)) => String::from_utf8_lossy(v).into_owned(),
        _ => d.to_string(),
    }
}

fn parse(n: &Node, prefix: &str, n_features: usize) -> R<Ensemble> {
    let bad = |m: String| format!("{} node `{}`: {m}", n.op_type, n.name);
    let tree_ids = ints(n, "nodes_treeids");
    let node_ids = ints(n, "nodes_nodeids");
    let feat = ints(n, "nodes_featureids");
    let values = floats(n, "nodes_values");
    let yes = ints(n, "nodes_truenodeids");
    let no = ints(n, "nodes_falsenodeids");
    let missing = ints(n, "nodes_missing_value_tracks_true");
    let modes: Vec<Vec<u8>> = match n.attrs.get("nodes_modes") {
        Some(Attr::Strings(v)) => v.clone(),
        _ => Vec::new(),
    };
    let count = tree_ids.len();
    if [
        node_ids.len(),
        feat.len(),
        values.len(),
        yes.len(),
        no.len(),
        modes.len(),
    ]
    .iter()
    .any(|&l| l != count)
    {
        return Err(bad("node attribute arrays differ in length".into()));
    }
    if !missing.is_empty() && missing.len() != count {
        return Err(bad(
            "nodes_missing_value_tracks_true has the wrong length".into()
        ));
    }
    let mut index: HashMap<(i64, i64), usize> = HashMap::with_capacity(count);
    let mut root_of: HashMap<i64, usize> = HashMap::new();
    for i in 0..count {
        if index.insert((tree_ids[i], node_ids[i]), i).is_some() {
            return Err(bad(format!(
                "node ({}, {}) appears twice",
                tree_ids[i], node_ids[i]
            )));
        }
        root_of.entry(tree_ids[i]).or_insert(i);
    }
    // Root: node id 0 of each tree if present, else its first node.
    let mut tree_order: Vec<i64> = Vec::new();
    for &t in &tree_ids {
        if !tree_order.contains(&t) {
            tree_order.push(t);
        }
    }
    let roots: Vec<usize> = tree_order
        .iter()
        .map(|t| index.get(&(*t, 0)).copied().unwrap_or(root_of[t]))
        .collect();
    let mut nodes = Vec::with_capacity(count);
    for i in 0..count {
        let mode = match &modes[i][..] {
            b"BRANCH_LEQ" => Mode::Leq,
            b"BRANCH_LT" => Mode::Lt,
            b"BRANCH_GTE" => Mode::Gte,
            b"BRANCH_GT" => Mode::Gt,
            b"BRANCH_EQ" => Mode::Eq,
            b"BRANCH_NEQ" => Mode::Neq,
            b"LEAF" => Mode::Leaf,
            m => {
                return Err(bad(format!(
                    "unknown node mode {}",
                    String::from_utf8_lossy(m)
                )));
            }
        };
        let child = |c: i64| -> R<usize> {
            index.get(&(tree_ids[i], c)).copied().ok_or_else(|| {
                bad(format!(
                    "node ({}, {}) points at missing child {c}",
                    tree_ids[i], node_ids[i]
                ))
            })
        };
        let (y, f) = if mode == Mode::Leaf {
            (0, 0)
        } else {
            (child(yes[i])?, child(no[i])?)
        };
        let feature = usize::try_from(feat[i]).map_err(|_| bad("negative feature id".into()))?;
        if mode != Mode::Leaf && feature >= n_features {
            return Err(bad(format!(
                "feature id {feature} is not below the {n_features} input features"
            )));
        }
        nodes.push(TreeNode {
            mode,
            feature,
            value: values[i],
            yes: y,
            no: f,
            missing_true: missing.get(i).copied().unwrap_or(0) == 1,
            weights: Vec::new(),
        });
    }
    let wt_tree = ints(n, &format!("{prefix}_treeids"));
    let wt_node = ints(n, &format!("{prefix}_nodeids"));
    let wt_id = ints(n, &format!("{prefix}_ids"));
    let wt = floats(n, &format!("{prefix}_weights"));
    if wt_node.len() != wt_tree.len() || wt_id.len() != wt_tree.len() || wt.len() != wt_tree.len() {
        return Err(bad(format!("{prefix}_* attribute arrays differ in length")));
    }
    let mut n_out = 0usize;
    for j in 0..wt_tree.len() {
        let i = *index.get(&(wt_tree[j], wt_node[j])).ok_or_else(|| {
            bad(format!(
                "weight for missing node ({}, {})",
                wt_tree[j], wt_node[j]
            ))
        })?;
        let c = usize::try_from(wt_id[j]).map_err(|_| bad("negative class/target id".into()))?;
        if c > 1 << 20 {
            return Err(bad("class/target id too large".into()));
        }
        n_out = n_out.max(c + 1);
        nodes[i].weights.push((c, wt[j]));
    }
    Ok(Ensemble {
        nodes,
        roots,
        n_out,
    })
}

impl Ensemble {
    /// The leaf reached from `root` for row `x`.
    fn leaf(&self, root: usize, x: &[f32]) -> &TreeNode {
        let mut i = root;
        // A well-formed tree reaches a leaf in at most `nodes.len()` steps; cycles stop there.
        for _ in 0..=self.nodes.len() {
            let nd = &self.nodes[i];
            if nd.mode == Mode::Leaf {
                // A leaf's feature id is never checked at load (it is not used): read no input.
                return nd;
            }
            let v = x[nd.feature];
            // As onnxruntime: `cmp(v, threshold) || (missing_tracks_true && isnan(v))`, so a NaN
            // takes the true branch of NEQ whatever its track says.
            let go_true = if v.is_nan() {
                nd.missing_true || nd.mode == Mode::Neq
            } else {
                match nd.mode {
                    Mode::Leaf => return nd,
                    Mode::Leq => v <= nd.value,
                    Mode::Lt => v < nd.value,
                    Mode::Gte => v >= nd.value,
                    Mode::Gt => v > nd.value,
                    Mode::Eq => v == nd.value,
                    Mode::Neq => v != nd.value,
                }
            };
            i = if go_true { nd.yes } else { nd.no };
        }
        &self.nodes[i]
    }
}

fn rows(x: &Tensor, n: &Node) -> R<(Vec<f32>, usize, usize)> {
    let v = x
        .to_f32()
        .ok_or_else(|| format!("{} node `{}`: string input", n.op_type, n.name))?;
    let f = match x.shape[..] {
        [_, f] => f,
        [f] => f,
        _ => {
            return Err(format!(
                "{} node `{}`: input must be 2-D",
                n.op_type, n.name
            ));
        }
    };
    let nb = v.len().checked_div(f).unwrap_or(0);
    Ok((v, nb, f))
}

/// Evaluates a tree-ensemble node.
pub(crate) fn forward(n: &Node, ins: &[Option<&Tensor>]) -> R<Vec<Tensor>> {
    let x = ins
        .first()
        .copied()
        .flatten()
        .ok_or_else(|| format!("{} node `{}` lacks its input", n.op_type, n.name))?;
    let (xv, nb, nf) = rows(x, n)?;
    let base = floats(n, "base_values");
    let pt = string(n, "post_transform", "NONE");
    if n.op_type == "TreeEnsembleRegressor" {
        let e = parse(n, "target", nf)?;
        let n_targets = match n.attrs.get("n_targets") {
            Some(Attr::Int(t)) => usize::try_from(*t).unwrap_or(0).max(e.n_out),
            _ => e.n_out,
        }
        .max(1);
        let agg = string(n, "aggregate_function", "SUM");
        let mut out = Vec::with_capacity(nb * n_targets);
        for r in 0..nb {
            let row = &xv[r * nf..(r + 1) * nf];
            let mut s = vec![0f64; n_targets];
            let mut seen = vec![false; n_targets];
            for &root in &e.roots {
                for &(t, w) in &e.leaf(root, row).weights {
                    let w = f64::from(w);
                    s[t] = match agg.as_str() {
                        "MIN" if seen[t] => s[t].min(w),
                        "MAX" if seen[t] => s[t].max(w),
                        "MIN" | "MAX" => w,
                        _ => s[t] + w,
                    };
                    seen[t] = true;
                }
            }
            if agg == "AVERAGE" {
                s.iter_mut().for_each(|v| *v /= e.roots.len().max(1) as f64);
            } else if !matches!(agg.as_str(), "SUM" | "MIN" | "MAX") {
                return Err(format!(
                    "{} node `{}`: unknown aggregate_function {agg}",
                    n.op_type, n.name
                ));
            }
            for (t, v) in s.iter_mut().enumerate() {
                *v += f64::from(base.get(t).copied().unwrap_or(0.0));
            }
            out.extend(s.iter().map(|&v| v as f32));
        }
        post_transform(&pt, &mut out, n_targets)?;
        return Ok(vec![Tensor::f32(vec![nb, n_targets], out)]);
    }

    // Classifier.
    let e = parse(n, "class", nf)?;
    let labels: Data = match n.attrs.get("classlabels_strings") {
        Some(Attr::Strings(s)) => Data::Str(
            s.iter()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .collect(),
        ),
        _ => Data::I64(ints(n, "classlabels_int64s")),
    };
    let n_labels = match &labels {
        Data::Str(v) => v.len(),
        Data::I64(v) => v.len(),
        Data::F32(v) => v.len(),
    };
    if n_labels < 2 {
        return Err(format!(
            "{} node `{}` has {n_labels} class label(s); a classifier needs at least two",
            n.op_type, n.name
        ));
    }
    if e.n_out > n_labels {
        return Err(format!(
            "{} node `{}`: class id {} past the {n_labels} labels",
            n.op_type,
            n.name,
            e.n_out - 1
        ));
    }
    let mut class_ids: Vec<usize> = e
        .nodes
        .iter()
        .flat_map(|nd| nd.weights.iter().map(|w| w.0))
        .collect();
    class_ids.sort_unstable();
    class_ids.dedup();
    let binary_case = n_labels == 2 && class_ids.len() == 1;
    let all_positive = e
        .nodes
        .iter()
        .all(|nd| nd.weights.iter().all(|w| w.1 >= 0.0));
    let mut probs = Vec::with_capacity(nb * n_labels.max(2));
    let mut label_idx = Vec::with_capacity(nb);
    for r in 0..nb {
        let row = &xv[r * nf..(r + 1) * nf];
        let mut s = vec![0f64; n_labels];
        let mut has = vec![false; n_labels];
        for &root in &e.roots {
            for &(c, w) in &e.leaf(root, row).weights {
                s[c] += f64::from(w);
                has[c] = true;
            }
        }
        if n_labels > 2 {
            for (k, b) in base.iter().enumerate().take(n_labels) {
                s[k] += f64::from(*b);
            }
            let mut sc: Vec<f32> = s.iter().map(|&v| v as f32).collect();
            let mut best = 0;
            for k in 1..n_labels {
                if sc[k] > sc[best] {
                    best = k;
                }
            }
            label_idx.push(best);
            post_transform(&pt, &mut sc, n_labels)?;
            probs.extend(sc);
            continue;
        }
        // Two classes, following ONNX Runtime's TreeAggregatorClassifier.
        let mut single = false;
        if base.len() == 2 {
            if has[1] {
                // ORT: predictions[1] = base[1] + predictions[0]; predictions[0] = -predictions[1].
                let p1 = f64::from(base[1]) + s[0];
                s[1] = p1;
                s[0] = -p1;
            } else {
                s[1] += f64::from(base[1]);
                s[0] += f64::from(base[0]);
            }
        } else {
            if let Some(b) = base.first() {
                s[0] += f64::from(*b);
            }
            if !has[1] {
                single = true;
            }
        }
        let pos = if !single && has[1] {
            s[1]
        } else if has[0] || single {
            s[0]
        } else {
            0.0
        };
        let (label, mode) = if binary_case {
            if all_positive {
                if pos > 0.5 { (1, 0) } else { (0, 1) }
            } else if pos > 0.0 {
                (1, 2)
            } else {
                (0, 3)
            }
        } else {
            (usize::from(pos > 0.0), -1)
        };
        label_idx.push(label);
        let mut sc: Vec<f32> = if single {
            vec![s[0] as f32]
        } else {
            vec![s[0] as f32, s[1] as f32]
        };
        if sc.len() == 1 {
            let v = sc[0];
            sc = if pt == "PROBIT" {
                let mut t = [v];
                post_transform("PROBIT", &mut t, 1)?;
                vec![t[0], t[0]]
            } else {
                match mode {
                    0 | 1 => vec![1.0 - v, v],
                    2 if pt == "LOGISTIC" => vec![sigmoid(-v), sigmoid(v)],
                    3 if pt == "LOGISTIC" => vec![sigmoid(-v), sigmoid(v)],
                    2 => vec![-v, v],
                    3 => vec![v, -v],
                    _ => vec![-v, v],
                }
            };
        } else {
            post_transform(&pt, &mut sc, 2)?;
        }
        probs.extend(sc);
    }
    let k = if n_labels > 2 { n_labels } else { 2 };
    let labels_out = match &labels {
        Data::Str(v) => Data::Str(label_idx.iter().map(|&i| v[i].clone()).collect()),
        Data::I64(v) => Data::I64(label_idx.iter().map(|&i| v[i]).collect()),
        Data::F32(v) => Data::F32(label_idx.iter().map(|&i| v[i]).collect()),
    };
    Ok(vec![
        Tensor {
            shape: vec![nb],
            data: labels_out,
        },
        Tensor::f32(vec![nb, k], probs),
    ])
}

fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}
