//! Decoding of the ONNX `ModelProto` from protobuf bytes, by hand and with limits.
//!
//! Only what evaluation needs is decoded: opset imports, the main graph's nodes (inputs, outputs,
//! op type, domain, attributes), initializers, and the graph inputs/outputs with their shapes.
//! Sub-graphs in attributes (`If`/`Loop` bodies) are not decoded: such nodes are reported as
//! unsupported when evaluated. Nesting is therefore bounded by construction (model → graph →
//! node → attribute → tensor).

use super::tensor::{Data, Tensor, f16_to_f32};
use super::wire::{Fields, Value, WireError, push_f32s, push_f64s, push_varints};
use std::collections::HashMap;

/// Limits on what a model may declare.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest number of elements in one tensor (initializer or attribute).
    pub max_tensor_elements: usize,
    /// Largest total number of initializer elements.
    pub max_total_elements: usize,
    /// Largest number of nodes in the graph.
    pub max_nodes: usize,
    /// Largest tensor rank.
    pub max_rank: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_tensor_elements: 1 << 28,
            max_total_elements: 1 << 29,
            max_nodes: 100_000,
            max_rank: 8,
        }
    }
}

/// An attribute value.
#[derive(Debug, Clone)]
pub enum Attr {
    /// `FLOAT`.
    Float(f32),
    /// `INT`.
    Int(i64),
    /// `STRING` (bytes).
    Str(Vec<u8>),
    /// `TENSOR`.
    Tensor(Tensor),
    /// `FLOATS`.
    Floats(Vec<f32>),
    /// `INTS`.
    Ints(Vec<i64>),
    /// `STRINGS`.
    Strings(Vec<Vec<u8>>),
    /// A graph, sparse tensor or type attribute: not decoded.
    Unsupported,
}

/// One node of the graph.
#[derive(Debug, Clone)]
pub struct Node {
    /// Node name (may be empty).
    pub name: String,
    /// Operator type, e.g. `Gemm`.
    pub op_type: String,
    /// Operator domain: empty for `ai.onnx`, `ai.onnx.ml` for the ML operators.
    pub domain: String,
    /// Input value names; an empty name is an omitted optional input.
    pub inputs: Vec<String>,
    /// Output value names.
    pub outputs: Vec<String>,
    /// Attributes by name.
    pub attrs: HashMap<String, Attr>,
}

/// A graph input or output.
#[derive(Debug, Clone)]
pub struct ValueInfo {
    /// Value name.
    pub name: String,
    /// ONNX element type (1 = float, 7 = int64, ...); 0 when not a tensor.
    pub elem_type: i32,
    /// Dimensions: `Some(n)` fixed, `None` symbolic or unknown; `None` overall when unknown rank.
    pub shape: Option<Vec<Option<usize>>>,
}

/// A decoded model.
#[derive(Debug, Clone, Default)]
pub struct ModelProto {
    /// `ir_version`.
    pub ir_version: i64,
    /// Opset imports: domain → version.
    pub opsets: HashMap<String, i64>,
    /// `producer_name`.
    pub producer: String,
    /// Nodes in file order.
    pub nodes: Vec<Node>,
    /// Initializers by name.
    pub initializers: HashMap<String, Tensor>,
    /// Graph inputs (including initializers listed as inputs by old exporters).
    pub inputs: Vec<ValueInfo>,
    /// Graph outputs.
    pub outputs: Vec<ValueInfo>,
}

type R<T> = Result<T, String>;

fn we(e: WireError) -> String {
    e.to_string()
}

fn string(v: Value<'_>, at: usize) -> R<String> {
    match v {
        Value::Len(b) => Ok(String::from_utf8_lossy(b).into_owned()),
        _ => Err(format!("expected a string at byte {at}")),
    }
}

fn int(v: Value<'_>, at: usize) -> R<i64> {
    match v {
        Value::Varint(x) => Ok(x as i64),
        _ => Err(format!("expected an integer at byte {at}")),
    }
}

fn msg<'a>(v: Value<'a>, at: usize) -> R<&'a [u8]> {
    match v {
        Value::Len(b) => Ok(b),
        _ => Err(format!("expected a message at byte {at}")),
    }
}

/// Decodes a model.
pub fn decode_model(bytes: &[u8], limits: &Limits) -> R<ModelProto> {
    let mut m = ModelProto::default();
    let mut graph: Option<(&[u8], usize)> = None;
    for f in Fields::new(bytes, 0) {
        let (num, v, at) = f.map_err(we)?;
        match num {
            1 => m.ir_version = int(v, at)?,
            2 => m.producer = string(v, at)?,
            7 => graph = Some((msg(v, at)?, at)),
            8 => {
                let mut domain = String::new();
                let mut version = 0;
                for f in Fields::new(msg(v, at)?, at) {
                    let (n, v, at) = f.map_err(we)?;
                    match n {
                        1 => domain = string(v, at)?,
                        2 => version = int(v, at)?,
                        _ => {}
                    }
                }
                if domain == "ai.onnx" {
                    domain.clear();
                }
                m.opsets.insert(domain, version);
            }
            _ => {}
        }
    }
    let Some((g, at)) = graph else {
        return Err("no graph in the model (is this an ONNX file?)".into());
    };
    decode_graph(g, at, limits, &mut m)?;
    Ok(m)
}

fn decode_graph(bytes: &[u8], base: usize, limits: &Limits, m: &mut ModelProto) -> R<()> {
    let mut total = 0usize;
    for f in Fields::new(bytes, base) {
        let (num, v, at) = f.map_err(we)?;
        match num {
            1 => {
                if m.nodes.len() >= limits.max_nodes {
                    return Err(format!("more than {} nodes", limits.max_nodes));
                }
                m.nodes.push(decode_node(msg(v, at)?, at, limits)?);
            }
            5 => {
                let (name, t) = decode_tensor(msg(v, at)?, at, limits)?;
                total = total.saturating_add(t.len());
                if total > limits.max_total_elements {
                    return Err(format!(
                        "initializers hold more than {} elements",
                        limits.max_total_elements
                    ));
                }
                m.initializers.insert(name, t);
            }
            15 => return Err(format!("sparse initializer at byte {at} is not supported")),
            11 => m.inputs.push(decode_value_info(msg(v, at)?, at, limits)?),
            12 => m.outputs.push(decode_value_info(msg(v, at)?, at, limits)?),
            _ => {}
        }
    }
    Ok(())
}

fn decode_value_info(bytes: &[u8], base: usize, limits: &Limits) -> R<ValueInfo> {
    let mut vi = ValueInfo {
        name: String::new(),
        elem_type: 0,
        shape: None,
    };
    for f in Fields::new(bytes, base) {
        let (num, v, at) = f.map_err(we)?;
        match num {
            1 => vi.name = string(v, at)?,
            2 => {
                // TypeProto: tensor_type = 1
                for f in Fields::new(msg(v, at)?, at) {
                    let (n, v, at) = f.map_err(we)?;
                    if n != 1 {
                        continue;
                    }
                    for f in Fields::new(msg(v, at)?, at) {
                        let (n, v, at) = f.map_err(we)?;
                        match n {
                            1 => vi.elem_type = int(v, at)? as i32,
                            2 => {
                                let mut dims = Vec::new();
                                for f in Fields::new(msg(v, at)?, at) {
                                    let (n, v, at) = f.map_err(we)?;
                                    if n != 1 {
                                        continue;
                                    }
                                    if dims.len() >= limits.max_rank {
                                        return Err(format!(
                                            "value `{}` has rank above {}",
                                            vi.name, limits.max_rank
                                        ));
                                    }
                                    let mut d = None;
                                    for f in Fields::new(msg(v, at)?, at) {
                                        let (n, v, at) = f.map_err(we)?;
                                        if n == 1 {
                                            let x = int(v, at)?;
                                            d = usize::try_from(x).ok().filter(|&x| x > 0);
                                        }
                                    }
                                    dims.push(d);
                                }
                                vi.shape = Some(dims);
                            }
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(vi)
}

fn decode_node(bytes: &[u8], base: usize, limits: &Limits) -> R<Node> {
    let mut n = Node {
        name: String::new(),
        op_type: String::new(),
        domain: String::new(),
        inputs: Vec::new(),
        outputs: Vec::new(),
        attrs: HashMap::new(),
    };
    for f in Fields::new(bytes, base) {
        let (num, v, at) = f.map_err(we)?;
        match num {
            1 => n.inputs.push(string(v, at)?),
            2 => n.outputs.push(string(v, at)?),
            3 => n.name = string(v, at)?,
            4 => n.op_type = string(v, at)?,
            7 => n.domain = string(v, at)?,
            5 => {
                let (name, a) = decode_attr(msg(v, at)?, at, limits)?;
                n.attrs.insert(name, a);
            }
            _ => {}
        }
    }
    if n.domain == "ai.onnx" {
        n.domain.clear();
    }
    Ok(n)
}

fn decode_attr(bytes: &[u8], base: usize, limits: &Limits) -> R<(String, Attr)> {
    let mut name = String::new();
    let mut ty = 0i64;
    let (mut f_, mut i_, mut s_, mut t_) = (None, None, None, None);
    let mut floats = Vec::new();
    let mut ints = Vec::new();
    let mut strings = Vec::new();
    let cap = limits.max_tensor_elements;
    for f in Fields::new(bytes, base) {
        let (num, v, at) = f.map_err(we)?;
        match num {
            1 => name = string(v, at)?,
            20 => ty = int(v, at)?,
            2 => {
                let mut x = Vec::new();
                push_f32s(v, &mut x, 1, at).map_err(we)?;
                f_ = x.first().copied();
            }
            3 => i_ = Some(int(v, at)?),
            4 => s_ = Some(msg(v, at)?.to_vec()),
            5 => t_ = Some(decode_tensor(msg(v, at)?, at, limits)?.1),
            7 => push_f32s(v, &mut floats, cap, at).map_err(we)?,
            8 => push_varints(v, &mut ints, cap, at).map_err(we)?,
            9 => {
                if strings.len() >= cap {
                    return Err(format!("attribute `{name}` has too many strings"));
                }
                strings.push(msg(v, at)?.to_vec());
            }
            _ => {}
        }
    }
    let a = match ty {
        1 => Attr::Float(f_.unwrap_or(0.0)),
        2 => Attr::Int(i_.unwrap_or(0)),
        3 => Attr::Str(s_.unwrap_or_default()),
        4 => t_.map_or(Attr::Unsupported, Attr::Tensor),
        6 => Attr::Floats(floats),
        7 => Attr::Ints(ints),
        8 => Attr::Strings(strings),
        // Old exporters omit `type`: infer it from what is present.
        0 => {
            if let Some(x) = f_ {
                Attr::Float(x)
            } else if let Some(x) = i_ {
                Attr::Int(x)
            } else if let Some(x) = s_ {
                Attr::Str(x)
            } else if let Some(t) = t_ {
                Attr::Tensor(t)
            } else if !floats.is_empty() {
                Attr::Floats(floats)
            } else if !ints.is_empty() {
                Attr::Ints(ints)
            } else if !strings.is_empty() {
                Attr::Strings(strings)
            } else {
                Attr::Unsupported
            }
        }
        _ => Attr::Unsupported,
    };
    Ok((name, a))
}

/// Decodes a `TensorProto` into its name and value.
pub fn decode_tensor(bytes: &[u8], base: usize, limits: &Limits) -> R<(String, Tensor)> {
    let cap = limits.max_tensor_elements;
    let mut name = String::new();
    let mut dims: Vec<i64> = Vec::new();
    let mut dtype = 0i64;
    let mut raw: Option<&[u8]> = None;
    let mut floats = Vec::new();
    let mut doubles = Vec::new();
    let mut ints = Vec::new();
    let mut strings = Vec::new();
    let mut external = false;
    for f in Fields::new(bytes, base) {
        let (num, v, at) = f.map_err(we)?;
        match num {
            1 => push_varints(v, &mut dims, limits.max_rank, at).map_err(we)?,
            2 => dtype = int(v, at)?,
            4 => push_f32s(v, &mut floats, cap, at).map_err(we)?,
            5 | 7 | 11 => push_varints(v, &mut ints, cap, at).map_err(we)?,
            6 => {
                if strings.len() >= cap {
                    return Err(format!("tensor `{name}` has too many strings"));
                }
                strings.push(String::from_utf8_lossy(msg(v, at)?).into_owned());
            }
            8 => name = string(v, at)?,
            9 => raw = Some(msg(v, at)?),
            10 => push_f64s(v, &mut doubles, cap, at).map_err(we)?,
            14 => external = int(v, at)? == 1,
            _ => {}
        }
    }
    if external {
        return Err(format!(
            "tensor `{name}` keeps its data in an external file; external data is not supported"
        ));
    }
    let mut shape = Vec::with_capacity(dims.len());
    let mut count: usize = 1;
    for &d in &dims {
        let d =
            usize::try_from(d).map_err(|_| format!("tensor `{name}` has a negative dimension"))?;
        count = count
            .checked_mul(d)
            .filter(|&c| c <= cap)
            .ok_or_else(|| format!("tensor `{name}` has more than {cap} elements"))?;
        shape.push(d);
    }
    let bad = |what: &str| format!("tensor `{name}`: {what} (expected {count} elements)");
    let data = match dtype {
        1 | 10 | 11 => {
            let v: Vec<f32> = if let Some(r) = raw {
                match dtype {
                    1 => {
                        if r.len() != count * 4 {
                            return Err(bad("raw_data has the wrong length"));
                        }
                        r.chunks_exact(4)
                            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                            .collect()
                    }
                    10 => {
                        if r.len() != count * 2 {
                            return Err(bad("raw_data has the wrong length"));
                        }
                        r.chunks_exact(2)
                            .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
                            .collect()
                    }
                    _ => {
                        if r.len() != count * 8 {
                            return Err(bad("raw_data has the wrong length"));
                        }
                        r.chunks_exact(8)
                            .map(|c| {
                                let mut a = [0u8; 8];
                                a.copy_from_slice(c);
                                f64::from_le_bytes(a) as f32
                            })
                            .collect()
                    }
                }
            } else if dtype == 11 {
                doubles.iter().map(|&x| x as f32).collect()
            } else if dtype == 10 {
                ints.iter().map(|&x| f16_to_f32(x as u16)).collect()
            } else {
                floats
            };
            if v.len() != count {
                return Err(bad(&format!("holds {} values", v.len())));
            }
            Data::F32(v)
        }
        2..=7 | 9 | 12 | 13 => {
            let v: Vec<i64> = if let Some(r) = raw {
                let width = match dtype {
                    2 | 3 | 9 => 1,
                    4 | 5 => 2,
                    6 | 12 => 4,
                    _ => 8,
                };
                if r.len() != count * width {
                    return Err(bad("raw_data has the wrong length"));
                }
                r.chunks_exact(width)
                    .map(|c| match (dtype, width) {
                        (3, _) => i64::from(c[0] as i8),
                        (_, 1) => i64::from(c[0]),
                        (5, _) => i64::from(i16::from_le_bytes([c[0], c[1]])),
                        (_, 2) => i64::from(u16::from_le_bytes([c[0], c[1]])),
                        (6, _) => i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                        (_, 4) => i64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                        _ => {
                            let mut a = [0u8; 8];
                            a.copy_from_slice(c);
                            i64::from_le_bytes(a)
                        }
                    })
                    .collect()
            } else {
                // int32_data holds int32 as sign-extended varints; narrower types are stored
                // there too.
                ints.iter()
                    .map(|&x| {
                        if dtype == 6 || dtype == 5 || dtype == 3 {
                            i64::from(x as i32)
                        } else {
                            x
                        }
                    })
                    .collect()
            };
            if v.len() != count {
                return Err(bad(&format!("holds {} values", v.len())));
            }
            Data::I64(v)
        }
        8 => {
            if strings.len() != count {
                return Err(bad(&format!("holds {} strings", strings.len())));
            }
            Data::Str(strings)
        }
        0 => return Err(format!("tensor `{name}` has no data type")),
        t => return Err(format!("tensor `{name}` has unsupported data type {t}")),
    };
    Ok((name, Tensor { shape, data }))
}
