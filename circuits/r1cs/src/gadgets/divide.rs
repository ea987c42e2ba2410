//! Division of two computed values, rounded half up: `y = ⌊(2^(k+1)·a + s) / (2s)⌋`.
//!
//! Relation: new wires `y` and `r` with `(2s)·y = 2^(k+1)·a + s − r` (one product), and range
//! checks `r ∈ [0, 2^B)`, `2s − 1 − r ∈ [0, 2^B)` (so `0 ≤ r < 2s`, which also forces `s > 0`)
//! and `y + 2^(b−1) ∈ [0, 2^b)`, where `2^B ≥ 2·max|s|`. Every term is far below the field's
//! size, so the product equation holds over the integers and `y` is the unique rounded
//! quotient. Works in both modes: the checks are decompositions or lookups as `rc` makes them.

use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError};

use super::range::{decompose_cost, pow2};
use crate::cell::{combine, Cell};
use crate::cost::{Cost, Tally};
use crate::lookup::{RangeChecker, RangeMode};
use crate::{fr_from_i128, Fr};

/// The width `B` of the remainder checks for a divisor bounded by `s_max`: `2^B ≥ 2·s_max`.
pub fn remainder_bits(s_max: u64) -> u32 {
    u128::BITS - (2 * u128::from(s_max.max(1)) - 1).leading_zeros()
}

/// What [`divide`] costs: the product and the wires `y`, `r`, two `B`-bit checks and a
/// `b`-bit check.
pub fn cost_with(mode: RangeMode, s_max: u64, bits: u32) -> Tally {
    let b = remainder_bits(s_max);
    let own = Tally::from(Cost::new(1, 2));
    match mode {
        RangeMode::Bits => own.plus(&decompose_cost(b).times(2).plus(decompose_cost(bits)).into()),
        RangeMode::Lookup => own
            .plus(&Tally::check(b).times(2))
            .plus(&Tally::check(bits)),
    }
}

/// `y = ⌊(2^(k+1)·a + s) / (2s)⌋` for `s > 0` (see the module doc); `y_val` is the
/// executor's quotient when proving, `s_max` the divisor's bound.
#[allow(clippy::too_many_arguments)]
pub fn divide(
    cs: &ConstraintSystemRef<Fr>,
    rc: &RangeChecker,
    a: &Cell,
    s: &Cell,
    y_val: Option<i128>,
    shift: u32,
    bits: u32,
    s_max: u64,
) -> Result<Cell, SynthesisError> {
    let one = Fr::from(1u8);
    let b = remainder_bits(s_max);
    let r_val = a
        .val
        .zip(s.val)
        .zip(y_val)
        .map(|((a, s), y)| (a << (shift + 1)) + s - 2 * s * y);
    let new = |v: Option<i128>| {
        cs.new_witness_variable(|| v.map(fr_from_i128).ok_or(SynthesisError::AssignmentMissing))
    };
    let (y, r) = (new(y_val)?, new(r_val)?);
    let (y_lc, r_lc) = (LinearCombination::from(y), LinearCombination::from(r));
    let two_s = combine([(Fr::from(2u8), &s.lc)], Fr::from(0u8));
    let rhs = combine(
        [(pow2(shift + 1), &a.lc), (one, &s.lc), (-one, &r_lc)],
        Fr::from(0u8),
    );
    let y_mul = y_lc.clone();
    cs.enforce_r1cs_constraint(|| two_s, || y_mul, || rhs)?;
    rc.check(cs, &r_lc, r_val, b)?;
    let gap = combine([(Fr::from(2u8), &s.lc), (-one, &r_lc)], -one);
    rc.check(cs, &gap, s.val.zip(r_val).map(|(s, r)| 2 * s - 1 - r), b)?;
    let half = 1i128 << (bits - 1);
    let offset = combine([(one, &y_lc)], fr_from_i128(half));
    rc.check(cs, &offset, y_val.map(|y| y + half), bits)?;
    Ok(Cell::var(y, y_val))
}
