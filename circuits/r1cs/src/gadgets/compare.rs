//! Maximum and minimum of two bounded values (MaxPool, Clip).

use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError};

use super::relu::sign_bit;
use crate::cell::{combine, Cell};
use crate::cost::Cost;
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
    let one = Fr::from(1u8);
    let d = Cell {
        lc: combine([(one, &b.lc), (-one, &a.lc)], Fr::from(0u8)),
        val: a.val.zip(b.val).map(|(x, y)| y - x),
        sign: None,
    };
    let s = sign_bit(cs, &d, bound_bits + 1)?;
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

/// `min(a, b) = a + b − max(a, b)`: the same cost as [`max`].
pub fn min(
    cs: &ConstraintSystemRef<Fr>,
    a: &Cell,
    b: &Cell,
    bound_bits: u32,
) -> Result<Cell, SynthesisError> {
    let m = max(cs, a, b, bound_bits)?;
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
