//! Dense tensors as the evaluator sees them: `f32`, `i64` or strings, row-major.

/// Element storage. Every float type is computed in `f32` (like ONNX Runtime on these graphs);
/// every integer and boolean type in `i64`.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// Float, double and half tensors.
    F32(Vec<f32>),
    /// Integer and boolean tensors.
    I64(Vec<i64>),
    /// String tensors (class labels of scikit-learn exports).
    Str(Vec<String>),
}

/// A dense tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Dimensions; empty for a scalar.
    pub shape: Vec<usize>,
    /// Elements, row-major; `len == shape.iter().product()`.
    pub data: Data,
}

impl Tensor {
    /// A float tensor.
    pub fn f32(shape: Vec<usize>, v: Vec<f32>) -> Tensor {
        debug_assert_eq!(shape.iter().product::<usize>(), v.len());
        Tensor {
            shape,
            data: Data::F32(v),
        }
    }

    /// An integer tensor.
    pub fn i64(shape: Vec<usize>, v: Vec<i64>) -> Tensor {
        debug_assert_eq!(shape.iter().product::<usize>(), v.len());
        Tensor {
            shape,
            data: Data::I64(v),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match &self.data {
            Data::F32(v) => v.len(),
            Data::I64(v) => v.len(),
            Data::Str(v) => v.len(),
        }
    }

    /// True when the shape's element count is the number of elements held (every operator
    /// indexes by shape, so the evaluator refuses a tensor for which this is false).
    /// The product of the non-zero dimensions must fit in a `usize` too: strides are products
    /// of trailing dimensions, and a zero elsewhere in the shape does not make them small.
    pub fn is_consistent(&self) -> bool {
        let mut nonzero = 1usize;
        let mut zero = false;
        for &d in &self.shape {
            if d == 0 {
                zero = true;
            } else if let Some(p) = nonzero.checked_mul(d) {
                nonzero = p;
            } else {
                return false;
            }
        }
        (if zero { 0 } else { nonzero }) == self.len()
    }

    /// True when the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The float elements, if this is a float tensor.
    pub fn as_f32(&self) -> Option<&[f32]> {
        match &self.data {
            Data::F32(v) => Some(v),
            _ => None,
        }
    }

    /// The elements as `i64` (floats are truncated), for shape and index inputs.
    pub fn to_i64(&self) -> Option<Vec<i64>> {
        match &self.data {
            Data::I64(v) => Some(v.clone()),
            Data::F32(v) => Some(v.iter().map(|&x| x as i64).collect()),
            Data::Str(_) => None,
        }
    }

    /// The elements as `f32` (integers converted).
    pub fn to_f32(&self) -> Option<Vec<f32>> {
        match &self.data {
            Data::F32(v) => Some(v.clone()),
            Data::I64(v) => Some(v.iter().map(|&x| x as f32).collect()),
            Data::Str(_) => None,
        }
    }

    /// Same data, new shape (caller checks the element count).
    pub fn reshaped(mut self, shape: Vec<usize>) -> Tensor {
        self.shape = shape;
        self
    }
}

/// Converts an IEEE half-precision value to `f32`.
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0f32 } else { 1.0 };
    let exp = (h >> 10) & 0x1f;
    let frac = f32::from(h & 0x3ff);
    match exp {
        0 => sign * frac * 2f32.powi(-24),
        31 => {
            if frac == 0.0 {
                sign * f32::INFINITY
            } else {
                f32::NAN
            }
        }
        e => sign * (1.0 + frac / 1024.0) * 2f32.powi(i32::from(e) - 15),
    }
}
