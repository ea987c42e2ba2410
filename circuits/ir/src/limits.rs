//! Resource limits checked from shapes alone, before anything is allocated.
//!
//! A few hundred bytes of ONNX can declare a tensor of trillions of elements (security review
//! finding #3: a 1×1×8×8 convolution with `pads = 2^20` asks calibration for 70 TB). Shape
//! inference allocates nothing, so every tensor's element count is checked against
//! [`Limits::max_tensor_elements`] after inference and before evaluation.

use crate::fact::len_u128;
use crate::{Graph, IrError};

/// Default [`Limits::max_tensor_elements`]: 2^24 = 16,777,216 elements (128 MiB as `f64`),
/// far above every model the circuit can prove (each element costs at least one variable).
pub const DEFAULT_MAX_TENSOR_ELEMENTS: usize = 1 << 24;

/// Limits on what import and compilation accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest number of elements any single tensor (input, intermediate or output, float or
    /// integer) may have.
    pub max_tensor_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_tensor_elements: DEFAULT_MAX_TENSOR_ELEMENTS,
        }
    }
}

impl Limits {
    /// Refuses a tensor of `shape` with more than [`Self::max_tensor_elements`] elements (or
    /// whose element count overflows), naming the node and tensor that produce it.
    pub fn check_tensor(&self, node: &str, tensor: &str, shape: &[usize]) -> Result<(), IrError> {
        let elements = len_u128(shape);
        if elements > self.max_tensor_elements as u128 {
            return Err(IrError::TensorTooLarge {
                node: node.to_string(),
                tensor: tensor.to_string(),
                shape: shape.to_vec(),
                elements,
                limit: self.max_tensor_elements,
            });
        }
        Ok(())
    }
}

impl Graph {
    /// Checks every tensor of the graph (inputs and node outputs) against `limits`.
    pub fn check_limits(&self, limits: &Limits) -> Result<(), IrError> {
        for input in &self.inputs {
            limits.check_tensor("graph input", &input.name, &input.fact.shape)?;
        }
        for (i, node) in self.nodes.iter().enumerate() {
            let tensor = format!("{} (tensor {})", node.name, self.inputs.len() + i);
            limits.check_tensor(&node.name, &tensor, &node.fact.shape)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_large_and_overflowing_shapes() {
        let l = Limits {
            max_tensor_elements: 100,
        };
        assert!(l.check_tensor("n", "t", &[10, 10]).is_ok());
        let e = l.check_tensor("conv", "y", &[1, 2, 11, 10]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "node `conv`: tensor `y` of shape [1, 2, 11, 10] would hold 220 elements, more than the limit of 100"
        );
        assert!(l
            .check_tensor("n", "t", &[usize::MAX, usize::MAX, 2])
            .is_err());
    }
}
