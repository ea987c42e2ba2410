//! The product of two computed values: a new wire `p` and the constraint `a · b = p`.

use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

use crate::cell::Cell;
use crate::cost::Cost;
use crate::{fr_from_i128, Fr};

/// What [`product`] costs: one constraint and one witness variable.
pub const COST: Cost = Cost::new(1, 1);

/// `p = a · b` (both any linear combinations): one constraint. `p`'s value is the product of
/// the cells' values when proving.
pub fn product(cs: &ConstraintSystemRef<Fr>, a: &Cell, b: &Cell) -> Result<Cell, SynthesisError> {
    let val = a.val.zip(b.val).map(|(x, y)| x * y);
    let p = cs.new_witness_variable(|| {
        val.map(fr_from_i128)
            .ok_or(SynthesisError::AssignmentMissing)
    })?;
    let (al, bl) = (a.lc.clone(), b.lc.clone());
    cs.enforce_r1cs_constraint(|| al, || bl, || p.into())?;
    Ok(Cell::var(p, val))
}
