//! The QAP witness map: ark-groth16's `LibsnarkReduction` over [`QapDomain`], with the NTTs
//! done by an engine.
//!
//! Over the domain `H` of `n = next_pow2(constraints + instance variables)` points, with
//! `A(X), B(X), C(X)` interpolating the rows `⟨a_i, z⟩`, `⟨b_i, z⟩`, `⟨c_i, z⟩` (A also carries
//! the instance at rows `constraints..`, as libsnark does), it returns the coefficients of
//! `h(X) = (A·B − C)(X) / Z_H(X)`, computed on the coset `g·H` where `Z_H` is the constant
//! `g^n − 1`. The result equals ark-groth16's `witness_map` element for element (tested).

use super::{error::at_step, Groth16Error, QapDomain, R1csInstance};
use ark_bn254::Fr;
use ark_ff::{FftField, Field, One, Zero};
use ark_poly::EvaluationDomain;
use rayon::prelude::*;
use zkinfer_accel::{Coset, Direction, NttEngine};

/// The QAP witness map (ark-groth16's LibsnarkReduction, computed with the engine's NTTs) —
/// must equal ark's h exactly. Returns `n` coefficients, the last of which is zero for a
/// satisfied instance.
pub fn witness_map<A: NttEngine>(engine: &A, inst: &R1csInstance) -> Result<Vec<Fr>, Groth16Error> {
    inst.validate()?;
    let n = domain_size(inst)?;
    let m = inst.num_constraints;
    let z = inst.assignment.as_slice();

    let mut a = vec![Fr::zero(); n];
    let mut b = vec![Fr::zero(); n];
    evaluate_rows(&inst.a, z, &mut a[..m])?;
    evaluate_rows(&inst.b, z, &mut b[..m])?;
    a[m..m + inst.num_instance].copy_from_slice(&z[..inst.num_instance]);
    to_coset(engine, &mut a, "NTTs of A")?;
    to_coset(engine, &mut b, "NTTs of B")?;

    let mut c = vec![Fr::zero(); n];
    evaluate_rows(&inst.c, z, &mut c[..m])?;
    to_coset(engine, &mut c, "NTTs of C")?;

    // Z_H(g·ω^i) = g^n − 1 for every point of the coset; it is non-zero because g is not an
    // n-th root of unity.
    let z_inv = (Fr::GENERATOR.pow([n as u64]) - Fr::one())
        .inverse()
        .ok_or_else(|| Groth16Error::MalformedInstance {
            detail: format!("the vanishing polynomial is zero on the coset of size {n}"),
        })?;
    a.par_iter_mut()
        .zip(&b)
        .zip(&c)
        .for_each(|((a, b), c)| *a = (*a * b - c) * z_inv);
    drop((b, c));
    engine
        .ntt(&mut a, Direction::Inverse, Coset::Standard)
        .map_err(at_step("inverse coset NTT of H"))?;
    Ok(a)
}

/// The QAP domain size for `inst`: the next power of two above constraints + instance
/// variables, as ark-groth16's `GeneralEvaluationDomain` chooses for BN254.
pub(super) fn domain_size(inst: &R1csInstance) -> Result<usize, Groth16Error> {
    let too_large = || Groth16Error::DomainTooLarge {
        constraints: inst.num_constraints.saturating_add(inst.num_instance),
    };
    let wanted = inst
        .num_constraints
        .checked_add(inst.num_instance)
        .ok_or_else(too_large)?;
    QapDomain::<Fr>::compute_size_of_domain(wanted).ok_or_else(too_large)
}

/// Evaluations on `H` → coefficients → evaluations on the coset `g·H`.
fn to_coset<A: NttEngine>(
    engine: &A,
    values: &mut [Fr],
    step: &'static str,
) -> Result<(), Groth16Error> {
    engine
        .ntt(values, Direction::Inverse, Coset::None)
        .and_then(|()| engine.ntt(values, Direction::Forward, Coset::Standard))
        .map_err(at_step(step))
}

/// `out[i] = ⟨matrix[i], z⟩` for every row, in parallel.
fn evaluate_rows(
    matrix: &[Vec<(Fr, usize)>],
    z: &[Fr],
    out: &mut [Fr],
) -> Result<(), Groth16Error> {
    out.par_iter_mut()
        .zip(matrix)
        .enumerate()
        .try_for_each(|(row, (out, terms))| {
            *out = terms.iter().try_fold(Fr::zero(), |acc, &(coeff, var)| {
                let value = z.get(var).ok_or_else(|| Groth16Error::MalformedInstance {
                    detail: format!(
                        "constraint {row} uses variable {var}, but the assignment has {}",
                        z.len()
                    ),
                })?;
                Ok::<_, Groth16Error>(
                    acc + if coeff.is_one() {
                        *value
                    } else {
                        *value * coeff
                    },
                )
            })?;
            Ok(())
        })
}
