//! Native verification: every claim in a proof file is checked against its public inputs, and
//! the Groth16 proof against the verifying key: in plain mode Groth16's check; in lookup mode
//! `e(A, B) = e(α, β)·e(vk_x, γ)·e(C₂, δ)·e(C₁, δ₁)` with the challenge recomputed from `C₁`
//! and the other public inputs (docs/two-round-groth16.md).

use ark_bn254::{Bn254, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{One, PrimeField};
use ark_groth16::{Groth16, Proof, VerifyingKey};
use ark_snark::SNARK;

use crate::{FormatError, Fr, ProofFile, ProofMode, Round1Key, VerifyError, VerifyingKeyFile};

/// The answer to "does this proof verify?". A rejected proof is an answer, not an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The proof is valid for everything the file states.
    Accepted,
    /// The proof is invalid; why.
    Rejected(Rejection),
}

/// Why a proof was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The proof is for another model than the key.
    #[error("the proof is for model {proof}, the key for model {key}")]
    WrongModel {
        /// Model of the proof.
        proof: String,
        /// Model of the key.
        key: String,
    },
    /// The file's claims do not fit the model or contradict each other.
    #[error("the proof file's claims are inconsistent: {0}")]
    InconsistentClaims(String),
    /// The stated public inputs are not those the claims imply.
    #[error(
        "the public inputs do not match the stated input commitment, job, provider and outputs"
    )]
    PublicInputsMismatch,
    /// The proof was made in another mode than the key checks.
    #[error(
        "a {proof}-mode proof cannot be checked by a {key}-mode key (another setup of the model)"
    )]
    WrongMode {
        /// The proof's mode.
        proof: ProofMode,
        /// The key's mode.
        key: ProofMode,
    },
    /// The Groth16 check failed.
    #[error("the proof does not verify against the verifying key")]
    InvalidProof,
}

/// Verifies a proof file against a verifying key file.
pub fn verify(key: &VerifyingKeyFile, file: &ProofFile) -> Result<Verdict, VerifyError> {
    let reject = |r| Ok(Verdict::Rejected(r));
    let key_model = hex::encode(key.model_id);
    if file.model_id != key_model {
        return reject(Rejection::WrongModel {
            proof: file.model_id.clone(),
            key: key_model,
        });
    }
    if file.mode != key.mode() {
        return reject(Rejection::WrongMode {
            proof: file.mode,
            key: key.mode(),
        });
    }
    let inconsistent = |e: FormatError| {
        Ok(Verdict::Rejected(Rejection::InconsistentClaims(
            e.to_string(),
        )))
    };
    let layout = &key.layout;
    if let Some(why) = outputs_inconsistent(file, layout) {
        return reject(Rejection::InconsistentClaims(why.into()));
    }
    let expected = match file.expected_public_inputs(layout) {
        Ok(v) => v,
        Err(e) => return inconsistent(e),
    };
    match file.stated_public_inputs() {
        Ok(stated) if stated == expected => {}
        Ok(_) => return reject(Rejection::PublicInputsMismatch),
        Err(e) => return inconsistent(e),
    }
    let proof = match file.groth16() {
        Ok(p) => p,
        Err(e) => return inconsistent(e),
    };
    // Honest proofs never hold the point at infinity, which arkworks' compressed encoding
    // accepts in many spellings: refuse it, so one proof has one encoding.
    let at_infinity = proof.a.is_zero()
        || proof.b.is_zero()
        || proof.c.is_zero()
        || matches!(file.round1(), Ok(Some(c1)) if c1.is_zero());
    if at_infinity {
        return reject(Rejection::InconsistentClaims(
            "a proof element is the point at infinity".into(),
        ));
    }
    let valid = match (&key.round1, file.round1()) {
        (None, _) => {
            let pvk = Groth16::<crate::Curve>::process_vk(&key.vk)
                .map_err(|e| VerifyError::Key(e.to_string()))?;
            Groth16::<crate::Curve>::verify_with_processed_vk(&pvk, &expected, &proof)
                .map_err(|e| VerifyError::Key(e.to_string()))?
        }
        (Some(r1), Ok(Some(c1))) => verify_two_round(&key.vk, r1, &expected, &proof, &c1)?,
        (Some(_), Ok(None)) => {
            return reject(Rejection::InconsistentClaims(
                "a lookup-mode proof without its round-1 commitment".into(),
            ))
        }
        (Some(_), Err(e)) => return inconsistent(e),
    };
    if valid {
        Ok(Verdict::Accepted)
    } else {
        reject(Rejection::InvalidProof)
    }
}

/// Why the file's float outputs are not exactly its dequantized integer outputs, if so.
fn outputs_inconsistent(file: &ProofFile, layout: &crate::PublicLayout) -> Option<&'static str> {
    if file.outputs.len() != file.outputs_int.len()
        || file.outputs.len() != layout.output_scales.len()
    {
        return Some("output lists do not match the model's outputs");
    }
    let exact = file
        .outputs
        .iter()
        .zip(&file.outputs_int)
        .zip(&layout.output_scales)
        .all(|((floats, ints), scale)| {
            floats.len() == ints.len()
                && floats
                    .iter()
                    .zip(ints)
                    .all(|(f, q)| *f == *q as f64 / 2f64.powi(*scale))
        });
    (!exact).then_some("dequantized outputs differ from the quantized outputs")
}

/// The two-round check: `e(A, B) = e(α, β)·e(vk_x, γ)·e(C₂, δ)·e(C₁, δ₁)`, where `public`
/// already ends with the challenge and `vk_x = IC₀ + Σ public_i·IC_{i+1}`.
pub fn verify_two_round(
    vk: &VerifyingKey<Bn254>,
    round1: &Round1Key,
    public: &[Fr],
    proof: &Proof<Bn254>,
    c1: &G1Affine,
) -> Result<bool, VerifyError> {
    if public.len() + 1 != vk.gamma_abc_g1.len() {
        return Err(VerifyError::Key(format!(
            "{} public inputs for a key with {}",
            public.len(),
            vk.gamma_abc_g1.len().saturating_sub(1)
        )));
    }
    let bigints: Vec<_> = public.iter().map(|p| p.into_bigint()).collect();
    let vk_x = G1Projective::msm_bigint(&vk.gamma_abc_g1[1..], &bigints) + vk.gamma_abc_g1[0];
    let g1: [G1Affine; 5] = [
        proof.a,
        (-vk.alpha_g1.into_group()).into_affine(),
        (-vk_x).into_affine(),
        (-proof.c.into_group()).into_affine(),
        (-c1.into_group()).into_affine(),
    ];
    let g2: [G2Affine; 5] = [
        proof.b,
        vk.beta_g2,
        vk.gamma_g2,
        vk.delta_g2,
        round1.delta1_g2,
    ];
    Ok(Bn254::multi_pairing(g1, g2).0.is_one())
}
