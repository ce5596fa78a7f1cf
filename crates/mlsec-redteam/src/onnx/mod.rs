//! A native ONNX evaluator with exact input gradients, in pure Rust.
//!
//! [`OnnxModel::load`] decodes the `ModelProto` by hand ([`proto`]), checks every operator is
//! supported, orders the nodes topologically and locates the probability output and, where the
//! graph has one, the logits feeding its final softmax. Forward evaluation runs the whole batch
//! through the graph in `f32`; [`Differentiable::loss_gradient`] then runs hand-written reverse
//! mode through the same nodes, seeding the cross-entropy gradient at the logits
//! (`softmax(z) - onehot(y)`), at the raw scores of a logistic `LinearClassifier`
//! (`-σ(-s_y)`), or, when the graph only has probabilities, at `-1/max(p_y, 1e-30)`.
//!
//! Tree ensembles (`ai.onnx.ml` `TreeEnsembleClassifier`/`Regressor`) evaluate natively too
//! ([`trees`]) but have no gradient: they are attacked black-box.

mod bcast;
mod ops;
pub mod proto;
pub mod tensor;
pub mod trees;
mod wire;

use crate::model::{Classifier, Differentiable, ModelError};
use proto::{Attr, Limits, ModelProto, Node};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;
use tensor::Tensor;

/// Largest model file accepted by [`OnnxModel::load`].
pub const MAX_MODEL_BYTES: u64 = 1 << 30;

/// Rows evaluated per task when a batch is split across threads.
const CHUNK_ROWS: usize = 64;

/// Floor on `p_y` when the loss has to be taken from probabilities.
const P_FLOOR: f64 = 1e-30;

/// Where the cross-entropy gradient is seeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Head {
    /// Probabilities are `softmax(z)` of this value.
    Softmax(usize),
    /// Probabilities are `σ(s)` per column of this raw-score value (logistic LinearClassifier);
    /// `true` when there is one score column for two classes (`[σ(-s), σ(s)]`).
    Logistic(usize, bool),
    /// Only probabilities are available.
    Probs,
}

/// One node ready to run.
#[derive(Debug, Clone)]
struct Step {
    node: Node,
    opset: i64,
    inputs: Vec<Option<usize>>,
    outputs: Vec<usize>,
}

/// An ONNX classifier evaluated natively.
#[derive(Debug, Clone)]
pub struct OnnxModel {
    steps: Vec<Step>,
    consts: Vec<Option<Tensor>>,
    names: Vec<String>,
    input: usize,
    input_name: String,
    /// Input dims after the batch dimension.
    row_shape: Vec<usize>,
    /// Fixed batch size declared by the graph, if any.
    fixed_batch: Option<usize>,
    n_features: usize,
    prob: usize,
    n_classes: usize,
    head: Head,
    /// Steps needed to compute the probabilities (indices into `steps`).
    plan: Vec<usize>,
    /// Values that depend on the input.
    depends: Vec<bool>,
    ops: Vec<String>,
    /// The probability output holds log-probabilities (a final LogSoftmax).
    log_probs: bool,
    graph_outputs: Vec<usize>,
    differentiable: Result<(), String>,
}

fn invalid(e: impl Into<String>) -> ModelError {
    ModelError::Invalid(e.into())
}

impl OnnxModel {
    /// Loads a model file; errors name the file.
    pub fn load(path: &Path) -> Result<OnnxModel, ModelError> {
        let meta =
            std::fs::metadata(path).map_err(|e| invalid(format!("{}: {e}", path.display())))?;
        if meta.len() > MAX_MODEL_BYTES {
            return Err(invalid(format!(
                "{}: {} bytes is larger than the {} byte limit",
                path.display(),
                meta.len(),
                MAX_MODEL_BYTES
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| invalid(format!("{}: {e}", path.display())))?;
        OnnxModel::from_bytes(&bytes).map_err(|e| match e {
            ModelError::Invalid(m) => invalid(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    /// Decodes and prepares a model from its bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<OnnxModel, ModelError> {
        let m = proto::decode_model(bytes, &Limits::default()).map_err(invalid)?;
        OnnxModel::from_proto(m)
    }

    /// Prepares a decoded model.
    pub fn from_proto(m: ModelProto) -> Result<OnnxModel, ModelError> {
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut names: Vec<String> = Vec::new();
        let mut consts: Vec<Option<Tensor>> = Vec::new();
        let intern = |name: &str,
                      ids: &mut HashMap<String, usize>,
                      names: &mut Vec<String>,
                      consts: &mut Vec<Option<Tensor>>|
         -> usize {
            *ids.entry(name.to_string()).or_insert_with(|| {
                names.push(name.to_string());
                consts.push(None);
                names.len() - 1
            })
        };
        for (name, t) in &m.initializers {
            // Operators index by shape: an initializer whose shape and element count disagree
            // is refused here, once, rather than at every evaluation step.
            if !t.is_consistent() {
                return Err(invalid(format!(
                    "initializer `{name}` has shape {:?} but {} values",
                    t.shape,
                    t.len()
                )));
            }
            let id = intern(name, &mut ids, &mut names, &mut consts);
            consts[id] = Some(t.clone());
        }
        let real_inputs: Vec<&proto::ValueInfo> = m
            .inputs
            .iter()
            .filter(|i| !m.initializers.contains_key(&i.name))
            .collect();
        let inp = match real_inputs[..] {
            [one] => one,
            [] => return Err(invalid("the graph has no input")),
            _ => {
                return Err(invalid(format!(
                    "the graph has {} inputs ({}); only single-input models are supported",
                    real_inputs.len(),
                    real_inputs
                        .iter()
                        .map(|i| i.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        };
        let shape = inp
            .shape
            .clone()
            .ok_or_else(|| invalid(format!("input `{}` has no declared shape", inp.name)))?;
        if shape.len() < 2 {
            return Err(invalid(format!(
                "input `{}` must have a batch dimension and features, has rank {}",
                inp.name,
                shape.len()
            )));
        }
        let row_shape: Vec<usize> = shape[1..]
            .iter()
            .map(|d| {
                d.ok_or_else(|| {
                    invalid(format!(
                        "input `{}` has a symbolic feature dimension",
                        inp.name
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        let n_features: usize = row_shape.iter().product();
        if n_features == 0 {
            return Err(invalid("the input has no features"));
        }
        let input = intern(&inp.name, &mut ids, &mut names, &mut consts);

        // Resolve nodes.
        let mut steps = Vec::with_capacity(m.nodes.len());
        let mut ops: Vec<String> = Vec::new();
        for node in &m.nodes {
            let ml = node.domain == "ai.onnx.ml";
            let ok = if ml {
                ops::SUPPORTED_ML.contains(&node.op_type.as_str())
                    || trees::SUPPORTED.contains(&node.op_type.as_str())
            } else {
                node.domain.is_empty() && ops::SUPPORTED.contains(&node.op_type.as_str())
            };
            let qual = if node.domain.is_empty() {
                node.op_type.clone()
            } else {
                format!("{}.{}", node.domain, node.op_type)
            };
            if !ok {
                return Err(invalid(format!(
                    "operator {qual} (node `{}`) is not supported by the native evaluator",
                    node.name
                )));
            }
            if !ops.contains(&qual) {
                ops.push(qual);
            }
            let opset = m
                .opsets
                .get(&node.domain)
                .copied()
                .unwrap_or(if ml { 1 } else { 13 });
            let inputs = node
                .inputs
                .iter()
                .map(|s| (!s.is_empty()).then(|| intern(s, &mut ids, &mut names, &mut consts)))
                .collect();
            let mut outputs: Vec<usize> = node
                .outputs
                .iter()
                .map(|s| intern(s, &mut ids, &mut names, &mut consts))
                .collect();
            if ml && node.op_type == "LinearClassifier" {
                while outputs.len() < 2 {
                    let k = format!("{}#out{}", node.name, outputs.len());
                    outputs.push(intern(&k, &mut ids, &mut names, &mut consts));
                }
                let k = format!("{}#raw_scores", node.name);
                outputs.push(intern(&k, &mut ids, &mut names, &mut consts));
            }
            steps.push(Step {
                node: node.clone(),
                opset,
                inputs,
                outputs,
            });
        }
        ops.sort();

        // Topological order (Kahn), rejecting cycles and values produced twice.
        let nv = names.len();
        let mut producer: Vec<Option<usize>> = vec![None; nv];
        for (si, s) in steps.iter().enumerate() {
            for &o in &s.outputs {
                if producer[o].is_some() || consts[o].is_some() || o == input {
                    return Err(invalid(format!(
                        "value `{}` is produced more than once",
                        names[o]
                    )));
                }
                producer[o] = Some(si);
            }
        }
        let mut indeg: Vec<usize> = steps
            .iter()
            .map(|s| {
                s.inputs
                    .iter()
                    .flatten()
                    .filter(|&&i| producer[i].is_some())
                    .count()
            })
            .collect();
        let mut users: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
        for (si, s) in steps.iter().enumerate() {
            for &i in s.inputs.iter().flatten() {
                match producer[i] {
                    Some(p) => users[p].push(si),
                    None if consts[i].is_none() && i != input => {
                        return Err(invalid(format!(
                            "node `{}` reads `{}`, which nothing produces",
                            s.node.name, names[i]
                        )));
                    }
                    None => {}
                }
            }
        }
        let mut order = Vec::with_capacity(steps.len());
        let mut ready: Vec<usize> = (0..steps.len()).filter(|&s| indeg[s] == 0).rev().collect();
        while let Some(s) = ready.pop() {
            order.push(s);
            for &u in &users[s] {
                indeg[u] -= 1;
                if indeg[u] == 0 {
                    ready.push(u);
                }
            }
        }
        if order.len() != steps.len() {
            return Err(invalid("the graph has a cycle"));
        }
        let steps: Vec<Step> = order.into_iter().map(|i| steps[i].clone()).collect();
        let mut producer: Vec<Option<usize>> = vec![None; nv];
        for (si, s) in steps.iter().enumerate() {
            for &o in &s.outputs {
                producer[o] = Some(si);
            }
        }

        // Dependence on the input.
        let mut depends = vec![false; nv];
        depends[input] = true;
        for s in &steps {
            if s.inputs.iter().flatten().any(|&i| depends[i]) {
                for &o in &s.outputs {
                    depends[o] = true;
                }
            }
        }

        // The probability output: a float output, preferring names that say so.
        let outs: Vec<(usize, &proto::ValueInfo)> = m
            .outputs
            .iter()
            .filter_map(|o| ids.get(&o.name).map(|&i| (i, o)))
            .collect();
        let is_float =
            |o: &proto::ValueInfo| matches!(o.elem_type, 1 | 10 | 11) || o.elem_type == 0;
        let prob = outs
            .iter()
            .find(|(_, o)| is_float(o) && o.name.to_lowercase().contains("prob"))
            .or_else(|| {
                outs.iter().rev().find(|(i, o)| {
                    is_float(o) && matches!(o.elem_type, 1 | 10 | 11) && producer[*i].is_some()
                })
            })
            .or_else(|| outs.iter().find(|(_, o)| o.name == "output_probability"))
            .map(|(i, _)| *i)
            .ok_or_else(|| invalid("no float probability output found among the graph outputs"))?;
        if !depends[prob] {
            return Err(invalid(format!(
                "output `{}` does not depend on the input",
                names[prob]
            )));
        }

        // Steps needed for the probabilities.
        let mut needed = vec![false; nv];
        needed[prob] = true;
        let mut plan = Vec::new();
        for (si, s) in steps.iter().enumerate().rev() {
            if s.outputs.iter().any(|&o| needed[o]) {
                plan.push(si);
                for &i in s.inputs.iter().flatten() {
                    needed[i] = true;
                }
            }
        }
        plan.reverse();

        // The loss head.
        let mut cur = prob;
        let mut log_probs = false;
        let head = loop {
            let Some(p) = producer[cur] else {
                break Head::Probs;
            };
            let s = &steps[p];
            let n = &s.node;
            let pass = matches!(n.op_type.as_str(), "Identity" | "Dropout" | "ZipMap")
                || (n.op_type == "Cast"
                    && matches!(n.attrs.get("to"), Some(Attr::Int(1 | 10 | 11)) | None));
            if pass && s.outputs.first() == Some(&cur) {
                match s.inputs.first().copied().flatten() {
                    Some(i) => {
                        cur = i;
                        continue;
                    }
                    None => break Head::Probs,
                }
            }
            if n.domain.is_empty() && n.op_type == "LogSoftmax" {
                log_probs = true;
                break s
                    .inputs
                    .first()
                    .copied()
                    .flatten()
                    .map_or(Head::Probs, Head::Softmax);
            }
            if n.domain.is_empty() && n.op_type == "Softmax" {
                break s
                    .inputs
                    .first()
                    .copied()
                    .flatten()
                    .map_or(Head::Probs, Head::Softmax);
            }
            if n.op_type == "LinearClassifier" && s.outputs.get(1) == Some(&cur) {
                let pt = match n.attrs.get("post_transform") {
                    Some(Attr::Str(b)) => String::from_utf8_lossy(b).into_owned(),
                    _ => "NONE".into(),
                };
                let raw = s.outputs[s.outputs.len() - 1];
                let one_row = match (n.attrs.get("coefficients"), n.attrs.get("intercepts")) {
                    (_, Some(Attr::Floats(b))) => b.len() == 1,
                    _ => false,
                };
                break match pt.as_str() {
                    "SOFTMAX" if !one_row => Head::Softmax(raw),
                    "LOGISTIC" => Head::Logistic(raw, one_row),
                    _ => Head::Probs,
                };
            }
            break Head::Probs;
        };

        let fixed_batch = shape[0].filter(|&b| b > 0);
        let mut model = OnnxModel {
            steps,
            consts,
            names,
            input,
            input_name: inp.name.clone(),
            row_shape,
            fixed_batch,
            n_features,
            prob,
            n_classes: 0,
            head,
            plan,
            depends,
            ops,
            log_probs,
            graph_outputs: m
                .outputs
                .iter()
                .filter_map(|o| ids.get(&o.name).copied())
                .collect(),
            differentiable: Ok(()),
        };
        // Probe with one zero row to learn the class count and check the graph runs.
        let probe = model.forward(&vec![0.0; model.n_features], 1)?;
        let p = probe[model.prob]
            .as_ref()
            .ok_or_else(|| invalid("the probability output was not computed"))?;
        if p.shape.len() != 2 || p.shape[0] != 1 || p.as_f32().is_none() {
            return Err(invalid(format!(
                "output `{}` has shape {:?}; expected float [batch, classes]",
                model.names[model.prob], p.shape
            )));
        }
        model.n_classes = p.shape[1];
        model.differentiable = model
            .gradient_chunk(&vec![0.0; model.n_features], &[0])
            .map(|_| ())
            .map_err(|e| e.to_string());
        Ok(model)
    }

    /// Operators used by the graph (`domain.Op` for non-default domains), sorted.
    pub fn ops(&self) -> &[String] {
        &self.ops
    }

    /// Name of the graph input.
    pub fn input_name(&self) -> &str {
        &self.input_name
    }

    /// Name of the output read as class probabilities.
    pub fn probability_output(&self) -> &str {
        &self.names[self.prob]
    }

    /// Name of the value the cross-entropy gradient is seeded at (the logits or raw scores),
    /// or `None` when only probabilities are available.
    pub fn logits_value(&self) -> Option<&str> {
        match self.head {
            Head::Softmax(z) | Head::Logistic(z, _) => Some(&self.names[z]),
            Head::Probs => None,
        }
    }

    /// `Ok` when exact input gradients are available, else why not (e.g. a tree ensemble).
    pub fn differentiable(&self) -> Result<(), &str> {
        self.differentiable
            .as_ref()
            .map(|_| ())
            .map_err(String::as_str)
    }

    /// Evaluates every graph output on `x` (row-major, `n_features()` per row) and returns
    /// them by name, in the graph's order: labels, probabilities, regression targets.
    pub fn run_outputs(&self, x: &[f32]) -> Result<Vec<(String, Tensor)>, ModelError> {
        let n = self.check(x)?;
        let mut vals: Vec<Option<Tensor>> = vec![None; self.consts.len()];
        let mut shape = vec![n];
        shape.extend_from_slice(&self.row_shape);
        vals[self.input] = Some(Tensor::f32(shape, x.to_vec()));
        for s in &self.steps {
            let ins: Vec<Option<&Tensor>> = s
                .inputs
                .iter()
                .map(|i| i.and_then(|i| self.value(&vals, i)))
                .collect();
            let outs = self.step(s, &ins)?;
            for (&o, t) in s.outputs.iter().zip(outs) {
                vals[o] = Some(t);
            }
        }
        self.graph_outputs
            .iter()
            .map(|&o| {
                self.value(&vals, o)
                    .cloned()
                    .map(|t| (self.names[o].clone(), t))
                    .ok_or_else(|| invalid(format!("output `{}` was not computed", self.names[o])))
            })
            .collect()
    }

    /// A computed value, or the constant (initializer) of that name.
    fn value<'a>(&'a self, vals: &'a [Option<Tensor>], i: usize) -> Option<&'a Tensor> {
        vals[i].as_ref().or(self.consts[i].as_ref())
    }

    fn step(&self, s: &Step, ins: &[Option<&Tensor>]) -> Result<Vec<Tensor>, ModelError> {
        // Operators index by shape. Inputs are initializers (checked at load), the graph input
        // (built from the row shape) or earlier outputs (checked below), so checking every
        // output keeps every tensor an operator sees consistent.
        let outs = if s.node.domain == "ai.onnx.ml"
            && trees::SUPPORTED.contains(&s.node.op_type.as_str())
        {
            trees::forward(&s.node, ins)
        } else {
            ops::forward(&s.node, s.opset, ins)
        }
        .map_err(invalid)?;
        if let Some(t) = outs.iter().find(|t| !t.is_consistent()) {
            return Err(invalid(format!(
                "{} node `{}`: an output has shape {:?} but {} values",
                s.node.op_type,
                s.node.name,
                t.shape,
                t.len()
            )));
        }
        Ok(outs)
    }

    /// Runs the planned steps on `n` rows; returns every value (constants included).
    fn forward(&self, x: &[f32], n: usize) -> Result<Vec<Option<Tensor>>, ModelError> {
        let mut vals: Vec<Option<Tensor>> = vec![None; self.consts.len()];
        let mut shape = vec![n];
        shape.extend_from_slice(&self.row_shape);
        vals[self.input] = Some(Tensor::f32(shape, x.to_vec()));
        for &si in &self.plan {
            let s = &self.steps[si];
            let ins: Vec<Option<&Tensor>> = s
                .inputs
                .iter()
                .map(|i| i.and_then(|i| self.value(&vals, i)))
                .collect();
            let outs = self.step(s, &ins)?;
            for (&o, t) in s.outputs.iter().zip(outs) {
                vals[o] = Some(t);
            }
        }
        Ok(vals)
    }

    fn check(&self, x: &[f32]) -> Result<usize, ModelError> {
        if !x.len().is_multiple_of(self.n_features) {
            return Err(ModelError::Input(format!(
                "{} values is not a whole number of rows of {} features",
                x.len(),
                self.n_features
            )));
        }
        Ok(x.len() / self.n_features)
    }

    fn chunk_rows(&self) -> usize {
        self.fixed_batch.unwrap_or(CHUNK_ROWS)
    }

    fn proba_chunk(&self, x: &[f32]) -> Result<Vec<f32>, ModelError> {
        let n = x.len() / self.n_features;
        let vals = self.forward(x, n)?;
        let p = self
            .value(&vals, self.prob)
            .and_then(Tensor::as_f32)
            .ok_or_else(|| invalid("no probabilities"))?;
        if p.len() != n * self.n_classes {
            return Err(invalid(format!(
                "probability output has {} values for {n} rows",
                p.len()
            )));
        }
        if self.log_probs {
            return Ok(p.iter().map(|v| v.exp()).collect());
        }
        Ok(p.to_vec())
    }

    fn gradient_chunk(&self, x: &[f32], y: &[usize]) -> Result<(Vec<f32>, Vec<f32>), ModelError> {
        let n = y.len();
        let vals = self.forward(x, n)?;
        let get = |i: usize| {
            self.value(&vals, i)
                .and_then(Tensor::as_f32)
                .ok_or_else(|| invalid(format!("value `{}` is not a float tensor", self.names[i])))
        };
        let mut grads: Vec<Option<Vec<f32>>> = vec![None; vals.len()];
        let mut loss = Vec::with_capacity(n);
        let k = self.n_classes;
        for &c in y {
            if c >= k {
                return Err(ModelError::Input(format!(
                    "label {c} is not below the {k} classes"
                )));
            }
        }
        match self.head {
            Head::Softmax(z) => {
                let zv = get(z)?;
                let w = zv.len() / n.max(1);
                let mut g = vec![0f32; zv.len()];
                for r in 0..n {
                    let row = &zv[r * w..(r + 1) * w];
                    let mx = row
                        .iter()
                        .fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
                    let s: f64 = row.iter().map(|&v| (f64::from(v) - mx).exp()).sum();
                    let lse = mx + s.ln();
                    loss.push((lse - f64::from(row[y[r]])) as f32);
                    for j in 0..w {
                        let p = (f64::from(row[j]) - lse).exp();
                        g[r * w + j] = (p - f64::from(u8::from(j == y[r]))) as f32;
                    }
                }
                grads[z] = Some(g);
            }
            Head::Logistic(s, one_row) => {
                let sv = get(s)?;
                let w = sv.len() / n.max(1);
                let mut g = vec![0f32; sv.len()];
                for r in 0..n {
                    // loss = softplus(-t) with t = s_y (or ±s for one score column).
                    let (col, sign) = if one_row {
                        (0, if y[r] == 1 { 1.0 } else { -1.0 })
                    } else {
                        (y[r], 1.0)
                    };
                    let t = sign * f64::from(sv[r * w + col]);
                    let softplus = if -t > 30.0 { -t } else { (-t).exp().ln_1p() };
                    loss.push(softplus as f32);
                    let sig_neg = 1.0 / (1.0 + t.exp());
                    g[r * w + col] = (-sign * sig_neg) as f32;
                }
                grads[s] = Some(g);
            }
            Head::Probs if self.log_probs => {
                return Err(invalid(
                    "log-probability output without its LogSoftmax input",
                ));
            }
            Head::Probs => {
                let pv = get(self.prob)?;
                let mut g = vec![0f32; pv.len()];
                for r in 0..n {
                    let p = f64::from(pv[r * k + y[r]]).max(P_FLOOR);
                    loss.push((-p.ln()) as f32);
                    g[r * k + y[r]] = (-1.0 / p) as f32;
                }
                grads[self.prob] = Some(g);
            }
        }
        for &si in self.plan.iter().rev() {
            let s = &self.steps[si];
            if !s.outputs.iter().any(|&o| grads[o].is_some()) {
                continue;
            }
            let need: Vec<bool> = s
                .inputs
                .iter()
                .map(|i| i.is_some_and(|i| self.depends[i]))
                .collect();
            if !need.iter().any(|&b| b) {
                continue;
            }
            let ins: Vec<Option<&Tensor>> = s
                .inputs
                .iter()
                .map(|i| i.and_then(|i| self.value(&vals, i)))
                .collect();
            let outs: Vec<Tensor> = s
                .outputs
                .iter()
                .map(|&o| {
                    self.value(&vals, o)
                        .cloned()
                        .unwrap_or(Tensor::f32(vec![0], vec![]))
                })
                .collect();
            let gout: Vec<Option<&[f32]>> =
                s.outputs.iter().map(|&o| grads[o].as_deref()).collect();
            let gin = if s.node.domain == "ai.onnx.ml" && trees::SUPPORTED.contains(&s.node.op_type.as_str()) {
                Err(format!("no gradient through ai.onnx.ml.{} (node `{}`): tree ensembles are attacked black-box", s.node.op_type, s.node.name))
            } else {
                ops::backward(&s.node, s.opset, &ins, &outs, &gout, &need)
            }
            .map_err(invalid)?;
            for (i, gi) in s.inputs.iter().zip(gin) {
                let (Some(i), Some(gi)) = (i, gi) else {
                    continue;
                };
                match &mut grads[*i] {
                    Some(acc) => acc.iter_mut().zip(&gi).for_each(|(a, b)| *a += b),
                    slot @ None => *slot = Some(gi),
                }
            }
        }
        let gx = grads[self.input]
            .take()
            .unwrap_or_else(|| vec![0.0; x.len()]);
        if gx.len() != x.len() {
            return Err(invalid("input gradient has the wrong size"));
        }
        Ok((loss, gx))
    }
}

impl Classifier for OnnxModel {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn n_classes(&self) -> usize {
        self.n_classes
    }

    fn predict_proba(&self, x: &[f32]) -> Result<Vec<f32>, ModelError> {
        let n = self.check(x)?;
        if n == 0 {
            return Ok(Vec::new());
        }
        let rows = self.chunk_rows();
        let parts: Vec<Vec<f32>> = x
            .par_chunks(rows * self.n_features)
            .map(|c| self.proba_chunk(c))
            .collect::<Result<_, _>>()?;
        Ok(parts.concat())
    }
}

impl Differentiable for OnnxModel {
    fn loss_gradient(&self, x: &[f32], y: &[usize]) -> Result<(Vec<f32>, Vec<f32>), ModelError> {
        let n = self.check(x)?;
        if y.len() != n {
            return Err(ModelError::Input(format!(
                "{} labels for {n} rows",
                y.len()
            )));
        }
        if let Err(e) = &self.differentiable {
            return Err(invalid(e.clone()));
        }
        let rows = self.chunk_rows();
        let parts: Vec<(Vec<f32>, Vec<f32>)> = x
            .par_chunks(rows * self.n_features)
            .zip(y.par_chunks(rows))
            .map(|(xc, yc)| self.gradient_chunk(xc, yc))
            .collect::<Result<_, _>>()?;
        let mut loss = Vec::with_capacity(n);
        let mut grad = Vec::with_capacity(x.len());
        for (l, g) in parts {
            loss.extend(l);
            grad.extend(g);
        }
        Ok((loss, grad))
    }
}
