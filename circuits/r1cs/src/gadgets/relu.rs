//! ReLU through a sign bit.

use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

use super::range::{decompose, decompose_cost, pow2};
use crate::cell::Cell;
use crate::cost::{Cost, Tally};
use crate::lookup::{RangeChecker, RangeMode};
use crate::{fr_from_i128, Fr};

/// The sign bit of `y` (1 iff `y ≥ 0`), reusing the one a rescale produced, else from a
/// decomposition `y + 2^(B−1) = Σ_{i<B} 2^i·β_i` whose top bit it is (`B + 1` constraints).
/// `bound_bits` (`B`) must satisfy `−2^(B−1) ≤ y < 2^(B−1)` for every honest value.
pub fn sign_bit(
    cs: &ConstraintSystemRef<Fr>,
    y: &Cell,
    bound_bits: u32,
) -> Result<ark_relations::gr1cs::Variable, SynthesisError> {
    if let Some(s) = y.sign {
        return Ok(s);
    }
    let bits = decompose(
        cs,
        &y.lc,
        pow2(bound_bits - 1),
        y.val.map(|v| v + (1i128 << (bound_bits - 1))),
        bound_bits,
    )?;
    bits.last().copied().ok_or(SynthesisError::Unsatisfiable)
}

/// What [`sign_bit`] costs: nothing when `y` carries its sign bit, else a `B`-bit
/// decomposition.
pub fn sign_bit_cost(has_sign: bool, bound_bits: u32) -> Cost {
    if has_sign {
        Cost::default()
    } else {
        decompose_cost(bound_bits)
    }
}

/// What [`RangeChecker::sign_bit`] costs in either mode: nothing when `y` carries its sign
/// bit; else [`sign_bit_cost`] (bits), or a boolean (1 constraint, 1 wire) and a `B − 1`-bit
/// range check (lookup).
pub fn sign_bit_cost_with(mode: RangeMode, has_sign: bool, bound_bits: u32) -> Tally {
    match (mode, has_sign) {
        (RangeMode::Bits, _) => sign_bit_cost(has_sign, bound_bits).into(),
        (RangeMode::Lookup, true) => Tally::default(),
        (RangeMode::Lookup, false) => {
            Tally::from(Cost::new(1, 1)).plus(&Tally::check(bound_bits - 1))
        }
    }
}

/// What [`relu`] costs: [`sign_bit_cost`] plus the product `z = y·s` (1 constraint, 1
/// witness variable).
pub fn cost(has_sign: bool, bound_bits: u32) -> Cost {
    sign_bit_cost(has_sign, bound_bits).plus(Cost::new(1, 1))
}

/// What [`relu_with`] costs: [`sign_bit_cost_with`] plus the product.
pub fn cost_with(mode: RangeMode, has_sign: bool, bound_bits: u32) -> Tally {
    sign_bit_cost_with(mode, has_sign, bound_bits).plus(&Cost::new(1, 1).into())
}

/// `z = max(y, 0)`. Relation: `z = y · s` with `s` the sign bit of `y` ([`sign_bit`]).
/// Costs 1 constraint when `y` carries its sign bit (after a rescale), else `B + 2`.
pub fn relu(
    cs: &ConstraintSystemRef<Fr>,
    y: &Cell,
    bound_bits: u32,
) -> Result<Cell, SynthesisError> {
    relu_with(cs, &RangeChecker::bits(), y, bound_bits)
}

/// [`relu`] with the sign bit from `rc` ([`RangeChecker::sign_bit`]): `z = y · s`.
pub fn relu_with(
    cs: &ConstraintSystemRef<Fr>,
    rc: &RangeChecker,
    y: &Cell,
    bound_bits: u32,
) -> Result<Cell, SynthesisError> {
    let s = rc.sign_bit(cs, y, bound_bits)?;
    let val = y.val.map(|v| v.max(0));
    let z = cs.new_witness_variable(|| {
        val.map(fr_from_i128)
            .ok_or(SynthesisError::AssignmentMissing)
    })?;
    let lc = y.lc.clone();
    cs.enforce_r1cs_constraint(|| lc, || s.into(), || z.into())?;
    let mut out = Cell::var(z, val);
    // max(y, 0) ≥ 0 always: its sign bit is the constant 1, which no later ReLU needs.
    out.sign = None;
    Ok(out)
}
