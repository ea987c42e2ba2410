//! The Lagrange sections of a prepared `.ptau`, and the consistency check of a whole file.
//!
//! Block `p` of a Lagrange section holds `[L_i(τ)]` for the `2^p` Lagrange polynomials of
//! the `2^p`-th roots of unity: the inverse FFT of the first `2^p` powers. When τ is known
//! (a file we make) the blocks are computed in the scalar field and multiplied out once; a
//! foreign file is transformed in the group, which costs a scalar multiplication per
//! butterfly (slow above power 14).

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::rand::rngs::OsRng;

use super::{section, Ptau};
use crate::points::{g1_lem_all, g2_lem_all};
use crate::CeremonyError;

fn domain(p: u32) -> Radix2EvaluationDomain<Fr> {
    // 2^p ≤ 2^28 always (the power is checked), so the domain exists.
    Radix2EvaluationDomain::new(1 << p).unwrap_or_else(|| unreachable!("2^{p} > 2^28"))
}

/// The first `2^p` of `values` (padded with zeros), inverse-transformed.
fn block<T: ark_poly::domain::DomainCoeff<Fr> + Zero>(values: &[T], p: u32) -> Vec<T> {
    let n = 1usize << p;
    let mut v: Vec<T> = values.iter().take(n).copied().collect();
    v.resize(n, T::zero());
    domain(p).ifft_in_place(&mut v);
    v
}

/// Lagrange scalars `L_i(τ)` of blocks `0..=max_p`, one after another, from the powers of τ.
pub(super) fn scalar_blocks(powers: &[Fr], max_p: u32) -> Vec<Fr> {
    (0..=max_p).flat_map(|p| block(powers, p)).collect()
}

/// G1 Lagrange blocks `0..=max_p` of `points` (powers of τ in the group), LEM-encoded.
pub(super) fn blocks_g1(points: &[G1Affine], max_p: u32) -> Vec<u8> {
    let proj: Vec<G1Projective> = points.iter().map(|p| p.into_group()).collect();
    let out: Vec<G1Projective> = (0..=max_p).flat_map(|p| block(&proj, p)).collect();
    g1_lem_all(&G1Projective::normalize_batch(&out))
}

/// G2 Lagrange blocks `0..=max_p` of `points`, LEM-encoded.
pub(super) fn blocks_g2(points: &[G2Affine], max_p: u32) -> Vec<u8> {
    let proj: Vec<G2Projective> = points.iter().map(|p| p.into_group()).collect();
    let out: Vec<G2Projective> = (0..=max_p).flat_map(|p| block(&proj, p)).collect();
    g2_lem_all(&G2Projective::normalize_batch(&out))
}

fn rho(n: usize) -> Vec<Fr> {
    (0..n).map(|_| Fr::rand(&mut OsRng)).collect()
}

fn msm1(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    G1Projective::msm_unchecked(bases, scalars)
}

fn msm2(bases: &[G2Affine], scalars: &[Fr]) -> G2Projective {
    G2Projective::msm_unchecked(bases, scalars)
}

/// `e(a, b) = e(c, d)`.
fn same_ratio(a: G1Projective, b: G2Projective, c: G1Projective, d: G2Projective) -> bool {
    Bn254::multi_pairing([a, -c], [b, d]).is_zero()
}

/// `Σ ρ_i·P_i` and `Σ ρ_i·P_(i+1)` for consecutive powers.
fn shifted_g1(points: &[G1Affine]) -> (G1Projective, G1Projective) {
    let r = rho(points.len() - 1);
    (
        msm1(&points[..points.len() - 1], &r),
        msm1(&points[1..], &r),
    )
}

pub(super) fn check_consistency(ptau: &Ptau) -> Result<(), CeremonyError> {
    let invalid = |what: &str| Err(CeremonyError::Invalid(format!("ptau: {what}")));
    let n = 1usize << ptau.power;
    let tau_g1 = ptau.g1(section::TAU_G1, 0..2 * n - 1)?;
    let tau_g2 = ptau.g2(section::TAU_G2, 0..n)?;
    let (g1, g2) = (G1Projective::generator(), G2Projective::generator());
    if tau_g1[0] != G1Affine::generator() || tau_g2[0] != G2Affine::generator() {
        return invalid("the first powers are not the generators");
    }
    if tau_g1[1].is_zero() || tau_g1[1] == G1Affine::generator() {
        return invalid("τ is 0 or 1: no contribution was made");
    }
    let tau2 = tau_g2[1].into_group();
    let (a, b) = shifted_g1(&tau_g1);
    if !same_ratio(b, g2, a, tau2) {
        return invalid("the powers of τ in G1 (section 2) are not consecutive");
    }
    let r = rho(n - 1);
    let (c, d) = (msm2(&tau_g2[..n - 1], &r), msm2(&tau_g2[1..], &r));
    if !same_ratio(g1, d, tau_g1[1].into_group(), c) {
        return invalid("the powers of τ in G2 (section 3) do not match G1's");
    }
    for (id, name) in [
        (section::ALPHA_TAU_G1, "ατ^i (section 4)"),
        (section::BETA_TAU_G1, "βτ^i (section 5)"),
    ] {
        let pts = ptau.g1(id, 0..n)?;
        let (a, b) = shifted_g1(&pts);
        if !same_ratio(b, g2, a, tau2) {
            return invalid(&format!("{name} are not consecutive powers of τ"));
        }
    }
    if !same_ratio(
        ptau.beta_g1()?.into_group(),
        g2,
        g1,
        ptau.beta_g2()?.into_group(),
    ) {
        return invalid("[β]₁ (section 5) and [β]₂ (section 6) differ");
    }
    if ptau.is_prepared() {
        check_lagrange(ptau, &tau_g1, &tau_g2)?;
    }
    Ok(())
}

/// Each Lagrange block against its powers: `Σ ρ_i·L_i = Σ_j ifft(ρ)_j·P_j`.
fn check_lagrange(
    ptau: &Ptau,
    tau_g1: &[G1Affine],
    tau_g2: &[G2Affine],
) -> Result<(), CeremonyError> {
    let n = 1usize << ptau.power;
    let alpha = ptau.g1(section::ALPHA_TAU_G1, 0..n)?;
    let beta = ptau.g1(section::BETA_TAU_G1, 0..n)?;
    let g1_sections: [(u32, &[G1Affine], u32); 3] = [
        (section::LAGRANGE_G1, tau_g1, ptau.power + 1),
        (section::LAGRANGE_ALPHA_G1, &alpha, ptau.power),
        (section::LAGRANGE_BETA_G1, &beta, ptau.power),
    ];
    for (id, powers, max_p) in g1_sections {
        for p in 0..=max_p {
            let lag = ptau.lagrange_g1(id, p)?;
            let r = rho(lag.len());
            let s = block(&r, p);
            let m = powers.len().min(s.len());
            if msm1(&lag, &r) != msm1(&powers[..m], &s[..m]) {
                return Err(CeremonyError::Invalid(format!(
                    "ptau: Lagrange block 2^{p} of section {id} is not the inverse FFT of its powers"
                )));
            }
        }
    }
    for p in 0..=ptau.power {
        let lag = ptau.lagrange_g2(p)?;
        let r = rho(lag.len());
        let s = block(&r, p);
        if msm2(&lag, &r) != msm2(&tau_g2[..s.len()], &s) {
            return Err(CeremonyError::Invalid(format!(
                "ptau: Lagrange block 2^{p} of section 13 is not the inverse FFT of its powers"
            )));
        }
    }
    Ok(())
}
