//! Rescale: division by `2^k` with rounding half up, fully constrained.
//!
//! Plain mode ([`rescale`]): one `k + b`-bit decomposition of `x + 2^(k−1) + 2^(b−1+k)`.
//! Lookup mode ([`rescale_with`] over a lookup [`RangeChecker`]): `y` and its sign bit `s` are
//! new wires, and two range checks pin them down:
//! `x + 2^(k−1) = 2^k·y + r` with `r = x + 2^(k−1) − 2^k·y ∈ [0, 2^k)` (a `k`-bit check), and
//! `y + 2^(b−1) = 2^(b−1)·s + low` with `low ∈ [0, 2^(b−1))` (a `b − 1`-bit check), `s`
//! boolean. Together: `x + 2^(k−1) + 2^(k+b−1) = r + 2^k·(low + 2^(b−1)·s)`, the plain
//! relation with `low` and `r` looked up instead of decomposed.

use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};

use super::range::{decompose, pow2, weighted_sum};
use crate::cell::{combine, Cell};
use crate::cost::{Cost, Tally};
use crate::lookup::{boolean, RangeChecker, RangeMode};
use crate::{fr_from_i128, Fr};

/// What [`rescale`] costs: a `k + b`-bit [`super::range::decompose`] and the variable `y` with
/// its constraint: `k + b + 2` constraints, `k + b + 1` witness variables.
pub fn cost(shift: u32, bits: u32) -> Cost {
    super::range::decompose_cost(shift + bits).plus(Cost::new(1, 1))
}

/// What [`rescale_with`] costs in either mode: [`cost`] (bits), or the wires `y` and `s`, the
/// boolean constraint on `s`, a `b − 1`-bit and a `k`-bit check (lookup).
pub fn cost_with(mode: RangeMode, shift: u32, bits: u32) -> Tally {
    match mode {
        RangeMode::Bits => cost(shift, bits).into(),
        RangeMode::Lookup => Tally::from(Cost::new(1, 2))
            .plus(&Tally::check(bits - 1))
            .plus(&Tally::check(shift)),
    }
}

/// [`rescale`] in either mode (see the module doc for the lookup relation). The returned
/// cell is the variable `y` carrying its sign bit in both modes.
pub fn rescale_with(
    cs: &ConstraintSystemRef<Fr>,
    rc: &RangeChecker,
    x: &Cell,
    y_val: Option<i128>,
    shift: u32,
    bits: u32,
) -> Result<Cell, SynthesisError> {
    if rc.mode() == RangeMode::Bits {
        return rescale(cs, x, y_val, shift, bits);
    }
    let y = cs.new_witness_variable(|| {
        y_val
            .map(fr_from_i128)
            .ok_or(SynthesisError::AssignmentMissing)
    })?;
    let s = boolean(cs, y_val.map(|v| v >= 0))?;
    let (one, y_lc) = (Fr::from(1u8), LinearCombination::from(y));
    let half_b = 1i128 << (bits - 1);
    let low = combine(
        [(one, &y_lc), (-pow2(bits - 1), &LinearCombination::from(s))],
        pow2(bits - 1),
    );
    rc.check(
        cs,
        &low,
        y_val.map(|v| if v >= 0 { v } else { v + half_b }),
        bits - 1,
    )?;
    let half_k = if shift == 0 {
        0i128
    } else {
        1i128 << (shift - 1)
    };
    let r = combine([(one, &x.lc), (-pow2(shift), &y_lc)], fr_from_i128(half_k));
    let r_val = x
        .val
        .zip(y_val)
        .map(|(x, y)| x + half_k - y.wrapping_shl(shift));
    rc.check(cs, &r, r_val, shift)?;
    let mut out = Cell::var(y, y_val);
    out.sign = Some(s);
    Ok(out)
}

/// `y = ⌊(x + 2^(k−1)) / 2^k⌋` with `y ∈ [−2^(b−1), 2^(b−1))` (`y = x` range-checked when `k = 0`).
///
/// Relation: `x + 2^(k−1) + 2^(b−1)·2^k = Σ_{i<k+b} 2^i·β_i` with boolean `β` (so the remainder,
/// the low `k` bits, is in `[0, 2^k)` and `y + 2^(b−1)`, the high `b` bits, in `[0, 2^b)`), and
/// `y = Σ_{i≥k} 2^(i−k)·β_i − 2^(b−1)` as its own variable. Costs `k + b + 2` constraints.
/// The returned cell carries `β_(k+b−1)`, which is 1 iff `y ≥ 0`, for a following ReLU.
pub fn rescale(
    cs: &ConstraintSystemRef<Fr>,
    x: &Cell,
    y_val: Option<i128>,
    shift: u32,
    bits: u32,
) -> Result<Cell, SynthesisError> {
    let half = if shift == 0 {
        0i128
    } else {
        1i128 << (shift - 1)
    };
    let offset = half + (1i128 << (bits - 1 + shift));
    let all = decompose(
        cs,
        &x.lc,
        fr_from_i128(offset),
        x.val.map(|v| v + offset),
        shift + bits,
    )?;
    let y = cs.new_witness_variable(|| {
        y_val
            .map(fr_from_i128)
            .ok_or(SynthesisError::AssignmentMissing)
    })?;
    let mut high = weighted_sum(&all[shift as usize..]);
    high.0.push((-pow2(bits - 1), Variable::One));
    cs.enforce_r1cs_constraint(|| high, || Variable::One.into(), || y.into())?;
    let mut out = Cell::var(y, y_val);
    out.sign = all.last().copied();
    Ok(out)
}
