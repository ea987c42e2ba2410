//! Rescale: division by `2^k` with rounding half up, fully constrained.

use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError, Variable};

use super::range::{decompose, pow2, weighted_sum};
use crate::cell::Cell;
use crate::cost::Cost;
use crate::{fr_from_i128, Fr};

/// What [`rescale`] costs: a `k + b`-bit [`super::range::decompose`] and the variable `y` with
/// its constraint: `k + b + 2` constraints, `k + b + 1` witness variables.
pub fn cost(shift: u32, bits: u32) -> Cost {
    super::range::decompose_cost(shift + bits).plus(Cost::new(1, 1))
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
