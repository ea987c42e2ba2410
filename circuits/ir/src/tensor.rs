//! Integer tensors: the values the reference executor computes and the circuit proves.

use serde::{Deserialize, Serialize};

use crate::IrError;

/// A dense row-major tensor of integers (fixed-point values; the scale lives in the [`crate::Fact`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QTensor {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Row-major values; `data.len()` equals the product of `shape`.
    pub data: Vec<i64>,
}

impl QTensor {
    /// A tensor, checking that the data fills the shape.
    pub fn new(shape: Vec<usize>, data: Vec<i64>) -> Result<Self, IrError> {
        let expected = crate::checked_len(&shape).unwrap_or(usize::MAX);
        if expected != data.len() {
            return Err(IrError::DataLength {
                shape,
                expected,
                found: data.len(),
            });
        }
        Ok(QTensor { shape, data })
    }

    /// A tensor of zeros.
    pub fn zeros(shape: Vec<usize>) -> Self {
        let n = shape.iter().product();
        QTensor {
            shape,
            data: vec![0; n],
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Largest magnitude present (0 for an empty tensor).
    pub fn max_abs(&self) -> u64 {
        self.data
            .iter()
            .map(|v| v.unsigned_abs())
            .max()
            .unwrap_or(0)
    }
}
