//! Forward evaluation and reverse-mode gradients of the supported operators.
//!
//! `forward` computes a node's outputs from its inputs; `backward` maps the gradients of the
//! loss with respect to a node's float outputs to gradients with respect to the inputs that need
//! one (`need[i]`). Gradients are exact (hand-written per operator), never finite differences.

use super::bcast;
use super::proto::{Attr, Node};
use super::tensor::{Data, Tensor};

type R<T> = Result<T, String>;

/// Operators of the default domain that the evaluator runs.
pub(crate) const SUPPORTED: &[&str] = &[
    "Gemm",
    "MatMul",
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Relu",
    "LeakyRelu",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "LogSoftmax",
    "Conv",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "GlobalMaxPool",
    "Flatten",
    "Reshape",
    "Transpose",
    "Identity",
    "Cast",
    "Concat",
    "BatchNormalization",
    "Dropout",
    "Clip",
    "ArgMax",
    "Constant",
    "Shape",
    "Gather",
    "Squeeze",
    "Unsqueeze",
    "Exp",
    "Neg",
    "Sqrt",
    "Abs",
];

/// Operators of `ai.onnx.ml` that the evaluator runs (tree ensembles are evaluated separately).
pub(crate) const SUPPORTED_ML: &[&str] = &[
    "ArrayFeatureExtractor",
    "ZipMap",
    "Normalizer",
    "Scaler",
    "LinearClassifier",
    "LinearRegressor",
    "Cast",
];

// ---------------------------------------------------------------- attribute helpers

fn a_int(n: &Node, k: &str, d: i64) -> i64 {
    match n.attrs.get(k) {
        Some(Attr::Int(v)) => *v,
        _ => d,
    }
}
fn a_float(n: &Node, k: &str, d: f32) -> f32 {
    match n.attrs.get(k) {
        Some(Attr::Float(v)) => *v,
        _ => d,
    }
}
fn a_ints(n: &Node, k: &str) -> Option<Vec<i64>> {
    match n.attrs.get(k) {
        Some(Attr::Ints(v)) => Some(v.clone()),
        _ => None,
    }
}
fn a_floats(n: &Node, k: &str) -> Option<Vec<f32>> {
    match n.attrs.get(k) {
        Some(Attr::Floats(v)) => Some(v.clone()),
        _ => None,
    }
}
fn a_str(n: &Node, k: &str, d: &str) -> String {
    match n.attrs.get(k) {
        Some(Attr::Str(v)) => String::from_utf8_lossy(v).into_owned(),
        _ => d.to_string(),
    }
}

fn input<'a>(ins: &[Option<&'a Tensor>], i: usize, n: &Node) -> R<&'a Tensor> {
    ins.get(i)
        .copied()
        .flatten()
        .ok_or_else(|| format!("{} node `{}` lacks input {i}", n.op_type, n.name))
}

fn f32s<'a>(t: &'a Tensor, n: &Node) -> R<&'a [f32]> {
    t.as_f32()
        .ok_or_else(|| format!("{} node `{}` needs a float input", n.op_type, n.name))
}

fn axis(a: i64, rank: usize, n: &Node) -> R<usize> {
    let r = rank as i64;
    let x = if a < 0 { a + r } else { a };
    if x < 0 || x >= r.max(1) {
        return Err(format!(
            "{} node `{}`: axis {a} out of range for rank {rank}",
            n.op_type, n.name
        ));
    }
    Ok(x as usize)
}

/// Element count of a shape; saturates, so a shape built from hostile attributes never
/// overflows here (the evaluator then refuses the tensor as inconsistent).
fn numel(s: &[usize]) -> usize {
    s.iter().fold(1usize, |a, &d| a.saturating_mul(d))
}

// ---------------------------------------------------------------- kernels

/// `c[m×n] = a[m×k] · b[k×n]` (row-major, accumulating in f32 like ONNX Runtime's MLAS).
fn matmul(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
    let mut c = vec![0f32; m * n];
    for i in 0..m {
        let row = &mut c[i * n..(i + 1) * n];
        for p in 0..k {
            let av = a[i * k + p];
            if av == 0.0 {
                continue;
            }
            let brow = &b[p * n..(p + 1) * n];
            for (cv, bv) in row.iter_mut().zip(brow) {
                *cv += av * bv;
            }
        }
    }
    c
}

fn transpose2(a: &[f32], r: usize, c: usize) -> Vec<f32> {
    let mut t = vec![0f32; a.len()];
    for i in 0..r {
        for j in 0..c {
            t[j * r + i] = a[i * c + j];
        }
    }
    t
}

/// Splits a shape into (outer, axis length, inner) around `ax`.
fn around(shape: &[usize], ax: usize) -> (usize, usize, usize) {
    (
        numel(&shape[..ax]),
        shape.get(ax).copied().unwrap_or(1),
        numel(&shape[ax + 1..]),
    )
}

/// Softmax groups: opset < 13 flattens to 2-D at `axis` (default 1); opset >= 13 works along
/// one axis (default -1). Returns (outer, len, inner).
fn softmax_groups(n: &Node, opset: i64, shape: &[usize]) -> R<(usize, usize, usize)> {
    if opset < 13 {
        let ax = axis(a_int(n, "axis", 1), shape.len(), n)?;
        Ok((numel(&shape[..ax]), numel(&shape[ax..]), 1))
    } else {
        let ax = axis(a_int(n, "axis", -1), shape.len(), n)?;
        Ok(around(shape, ax))
    }
}

fn softmax(x: &[f32], (o, l, i): (usize, usize, usize), log: bool) -> Vec<f32> {
    let mut y = vec![0f32; x.len()];
    for a in 0..o {
        for c in 0..i {
            let at = |k: usize| a * l * i + k * i + c;
            let mut mx = f32::NEG_INFINITY;
            for k in 0..l {
                mx = mx.max(x[at(k)]);
            }
            let mut s = 0f32;
            for k in 0..l {
                let e = (x[at(k)] - mx).exp();
                y[at(k)] = e;
                s += e;
            }
            for k in 0..l {
                y[at(k)] = if log {
                    x[at(k)] - mx - s.ln()
                } else {
                    y[at(k)] / s
                };
            }
        }
    }
    y
}

fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Largest stride, dilation or pad a window may declare.
const MAX_WINDOW_ATTR: usize = 1 << 16;
/// Largest number of output positions (height × width) a window may produce.
const MAX_WINDOW_OUT: usize = 1 << 24;

/// Geometry of a 2-D convolution or pooling window.
#[derive(Debug, Clone, Copy)]
struct Win {
    kh: usize,
    kw: usize,
    sh: usize,
    sw: usize,
    dh: usize,
    dw: usize,
    pt: usize,
    pl: usize,
    pb: usize,
    pr: usize,
    oh: usize,
    ow: usize,
}

fn window(n: &Node, h: usize, w: usize, kh: usize, kw: usize, pool: bool) -> R<Win> {
    let bad = |m: &str| format!("{} node `{}`: {m}", n.op_type, n.name);
    let s = a_ints(n, "strides").unwrap_or_else(|| vec![1, 1]);
    let d = a_ints(n, "dilations").unwrap_or_else(|| vec![1, 1]);
    let p = a_ints(n, "pads").unwrap_or_else(|| vec![0, 0, 0, 0]);
    if s.len() != 2 || d.len() != 2 || p.len() != 4 {
        return Err(bad("only 2-D windows are supported"));
    }
    let pos = |v: i64| usize::try_from(v).map_err(|_| bad("negative stride, dilation or pad"));
    let (sh, sw, dh, dw) = (pos(s[0])?, pos(s[1])?, pos(d[0])?, pos(d[1])?);
    let (mut pt, mut pl, mut pb, mut pr) = (pos(p[0])?, pos(p[1])?, pos(p[2])?, pos(p[3])?);
    if sh == 0 || sw == 0 || dh == 0 || dw == 0 || kh == 0 || kw == 0 {
        return Err(bad("zero stride, dilation or kernel"));
    }
    // Bounded attributes keep every size computation below from overflowing.
    if [sh, sw, dh, dw, pt, pl, pb, pr]
        .iter()
        .any(|&v| v > MAX_WINDOW_ATTR)
    {
        return Err(bad("stride, dilation or pad above 65536"));
    }
    if h == 0 || w == 0 {
        return Err(bad("empty spatial input"));
    }
    let ekh = dh * (kh - 1) + 1;
    let ekw = dw * (kw - 1) + 1;
    let auto = a_str(n, "auto_pad", "NOTSET");
    let ceil = pool && a_int(n, "ceil_mode", 0) == 1;
    let out = |len: usize, pa: usize, pb: usize, k: usize, s: usize| -> R<usize> {
        let total = len + pa + pb;
        if total < k {
            return Err(bad("window larger than the padded input"));
        }
        Ok(if ceil {
            (total - k).div_ceil(s) + 1
        } else {
            (total - k) / s + 1
        })
    };
    let (oh, ow) = match auto.as_str() {
        "SAME_UPPER" | "SAME_LOWER" => {
            let oh = h.div_ceil(sh);
            let ow = w.div_ceil(sw);
            let th = ((oh - 1) * sh + ekh).saturating_sub(h);
            let tw = ((ow - 1) * sw + ekw).saturating_sub(w);
            if auto == "SAME_UPPER" {
                (pt, pb, pl, pr) = (th / 2, th - th / 2, tw / 2, tw - tw / 2);
            } else {
                (pt, pb, pl, pr) = (th - th / 2, th / 2, tw - tw / 2, tw / 2);
            }
            (oh, ow)
        }
        "VALID" => {
            (pt, pb, pl, pr) = (0, 0, 0, 0);
            (out(h, 0, 0, ekh, sh)?, out(w, 0, 0, ekw, sw)?)
        }
        "NOTSET" | "" => (out(h, pt, pb, ekh, sh)?, out(w, pl, pr, ekw, sw)?),
        other => return Err(bad(&format!("unknown auto_pad {other}"))),
    };
    if oh.saturating_mul(ow) > MAX_WINDOW_OUT {
        return Err(bad("more than 2^24 output positions"));
    }
    Ok(Win {
        kh,
        kw,
        sh,
        sw,
        dh,
        dw,
        pt,
        pl,
        pb,
        pr,
        oh,
        ow,
    })
}

/// Input row/column for output position `o` and kernel tap `k`, or `None` in the padding.
fn tap(o: usize, s: usize, k: usize, d: usize, pad: usize, len: usize) -> Option<usize> {
    let v = (o * s + k * d).checked_sub(pad)?;
    (v < len).then_some(v)
}

fn spatial4(t: &Tensor, n: &Node) -> R<(usize, usize, usize, usize)> {
    match t.shape[..] {
        [a, b, c, d] => Ok((a, b, c, d)),
        _ => Err(format!(
            "{} node `{}`: only 4-D (N, C, H, W) inputs are supported, got {:?}",
            n.op_type, n.name, t.shape
        )),
    }
}

// ---------------------------------------------------------------- forward

/// Evaluates one node.
pub(crate) fn forward(n: &Node, opset: i64, ins: &[Option<&Tensor>]) -> R<Vec<Tensor>> {
    let op = n.op_type.as_str();
    let ml = n.domain == "ai.onnx.ml";
    if ml {
        return forward_ml(n, ins);
    }
    let x = || input(ins, 0, n);
    Ok(match op {
        "Identity" | "Dropout" => {
            let t = x()?.clone();
            let mut out = vec![t.clone()];
            if n.outputs.len() > 1 {
                out.push(Tensor::i64(t.shape.clone(), vec![1; t.len()]));
            }
            out
        }
        "Constant" => {
            let t = match (
                n.attrs.get("value"),
                n.attrs.get("value_float"),
                n.attrs.get("value_floats"),
                n.attrs.get("value_int"),
                n.attrs.get("value_ints"),
            ) {
                (Some(Attr::Tensor(t)), ..) => t.clone(),
                (_, Some(Attr::Float(v)), ..) => Tensor::f32(vec![], vec![*v]),
                (_, _, Some(Attr::Floats(v)), ..) => Tensor::f32(vec![v.len()], v.clone()),
                (_, _, _, Some(Attr::Int(v)), _) => Tensor::i64(vec![], vec![*v]),
                (_, _, _, _, Some(Attr::Ints(v))) => Tensor::i64(vec![v.len()], v.clone()),
                _ => return Err(format!("Constant node `{}` has no supported value", n.name)),
            };
            vec![t]
        }
        "Cast" => vec![cast(x()?, a_int(n, "to", 1), n)?],
        "Shape" => {
            let t = x()?;
            vec![Tensor::i64(
                vec![t.shape.len()],
                t.shape.iter().map(|&d| d as i64).collect(),
            )]
        }
        "Gemm" => {
            let (a, b) = (x()?, input(ins, 1, n)?);
            let (ta, tb) = (a_int(n, "transA", 0) == 1, a_int(n, "transB", 0) == 1);
            let (alpha, beta) = (a_float(n, "alpha", 1.0), a_float(n, "beta", 1.0));
            let (&[ar, ac], &[br, bc]) = (&a.shape[..], &b.shape[..]) else {
                return Err(format!("Gemm node `{}` needs 2-D inputs", n.name));
            };
            let (m, k) = if ta { (ac, ar) } else { (ar, ac) };
            let (k2, nn) = if tb { (bc, br) } else { (br, bc) };
            if k != k2 {
                return Err(format!(
                    "Gemm node `{}`: inner dimensions {k} and {k2} differ",
                    n.name
                ));
            }
            let av = if ta {
                transpose2(f32s(a, n)?, ar, ac)
            } else {
                f32s(a, n)?.to_vec()
            };
            let bv = if tb {
                transpose2(f32s(b, n)?, br, bc)
            } else {
                f32s(b, n)?.to_vec()
            };
            let mut y = matmul(&av, &bv, m, k, nn);
            if alpha != 1.0 {
                y.iter_mut().for_each(|v| *v *= alpha);
            }
            if let Some(c) = ins.get(2).copied().flatten() {
                if bcast::shape(&c.shape, &[m, nn]).as_deref() != Some(&[m, nn][..]) {
                    return Err(format!("Gemm node `{}`: C does not broadcast", n.name));
                }
                let map = bcast::index_map(&c.shape, &[m, nn]);
                let cv = f32s(c, n)?;
                for (v, &i) in y.iter_mut().zip(&map) {
                    *v += beta * cv[i];
                }
            }
            vec![Tensor::f32(vec![m, nn], y)]
        }
        "MatMul" => {
            let (a, b) = (x()?, input(ins, 1, n)?);
            let (lead, m, k, k2, nn, batched) = matmul_dims(&a.shape, &b.shape, n)?;
            if k != k2 {
                return Err(format!(
                    "MatMul node `{}`: inner dimensions {k} and {k2} differ",
                    n.name
                ));
            }
            let (av, bv) = (f32s(a, n)?, f32s(b, n)?);
            let mut y = Vec::with_capacity(numel(&lead) * m * nn);
            let batches = numel(&lead);
            if batched {
                for i in 0..batches {
                    y.extend(matmul(
                        &av[i * m * k..(i + 1) * m * k],
                        &bv[i * k * nn..(i + 1) * k * nn],
                        m,
                        k,
                        nn,
                    ));
                }
            } else {
                y = matmul(av, bv, batches * m, k, nn);
            }
            let mut shape = lead;
            if a.shape.len() > 1 {
                shape.push(m);
            }
            if b.shape.len() > 1 {
                shape.push(nn);
            }
            vec![Tensor::f32(shape, y)]
        }
        "Add" | "Sub" | "Mul" | "Div" => {
            let (a, b) = (x()?, input(ins, 1, n)?);
            let shape = bcast::shape(&a.shape, &b.shape).ok_or_else(|| {
                format!(
                    "{op} node `{}`: shapes {:?} and {:?} do not broadcast",
                    n.name, a.shape, b.shape
                )
            })?;
            let (ma, mb) = (
                bcast::index_map(&a.shape, &shape),
                bcast::index_map(&b.shape, &shape),
            );
            match (&a.data, &b.data) {
                (Data::I64(av), Data::I64(bv)) => {
                    let f = |x: i64, y: i64| match op {
                        "Add" => x.wrapping_add(y),
                        "Sub" => x.wrapping_sub(y),
                        "Mul" => x.wrapping_mul(y),
                        _ => x.checked_div(y).unwrap_or(0),
                    };
                    vec![Tensor::i64(
                        shape,
                        ma.iter().zip(&mb).map(|(&i, &j)| f(av[i], bv[j])).collect(),
                    )]
                }
                _ => {
                    let (av, bv) = (
                        a.to_f32().unwrap_or_default(),
                        b.to_f32().unwrap_or_default(),
                    );
                    if av.len() != a.len() || bv.len() != b.len() {
                        return Err(format!("{op} node `{}` needs numeric inputs", n.name));
                    }
                    let f = |x: f32, y: f32| match op {
                        "Add" => x + y,
                        "Sub" => x - y,
                        "Mul" => x * y,
                        _ => x / y,
                    };
                    vec![Tensor::f32(
                        shape,
                        ma.iter().zip(&mb).map(|(&i, &j)| f(av[i], bv[j])).collect(),
                    )]
                }
            }
        }
        "Relu" | "LeakyRelu" | "Sigmoid" | "Tanh" | "Exp" | "Neg" | "Sqrt" | "Abs" => {
            let t = x()?;
            let v = f32s(t, n)?;
            let alpha = a_float(n, "alpha", 0.01);
            let f = |x: f32| match op {
                "Relu" => x.max(0.0),
                "LeakyRelu" => {
                    if x >= 0.0 {
                        x
                    } else {
                        alpha * x
                    }
                }
                "Sigmoid" => sigmoid(x),
                "Tanh" => x.tanh(),
                "Exp" => x.exp(),
                "Neg" => -x,
                "Sqrt" => x.sqrt(),
                _ => x.abs(),
            };
            vec![Tensor::f32(
                t.shape.clone(),
                v.iter().map(|&x| f(x)).collect(),
            )]
        }
        "Clip" => {
            let t = x()?;
            let (lo, hi) = clip_bounds(n, opset, ins)?;
            vec![Tensor::f32(
                t.shape.clone(),
                f32s(t, n)?.iter().map(|&x| x.max(lo).min(hi)).collect(),
            )]
        }
        "Softmax" | "LogSoftmax" => {
            let t = x()?;
            let g = softmax_groups(n, opset, &t.shape)?;
            vec![Tensor::f32(
                t.shape.clone(),
                softmax(f32s(t, n)?, g, op == "LogSoftmax"),
            )]
        }
        "Flatten" => {
            let t = x()?;
            let ax = a_int(n, "axis", 1);
            let ax = if ax < 0 {
                ax + t.shape.len() as i64
            } else {
                ax
            };
            if ax < 0 || ax as usize > t.shape.len() {
                return Err(format!("Flatten node `{}`: axis out of range", n.name));
            }
            let ax = ax as usize;
            vec![
                t.clone()
                    .reshaped(vec![numel(&t.shape[..ax]), numel(&t.shape[ax..])]),
            ]
        }
        "Reshape" => {
            let t = x()?;
            let spec = input(ins, 1, n)?
                .to_i64()
                .ok_or("Reshape shape must be integers")?;
            vec![t.clone().reshaped(reshape_target(
                &t.shape,
                &spec,
                a_int(n, "allowzero", 0) == 1,
                n,
            )?)]
        }
        "Squeeze" | "Unsqueeze" => {
            let t = x()?;
            let axes = if opset >= 13 {
                ins.get(1).copied().flatten().and_then(|a| a.to_i64())
            } else {
                a_ints(n, "axes")
            };
            let shape = if op == "Squeeze" {
                match axes {
                    None => t.shape.iter().copied().filter(|&d| d != 1).collect(),
                    Some(ax) => {
                        let ax: Vec<usize> = ax
                            .iter()
                            .map(|&a| axis(a, t.shape.len(), n))
                            .collect::<R<_>>()?;
                        t.shape
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| !ax.contains(i))
                            .map(|(_, &d)| d)
                            .collect()
                    }
                }
            } else {
                let ax = axes.ok_or_else(|| format!("Unsqueeze node `{}` has no axes", n.name))?;
                let r = t.shape.len() + ax.len();
                let ax: Vec<usize> = ax.iter().map(|&a| axis(a, r, n)).collect::<R<_>>()?;
                let mut it = t.shape.iter();
                (0..r)
                    .map(|i| {
                        if ax.contains(&i) {
                            1
                        } else {
                            it.next().copied().unwrap_or(1)
                        }
                    })
                    .collect()
            };
            vec![t.clone().reshaped(shape)]
        }
        "Transpose" => {
            let t = x()?;
            let r = t.shape.len();
            let perm = a_ints(n, "perm").unwrap_or_else(|| (0..r as i64).rev().collect());
            let perm: Vec<usize> = perm.iter().map(|&p| axis(p, r, n)).collect::<R<_>>()?;
            let mut seen = vec![false; r];
            for &p in &perm {
                seen[p] = true;
            }
            if perm.len() != r || seen.iter().any(|s| !s) {
                return Err(format!("Transpose node `{}`: bad perm", n.name));
            }
            let (shape, map) = transpose_map(&t.shape, &perm);
            vec![gather_elems(t, shape, &map)]
        }
        "Concat" => {
            let parts: Vec<&Tensor> = ins.iter().copied().flatten().collect();
            let first = parts.first().ok_or("Concat without inputs")?;
            let ax = axis(a_int(n, "axis", 0), first.shape.len(), n)?;
            let mut shape = first.shape.clone();
            shape[ax] = 0;
            for p in &parts {
                if p.shape.len() != first.shape.len()
                    || p.shape
                        .iter()
                        .enumerate()
                        .any(|(i, &d)| i != ax && d != first.shape[i])
                {
                    return Err(format!("Concat node `{}`: shapes do not match", n.name));
                }
                shape[ax] += p.shape[ax];
            }
            let outer = numel(&shape[..ax]);
            let all_f = parts.iter().all(|p| p.as_f32().is_some());
            if all_f {
                let mut v = Vec::with_capacity(numel(&shape));
                for o in 0..outer {
                    for p in &parts {
                        let chunk = numel(&p.shape[ax..]);
                        v.extend_from_slice(&p.as_f32().unwrap_or(&[])[o * chunk..(o + 1) * chunk]);
                    }
                }
                vec![Tensor::f32(shape, v)]
            } else {
                let mut v = Vec::with_capacity(numel(&shape));
                for o in 0..outer {
                    for p in &parts {
                        let chunk = numel(&p.shape[ax..]);
                        let pv = p.to_i64().ok_or("Concat of strings is not supported")?;
                        v.extend_from_slice(&pv[o * chunk..(o + 1) * chunk]);
                    }
                }
                vec![Tensor::i64(shape, v)]
            }
        }
        "Gather" => {
            let (t, idx) = (x()?, input(ins, 1, n)?);
            let ax = axis(a_int(n, "axis", 0), t.shape.len(), n)?;
            let (shape, map) = gather_map(&t.shape, ax, idx, n)?;
            vec![gather_elems(t, shape, &map)]
        }
        "BatchNormalization" => {
            let t = x()?;
            let (scale, bias, mean, var) = bn_params(n, ins)?;
            let eps = a_float(n, "epsilon", 1e-5);
            let c = t.shape.get(1).copied().unwrap_or(1);
            if scale.len() != c || bias.len() != c || mean.len() != c || var.len() != c {
                return Err(format!(
                    "BatchNormalization node `{}`: parameter sizes differ from channels",
                    n.name
                ));
            }
            let inner = numel(t.shape.get(2..).unwrap_or(&[]));
            let v = f32s(t, n)?;
            let mut y = vec![0f32; v.len()];
            for (i, (yv, xv)) in y.iter_mut().zip(v).enumerate() {
                let ch = (i / inner) % c;
                *yv = (xv - mean[ch]) / (var[ch] + eps).sqrt() * scale[ch] + bias[ch];
            }
            vec![Tensor::f32(t.shape.clone(), y)]
        }
        "Conv" => {
            let (t, w) = (x()?, input(ins, 1, n)?);
            let (nb, c, h, wd) = spatial4(t, n)?;
            let (m, cg, kh, kw) = spatial4(w, n)?;
            let g = usize::try_from(a_int(n, "group", 1)).unwrap_or(0);
            if g == 0 || c % g != 0 || m % g != 0 || cg != c / g {
                return Err(format!("Conv node `{}`: group/channel mismatch", n.name));
            }
            let win = window(n, h, wd, kh, kw, false)?;
            let bias = match ins.get(2).copied().flatten() {
                Some(b) => f32s(b, n)?.to_vec(),
                None => vec![0.0; m],
            };
            if bias.len() != m {
                return Err(format!("Conv node `{}`: bias size", n.name));
            }
            let (xv, wv) = (f32s(t, n)?, f32s(w, n)?);
            let mpg = m / g;
            let mut y = vec![0f32; nb * m * win.oh * win.ow];
            for b in 0..nb {
                for oc in 0..m {
                    let gi = oc / mpg;
                    let yo = (b * m + oc) * win.oh * win.ow;
                    for ic in 0..cg {
                        let ch = gi * cg + ic;
                        let xo = (b * c + ch) * h * wd;
                        for ki in 0..kh {
                            for kj in 0..kw {
                                let wt = wv[((oc * cg + ic) * kh + ki) * kw + kj];
                                for oi in 0..win.oh {
                                    let Some(ii) = tap(oi, win.sh, ki, win.dh, win.pt, h) else {
                                        continue;
                                    };
                                    for oj in 0..win.ow {
                                        let Some(jj) = tap(oj, win.sw, kj, win.dw, win.pl, wd)
                                        else {
                                            continue;
                                        };
                                        y[yo + oi * win.ow + oj] += wt * xv[xo + ii * wd + jj];
                                    }
                                }
                            }
                        }
                    }
                    for v in &mut y[yo..yo + win.oh * win.ow] {
                        *v += bias[oc];
                    }
                }
            }
            vec![Tensor::f32(vec![nb, m, win.oh, win.ow], y)]
        }
        "MaxPool" | "AveragePool" => {
            let t = x()?;
            let (nb, c, h, wd) = spatial4(t, n)?;
            let k = a_ints(n, "kernel_shape")
                .ok_or_else(|| format!("{op} node `{}` lacks kernel_shape", n.name))?;
            let [kh, kw] = k[..] else {
                return Err(format!(
                    "{op} node `{}`: only 2-D pooling is supported",
                    n.name
                ));
            };
            let win = window(n, h, wd, kh.max(0) as usize, kw.max(0) as usize, true)?;
            let xv = f32s(t, n)?;
            let include_pad = a_int(n, "count_include_pad", 0) == 1;
            let mut y = vec![0f32; nb * c * win.oh * win.ow];
            for bc in 0..nb * c {
                let xo = bc * h * wd;
                for oi in 0..win.oh {
                    for oj in 0..win.ow {
                        let (mut acc, mut cnt, mut mx) = (0f32, 0usize, f32::NEG_INFINITY);
                        let mut padcnt = 0usize;
                        for ki in 0..win.kh {
                            let raw_i = (oi * win.sh + ki * win.dh) as i64 - win.pt as i64;
                            for kj in 0..win.kw {
                                let raw_j = (oj * win.sw + kj * win.dw) as i64 - win.pl as i64;
                                if raw_i < (h + win.pb) as i64 && raw_j < (wd + win.pr) as i64 {
                                    padcnt += 1;
                                }
                                let (Some(ii), Some(jj)) = (
                                    tap(oi, win.sh, ki, win.dh, win.pt, h),
                                    tap(oj, win.sw, kj, win.dw, win.pl, wd),
                                ) else {
                                    continue;
                                };
                                let v = xv[xo + ii * wd + jj];
                                acc += v;
                                cnt += 1;
                                mx = mx.max(v);
                            }
                        }
                        y[(bc * win.oh + oi) * win.ow + oj] = if op == "MaxPool" {
                            mx
                        } else {
                            acc / (if include_pad { padcnt } else { cnt }).max(1) as f32
                        };
                    }
                }
            }
            let mut out = vec![Tensor::f32(vec![nb, c, win.oh, win.ow], y)];
            if n.outputs.len() > 1 {
                return Err(format!(
                    "{op} node `{}`: the Indices output is not supported",
                    n.name
                ));
            }
            out.truncate(1);
            out
        }
        "GlobalAveragePool" | "GlobalMaxPool" => {
            let t = x()?;
            if t.shape.len() < 3 {
                return Err(format!("{op} node `{}` needs rank >= 3", n.name));
            }
            let inner = numel(&t.shape[2..]);
            let v = f32s(t, n)?;
            let y: Vec<f32> = v
                .chunks(inner.max(1))
                .map(|c| {
                    if op == "GlobalMaxPool" {
                        c.iter().copied().fold(f32::NEG_INFINITY, f32::max)
                    } else {
                        c.iter().sum::<f32>() / inner.max(1) as f32
                    }
                })
                .collect();
            let mut shape = t.shape[..2].to_vec();
            shape.extend(std::iter::repeat_n(1, t.shape.len() - 2));
            vec![Tensor::f32(shape, y)]
        }
        "ArgMax" => {
            let t = x()?;
            let ax = axis(a_int(n, "axis", 0), t.shape.len(), n)?;
            let last = a_int(n, "select_last_index", 0) == 1;
            let v = t.to_f32().ok_or("ArgMax of strings")?;
            let (o, l, i) = around(&t.shape, ax);
            let mut y = Vec::with_capacity(o * i);
            for a in 0..o {
                for c in 0..i {
                    let mut best = 0usize;
                    for k in 1..l {
                        let (vk, vb) = (v[a * l * i + k * i + c], v[a * l * i + best * i + c]);
                        if vk > vb || (last && vk == vb) {
                            best = k;
                        }
                    }
                    y.push(best as i64);
                }
            }
            let mut shape = t.shape.clone();
            if a_int(n, "keepdims", 1) == 1 {
                shape[ax] = 1;
            } else {
                shape.remove(ax);
            }
            vec![Tensor::i64(shape, y)]
        }
        other => {
            return Err(format!(
                "operator {other} (node `{}`) is not supported by the native evaluator",
                n.name
            ));
        }
    })
}

/// Scale, bias, mean, variance.
type BnParams = (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>);

fn bn_params(n: &Node, ins: &[Option<&Tensor>]) -> R<BnParams> {
    let g = |i| input(ins, i, n).and_then(|t| f32s(t, n).map(<[f32]>::to_vec));
    Ok((g(1)?, g(2)?, g(3)?, g(4)?))
}

fn clip_bounds(n: &Node, opset: i64, ins: &[Option<&Tensor>]) -> R<(f32, f32)> {
    if opset < 11 {
        return Ok((
            a_float(n, "min", f32::NEG_INFINITY),
            a_float(n, "max", f32::INFINITY),
        ));
    }
    let get = |i: usize, d: f32| -> R<f32> {
        match ins.get(i).copied().flatten() {
            Some(t) => t
                .to_f32()
                .and_then(|v| v.first().copied())
                .ok_or_else(|| format!("Clip node `{}`: bad bound", n.name)),
            None => Ok(d),
        }
    };
    Ok((get(1, f32::NEG_INFINITY)?, get(2, f32::INFINITY)?))
}

fn cast(t: &Tensor, to: i64, n: &Node) -> R<Tensor> {
    Ok(match to {
        1 | 10 | 11 | 16 => Tensor::f32(
            t.shape.clone(),
            t.to_f32()
                .ok_or_else(|| format!("Cast node `{}`: strings to float", n.name))?,
        ),
        2..=7 | 12 | 13 => Tensor::i64(
            t.shape.clone(),
            t.to_i64()
                .ok_or_else(|| format!("Cast node `{}`: strings to int", n.name))?,
        ),
        9 => Tensor::i64(
            t.shape.clone(),
            t.to_f32()
                .ok_or("Cast of strings")?
                .iter()
                .map(|&v| i64::from(v != 0.0))
                .collect(),
        ),
        8 => Tensor {
            shape: t.shape.clone(),
            data: Data::Str(match &t.data {
                Data::F32(v) => v.iter().map(|x| x.to_string()).collect(),
                Data::I64(v) => v.iter().map(|x| x.to_string()).collect(),
                Data::Str(v) => v.clone(),
            }),
        },
        other => {
            return Err(format!(
                "Cast node `{}`: unsupported target type {other}",
                n.name
            ));
        }
    })
}

/// Leading (batch) dims, m, k, k2, n, and whether both sides are batched.
type MmDims = (Vec<usize>, usize, usize, usize, usize, bool);

fn matmul_dims(a: &[usize], b: &[usize], n: &Node) -> R<MmDims> {
    let bad = || format!("MatMul node `{}`: unsupported shapes {a:?} x {b:?}", n.name);
    let (m, k) = match a.len() {
        0 => return Err(bad()),
        1 => (1, a[0]),
        r => (a[r - 2], a[r - 1]),
    };
    let (k2, nn) = match b.len() {
        0 => return Err(bad()),
        1 => (b[0], 1),
        r => (b[r - 2], b[r - 1]),
    };
    let la = if a.len() > 2 {
        a[..a.len() - 2].to_vec()
    } else {
        vec![]
    };
    let lb = if b.len() > 2 {
        b[..b.len() - 2].to_vec()
    } else {
        vec![]
    };
    if lb.is_empty() {
        Ok((la, m, k, k2, nn, false))
    } else if la == lb {
        Ok((la, m, k, k2, nn, true))
    } else {
        Err(bad())
    }
}

fn reshape_target(from: &[usize], spec: &[i64], allowzero: bool, n: &Node) -> R<Vec<usize>> {
    let total = numel(from);
    let mut out = Vec::with_capacity(spec.len());
    let mut infer = None;
    for (i, &s) in spec.iter().enumerate() {
        match s {
            -1 if infer.is_none() => {
                infer = Some(i);
                out.push(1);
            }
            0 if !allowzero => out.push(
                *from
                    .get(i)
                    .ok_or_else(|| format!("Reshape node `{}`: 0 past the input rank", n.name))?,
            ),
            s if s >= 0 => out.push(s as usize),
            _ => return Err(format!("Reshape node `{}`: bad shape {spec:?}", n.name)),
        }
    }
    let known = numel(&out);
    if let Some(i) = infer {
        if known == 0 || !total.is_multiple_of(known) {
            return Err(format!(
                "Reshape node `{}`: cannot reshape {from:?} to {spec:?}",
                n.name
            ));
        }
        out[i] = total / known;
    }
    if numel(&out) != total {
        return Err(format!(
            "Reshape node `{}`: cannot reshape {from:?} to {spec:?}",
            n.name
        ));
    }
    Ok(out)
}

fn transpose_map(shape: &[usize], perm: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let r = shape.len();
    let out: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    let mut in_strides = vec![1usize; r];
    for i in (0..r.saturating_sub(1)).rev() {
        in_strides[i] = in_strides[i + 1] * shape[i + 1];
    }
    let strides: Vec<usize> = perm.iter().map(|&p| in_strides[p]).collect();
    let total = numel(shape);
    let mut map = Vec::with_capacity(total);
    let mut idx = vec![0usize; r];
    let mut cur = 0usize;
    for _ in 0..total {
        map.push(cur);
        for j in (0..r).rev() {
            idx[j] += 1;
            cur += strides[j];
            if idx[j] < out[j] {
                break;
            }
            cur -= strides[j] * idx[j];
            idx[j] = 0;
        }
    }
    (out, map)
}

fn gather_map(shape: &[usize], ax: usize, idx: &Tensor, n: &Node) -> R<(Vec<usize>, Vec<usize>)> {
    let ids = idx.to_i64().ok_or("Gather indices must be integers")?;
    let (o, l, i) = around(shape, ax);
    let ids: Vec<usize> =
        ids.iter()
            .map(|&v| {
                let v = if v < 0 { v + l as i64 } else { v };
                usize::try_from(v).ok().filter(|&v| v < l).ok_or_else(|| {
                    format!("{} node `{}`: index {v} out of range", n.op_type, n.name)
                })
            })
            .collect::<R<_>>()?;
    let mut out = shape[..ax].to_vec();
    out.extend_from_slice(&idx.shape);
    out.extend_from_slice(&shape[ax + 1..]);
    let mut map = Vec::with_capacity(o * ids.len() * i);
    for a in 0..o {
        for &k in &ids {
            for c in 0..i {
                map.push(a * l * i + k * i + c);
            }
        }
    }
    Ok((out, map))
}

fn gather_elems(t: &Tensor, shape: Vec<usize>, map: &[usize]) -> Tensor {
    let data = match &t.data {
        Data::F32(v) => Data::F32(map.iter().map(|&i| v[i]).collect()),
        Data::I64(v) => Data::I64(map.iter().map(|&i| v[i]).collect()),
        Data::Str(v) => Data::Str(map.iter().map(|&i| v[i].clone()).collect()),
    };
    Tensor { shape, data }
}

fn scatter(g: &[f32], map: &[usize], n_in: usize) -> Vec<f32> {
    let mut out = vec![0f32; n_in];
    for (&m, &v) in map.iter().zip(g) {
        out[m] += v;
    }
    out
}

// ---------------------------------------------------------------- ai.onnx.ml

/// Parameters of a LinearClassifier node.
struct Linear {
    coef: Vec<f32>,
    intercepts: Vec<f32>,
    rows: usize,
    feats: usize,
}

fn linear(n: &Node, x: &Tensor) -> R<Linear> {
    let coef = a_floats(n, "coefficients")
        .ok_or_else(|| format!("{} node `{}` lacks coefficients", n.op_type, n.name))?;
    let feats = x
        .shape
        .get(1)
        .copied()
        .unwrap_or(if x.shape.len() == 1 { x.shape[0] } else { 0 });
    if feats == 0 || coef.len() % feats != 0 {
        return Err(format!(
            "{} node `{}`: {} coefficients do not fit {} features",
            n.op_type,
            n.name,
            coef.len(),
            feats
        ));
    }
    let rows = coef.len() / feats;
    let intercepts = a_floats(n, "intercepts").unwrap_or_else(|| vec![0.0; rows]);
    if intercepts.len() != rows {
        return Err(format!(
            "{} node `{}`: intercepts do not match coefficients",
            n.op_type, n.name
        ));
    }
    Ok(Linear {
        coef,
        intercepts,
        rows,
        feats,
    })
}

/// Raw scores `x · coefᵀ + intercepts`, `[n × rows]`.
fn linear_scores(l: &Linear, x: &[f32]) -> Vec<f32> {
    let wt = transpose2(&l.coef, l.rows, l.feats);
    let mut s = matmul(x, &wt, x.len() / l.feats, l.feats, l.rows);
    for row in s.chunks_mut(l.rows) {
        for (v, b) in row.iter_mut().zip(&l.intercepts) {
            *v += b;
        }
    }
    s
}

fn probit(p: f32) -> f32 {
    // sqrt(2) * erfinv(2p - 1), as ONNX Runtime's ComputeProbit.
    std::f32::consts::SQRT_2 * erfinv(2.0 * p - 1.0)
}

fn erfinv(x: f32) -> f32 {
    // Giles' single-precision approximation (as used by ONNX Runtime).
    let x = f64::from(x);
    let mut w = -((1.0 - x) * (1.0 + x)).ln();
    let p = if w < 5.0 {
        w -= 2.5;
        let mut p = 2.810_226_36e-08;
        for c in [
            3.432_739_39e-07,
            -3.523_387_7e-06,
            -4.391_506_54e-06,
            0.000_218_580_87,
            -0.001_253_725_03,
            -0.004_177_681_64,
            0.246_640_727,
            1.501_409_41,
        ] {
            p = c + p * w;
        }
        p
    } else {
        w = w.sqrt() - 3.0;
        let mut p = -0.000_200_214_257;
        for c in [
            0.000_100_950_558,
            0.001_349_343_22,
            -0.003_673_428_44,
            0.005_739_507_73,
            -0.007_622_461_3,
            0.009_438_870_47,
            1.001_674_06,
            2.832_976_82,
        ] {
            p = c + p * w;
        }
        p
    };
    (p * x) as f32
}

/// Applies an `ai.onnx.ml` post transform to rows of `k` scores.
pub(crate) fn post_transform(kind: &str, s: &mut [f32], k: usize) -> R<()> {
    match kind {
        "NONE" => {}
        "LOGISTIC" => s.iter_mut().for_each(|v| *v = sigmoid(*v)),
        "SOFTMAX" => {
            for row in s.chunks_mut(k.max(1)) {
                let y = softmax(row, (1, row.len(), 1), false);
                row.copy_from_slice(&y);
            }
        }
        "SOFTMAX_ZERO" => {
            for row in s.chunks_mut(k.max(1)) {
                let mx = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let mut sum = 0f32;
                for v in row.iter_mut() {
                    *v = if *v == 0.0 { 0.0 } else { (*v - mx).exp() };
                    sum += *v;
                }
                if sum > 0.0 {
                    row.iter_mut().for_each(|v| *v /= sum);
                }
            }
        }
        "PROBIT" => s.iter_mut().for_each(|v| *v = probit(*v)),
        other => return Err(format!("unknown post_transform {other}")),
    }
    Ok(())
}

fn class_labels(n: &Node, idx: &[usize]) -> Data {
    if let Some(Attr::Strings(s)) = n.attrs.get("classlabels_strings") {
        Data::Str(
            idx.iter()
                .map(|&i| {
                    s.get(i)
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                        .unwrap_or_default()
                })
                .collect(),
        )
    } else {
        let l = a_ints(n, "classlabels_ints").unwrap_or_default();
        Data::I64(
            idx.iter()
                .map(|&i| l.get(i).copied().unwrap_or(i as i64))
                .collect(),
        )
    }
}

fn forward_ml(n: &Node, ins: &[Option<&Tensor>]) -> R<Vec<Tensor>> {
    let x = input(ins, 0, n)?;
    Ok(match n.op_type.as_str() {
        // Maps are not materialised: ZipMap passes its probability tensor through, which is
        // what the attacks read.
        "ZipMap" => vec![x.clone()],
        "Cast" => vec![cast(x, 1, n)?],
        "ArrayFeatureExtractor" => {
            let idx = input(ins, 1, n)?;
            let last = x.shape.len().saturating_sub(1);
            let (mut shape, map) = gather_map(
                &x.shape,
                last,
                &Tensor::i64(
                    vec![idx.len()],
                    idx.to_i64().ok_or("indices must be integers")?,
                ),
                n,
            )?;
            if x.shape.len() == 1 {
                shape = vec![1, idx.len()];
            }
            vec![gather_elems(x, shape, &map)]
        }
        "Normalizer" => {
            let v = x.to_f32().ok_or("Normalizer of strings")?;
            let k = *x.shape.last().unwrap_or(&1);
            let norm = a_str(n, "norm", "MAX");
            let mut y = v.clone();
            for row in y.chunks_mut(k.max(1)) {
                let d = match norm.as_str() {
                    "MAX" => row.iter().copied().fold(f32::NEG_INFINITY, f32::max),
                    "L1" => row.iter().map(|v| v.abs()).sum(),
                    "L2" => row.iter().map(|v| v * v).sum::<f32>().sqrt(),
                    o => return Err(format!("Normalizer node `{}`: unknown norm {o}", n.name)),
                };
                if d != 0.0 {
                    row.iter_mut().for_each(|v| *v /= d);
                }
            }
            vec![Tensor::f32(x.shape.clone(), y)]
        }
        "Scaler" => {
            let v = x.to_f32().ok_or("Scaler of strings")?;
            let k = *x.shape.last().unwrap_or(&1);
            let off = a_floats(n, "offset").unwrap_or_else(|| vec![0.0]);
            let sc = a_floats(n, "scale").unwrap_or_else(|| vec![1.0]);
            let pick = |a: &[f32], j: usize| {
                if a.len() == 1 {
                    a[0]
                } else {
                    a.get(j).copied().unwrap_or(0.0)
                }
            };
            if (off.len() != 1 && off.len() != k) || (sc.len() != 1 && sc.len() != k) {
                return Err(format!(
                    "Scaler node `{}`: offset/scale size differs from {k} features",
                    n.name
                ));
            }
            let y = v
                .iter()
                .enumerate()
                .map(|(i, &x)| (x - pick(&off, i % k)) * pick(&sc, i % k))
                .collect();
            vec![Tensor::f32(x.shape.clone(), y)]
        }
        "LinearClassifier" => {
            let xv = x.to_f32().ok_or("LinearClassifier of strings")?;
            let l = linear(n, x)?;
            let raw = linear_scores(&l, &xv);
            let nb = xv.len() / l.feats;
            let pt = a_str(n, "post_transform", "NONE");
            let n_labels = match n.attrs.get("classlabels_strings") {
                Some(Attr::Strings(s)) => s.len(),
                _ => a_ints(n, "classlabels_ints").map_or(l.rows, |v| v.len()),
            };
            let (scores, k) = if l.rows == 1 && n_labels == 2 {
                // Binary with one coefficient row: ONNX Runtime emits two columns.
                let mut s = Vec::with_capacity(nb * 2);
                for &r in &raw {
                    match pt.as_str() {
                        "LOGISTIC" => s.extend([sigmoid(-r), sigmoid(r)]),
                        "NONE" => s.extend([-r, r]),
                        o => {
                            return Err(format!(
                                "LinearClassifier node `{}`: post_transform {o} with one coefficient row is not supported",
                                n.name
                            ));
                        }
                    }
                }
                (s, 2)
            } else {
                let mut s = raw.clone();
                post_transform(&pt, &mut s, l.rows)?;
                (s, l.rows)
            };
            let idx: Vec<usize> = if l.rows == 1 && n_labels == 2 {
                raw.iter().map(|&r| usize::from(r > 0.0)).collect()
            } else {
                raw.chunks(l.rows).map(argmax).collect()
            };
            vec![
                Tensor {
                    shape: vec![nb],
                    data: class_labels(n, &idx),
                },
                Tensor::f32(vec![nb, k], scores),
                // Hidden third output: the raw scores, for exact loss gradients.
                Tensor::f32(vec![nb, l.rows], raw),
            ]
        }
        "LinearRegressor" => {
            let xv = x.to_f32().ok_or("LinearRegressor of strings")?;
            let l = linear(n, x)?;
            let mut s = linear_scores(&l, &xv);
            let pt = a_str(n, "post_transform", "NONE");
            post_transform(&pt, &mut s, l.rows)?;
            vec![Tensor::f32(vec![xv.len() / l.feats, l.rows], s)]
        }
        other => {
            return Err(format!(
                "operator ai.onnx.ml.{other} (node `{}`) is not supported by the native evaluator",
                n.name
            ));
        }
    })
}

pub(crate) fn argmax(r: &[f32]) -> usize {
    let mut b = 0;
    for (i, &v) in r.iter().enumerate() {
        if v > r[b] {
            b = i;
        }
    }
    b
}

// ---------------------------------------------------------------- backward

/// Gradients of the loss with respect to the inputs of `n`; `gout[i]` is the gradient with
/// respect to output `i` (if any), `need[i]` says whether input `i` needs one.
pub(crate) fn backward(
    n: &Node,
    opset: i64,
    ins: &[Option<&Tensor>],
    outs: &[Tensor],
    gout: &[Option<&[f32]>],
    need: &[bool],
) -> R<Vec<Option<Vec<f32>>>> {
    let op = n.op_type.as_str();
    let mut res: Vec<Option<Vec<f32>>> = vec![None; ins.len()];
    let want = |i: usize| need.get(i).copied().unwrap_or(false);
    let no_grad = || format!("no gradient through {op} node `{}`", n.name);
    let x = || input(ins, 0, n);
    if n.domain == "ai.onnx.ml" {
        return backward_ml(n, ins, outs, gout, need);
    }
    let Some(g) = gout.first().copied().flatten() else {
        return Ok(res);
    };
    match op {
        "Identity" | "Dropout" | "Cast" | "Flatten" | "Reshape" | "Squeeze" | "Unsqueeze" => {
            if want(0) {
                res[0] = Some(g.to_vec());
            }
        }
        "Gemm" => {
            let (a, b) = (x()?, input(ins, 1, n)?);
            let (ta, tb) = (a_int(n, "transA", 0) == 1, a_int(n, "transB", 0) == 1);
            let (alpha, beta) = (a_float(n, "alpha", 1.0), a_float(n, "beta", 1.0));
            let (ar, ac, br, bc) = (a.shape[0], a.shape[1], b.shape[0], b.shape[1]);
            let (m, k) = if ta { (ac, ar) } else { (ar, ac) };
            let nn = if tb { br } else { bc };
            if want(0) {
                // dA' = alpha · dY · B'ᵀ, B'ᵀ is B when transB else Bᵀ.
                let bt = if tb {
                    f32s(b, n)?.to_vec()
                } else {
                    transpose2(f32s(b, n)?, br, bc)
                };
                let mut da = matmul(g, &bt, m, nn, k);
                da.iter_mut().for_each(|v| *v *= alpha);
                res[0] = Some(if ta { transpose2(&da, m, k) } else { da });
            }
            if want(1) {
                let at = if ta {
                    f32s(a, n)?.to_vec()
                } else {
                    transpose2(f32s(a, n)?, ar, ac)
                };
                let mut db = matmul(&at, g, k, m, nn);
                db.iter_mut().for_each(|v| *v *= alpha);
                res[1] = Some(if tb { transpose2(&db, k, nn) } else { db });
            }
            if want(2) {
                let c = input(ins, 2, n)?;
                let mut dc = bcast::reduce_to(g, &c.shape, &[m, nn]);
                dc.iter_mut().for_each(|v| *v *= beta);
                res[2] = Some(dc);
            }
        }
        "MatMul" => {
            let (a, b) = (x()?, input(ins, 1, n)?);
            let (lead, m, k, _, nn, batched) = matmul_dims(&a.shape, &b.shape, n)?;
            let batches = numel(&lead);
            let (av, bv) = (f32s(a, n)?, f32s(b, n)?);
            if want(0) {
                let mut da = Vec::with_capacity(av.len());
                if batched {
                    for i in 0..batches {
                        let bt = transpose2(&bv[i * k * nn..(i + 1) * k * nn], k, nn);
                        da.extend(matmul(&g[i * m * nn..(i + 1) * m * nn], &bt, m, nn, k));
                    }
                } else {
                    da = matmul(g, &transpose2(bv, k, nn), batches * m, nn, k);
                }
                res[0] = Some(da);
            }
            if want(1) {
                let mut db = vec![0f32; bv.len()];
                if batched {
                    for i in 0..batches {
                        let at = transpose2(&av[i * m * k..(i + 1) * m * k], m, k);
                        let d = matmul(&at, &g[i * m * nn..(i + 1) * m * nn], k, m, nn);
                        db[i * k * nn..(i + 1) * k * nn].copy_from_slice(&d);
                    }
                } else {
                    db = matmul(&transpose2(av, batches * m, k), g, k, batches * m, nn);
                }
                res[1] = Some(db);
            }
        }
        "Add" | "Sub" | "Mul" | "Div" => {
            let (a, b) = (x()?, input(ins, 1, n)?);
            let shape = &outs[0].shape;
            let (ma, mb) = (
                bcast::index_map(&a.shape, shape),
                bcast::index_map(&b.shape, shape),
            );
            let (av, bv) = (
                a.to_f32().ok_or_else(no_grad)?,
                b.to_f32().ok_or_else(no_grad)?,
            );
            let mut ga = vec![0f32; av.len()];
            let mut gb = vec![0f32; bv.len()];
            for (i, &gv) in g.iter().enumerate() {
                let (x, y) = (av[ma[i]], bv[mb[i]]);
                let (dx, dy) = match op {
                    "Add" => (gv, gv),
                    "Sub" => (gv, -gv),
                    "Mul" => (gv * y, gv * x),
                    _ => (gv / y, -gv * x / (y * y)),
                };
                ga[ma[i]] += dx;
                gb[mb[i]] += dy;
            }
            if want(0) {
                res[0] = Some(ga);
            }
            if want(1) {
                res[1] = Some(gb);
            }
        }
        "Relu" | "LeakyRelu" | "Sigmoid" | "Tanh" | "Exp" | "Neg" | "Sqrt" | "Abs" | "Clip" => {
            if !want(0) {
                return Ok(res);
            }
            let xv = f32s(x()?, n)?;
            let yv = f32s(&outs[0], n)?;
            let alpha = a_float(n, "alpha", 0.01);
            let (lo, hi) = if op == "Clip" {
                clip_bounds(n, opset, ins)?
            } else {
                (0.0, 0.0)
            };
            let d: Vec<f32> = g
                .iter()
                .zip(xv.iter().zip(yv))
                .map(|(&gv, (&x, &y))| {
                    gv * match op {
                        "Relu" => f32::from(x > 0.0),
                        "LeakyRelu" => {
                            if x >= 0.0 {
                                1.0
                            } else {
                                alpha
                            }
                        }
                        "Sigmoid" => y * (1.0 - y),
                        "Tanh" => 1.0 - y * y,
                        "Exp" => y,
                        "Neg" => -1.0,
                        "Sqrt" => 0.5 / y,
                        "Abs" => x.signum() * f32::from(x != 0.0),
                        _ => f32::from(x >= lo && x <= hi),
                    }
                })
                .collect();
            res[0] = Some(d);
        }
        "Softmax" | "LogSoftmax" => {
            if !want(0) {
                return Ok(res);
            }
            let t = x()?;
            let (o, l, i) = softmax_groups(n, opset, &t.shape)?;
            let y = f32s(&outs[0], n)?;
            let mut d = vec![0f32; y.len()];
            for a in 0..o {
                for c in 0..i {
                    let at = |k: usize| a * l * i + k * i + c;
                    if op == "Softmax" {
                        let dot: f32 = (0..l).map(|k| g[at(k)] * y[at(k)]).sum();
                        for k in 0..l {
                            d[at(k)] = y[at(k)] * (g[at(k)] - dot);
                        }
                    } else {
                        let s: f32 = (0..l).map(|k| g[at(k)]).sum();
                        for k in 0..l {
                            d[at(k)] = g[at(k)] - y[at(k)].exp() * s;
                        }
                    }
                }
            }
            res[0] = Some(d);
        }
        "Transpose" => {
            if want(0) {
                let t = x()?;
                let r = t.shape.len();
                let perm = a_ints(n, "perm").unwrap_or_else(|| (0..r as i64).rev().collect());
                let perm: Vec<usize> = perm.iter().map(|&p| axis(p, r, n)).collect::<R<_>>()?;
                let (_, map) = transpose_map(&t.shape, &perm);
                res[0] = Some(scatter(g, &map, t.len()));
            }
        }
        "Gather" => {
            if want(0) {
                let (t, idx) = (x()?, input(ins, 1, n)?);
                let ax = axis(a_int(n, "axis", 0), t.shape.len(), n)?;
                let (_, map) = gather_map(&t.shape, ax, idx, n)?;
                res[0] = Some(scatter(g, &map, t.len()));
            }
        }
        "Concat" => {
            let shape = &outs[0].shape;
            let ax = axis(a_int(n, "axis", 0), shape.len(), n)?;
            let outer = numel(&shape[..ax]);
            let total = numel(&shape[ax..]);
            let mut off = 0;
            for (i, t) in ins.iter().enumerate() {
                let Some(t) = t else { continue };
                let chunk = numel(&t.shape[ax..]);
                if want(i) {
                    let mut d = Vec::with_capacity(t.len());
                    for o in 0..outer {
                        d.extend_from_slice(&g[o * total + off..o * total + off + chunk]);
                    }
                    res[i] = Some(d);
                }
                off += chunk;
            }
        }
        "BatchNormalization" => {
            if want(0) {
                let t = x()?;
                let (scale, _, _, var) = bn_params(n, ins)?;
                let eps = a_float(n, "epsilon", 1e-5);
                let c = t.shape.get(1).copied().unwrap_or(1);
                let inner = numel(t.shape.get(2..).unwrap_or(&[]));
                res[0] = Some(
                    g.iter()
                        .enumerate()
                        .map(|(i, &gv)| {
                            let ch = (i / inner) % c;
                            gv * scale[ch] / (var[ch] + eps).sqrt()
                        })
                        .collect(),
                );
            }
        }
        "Conv" => {
            if want(0) {
                let (t, w) = (x()?, input(ins, 1, n)?);
                let (nb, c, h, wd) = spatial4(t, n)?;
                let (m, cg, kh, kw) = spatial4(w, n)?;
                let gr = usize::try_from(a_int(n, "group", 1)).unwrap_or(1).max(1);
                let win = window(n, h, wd, kh, kw, false)?;
                let wv = f32s(w, n)?;
                let mpg = m / gr;
                let mut d = vec![0f32; t.len()];
                for b in 0..nb {
                    for oc in 0..m {
                        let gi = oc / mpg;
                        let yo = (b * m + oc) * win.oh * win.ow;
                        for ic in 0..cg {
                            let xo = (b * c + gi * cg + ic) * h * wd;
                            for ki in 0..kh {
                                for kj in 0..kw {
                                    let wt = wv[((oc * cg + ic) * kh + ki) * kw + kj];
                                    for oi in 0..win.oh {
                                        let Some(ii) = tap(oi, win.sh, ki, win.dh, win.pt, h)
                                        else {
                                            continue;
                                        };
                                        for oj in 0..win.ow {
                                            let Some(jj) = tap(oj, win.sw, kj, win.dw, win.pl, wd)
                                            else {
                                                continue;
                                            };
                                            d[xo + ii * wd + jj] += wt * g[yo + oi * win.ow + oj];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                res[0] = Some(d);
            }
            if want(1) || want(2) {
                return Err(format!(
                    "Conv node `{}`: gradients with respect to weights are not supported",
                    n.name
                ));
            }
        }
        "MaxPool" | "AveragePool" => {
            if !want(0) {
                return Ok(res);
            }
            let t = x()?;
            let (nb, c, h, wd) = spatial4(t, n)?;
            let k = a_ints(n, "kernel_shape").unwrap_or_default();
            let [kh, kw] = k[..] else {
                return Err(no_grad());
            };
            let win = window(n, h, wd, kh.max(0) as usize, kw.max(0) as usize, true)?;
            let xv = f32s(t, n)?;
            let yv = f32s(&outs[0], n)?;
            let include_pad = a_int(n, "count_include_pad", 0) == 1;
            let mut d = vec![0f32; t.len()];
            for bc in 0..nb * c {
                let xo = bc * h * wd;
                for oi in 0..win.oh {
                    for oj in 0..win.ow {
                        let yi = (bc * win.oh + oi) * win.ow + oj;
                        let mut taps = Vec::new();
                        let mut padcnt = 0usize;
                        for ki in 0..win.kh {
                            let raw_i = (oi * win.sh + ki * win.dh) as i64 - win.pt as i64;
                            for kj in 0..win.kw {
                                let raw_j = (oj * win.sw + kj * win.dw) as i64 - win.pl as i64;
                                if raw_i < (h + win.pb) as i64 && raw_j < (wd + win.pr) as i64 {
                                    padcnt += 1;
                                }
                                if let (Some(ii), Some(jj)) = (
                                    tap(oi, win.sh, ki, win.dh, win.pt, h),
                                    tap(oj, win.sw, kj, win.dw, win.pl, wd),
                                ) {
                                    taps.push(xo + ii * wd + jj);
                                }
                            }
                        }
                        if op == "MaxPool" {
                            // The first maximal element takes the gradient (as ONNX Runtime's
                            // MaxPool indices).
                            if let Some(&p) = taps.iter().find(|&&p| xv[p] == yv[yi]) {
                                d[p] += g[yi];
                            }
                        } else {
                            let cnt = if include_pad { padcnt } else { taps.len() }.max(1) as f32;
                            for &p in &taps {
                                d[p] += g[yi] / cnt;
                            }
                        }
                    }
                }
            }
            res[0] = Some(d);
        }
        "GlobalAveragePool" | "GlobalMaxPool" => {
            if want(0) {
                let t = x()?;
                let inner = numel(&t.shape[2..]).max(1);
                let xv = f32s(t, n)?;
                let yv = f32s(&outs[0], n)?;
                let mut d = vec![0f32; t.len()];
                for (ci, chunk) in xv.chunks(inner).enumerate() {
                    if op == "GlobalMaxPool" {
                        if let Some(p) = chunk.iter().position(|&v| v == yv[ci]) {
                            d[ci * inner + p] = g[ci];
                        }
                    } else {
                        for v in &mut d[ci * inner..(ci + 1) * inner] {
                            *v = g[ci] / inner as f32;
                        }
                    }
                }
                res[0] = Some(d);
            }
        }
        _ => {
            if need.iter().any(|&b| b) {
                return Err(no_grad());
            }
        }
    }
    Ok(res)
}

fn backward_ml(
    n: &Node,
    ins: &[Option<&Tensor>],
    outs: &[Tensor],
    gout: &[Option<&[f32]>],
    need: &[bool],
) -> R<Vec<Option<Vec<f32>>>> {
    let mut res: Vec<Option<Vec<f32>>> = vec![None; ins.len()];
    if !need.first().copied().unwrap_or(false) {
        return Ok(res);
    }
    let x = input(ins, 0, n)?;
    let no_grad = |why: &str| {
        format!(
            "no gradient through ai.onnx.ml.{} node `{}`: {why}",
            n.op_type, n.name
        )
    };
    match n.op_type.as_str() {
        "ZipMap" | "Cast" => res[0] = gout.first().copied().flatten().map(<[f32]>::to_vec),
        "ArrayFeatureExtractor" => {
            if let Some(g) = gout.first().copied().flatten() {
                let idx = input(ins, 1, n)?;
                let last = x.shape.len().saturating_sub(1);
                let ids = Tensor::i64(vec![idx.len()], idx.to_i64().unwrap_or_default());
                let (_, map) = gather_map(&x.shape, last, &ids, n)?;
                res[0] = Some(scatter(g, &map, x.len()));
            }
        }
        "Scaler" => {
            if let Some(g) = gout.first().copied().flatten() {
                let k = *x.shape.last().unwrap_or(&1);
                let sc = a_floats(n, "scale").unwrap_or_else(|| vec![1.0]);
                let pick = |j: usize| if sc.len() == 1 { sc[0] } else { sc[j] };
                res[0] = Some(
                    g.iter()
                        .enumerate()
                        .map(|(i, &gv)| gv * pick(i % k))
                        .collect(),
                );
            }
        }
        "Normalizer" => {
            if let Some(g) = gout.first().copied().flatten() {
                let xv = x.to_f32().unwrap_or_default();
                let k = (*x.shape.last().unwrap_or(&1)).max(1);
                let norm = a_str(n, "norm", "MAX");
                let mut d = vec![0f32; xv.len()];
                for ((xr, gr), dr) in xv.chunks(k).zip(g.chunks(k)).zip(d.chunks_mut(k)) {
                    // y = x / s(x): dy_j/dx_i = δ_ij / s - x_j ∂s/∂x_i / s².
                    let (s, ds): (f32, Vec<f32>) = match norm.as_str() {
                        "MAX" => {
                            let am = argmax(xr);
                            let mut ds = vec![0f32; k];
                            ds[am] = 1.0;
                            (xr[am], ds)
                        }
                        "L1" => (
                            xr.iter().map(|v| v.abs()).sum(),
                            xr.iter()
                                .map(|v| v.signum() * f32::from(*v != 0.0))
                                .collect(),
                        ),
                        _ => {
                            let s = xr.iter().map(|v| v * v).sum::<f32>().sqrt();
                            (
                                s,
                                xr.iter()
                                    .map(|v| if s > 0.0 { v / s } else { 0.0 })
                                    .collect(),
                            )
                        }
                    };
                    if s == 0.0 {
                        dr.copy_from_slice(gr);
                        continue;
                    }
                    let gx: f32 = gr.iter().zip(xr).map(|(g, x)| g * x).sum();
                    for i in 0..k {
                        dr[i] = gr[i] / s - gx * ds[i] / (s * s);
                    }
                }
                res[0] = Some(d);
            }
        }
        "LinearClassifier" | "LinearRegressor" => {
            let xv = x.to_f32().ok_or_else(|| no_grad("string input"))?;
            let l = linear(n, x)?;
            let pt = a_str(n, "post_transform", "NONE");
            let nb = xv.len() / l.feats;
            // Gradient with respect to the raw scores.
            let mut graw = vec![0f32; nb * l.rows];
            let (score_out, raw_out) = if n.op_type == "LinearClassifier" {
                (1, Some(2))
            } else {
                (0, None)
            };
            if let Some(g) = gout.get(score_out).copied().flatten() {
                let y = f32s(&outs[score_out], n)?;
                let k = outs[score_out].shape.get(1).copied().unwrap_or(1);
                if l.rows == 1 && k == 2 {
                    for r in 0..nb {
                        let (g0, g1) = (g[2 * r], g[2 * r + 1]);
                        graw[r] = match pt.as_str() {
                            "LOGISTIC" => {
                                -g0 * y[2 * r] * (1.0 - y[2 * r])
                                    + g1 * y[2 * r + 1] * (1.0 - y[2 * r + 1])
                            }
                            _ => g1 - g0,
                        };
                    }
                } else {
                    for r in 0..nb {
                        let (gr, yr) = (&g[r * k..(r + 1) * k], &y[r * k..(r + 1) * k]);
                        let dr = &mut graw[r * k..(r + 1) * k];
                        match pt.as_str() {
                            "NONE" => dr.copy_from_slice(gr),
                            "LOGISTIC" => dr
                                .iter_mut()
                                .enumerate()
                                .for_each(|(i, d)| *d = gr[i] * yr[i] * (1.0 - yr[i])),
                            "SOFTMAX" => {
                                let dot: f32 = gr.iter().zip(yr).map(|(a, b)| a * b).sum();
                                dr.iter_mut()
                                    .enumerate()
                                    .for_each(|(i, d)| *d = yr[i] * (gr[i] - dot));
                            }
                            o => return Err(no_grad(&format!("post_transform {o}"))),
                        }
                    }
                }
            }
            if let Some(g) = raw_out.and_then(|i| gout.get(i).copied().flatten()) {
                graw.iter_mut().zip(g).for_each(|(a, b)| *a += b);
            }
            res[0] = Some(matmul(&graw, &l.coef, nb, l.rows, l.feats));
        }
        _ => return Err(no_grad("not differentiable")),
    }
    Ok(res)
}
