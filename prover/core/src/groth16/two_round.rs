//! Two-round Groth16 (lookup mode): the round-1 wires are committed in their own G1 element
//! `C₁` over a second trapdoor `δ₁`, before the challenge that round 2 depends on exists.
//!
//! With `L_i = β·u_i(τ) + α·v_i(τ) + w_i(τ)`, setup is Groth16's with `δ`, and then for every
//! round-1 wire `i` the base `[L_i/δ]₁` moves out of `l_query` (set to the identity there) into
//! `k1_query` as `[L_i/δ₁]₁ = (δ/δ₁)·[L_i/δ]₁`. The prover commits
//! `C₁ = Σ_{i∈W₁} z_i·[L_i/δ₁]₁ + ρ·[δ]₁`, computes the challenge from `C₁` and the public
//! inputs, finishes the witness, and proves `(A, B, C₂)` with
//! `C₂ = C − ρ·[δ₁]₁`, where `C` is Groth16's `C` over the round-2 wires only. Then
//! `δ₁·C₁ + δ·C₂` equals Groth16's `δ·C`, so `e(A, B) = e(α, β)·e(vk_x, γ)·e(C₂, δ)·e(C₁, δ₁)`.
//! `ρ` makes `C₁` uniformly random (hiding the small committed values); the soundness
//! argument is `docs/two-round-groth16.md`.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, UniformRand, Zero};
use ark_groth16::{Groth16, ProvingKey};
use ark_relations::gr1cs::ConstraintSynthesizer;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand::{CryptoRng, RngCore};
use zkinfer_accel::MsmEngine;

use super::{error::at_step, Groth16Error, QapReduction};

/// What a lookup-mode proving key holds beyond Groth16's (whose `l_query` is the identity at
/// the round-1 wires).
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Round1ProvingKey {
    /// Witness indices (0-based among witness variables) of the round-1 wires, ascending.
    pub indices: Vec<u64>,
    /// `[L_i/δ₁]₁` for those wires, in the same order.
    pub k1_query: Vec<G1Affine>,
    /// `[δ₁]₁` (the prover subtracts `ρ·[δ₁]₁` from `C₂`).
    pub delta1_g1: G1Affine,
    /// `[δ₁]₂` (the verifying key's extra element).
    pub delta1_g2: G2Affine,
}

/// A round-1 key with its `k1_query` prepared by the engine.
pub struct PreparedRound1<A: MsmEngine> {
    key: Round1ProvingKey,
    k1_query: A::G1Bases,
}

impl<A: MsmEngine> PreparedRound1<A> {
    /// Prepares `k1_query` once per key.
    pub fn new(engine: &A, key: Round1ProvingKey) -> Result<Self, Groth16Error> {
        if key.indices.len() != key.k1_query.len() {
            return Err(Groth16Error::KeyMismatch {
                query: "k1_query",
                expected: key.indices.len(),
                found: key.k1_query.len(),
            });
        }
        let k1_query = engine
            .prepare_g1(&key.k1_query)
            .map_err(at_step("preparing k1_query"))?;
        Ok(PreparedRound1 { key, k1_query })
    }

    /// The key.
    pub fn key(&self) -> &Round1ProvingKey {
        &self.key
    }

    /// `C₁ = Σ values_i·[L_i/δ₁]₁ + ρ·[δ]₁` for the round-1 `values` (in the key's order).
    pub fn commit(
        &self,
        engine: &A,
        pk: &ProvingKey<Bn254>,
        values: &[Fr],
        rho: Fr,
    ) -> Result<G1Affine, Groth16Error> {
        if values.len() != self.key.indices.len() {
            return Err(Groth16Error::MalformedInstance {
                detail: format!(
                    "{} round-1 values for a key with {} round-1 wires",
                    values.len(),
                    self.key.indices.len()
                ),
            });
        }
        let acc = engine
            .msm_g1(&self.k1_query, values)
            .map_err(at_step("k1_query MSM"))?;
        Ok((acc + pk.delta_g1 * rho).into_affine())
    }

    /// What `C₂` loses for the blinding `ρ` of `C₁`: `ρ·[δ₁]₁`.
    pub fn c_offset(&self, rho: Fr) -> G1Projective {
        self.key.delta1_g1 * rho
    }
}

/// Two-round setup of `circuit`, whose round-1 wires are `round1` (witness indices, ascending):
/// Groth16's setup over [`QapReduction`] with fresh `α, β, γ, δ`, then a fresh `δ₁` and the
/// round-1 bases moved from `l_query` into the [`Round1ProvingKey`].
pub fn two_round_setup<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
    round1: &[usize],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ProvingKey<Bn254>, Round1ProvingKey), Groth16Error> {
    let (alpha, beta, gamma, delta) = (Fr::rand(rng), Fr::rand(rng), Fr::rand(rng), Fr::rand(rng));
    let (g1, g2) = (G1Projective::rand(rng), G2Projective::rand(rng));
    let mut pk = Groth16::<Bn254, QapReduction>::generate_parameters_with_qap(
        circuit, alpha, beta, gamma, delta, g1, g2, rng,
    )
    .map_err(Groth16Error::from)?;
    let delta1 = loop {
        let d = Fr::rand(rng);
        if !d.is_zero() {
            break d;
        }
    };
    let ratio = delta
        * delta1.inverse().ok_or(Groth16Error::MalformedInstance {
            detail: "δ₁ = 0".into(),
        })?;
    if round1.windows(2).any(|w| w[0] >= w[1]) {
        return Err(Groth16Error::MalformedInstance {
            detail: "round-1 wire indices are not strictly ascending".into(),
        });
    }
    let mut k1 = Vec::with_capacity(round1.len());
    let witness_vars = pk.l_query.len();
    for &i in round1 {
        let base = pk
            .l_query
            .get_mut(i)
            .ok_or_else(|| Groth16Error::MalformedInstance {
                detail: format!("round-1 wire {i} beyond the {witness_vars} witness variables"),
            })?;
        k1.push(*base * ratio);
        *base = G1Affine::zero();
    }
    let k1_query = G1Projective::normalize_batch(&k1);
    let key = Round1ProvingKey {
        indices: round1.iter().map(|&i| i as u64).collect(),
        k1_query,
        delta1_g1: (g1 * delta1).into_affine(),
        delta1_g2: (g2 * delta1).into_affine(),
    };
    Ok((pk, key))
}
