//! Bit decomposition: the range check every other gadget is built on.

use ark_ff::AdditiveGroup;
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};

use crate::cost::Cost;
use crate::Fr;

/// Allocates `bits.len()` boolean witnesses with the given values (little-endian; `None` in
/// setup) and enforces `β·β = β` for each. Costs one constraint per bit.
pub fn boolean_vars(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Option<bool>],
) -> Result<Vec<Variable>, SynthesisError> {
    bits.iter()
        .map(|b| {
            let v = cs.new_witness_variable(|| {
                b.map(Fr::from).ok_or(SynthesisError::AssignmentMissing)
            })?;
            cs.enforce_r1cs_constraint(|| v.into(), || v.into(), || v.into())?;
            Ok(v)
        })
        .collect()
}

/// The low `n` bits of a non-negative value, little-endian (`None` in setup mode). Values
/// outside `[0, 2^n)` keep only their low bits: the sum constraint then fails, as it must.
pub fn bits_of(value: Option<u128>, n: u32) -> Vec<Option<bool>> {
    (0..n)
        .map(|i| value.map(|v| i < 128 && (v >> i) & 1 == 1))
        .collect()
}

/// `Σ 2^i · bits[i]` as a linear combination.
pub fn weighted_sum(bits: &[Variable]) -> LinearCombination<Fr> {
    let mut pow = Fr::from(1u8);
    let mut lc = Vec::with_capacity(bits.len());
    for b in bits {
        lc.push((pow, *b));
        pow.double_in_place();
    }
    LinearCombination(lc)
}

/// Range check: enforces `x + offset = Σ_{i<n} 2^i·β_i` with boolean `β`, i.e.
/// `x + offset ∈ [0, 2^n)`. `value` is `x + offset` when proving. Returns the bits.
/// Costs `n + 1` constraints.
pub fn decompose(
    cs: &ConstraintSystemRef<Fr>,
    x: &LinearCombination<Fr>,
    offset: Fr,
    value: Option<i128>,
    n: u32,
) -> Result<Vec<Variable>, SynthesisError> {
    let unsigned = value.map(|v| u128::try_from(v).unwrap_or(u128::MAX));
    let bits = boolean_vars(cs, &bits_of(unsigned, n))?;
    let mut target = x.clone();
    target.0.push((offset, Variable::One));
    target.compactify();
    let sum = weighted_sum(&bits);
    cs.enforce_r1cs_constraint(|| sum, || Variable::One.into(), || target)?;
    Ok(bits)
}

/// What [`decompose`] costs for `n` bits: `n + 1` constraints, `n` witness variables.
pub fn decompose_cost(n: u32) -> Cost {
    Cost::new(n as usize + 1, n as usize)
}

/// What [`boolean_vars`] costs for `n` bits: `n` constraints, `n` witness variables.
pub fn boolean_vars_cost(n: usize) -> Cost {
    Cost::new(n, n)
}

/// `2^e` in the field.
pub fn pow2(e: u32) -> Fr {
    let mut p = Fr::from(1u8);
    for _ in 0..e {
        p.double_in_place();
    }
    p
}
