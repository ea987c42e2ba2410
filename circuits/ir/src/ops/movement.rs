//! Data movement without arithmetic: `Select` (Transpose, Slice, Gather with constant indices,
//! each an index map computed at import) and `Concat`. Both are free in every backend: the
//! outputs are the inputs' values, moved.

use serde::{Deserialize, Serialize};

use crate::{shape_len, Fact, IrError, QTensor};

/// `y[i] = x[index[i]]` (row-major flat indices) under the output shape `shape`; an index of
/// [`Select::ZERO`] makes `y[i] = 0` (constant padding).
///
/// Every single-input movement is such a map: the importer computes it from the ONNX op's
/// attributes and the static input shape, so the IR needs no per-op layout logic and the
/// model id covers the exact map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Select {
    /// Output shape; its element count must equal `index.len()`.
    pub shape: Vec<usize>,
    /// For each output element, the flat index of the input element it copies.
    pub index: Vec<u32>,
}

impl Select {
    /// The index that stands for the integer 0 rather than an input element (Pad's fill; 0
    /// is 0 at every scale).
    pub const ZERO: u32 = u32::MAX;

    fn check(&self, from: &[usize]) -> Result<(), IrError> {
        let (n_in, n_out) = (
            shape_len("select", from)?,
            shape_len("select", &self.shape)?,
        );
        if n_out != self.index.len() {
            return Err(IrError::Shape {
                op: "select",
                detail: format!(
                    "output shape {:?} holds {n_out} values, the index map has {}",
                    self.shape,
                    self.index.len()
                ),
            });
        }
        if let Some(bad) = self
            .index
            .iter()
            .find(|&&i| i != Self::ZERO && i as usize >= n_in)
        {
            return Err(IrError::InvalidParameter {
                op: "select",
                detail: format!("index {bad} beyond the {n_in} values of input {from:?}"),
            });
        }
        Ok(())
    }

    /// Output fact: the input's scale and bound.
    pub fn infer(&self, x: &Fact) -> Result<Fact, IrError> {
        self.check(&x.shape)?;
        Ok(Fact {
            shape: self.shape.clone(),
            scale: x.scale,
            max_abs: x.max_abs,
        })
    }

    /// Exact evaluation.
    pub fn eval(&self, x: &QTensor) -> Result<QTensor, IrError> {
        self.check(&x.shape)?;
        QTensor::new(
            self.shape.clone(),
            self.index
                .iter()
                .map(|&i| {
                    if i == Self::ZERO {
                        0
                    } else {
                        x.data[i as usize]
                    }
                })
                .collect(),
        )
    }
}

/// Concatenation of `inputs` tensors of one scale along `axis` (their other dimensions equal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concat {
    /// The axis the inputs are joined along.
    pub axis: usize,
    /// How many inputs (at least one). Serialized as `count`: the node that holds the op
    /// (flattened into it) has its own `inputs`.
    #[serde(rename = "count")]
    pub inputs: usize,
}

impl Concat {
    /// The output shape, after checking ranks, dimensions and the input count.
    pub fn output_shape(&self, shapes: &[&[usize]]) -> Result<Vec<usize>, IrError> {
        let bad = |detail: String| IrError::Shape {
            op: "concat",
            detail,
        };
        let first = shapes.first().ok_or_else(|| bad("no inputs".into()))?;
        if self.axis >= first.len() {
            return Err(bad(format!(
                "axis {} of a rank-{} tensor",
                self.axis,
                first.len()
            )));
        }
        let mut out = first.to_vec();
        for s in &shapes[1..] {
            let same_rest = s.len() == first.len()
                && s.iter()
                    .zip(first.iter())
                    .enumerate()
                    .all(|(d, (a, b))| d == self.axis || a == b);
            if !same_rest {
                return Err(bad(format!(
                    "shapes {first:?} and {s:?} differ outside axis {}",
                    self.axis
                )));
            }
            out[self.axis] = out[self.axis]
                .checked_add(s[self.axis])
                .ok_or_else(|| bad("the concatenated axis overflows".into()))?;
        }
        shape_len("concat", &out)?;
        Ok(out)
    }

    /// For each output element (row-major), `(input, flat index)` it copies.
    pub fn sources(&self, shapes: &[&[usize]]) -> Result<Vec<(usize, usize)>, IrError> {
        let out = self.output_shape(shapes)?;
        let outer: usize = out[..self.axis].iter().product();
        let inner: usize = out[self.axis + 1..].iter().product();
        let mut sources = Vec::with_capacity(outer * out[self.axis] * inner);
        for o in 0..outer {
            for (k, s) in shapes.iter().enumerate() {
                let block = s[self.axis] * inner;
                sources.extend((0..block).map(|j| (k, o * block + j)));
            }
        }
        Ok(sources)
    }

    /// Output fact: every input must have the same scale; the bound is the largest.
    pub fn infer(&self, inputs: &[&Fact]) -> Result<Fact, IrError> {
        let shapes: Vec<&[usize]> = inputs.iter().map(|f| f.shape.as_slice()).collect();
        let shape = self.output_shape(&shapes)?;
        let scale = inputs[0].scale;
        if let Some(other) = inputs.iter().find(|f| f.scale != scale) {
            return Err(IrError::ScaleMismatch {
                op: "concat",
                left: scale,
                right: other.scale,
            });
        }
        Ok(Fact {
            shape,
            scale,
            max_abs: inputs.iter().map(|f| f.max_abs).max().unwrap_or(0),
        })
    }

    /// Exact evaluation.
    pub fn eval(&self, inputs: &[&QTensor]) -> Result<QTensor, IrError> {
        let shapes: Vec<&[usize]> = inputs.iter().map(|t| t.shape.as_slice()).collect();
        let shape = self.output_shape(&shapes)?;
        let data = self
            .sources(&shapes)?
            .into_iter()
            .map(|(k, j)| inputs[k].data[j])
            .collect();
        QTensor::new(shape, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_moves_values_and_refuses_bad_maps() {
        let x = QTensor::new(vec![2, 3], vec![1, 2, 3, 4, 5, 6]).unwrap();
        // Transpose [2,3] → [3,2].
        let t = Select {
            shape: vec![3, 2],
            index: vec![0, 3, 1, 4, 2, 5],
        };
        assert_eq!(t.eval(&x).unwrap().data, vec![1, 4, 2, 5, 3, 6]);
        let short = Select {
            shape: vec![3, 2],
            index: vec![0, 1],
        };
        assert!(matches!(short.eval(&x), Err(IrError::Shape { .. })));
        let beyond = Select {
            shape: vec![1],
            index: vec![6],
        };
        assert!(matches!(
            beyond.eval(&x),
            Err(IrError::InvalidParameter { .. })
        ));
        // Zero padding: [2,3] → [2,4] with a zero column in front.
        let z = Select::ZERO;
        let pad = Select {
            shape: vec![2, 4],
            index: vec![z, 0, 1, 2, z, 3, 4, 5],
        };
        assert_eq!(pad.eval(&x).unwrap().data, vec![0, 1, 2, 3, 0, 4, 5, 6]);
    }

    #[test]
    fn concat_joins_along_the_axis_and_checks_scales() {
        let a = QTensor::new(vec![2, 2], vec![1, 2, 3, 4]).unwrap();
        let b = QTensor::new(vec![2, 1], vec![9, 8]).unwrap();
        let c = Concat { axis: 1, inputs: 2 };
        let y = c.eval(&[&a, &b]).unwrap();
        assert_eq!(
            (y.shape.clone(), y.data),
            (vec![2, 3], vec![1, 2, 9, 3, 4, 8])
        );
        let c0 = Concat { axis: 0, inputs: 2 };
        assert!(matches!(c0.eval(&[&a, &b]), Err(IrError::Shape { .. })));
        let fa = Fact {
            shape: vec![2, 2],
            scale: 4,
            max_abs: 10,
        };
        let fb = Fact {
            shape: vec![2, 1],
            scale: 5,
            max_abs: 10,
        };
        assert!(matches!(
            c.infer(&[&fa, &fb]),
            Err(IrError::ScaleMismatch { .. })
        ));
    }
}
