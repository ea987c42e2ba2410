//! Sign normalisation of MSM scalars: the reason the engine seam exists.
//!
//! Quantized-inference witnesses are mostly small integers, many of them negative. As a field
//! element, `-3` is `p - 3`, a 254-bit number that costs a bit-sliced MSM (a GPU kernel,
//! arkworks ≤ 0.4's Pippenger) as much as a random scalar. Since `s·P = (p - s)·(-P)` and
//! negating an affine point is one field negation, every scalar above `(p - 1)/2` is replaced by
//! its negation with the base negated, so `-3` costs what `3` costs. Engines apply
//! [`split_sign`] per scalar and bucket the magnitudes by [`Width`].
//!
//! (arkworks 0.6's own `msm_bigint` already tests `p - s` and routes such scalars to its
//! small-width MSMs, so on the CPU this mostly makes the routing explicit; see `CpuEngine`.)

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};

/// The canonical big integer of an `Fr` element.
pub type FrBigInt = <Fr as PrimeField>::BigInt;

/// Splits `s` into `(negative, magnitude)` with `s = ±magnitude` and `magnitude ≤ (p - 1)/2`.
///
/// `negative` is true when `s > (p - 1)/2`, in which case `magnitude = p - s`.
pub fn split_sign(s: &Fr) -> (bool, FrBigInt) {
    let canonical = s.into_bigint();
    if canonical > Fr::MODULUS_MINUS_ONE_DIV_TWO {
        let mut magnitude = Fr::MODULUS;
        magnitude.sub_with_borrow(&canonical);
        (true, magnitude)
    } else {
        (false, canonical)
    }
}

/// Bit-width classes used to route sign-normalised scalars to width-specialised MSMs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Width {
    /// The scalar is zero and contributes nothing.
    Zero,
    /// Magnitude 1: the base is added (or subtracted) once.
    One,
    /// Magnitude fits in 8 bits.
    U8,
    /// Magnitude fits in 16 bits.
    U16,
    /// Magnitude fits in 32 bits.
    U32,
    /// Magnitude fits in 64 bits.
    U64,
    /// Anything wider: a full-width MSM.
    Big,
}

impl Width {
    /// The class of a magnitude, from its bit length.
    pub fn of(magnitude: &FrBigInt) -> Self {
        match magnitude.num_bits() {
            0 => Self::Zero,
            1 => Self::One,
            2..=8 => Self::U8,
            9..=16 => Self::U16,
            17..=32 => Self::U32,
            33..=64 => Self::U64,
            _ => Self::Big,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{One, Zero};

    #[test]
    fn small_negatives_become_small_magnitudes() {
        for v in [1u64, 2, 255, 256, 1 << 17, u64::MAX] {
            let (neg, mag) = split_sign(&-Fr::from(v));
            assert!(neg);
            assert_eq!(mag, FrBigInt::from(v));
            let (neg, mag) = split_sign(&Fr::from(v));
            assert!(!neg);
            assert_eq!(mag, FrBigInt::from(v));
        }
    }

    #[test]
    fn half_modulus_boundary() {
        let half = Fr::from_bigint(Fr::MODULUS_MINUS_ONE_DIV_TWO).unwrap();
        assert_eq!(split_sign(&half), (false, Fr::MODULUS_MINUS_ONE_DIV_TWO));
        let (neg, mag) = split_sign(&(half + Fr::one()));
        assert!(neg);
        assert_eq!(mag, Fr::MODULUS_MINUS_ONE_DIV_TWO);
        assert_eq!(split_sign(&Fr::zero()), (false, FrBigInt::zero()));
    }

    #[test]
    fn widths() {
        assert_eq!(Width::of(&FrBigInt::from(0u64)), Width::Zero);
        assert_eq!(Width::of(&FrBigInt::from(1u64)), Width::One);
        assert_eq!(Width::of(&FrBigInt::from(255u64)), Width::U8);
        assert_eq!(Width::of(&FrBigInt::from(256u64)), Width::U16);
        assert_eq!(Width::of(&FrBigInt::from(1u64 << 16)), Width::U32);
        assert_eq!(Width::of(&FrBigInt::from(1u64 << 32)), Width::U64);
        assert_eq!(Width::of(&Fr::MODULUS_MINUS_ONE_DIV_TWO), Width::Big);
    }
}
