//! The derived challenges `(r_y, r_t)`: the Poseidon sponge of the challenge `c`, computed in
//! the circuit as round-2 wires.
//!
//! With more than one table (or any function table) an entry is the triple `(a, b, tag)` and
//! the argument compresses it as `a + r_y·b + r_t·tag`. The compression must be injective on
//! the (prover-chosen) queries, which needs `r_y, r_t` to be random *independently* of `c`:
//! * folding the tag into the value (`tag·2^64 + a`) is not sound: a limb is a field element,
//!   and a limb `(tag′ − tag)·2^64 + j` of one table is looked up in table `tag′`;
//! * `r = c²` is not sound either: with a primitive cube root of unity `λ` (BN254's `r ≡ 1
//!   mod 3`), the three denominators `c − a − c²b` with roots `{u, λu}`, `{λu, λ²u}`,
//!   `{λ²u, u}` have fractions that sum to zero identically, so three unconstrained queries
//!   pass without being in any table.
//!
//! Here `(r_y, r_t)` is what a narrow Poseidon sponge ([`poseidon::narrow_params`]: width 3)
//! squeezes after absorbing `c`: one permutation of `[0, c, 0]`, outputs its rate part. In the
//! random-oracle model `(c, r_y, r_t)` is uniform, so for queries fixed before `c` the
//! bivariate identity `Σ m_j/(X − a_j − Y₁b_j − Y₂tag_j) = Σ 1/(X − a_i − Y₁b_i − Y₂tag_i)`
//! holds at the random point only if it holds identically (Schwartz–Zippel), i.e. only if
//! every query triple is a table triple (distinct linear denominators are independent:
//! Haböck, eprint 2022/1530, Lemma 5, over `F(Y₁, Y₂)`).
//!
//! Cost: [`CONSTRAINTS`] constraints and as many round-2 wires, once per circuit, and only
//! when the circuit has a second table.

use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};

use super::trace::{LcArena, LcRef, Product};
use crate::gadgets::poseidon;
use crate::Fr;

/// Constraints (and round-2 wires) of the derivation: one Poseidon permutation whose state is
/// `[0, c, 0]`. Its first round's first and third S-boxes act on constants (folded), every
/// other S-box is three products (`x²`, `x⁴`, `x⁵`).
pub const CONSTRAINTS: usize = poseidon::NARROW_PERMUTATION_CONSTRAINTS - 6;

/// Allocates the derivation of `(r_y, r_t)` from the challenge `c` (values are placeholders
/// until [`super::LookupTrace::fill`] computes them), records each product for the trace, and
/// returns `(r_y, r_t)` as combinations stored in `arena`.
pub(crate) fn derive(
    cs: &ConstraintSystemRef<Fr>,
    c: Variable,
    arena: &mut LcArena,
    products: &mut Vec<Product>,
) -> Result<(LcRef, LcRef), SynthesisError> {
    let config = poseidon::narrow_params();
    let zero = LinearCombination::<Fr>(Vec::new());
    let mut state = vec![
        zero.clone(),
        LinearCombination(vec![(Fr::from(1u8), c)]),
        zero,
    ];
    let half = config.full_rounds / 2;
    for round in 0..config.full_rounds + config.partial_rounds {
        for (s, k) in state.iter_mut().zip(&config.ark[round]) {
            s.0.push((*k, Variable::One));
            s.compactify();
        }
        let full = round < half || round >= half + config.partial_rounds;
        for s in state.iter_mut().take(if full { 3 } else { 1 }) {
            *s = sbox(cs, s, arena, products)?;
        }
        state = config
            .mds
            .iter()
            .map(|row| {
                let mut lc = LinearCombination(
                    row.iter()
                        .zip(&state)
                        .flat_map(|(m, s)| s.0.iter().map(move |(k, v)| (*m * k, *v)))
                        .collect(),
                );
                lc.compactify();
                lc
            })
            .collect();
    }
    Ok((arena.push(&state[1]), arena.push(&state[2])))
}

/// `x^5`: a constant when `x` is one, else three products.
fn sbox(
    cs: &ConstraintSystemRef<Fr>,
    x: &LinearCombination<Fr>,
    arena: &mut LcArena,
    products: &mut Vec<Product>,
) -> Result<LinearCombination<Fr>, SynthesisError> {
    use ark_ff::Field;
    if x.0.iter().all(|(_, v)| *v == Variable::One) {
        let value: Fr = x.0.iter().map(|(k, _)| *k).sum();
        return Ok(LinearCombination(vec![(
            value.pow([poseidon::ALPHA]),
            Variable::One,
        )]));
    }
    let x_ref = arena.push(x);
    let x2 = product(cs, x.clone(), x_ref, x.clone(), x_ref, arena, products)?;
    let x2_lc = LinearCombination::from(x2.0);
    let x4 = product(cs, x2_lc.clone(), x2.1, x2_lc, x2.1, arena, products)?;
    let x5 = product(cs, x4.0.into(), x4.1, x.clone(), x_ref, arena, products)?;
    Ok(x5.0.into())
}

/// A new round-2 wire `out = a·b` (A = `a`, B = `b`), recorded for the trace.
fn product(
    cs: &ConstraintSystemRef<Fr>,
    a: LinearCombination<Fr>,
    a_ref: LcRef,
    b: LinearCombination<Fr>,
    b_ref: LcRef,
    arena: &mut LcArena,
    products: &mut Vec<Product>,
) -> Result<(Variable, LcRef), SynthesisError> {
    let out = cs.new_witness_variable(|| Ok(Fr::from(0u8)))?;
    cs.enforce_r1cs_constraint(|| a, || b, || out.into())?;
    let index = out.index().ok_or(SynthesisError::Unsatisfiable)?;
    products.push(Product {
        out: index,
        a: a_ref,
        b: b_ref,
    });
    Ok((out, arena.push(&out.into())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_crypto_primitives::sponge::poseidon::PoseidonSponge;
    use ark_crypto_primitives::sponge::{CryptographicSponge, FieldBasedCryptographicSponge};
    use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode};

    /// The in-circuit derivation equals arkworks' native sponge, and costs [`CONSTRAINTS`].
    #[test]
    fn derivation_matches_the_native_sponge() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Prove {
            construct_matrices: true,
            generate_lc_assignments: false,
        });
        let c_val = Fr::from(123_456_789u64);
        let c = cs.new_input_variable(|| Ok(c_val)).unwrap();
        let (mut arena, mut products) = (LcArena::default(), Vec::new());
        let (r_y, r_t) = derive(&cs, c, &mut arena, &mut products).unwrap();
        assert_eq!(cs.num_constraints(), CONSTRAINTS);
        assert_eq!(products.len(), CONSTRAINTS);
        // Fill the products the way the trace does.
        let (instance, mut witness) = {
            let b = cs.borrow().unwrap();
            (
                b.assignments.instance_assignment.clone(),
                b.assignments.witness_assignment.clone(),
            )
        };
        for p in &products {
            witness[p.out] = arena.eval(p.a, &instance, &witness).unwrap()
                * arena.eval(p.b, &instance, &witness).unwrap();
        }
        let mut sponge = PoseidonSponge::new(&poseidon::narrow_params());
        sponge.absorb(&c_val);
        let native: Vec<Fr> = sponge.squeeze_native_field_elements(2);
        assert_eq!(arena.eval(r_y, &instance, &witness).unwrap(), native[0]);
        assert_eq!(arena.eval(r_t, &instance, &witness).unwrap(), native[1]);
        cs.borrow_mut().unwrap().assignments.witness_assignment = witness;
        cs.finalize();
        assert!(cs.is_satisfied().unwrap());
    }
}
