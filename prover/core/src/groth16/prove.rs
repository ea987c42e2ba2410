//! The Groth16 proof: witness map, five MSMs through the engine, and the final assembly.
//!
//! With `z = (1, x, w)` the full assignment, `h` the QAP witness map and `r, s` the blinding:
//! `A = α + Σ z_i·a_i + r·δ` (G1), `B = β + Σ z_i·b_i + s·δ` (in G1 and G2),
//! `C = s·A + r·B₁ − r·s·δ + Σ w_i·l_i + Σ h_i·h_i` (G1), as in ark-groth16's prover (`h` and
//! `h_query` in the coset basis of [`super::QapReduction`]). The
//! constant 1 is the first scalar of the A and B MSMs (ark adds `query[0]` separately; the
//! sum is the same group element).

use super::{error::at_step, qap, Groth16Error, HBasis, PreparedProvingKey, R1csInstance};
use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::CurveGroup;
use ark_ff::Zero;
use ark_groth16::Proof;
use std::time::{Duration, Instant};
use zkinfer_accel::Accelerator;

/// Wall-clock time of each step of [`create_proof_timed`], for benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProofTimings {
    /// The QAP witness map (row evaluation and six NTTs; seven for [`HBasis::Powers`] keys).
    pub witness_map: Duration,
    /// MSM of `h` over `h_query` (G1).
    pub msm_h: Duration,
    /// MSM of the witness over `l_query` (G1).
    pub msm_l: Duration,
    /// MSM of the assignment over `a_query` (G1).
    pub msm_a: Duration,
    /// MSM of the assignment over `b_g1_query` (G1; skipped when `r = 0`, as ark does).
    pub msm_b_g1: Duration,
    /// MSM of the assignment over `b_g2_query` (G2).
    pub msm_b_g2: Duration,
    /// The whole call, including checks and assembly.
    pub total: Duration,
}

/// The proof for randomness r, s: the five MSMs (four G1, one G2) through the engine.
///
/// Equals `Groth16::<Bn254, QapReduction>::create_proof_with_reduction(circuit, pk, r, s)` for
/// the circuit `inst` was synthesized from (for a key of [`HBasis::Powers`], the same with
/// ark-groth16's `LibsnarkReduction` over [`super::QapDomain`]). Draw `r, s` uniformly at random for zero knowledge.
pub fn create_proof<A: Accelerator>(
    engine: &A,
    pk: &PreparedProvingKey<A>,
    inst: &R1csInstance,
    r: Fr,
    s: Fr,
) -> Result<Proof<Bn254>, Groth16Error> {
    create_proof_timed(engine, pk, inst, r, s).map(|(proof, _)| proof)
}

/// [`create_proof`], also returning how long each step took.
pub fn create_proof_timed<A: Accelerator>(
    engine: &A,
    pk: &PreparedProvingKey<A>,
    inst: &R1csInstance,
    r: Fr,
    s: Fr,
) -> Result<(Proof<Bn254>, ProofTimings), Groth16Error> {
    create_proof_with_offset(engine, pk, inst, r, s, G1Projective::zero())
}

/// [`create_proof_timed`] with `c_offset` subtracted from `C`: the two-round prover's
/// `ρ·[δ₁]₁` (see [`super::PreparedRound1`]); zero for plain Groth16.
pub fn create_proof_with_offset<A: Accelerator>(
    engine: &A,
    pk: &PreparedProvingKey<A>,
    inst: &R1csInstance,
    r: Fr,
    s: Fr,
    c_offset: G1Projective,
) -> Result<(Proof<Bn254>, ProofTimings), Groth16Error> {
    let start = Instant::now();
    inst.validate()?;
    pk.check_instance(inst, qap::domain_size(inst, pk.h_basis)?)?;
    let mut t = ProofTimings::default();
    let z = inst.assignment.as_slice();

    let (h, dt) = timed(|| match pk.h_basis {
        HBasis::CosetLagrange => qap::witness_map(engine, inst),
        HBasis::Powers => qap::witness_map_coefficients(engine, inst),
        HBasis::OddCoset => qap::witness_map_odd_coset(engine, inst),
    })?;
    t.witness_map = dt;
    let (h_acc, dt) = timed(|| {
        engine
            .msm_g1(&pk.h_query, &h)
            .map_err(at_step("h_query MSM"))
    })?;
    t.msm_h = dt;
    let (l_acc, dt) = timed(|| {
        engine
            .msm_g1(&pk.l_query.bases, &pk.l_query.scalars(inst.witness()))
            .map_err(at_step("l_query MSM"))
    })?;
    t.msm_l = dt;
    let (a_acc, dt) = timed(|| {
        engine
            .msm_g1(&pk.a_query.bases, &pk.a_query.scalars(z))
            .map_err(at_step("a_query MSM"))
    })?;
    t.msm_a = dt;
    let (b1_acc, dt) = if r.is_zero() {
        (G1Projective::zero(), Duration::ZERO)
    } else {
        timed(|| {
            engine
                .msm_g1(&pk.b_g1_query.bases, &pk.b_g1_query.scalars(z))
                .map_err(at_step("b_g1_query MSM"))
        })?
    };
    t.msm_b_g1 = dt;
    let (b2_acc, dt) = timed(|| {
        engine
            .msm_g2(&pk.b_g2_query.bases, &pk.b_g2_query.scalars(z))
            .map_err(at_step("b_g2_query MSM"))
    })?;
    t.msm_b_g2 = dt;

    let proof = assemble(
        pk,
        Sums {
            a_acc,
            b1_acc,
            b2_acc,
            l_acc,
            h_acc,
        },
        r,
        s,
        c_offset,
    );
    t.total = start.elapsed();
    Ok((proof, t))
}

/// The five MSM results.
struct Sums {
    a_acc: G1Projective,
    b1_acc: G1Projective,
    b2_acc: G2Projective,
    l_acc: G1Projective,
    h_acc: G1Projective,
}

/// Adds the key's fixed terms and the blinding to the MSM results.
fn assemble<A: Accelerator>(
    pk: &PreparedProvingKey<A>,
    m: Sums,
    r: Fr,
    s: Fr,
    c_offset: G1Projective,
) -> Proof<Bn254> {
    let pk = pk.pk();
    let g_a = m.a_acc + pk.vk.alpha_g1 + pk.delta_g1 * r;
    let g1_b = if r.is_zero() {
        G1Projective::zero()
    } else {
        m.b1_acc + pk.beta_g1 + pk.delta_g1 * s
    };
    let g2_b = m.b2_acc + pk.vk.beta_g2 + pk.vk.delta_g2 * s;
    let g_c = g_a * s + g1_b * r - pk.delta_g1 * (r * s) + m.l_acc + m.h_acc - c_offset;
    Proof {
        a: g_a.into_affine(),
        b: g2_b.into_affine(),
        c: g_c.into_affine(),
    }
}

/// Runs `f`, returning its result and how long it took.
fn timed<T>(f: impl FnOnce() -> Result<T, Groth16Error>) -> Result<(T, Duration), Groth16Error> {
    let start = Instant::now();
    let out = f()?;
    Ok((out, start.elapsed()))
}
