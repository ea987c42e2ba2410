//! `Reduce`: the sum or the maximum over some axes (ReduceSum, ReduceMean's sum,
//! ReduceMax, GlobalMaxPool). A sum is free in R1CS; a maximum over `c` values is `c − 1`
//! comparisons.

use serde::{Deserialize, Serialize};

use crate::{shape_len, Fact, IrError, QTensor};

/// What a reduction computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReduceKind {
    /// The sum (exact: the bound grows with the group size).
    Sum,
    /// The maximum.
    Max,
}

/// `y[o] = Σ or max of x over the group of o`: the groups are the input elements that agree
/// with `o` on every axis not in `axes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reduce {
    /// Sum or maximum.
    pub kind: ReduceKind,
    /// The reduced axes, ascending, without repeats, at least one.
    pub axes: Vec<usize>,
    /// Keep the reduced axes as size-1 dimensions (ONNX `keepdims`).
    pub keep_dims: bool,
}

impl Reduce {
    /// `reduce_sum` or `reduce_max`, for messages and reports.
    pub fn name(&self) -> &'static str {
        match self.kind {
            ReduceKind::Sum => "reduce_sum",
            ReduceKind::Max => "reduce_max",
        }
    }

    fn check(&self, shape: &[usize]) -> Result<(), IrError> {
        let sorted = self.axes.windows(2).all(|w| w[0] < w[1]);
        if self.axes.is_empty() || !sorted || self.axes.iter().any(|&a| a >= shape.len()) {
            return Err(IrError::InvalidParameter {
                op: self.name(),
                detail: format!(
                    "axes {:?} must be ascending, distinct and within rank {}",
                    self.axes,
                    shape.len()
                ),
            });
        }
        if self.axes.iter().any(|&a| shape[a] == 0) {
            return Err(IrError::Shape {
                op: self.name(),
                detail: format!("cannot reduce an empty axis of {shape:?}"),
            });
        }
        Ok(())
    }

    /// The output shape for an input of shape `shape`.
    pub fn output_shape(&self, shape: &[usize]) -> Result<Vec<usize>, IrError> {
        self.check(shape)?;
        Ok(shape
            .iter()
            .enumerate()
            .filter_map(|(i, &d)| match (self.axes.contains(&i), self.keep_dims) {
                (false, _) => Some(d),
                (true, true) => Some(1),
                (true, false) => None,
            })
            .collect())
    }

    /// For each output element (row-major), the flat input indices of its group, in row-major
    /// order.
    pub fn groups(&self, shape: &[usize]) -> Result<Vec<Vec<usize>>, IrError> {
        self.check(shape)?;
        let n = shape_len(self.name(), shape)?;
        let group: usize = self.axes.iter().map(|&a| shape[a]).product();
        let mut groups: Vec<Vec<usize>> = vec![Vec::with_capacity(group); n / group.max(1)];
        let mut strides = vec![1usize; shape.len()];
        for i in (0..shape.len().saturating_sub(1)).rev() {
            strides[i] = strides[i + 1] * shape[i + 1];
        }
        for flat in 0..n {
            // The output index: the coordinates on the kept axes, row-major.
            let mut out = 0usize;
            for (axis, (&d, &s)) in shape.iter().zip(&strides).enumerate() {
                if !self.axes.contains(&axis) {
                    out = out * d + (flat / s) % d;
                }
            }
            groups[out].push(flat);
        }
        Ok(groups)
    }

    /// Output fact: the input's scale; a sum's bound is the group size times the input's.
    pub fn infer(&self, x: &Fact) -> Result<Fact, IrError> {
        let shape = self.output_shape(&x.shape)?;
        let group: u128 = self.axes.iter().map(|&a| x.shape[a] as u128).product();
        let bound = match self.kind {
            ReduceKind::Sum => u128::from(x.max_abs).saturating_mul(group),
            ReduceKind::Max => u128::from(x.max_abs),
        };
        Fact::new(self.name(), shape, x.scale, bound)
    }

    /// Exact evaluation.
    pub fn eval(&self, x: &QTensor) -> Result<QTensor, IrError> {
        let shape = self.output_shape(&x.shape)?;
        let data = self
            .groups(&x.shape)?
            .iter()
            .map(|g| {
                let values = g.iter().map(|&i| x.data[i]);
                match self.kind {
                    ReduceKind::Sum => values.sum(),
                    ReduceKind::Max => values.max().unwrap_or(0),
                }
            })
            .collect();
        QTensor::new(shape, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_and_maxima_over_axes() {
        // [2, 3]: rows [1, -2, 3], [4, 5, -6]
        let x = QTensor::new(vec![2, 3], vec![1, -2, 3, 4, 5, -6]).unwrap();
        let sum = |axes: Vec<usize>, keep_dims| Reduce {
            kind: ReduceKind::Sum,
            axes,
            keep_dims,
        };
        let r = sum(vec![1], false).eval(&x).unwrap();
        assert_eq!((r.shape, r.data), (vec![2], vec![2, 3]));
        let r = sum(vec![0], true).eval(&x).unwrap();
        assert_eq!((r.shape, r.data), (vec![1, 3], vec![5, 3, -3]));
        let r = sum(vec![0, 1], false).eval(&x).unwrap();
        assert_eq!((r.shape, r.data), (vec![], vec![5]));
        let max = Reduce {
            kind: ReduceKind::Max,
            axes: vec![1],
            keep_dims: true,
        };
        let r = max.eval(&x).unwrap();
        assert_eq!((r.shape, r.data), (vec![2, 1], vec![3, 5]));
    }

    #[test]
    fn bounds_and_bad_axes() {
        let f = Fact {
            shape: vec![1, 4, 3],
            scale: 5,
            max_abs: 100,
        };
        let sum = Reduce {
            kind: ReduceKind::Sum,
            axes: vec![1, 2],
            keep_dims: false,
        };
        assert_eq!(sum.infer(&f).unwrap().max_abs, 1200);
        for axes in [vec![], vec![2, 1], vec![3], vec![1, 1]] {
            let bad = Reduce {
                axes,
                ..sum.clone()
            };
            assert!(bad.infer(&f).is_err(), "{:?}", bad.axes);
        }
    }
}
