//! Multidirectional (NumPy-style) broadcasting as ONNX defines it.

/// The broadcast shape of `a` and `b`, or `None` when they are incompatible.
pub(crate) fn shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let r = a.len().max(b.len());
    let mut out = vec![0; r];
    for i in 0..r {
        let da = if i + a.len() >= r {
            a[i + a.len() - r]
        } else {
            1
        };
        let db = if i + b.len() >= r {
            b[i + b.len() - r]
        } else {
            1
        };
        out[i] = if da == db {
            da
        } else if da == 1 {
            db
        } else if db == 1 {
            da
        } else {
            return None;
        };
    }
    Some(out)
}

/// For every element of `out` (row-major), the index of the element of `input` it reads.
/// `out` must be a broadcast of `input` (callers check with [`shape`] first); otherwise the map
/// is empty.
pub(crate) fn index_map(input: &[usize], out: &[usize]) -> Vec<usize> {
    let n: usize = out.iter().product();
    let r = out.len();
    if input.len() > r {
        return Vec::new();
    }
    // Strides of `input` aligned to the right of `out`, 0 on broadcast dimensions.
    let mut strides = vec![0usize; r];
    let mut s = 1usize;
    for k in (0..input.len()).rev() {
        let j = k + r - input.len();
        strides[j] = if input[k] == 1 { 0 } else { s };
        s *= input[k];
    }
    if input.iter().product::<usize>() == n && input.len() == r && input == out {
        return (0..n).collect();
    }
    let mut idx = vec![0usize; r];
    let mut res = Vec::with_capacity(n);
    let mut cur = 0usize;
    for _ in 0..n {
        res.push(cur);
        // increment the multi-index
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
    res
}

/// Sums a gradient of broadcast shape `out` back onto the shape `input`.
pub(crate) fn reduce_to(grad: &[f32], input: &[usize], out: &[usize]) -> Vec<f32> {
    let n_in: usize = input.iter().product();
    if input == out {
        return grad.to_vec();
    }
    let map = index_map(input, out);
    let mut g = vec![0f32; n_in];
    for (i, &m) in map.iter().enumerate() {
        g[m] += grad[i];
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasts_like_numpy() {
        assert_eq!(shape(&[2, 3], &[3]), Some(vec![2, 3]));
        assert_eq!(shape(&[2, 1], &[1, 3]), Some(vec![2, 3]));
        assert_eq!(shape(&[2, 3], &[2]), None);
        assert_eq!(index_map(&[3], &[2, 3]), vec![0, 1, 2, 0, 1, 2]);
        assert_eq!(index_map(&[2, 1], &[2, 3]), vec![0, 0, 0, 1, 1, 1]);
        assert_eq!(index_map(&[], &[2]), vec![0, 0]);
        assert_eq!(
            reduce_to(&[1., 2., 3., 4., 5., 6.], &[3], &[2, 3]),
            vec![5., 7., 9.]
        );
    }
}
