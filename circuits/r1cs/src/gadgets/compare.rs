//! Maximum and minimum of two bounded values (MaxPool, Clip).

use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError};

use crate::cell::{combine, Cell};
use crate::cost::{Cost, Tally};
use crate::lookup::{RangeChecker, RangeMode};
use crate::{fr_from_i128, Fr};

/// `m = max(a, b)` for `|a|, |b| ≤ 2^(B−1)`.
///
/// Relation: `d = b − a`; `s` = sign bit of `d` from a `(B+1)`-bit decomposition of
/// `d + 2^B`; `t = s · d`; `m = a + t`. Costs `B + 3` constraints.
pub fn max(
    cs: &ConstraintSystemRef<Fr>,
    a: &Cell,
    b: &Cell,
    bound_bits: u32,
) -> Result<Cell, SynthesisError> {
    max_with(cs, &RangeChecker::bits(), a, b, bound_bits)
}

/// [`max`] with the sign bit of `d` from `rc` ([`RangeChecker::sign_bit`] with `B + 1`
/// bits); [`max_cost_with`] says what it costs.
pub fn max_with(
    cs: &ConstraintSystemRef<Fr>,
    rc: &RangeChecker,
    a: &Cell,
    b: &Cell,
    bound_bits: u32,
) -> Result<Cell, SynthesisError> {
    let one = Fr::from(1u8);
    let d = Cell {
        lc: combine([(one, &b.lc), (-one, &a.lc)], Fr::from(0u8)),
        val: a.val.zip(b.val).map(|(x, y)| y - x),
        sign: None,
    };
    let s = rc.sign_bit(cs, &d, bound_bits + 1)?;
    let t_val = d.val.map(|v| v.max(0));
    let t = cs.new_witness_variable(|| {
        t_val
            .map(fr_from_i128)
            .ok_or(SynthesisError::AssignmentMissing)
    })?;
    let d_lc = d.lc.clone();
    cs.enforce_r1cs_constraint(|| d_lc, || s.into(), || t.into())?;
    let t_lc = LinearCombination(vec![(one, t)]);
    Ok(Cell {
        lc: combine([(one, &a.lc), (one, &t_lc)], Fr::from(0u8)),
        val: a.val.zip(b.val).map(|(x, y)| x.max(y)),
        sign: None,
    })
}

/// What [`max`] (and [`min`]) cost: `d = b − a` never carries a sign bit, so a `(B+1)`-bit
/// decomposition, plus `t = s·d`: `B + 3` constraints, `B + 2` witness variables.
pub fn max_cost(bound_bits: u32) -> Cost {
    super::relu::sign_bit_cost(false, bound_bits + 1).plus(Cost::new(1, 1))
}

/// What [`max_with`] (and [`min_with`]) cost in either mode: the sign bit of `d` (which never
/// carries one) and the product `t = s·d`.
pub fn max_cost_with(mode: RangeMode, bound_bits: u32) -> Tally {
    super::relu::sign_bit_cost_with(mode, false, bound_bits + 1).plus(&Cost::new(1, 1).into())
}

/// `min(a, b) = a + b − max(a, b)`: the same cost as [`max`].
pub fn min(
    cs: &ConstraintSystemRef<Fr>,
    a: &Cell,
    b: &Cell,
    bound_bits: u32,
) -> Result<Cell, SynthesisError> {
    min_with(cs, &RangeChecker::bits(), a, b, bound_bits)
}

/// [`min`] over `rc`'s sign bits: the same cost as [`max_with`].
pub fn min_with(
    cs: &ConstraintSystemRef<Fr>,
    rc: &RangeChecker,
    a: &Cell,
    b: &Cell,
    bound_bits: u32,
) -> Result<Cell, SynthesisError> {
    let m = max_with(cs, rc, a, b, bound_bits)?;
    let one = Fr::from(1u8);
    Ok(Cell {
        lc: combine([(one, &a.lc), (one, &b.lc), (-one, &m.lc)], Fr::from(0u8)),
        val: a.val.zip(b.val).map(|(x, y)| x.min(y)),
        sign: None,
    })
}

/// A constant as a cell.
pub fn constant(v: i128, proving: bool) -> Cell {
    Cell {
        lc: combine([], fr_from_i128(v)),
        val: proving.then_some(v),
        sign: None,
    }
}
