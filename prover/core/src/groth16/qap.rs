//! The QAP witness map of [`super::QapReduction`] (libsnark's reduction over [`QapDomain`],
//! with `h` left on the coset), its NTTs done by an engine; and libsnark's coefficients of `h`
//! for proving keys of [`super::HBasis::Powers`].
//!
//! Over the domain `H` of `n` points (the smallest radix-2 or `2^k·3^j` subgroup holding the
//! constraints and instance variables), with `A(X), B(X), C(X)` interpolating the rows
//! `⟨a_i, z⟩`, `⟨b_i, z⟩`, `⟨c_i, z⟩` (A also carries the instance at rows `constraints..`, as
//! libsnark does), it returns `(A·B − C)(g·ω^i)` for the `n` points of the coset `g·H`: three
//! subgroup-to-coset extensions (six NTTs) and one pointwise pass. The key's `h_query` is in
//! the matching basis, so the MSM gives libsnark's `h(τ)·Z_H(τ)/δ` (tested against ark).

use super::{error::at_step, Groth16Error, HBasis, R1csInstance};
use ark_bn254::Fr;
use ark_ff::{FftField, Field, One, Zero};
use rayon::prelude::*;
use zkinfer_accel::{Coset, Direction, NttEngine};

/// The QAP witness map: `(A·B − C)` on the standard coset of the QAP domain, `n` values in
/// coset order, to be committed with the key's `h_query` (equal to
/// `QapReduction::witness_map`, tested).
pub fn witness_map<A: NttEngine>(engine: &A, inst: &R1csInstance) -> Result<Vec<Fr>, Groth16Error> {
    let [mut a, mut b, mut c] = row_values(inst, domain_size(inst, HBasis::CosetLagrange)?)?;
    engine.coset_extend(&mut a).map_err(at_step("NTTs of A"))?;
    engine.coset_extend(&mut b).map_err(at_step("NTTs of B"))?;
    engine.coset_extend(&mut c).map_err(at_step("NTTs of C"))?;
    Ok(combine(a, &b, &c))
}

/// The witness map of [`HBasis::OddCoset`] keys (snarkjs's): `(A·B − C)` at the odd `2n`-th
/// roots of unity `ω_{2n}·ω^i`, over the power-of-two domain of `n` points. Each of A, B, C
/// goes through an inverse NTT, a multiplication of coefficient `j` by `ω_{2n}^j`, and a
/// forward NTT.
pub fn witness_map_odd_coset<A: NttEngine>(
    engine: &A,
    inst: &R1csInstance,
) -> Result<Vec<Fr>, Groth16Error> {
    let n = domain_size(inst, HBasis::OddCoset)?;
    let shift = Fr::get_root_of_unity(2 * n as u64).ok_or(Groth16Error::DomainTooLarge {
        constraints: inst.num_constraints() + inst.num_instance(),
    })?;
    let mut powers = vec![Fr::one(); n];
    for j in 1..n {
        powers[j] = powers[j - 1] * shift;
    }
    let [mut a, mut b, mut c] = row_values(inst, n)?;
    for (values, name) in [(&mut a, "A"), (&mut b, "B"), (&mut c, "C")] {
        engine
            .ntt(values, Direction::Inverse, Coset::None)
            .map_err(at_step(name))?;
        values
            .par_iter_mut()
            .zip(&powers)
            .for_each(|(v, p)| *v *= p);
        engine
            .ntt(values, Direction::Forward, Coset::None)
            .map_err(at_step(name))?;
    }
    Ok(combine(a, &b, &c))
}

/// The rows `⟨a_i, z⟩`, `⟨b_i, z⟩`, `⟨c_i, z⟩` padded to `n`, with the instance appended to A
/// at rows `constraints..` (libsnark's and snarkjs's extra rows).
fn row_values(inst: &R1csInstance, n: usize) -> Result<[Vec<Fr>; 3], Groth16Error> {
    inst.validate()?;
    let mx = &*inst.matrices;
    let m = mx.num_constraints;
    let z = inst.assignment.as_slice();
    let mut rows = [
        vec![Fr::zero(); n],
        vec![Fr::zero(); n],
        vec![Fr::zero(); n],
    ];
    for (out, matrix) in rows.iter_mut().zip([&mx.a, &mx.b, &mx.c]) {
        evaluate_rows(matrix, z, &mut out[..m])?;
    }
    rows[0][m..m + mx.num_instance].copy_from_slice(&z[..mx.num_instance]);
    Ok(rows)
}

/// `A·B − C` pointwise, in place of A.
fn combine(mut a: Vec<Fr>, b: &[Fr], c: &[Fr]) -> Vec<Fr> {
    a.par_iter_mut()
        .zip(b)
        .zip(c)
        .for_each(|((a, b), c)| *a = *a * b - c);
    a
}

/// libsnark's witness map: the `n − 1` coefficients of `h = (A·B − C)/Z_H` (the `n`-th is zero
/// for a satisfied instance), for keys whose `h_query` holds powers of τ
/// ([`super::HBasis::Powers`]): [`witness_map`], then an inverse coset NTT and the division.
pub fn witness_map_coefficients<A: NttEngine>(
    engine: &A,
    inst: &R1csInstance,
) -> Result<Vec<Fr>, Groth16Error> {
    let mut h = witness_map(engine, inst)?;
    let n = h.len();
    engine
        .ntt(&mut h, Direction::Inverse, Coset::Standard)
        .map_err(at_step("inverse coset NTT of H"))?;
    // Z_H(g·ω^i) = g^n − 1 on the whole coset; non-zero because g is not an n-th root of 1.
    let z_inv = (Fr::GENERATOR.pow([n as u64]) - Fr::one())
        .inverse()
        .ok_or_else(|| Groth16Error::MalformedInstance {
            detail: format!("the vanishing polynomial is zero on the coset of size {n}"),
        })?;
    h.truncate(n.saturating_sub(1));
    h.par_iter_mut().for_each(|v| *v *= z_inv);
    Ok(h)
}

/// The QAP domain size for `inst` and a key of `basis`: the smallest domain holding
/// constraints + instance variables ([`HBasis::domain_size`]).
pub(super) fn domain_size(inst: &R1csInstance, basis: HBasis) -> Result<usize, Groth16Error> {
    let too_large = || Groth16Error::DomainTooLarge {
        constraints: inst.num_constraints().saturating_add(inst.num_instance()),
    };
    let wanted = inst
        .num_constraints()
        .checked_add(inst.num_instance())
        .ok_or_else(too_large)?;
    basis.domain_size(wanted).ok_or_else(too_large)
}

/// `out[i] = ⟨matrix[i], z⟩` for every row, in parallel.
fn evaluate_rows(
    matrix: &[Vec<(Fr, usize)>],
    z: &[Fr],
    out: &mut [Fr],
) -> Result<(), Groth16Error> {
    let minus_one = -Fr::one();
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
                Ok::<_, Groth16Error>(if coeff.is_one() {
                    acc + value
                } else if coeff == minus_one {
                    acc - value
                } else {
                    acc + *value * coeff
                })
            })?;
            Ok(())
        })
}
