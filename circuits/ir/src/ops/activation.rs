//! Element-wise activations: `Relu` and `Clip`.

use serde::{Deserialize, Serialize};

use crate::{Fact, QTensor};

/// `Relu`'s fact: the input's shape, scale and bound.
pub(super) fn infer_relu(x: &Fact) -> Fact {
    x.clone()
}

/// `max(x, 0)` element-wise. In R1CS: one sign bit of the (range-checked) input and one product.
pub(super) fn eval_relu(x: &QTensor) -> QTensor {
    QTensor {
        shape: x.shape.clone(),
        data: x.data.iter().map(|&v| v.max(0)).collect(),
    }
}

/// `min(max(x, min), max)` element-wise, bounds given as integers at the input's scale (ONNX
/// Clip; Relu6 is `Clip { min: 0, max: 6·2^scale }`). In R1CS: two comparisons per element.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clip {
    /// Lower bound (inclusive).
    pub min: i64,
    /// Upper bound (inclusive); `min <= max`.
    pub max: i64,
}

impl Clip {
    /// Output fact; the bound is the tighter of the input's and the clamp's.
    pub fn infer(&self, x: &Fact) -> Result<Fact, crate::IrError> {
        if self.min > self.max {
            return Err(crate::IrError::InvalidParameter {
                op: "clip",
                detail: format!("min {} exceeds max {}", self.min, self.max),
            });
        }
        let m = x.max_abs as i128;
        let lo = (-m).clamp(self.min as i128, self.max as i128);
        let hi = m.clamp(self.min as i128, self.max as i128);
        Fact::new(
            "clip",
            x.shape.clone(),
            x.scale,
            lo.unsigned_abs().max(hi.unsigned_abs()),
        )
    }

    /// Exact evaluation.
    pub fn eval(&self, x: &QTensor) -> QTensor {
        QTensor {
            shape: x.shape.clone(),
            data: x
                .data
                .iter()
                .map(|&v| v.clamp(self.min, self.max))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Op;

    #[test]
    fn relu_and_clip() {
        let x = QTensor::new(vec![4], vec![-5, 0, 3, 9]).unwrap();
        assert_eq!(Op::Relu.eval(&[&x]).unwrap().data, vec![0, 0, 3, 9]);
        let c = Op::Clip(Clip { min: -2, max: 4 });
        assert_eq!(c.eval(&[&x]).unwrap().data, vec![-2, 0, 3, 4]);
    }

    #[test]
    fn clip_bound_is_tight() {
        let f = Clip { min: 0, max: 6 }
            .infer(&Fact {
                shape: vec![1],
                scale: 0,
                max_abs: 100,
            })
            .unwrap();
        assert_eq!(f.max_abs, 6);
        let f = Clip { min: -50, max: 50 }
            .infer(&Fact {
                shape: vec![1],
                scale: 0,
                max_abs: 10,
            })
            .unwrap();
        assert_eq!(f.max_abs, 10);
    }
}
