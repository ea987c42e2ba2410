//! `Reshape`: same values in the same order, another shape (ONNX Flatten and Reshape).

use serde::{Deserialize, Serialize};

use crate::{shape_len, Fact, IrError, QTensor};

/// Reinterprets the row-major values under `shape`. Free in every backend.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reshape {
    /// The new shape; its element count must equal the input's.
    pub shape: Vec<usize>,
}

impl Reshape {
    fn check(&self, from: &[usize]) -> Result<(), IrError> {
        let (a, b) = (
            shape_len("reshape", from)?,
            shape_len("reshape", &self.shape)?,
        );
        if a != b {
            return Err(IrError::Shape {
                op: "reshape",
                detail: format!(
                    "cannot reshape {from:?} ({a} values) to {:?} ({b} values)",
                    self.shape
                ),
            });
        }
        Ok(())
    }

    /// Output fact.
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
        QTensor::new(self.shape.clone(), x.data.clone())
    }
}
