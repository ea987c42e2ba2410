//! What is known about a tensor before it is computed: shape, scale and a magnitude bound.

use serde::{Deserialize, Serialize};

use crate::IrError;

/// Largest magnitude any tensor may reach. Far below the BN254 field's half-size (~2^253) so a
/// value never wraps in the circuit, and below `i64::MAX` so the executor never overflows.
pub const MAX_ABS_BOUND: u128 = 1 << 62;

/// The number of elements of `shape`, or `None` when the product overflows `usize`.
pub fn checked_len(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

/// The number of elements of `shape`, or [`IrError::Overflow`] naming `op` when the product
/// overflows `usize`.
pub fn shape_len(op: &'static str, shape: &[usize]) -> Result<usize, IrError> {
    checked_len(shape).ok_or_else(|| IrError::Overflow {
        op,
        what: format!("the element count of shape {shape:?}"),
    })
}

/// The number of elements of `shape` as a `u128`, saturating (for reports of sizes that are
/// being refused).
pub fn len_u128(shape: &[usize]) -> u128 {
    shape
        .iter()
        .try_fold(1u128, |acc, &d| acc.checked_mul(d as u128))
        .unwrap_or(u128::MAX)
}

/// Shape, fixed-point scale and value bound of one tensor.
///
/// A stored integer `q` stands for the real number `q / 2^scale`. `max_abs` is a sound bound:
/// every value the reference executor can produce satisfies `|q| <= max_abs`. Range-checked
/// tensors (graph inputs, rescale outputs) have `max_abs = 2^(bits-1)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// Dimensions, outermost first (NCHW for images).
    pub shape: Vec<usize>,
    /// Fractional bits: `q` stands for `q / 2^scale`.
    pub scale: i32,
    /// Sound bound on `|q|`.
    pub max_abs: u64,
}

impl Fact {
    /// A fact, refusing bounds beyond [`MAX_ABS_BOUND`] and shapes whose element count
    /// overflows `usize`.
    pub fn new(
        op: &'static str,
        shape: Vec<usize>,
        scale: i32,
        max_abs: u128,
    ) -> Result<Self, IrError> {
        if max_abs > MAX_ABS_BOUND {
            return Err(IrError::BoundOverflow { op, bound: max_abs });
        }
        shape_len(op, &shape)?;
        Ok(Fact {
            shape,
            scale,
            max_abs: max_abs as u64,
        })
    }

    /// Number of elements (saturating at `usize::MAX`; facts built by [`Fact::new`] and
    /// checked graphs never saturate).
    pub fn len(&self) -> usize {
        checked_len(&self.shape).unwrap_or(usize::MAX)
    }

    /// True when the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Signed bit width that holds every value: `-2^(b-1) <= q < 2^(b-1)` for `b = bits()`.
    pub fn bits(&self) -> u32 {
        // q in [-max_abs, max_abs] needs ceil(log2(max_abs + 1)) + 1 bits.
        (u64::BITS - self.max_abs.leading_zeros()) + 1
    }
}

impl std::fmt::Display for Fact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} @2^-{} |q|<={}",
            self.shape, self.scale, self.max_abs
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_cover_the_bound() {
        let f = |m| Fact {
            shape: vec![1],
            scale: 0,
            max_abs: m,
        };
        assert_eq!(f(0).bits(), 1);
        assert_eq!(f(1).bits(), 2);
        assert_eq!(f(127).bits(), 8);
        assert_eq!(f(128).bits(), 9);
    }

    #[test]
    fn refuses_huge_bounds() {
        assert!(Fact::new("x", vec![1], 0, MAX_ABS_BOUND + 1).is_err());
    }
}
