//! Synthetic keys and proofs for tests that need no circuit and no prover: every key point is a
//! known multiple of a generator (α, β, γ, δ, δ₁ and the IC scalars are derived from a seed), so
//! a valid proof is made by picking `A`, `B` (and in lookup mode `C₁`) and solving the
//! verification equation for `C` (`C₂`):
//!
//! `a·b = α·β + vk_x·γ + c₂·δ (+ c₁·δ₁)`, with `vk_x = ic₀ + Σ inputᵢ·icᵢ₊₁`.
//!
//! The same builder serves the native checks (`zkinfer_verifier::verify`, `verify_two_round`) and
//! the contract tests on the embedded EVM. Whoever knows these scalars can forge anything under
//! such a key: it exists for tests only (compiled under `cfg(test)` or the `test-support`
//! feature).

use crate::EvmError;
use alloy::primitives::Address;
use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{Field, PrimeField};
use ark_groth16::{Proof, VerifyingKey};
use zkinfer_verifier::{
    challenge, Curve, Fr, KeyProvenance, ProofFile, ProofMode, PublicInputs, PublicLayout,
    Round1Key, VerifyingKeyFile, BINDING_SCHEME, PROOF_SYSTEM, PROOF_VERSION,
};

/// A key made from known scalars, and the scalars, so that proofs for any public inputs can be
/// solved for.
#[derive(Clone, Debug)]
pub struct SyntheticModel {
    key: VerifyingKeyFile,
    seed: u64,
    alpha: Fr,
    beta: Fr,
    gamma: Fr,
    delta: Fr,
    delta1: Fr,
    ic: Vec<Fr>,
}

/// A scalar derived from `seed` and `label` (blake3, reduced): fixed for a seed, unrelated across
/// labels, and nonzero but with negligible probability.
fn scalar(seed: u64, label: &str) -> Fr {
    let mut h = blake3::Hasher::new();
    h.update(b"zkinfer synthetic key");
    h.update(&seed.to_le_bytes());
    h.update(label.as_bytes());
    Fr::from_le_bytes_mod_order(h.finalize().as_bytes())
}

fn g1(s: Fr) -> G1Affine {
    (G1Projective::generator() * s).into_affine()
}

fn g2(s: Fr) -> G2Affine {
    (G2Projective::generator() * s).into_affine()
}

/// The public-input layout of a 10-class classifier like `models/mlp`: one `[1, 10]` output of
/// 24-bit slots, packed 10 to a field element, so 3 public inputs (commitment, binding, one
/// output element) and, in lookup mode, the challenge.
pub fn ten_class_layout() -> PublicLayout {
    PublicLayout {
        input_bits: vec![8],
        input_lens: vec![4],
        input_scales: vec![0],
        output_slot_bits: 24,
        output_per_element: 10,
        output_shapes: vec![vec![1, 10]],
        output_scales: vec![4],
        binding_scheme: BINDING_SCHEME,
    }
}

/// The model id synthetic keys are made for (one model, whatever the seed or mode: keys of
/// different seeds are different setups of it).
pub const SYNTHETIC_MODEL_ID: [u8; 32] = [0x5e; 32];

impl SyntheticModel {
    /// A key of `mode` for `layout`, from the scalars of `seed`. A lookup key has one IC point
    /// more than the layout's inputs need: the challenge's.
    pub fn new(mode: ProofMode, layout: PublicLayout, seed: u64) -> Self {
        let inputs = layout.num_public() + usize::from(mode == ProofMode::Lookup);
        let ic: Vec<Fr> = (0..=inputs)
            .map(|i| scalar(seed, &format!("ic{i}")))
            .collect();
        let [alpha, beta, gamma, delta, delta1] =
            ["alpha", "beta", "gamma", "delta", "delta1"].map(|l| scalar(seed, l));
        let key = VerifyingKeyFile {
            model_id: SYNTHETIC_MODEL_ID,
            vk: VerifyingKey::<Curve> {
                alpha_g1: g1(alpha),
                beta_g2: g2(beta),
                gamma_g2: g2(gamma),
                delta_g2: g2(delta),
                gamma_abc_g1: ic.iter().map(|s| g1(*s)).collect(),
            },
            layout,
            provenance: KeyProvenance {
                made_by: "zkinfer-evm test support (synthetic key, known trapdoor)".into(),
                insecure_seed: Some(seed),
                created_unix: 0,
                ceremony: None,
            },
            round1: (mode == ProofMode::Lookup).then(|| Round1Key {
                delta1_g2: g2(delta1),
            }),
        };
        SyntheticModel {
            key,
            seed,
            alpha,
            beta,
            gamma,
            delta,
            delta1,
            ic,
        }
    }

    /// A key of `mode` with [`ten_class_layout`].
    pub fn ten_class(mode: ProofMode, seed: u64) -> Self {
        Self::new(mode, ten_class_layout(), seed)
    }

    /// The verifying key file.
    pub fn key(&self) -> &VerifyingKeyFile {
        &self.key
    }

    /// Claims a proof for a job can state: a fixed input commitment and 10 outputs of the
    /// layout's shape, bound to `(chain_id, escrow, job_id, provider)`.
    pub fn claims(
        &self,
        chain_id: u64,
        escrow: Address,
        job_id: u64,
        provider: Address,
    ) -> PublicInputs {
        let outputs = self
            .key
            .layout
            .output_shapes
            .iter()
            .map(|s| {
                (0..s.iter().product::<usize>())
                    .map(|i| i as i64 * 37 - 150)
                    .collect()
            })
            .collect();
        PublicInputs {
            input_commitment: scalar(self.seed, "input commitment"),
            chain_id,
            escrow: escrow.into_array(),
            job_id,
            provider: provider.into_array(),
            outputs,
        }
    }

    /// The round-1 commitment `C₁ = s·G` of a proof made with `nonce`.
    pub fn round1_commitment(&self, nonce: u64) -> G1Affine {
        g1(scalar(self.seed ^ nonce, "c1"))
    }

    /// A Groth16 proof `(A, B, C)` (`C` is `C₂` in lookup mode) that satisfies the key's
    /// equation for the circuit inputs `inputs` (in lookup mode ending with a challenge, which
    /// is taken as given) and, in lookup mode, the round-1 commitment of `nonce`
    /// ([`Self::round1_commitment`]). `A` and `B` are derived from `nonce`. Fails when `inputs`
    /// has another length than the key's IC points take.
    pub fn solve(&self, inputs: &[Fr], nonce: u64) -> Result<Proof<Curve>, EvmError> {
        if inputs.len() + 1 != self.ic.len() {
            return Err(EvmError::BadProofWords(format!(
                "{} inputs for a key with {} IC points",
                inputs.len(),
                self.ic.len()
            )));
        }
        let a = scalar(self.seed ^ nonce, "a");
        let b = scalar(self.seed ^ nonce, "b");
        let vk_x = self.ic[0]
            + inputs
                .iter()
                .zip(&self.ic[1..])
                .map(|(x, k)| *x * k)
                .sum::<Fr>();
        let mut rhs = a * b - self.alpha * self.beta - vk_x * self.gamma;
        if self.key.round1.is_some() {
            rhs -= scalar(self.seed ^ nonce, "c1") * self.delta1;
        }
        let delta_inv = self
            .delta
            .inverse()
            .ok_or_else(|| EvmError::BadProofWords("δ = 0 for this seed".into()))?;
        Ok(Proof {
            a: g1(a),
            b: g2(b),
            c: g1(rhs * delta_inv),
        })
    }

    /// A valid proof file for `claims`, made with `nonce`: in lookup mode with the round-1
    /// commitment of `nonce` and the challenge computed from it and the claims' public inputs
    /// (`zkinfer_verifier::challenge`), as the prover would. Fails when the claims do not fit
    /// the layout.
    pub fn prove(&self, claims: &PublicInputs, nonce: u64) -> Result<ProofFile, EvmError> {
        let mut inputs = claims.to_field_elements(&self.key.layout)?;
        let c1 = self.key.round1.map(|_| self.round1_commitment(nonce));
        if let Some(c1) = &c1 {
            inputs.push(challenge(c1, &inputs));
        }
        let proof = self.solve(&inputs, nonce)?;
        self.file(claims, &proof, c1.as_ref())
    }

    /// A proof file stating `claims` for `proof` and, in lookup mode, the round-1 commitment
    /// `c1` (the public inputs and the challenge are derived from them, whether or not the proof
    /// proves them). Fails when the claims do not fit the layout.
    pub fn file(
        &self,
        claims: &PublicInputs,
        proof: &Proof<Curve>,
        c1: Option<&G1Affine>,
    ) -> Result<ProofFile, EvmError> {
        let bare = ProofFile {
            version: PROOF_VERSION,
            system: PROOF_SYSTEM.into(),
            mode: if c1.is_some() {
                ProofMode::Lookup
            } else {
                ProofMode::Plain
            },
            model_id: hex::encode(self.key.model_id),
            outputs: Vec::new(),
            outputs_int: Vec::new(),
            input_commitment: String::new(),
            chain_id: 0,
            escrow: String::new(),
            job_id: 0,
            provider: String::new(),
            public_inputs: Vec::new(),
            proof: ProofFile::encode_proof(proof)?,
            round1_commitment: c1.map(ProofFile::encode_round1).transpose()?,
        };
        Ok(bare.restated(claims, &self.key.layout)?)
    }
}
