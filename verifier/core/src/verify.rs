//! Native verification: every claim in a proof file is checked against its public inputs, and
//! the Groth16 proof against the verifying key.

use ark_groth16::Groth16;
use ark_snark::SNARK;

use crate::{FormatError, ProofFile, VerifyError, VerifyingKeyFile};

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
    let inconsistent = |e: FormatError| {
        Ok(Verdict::Rejected(Rejection::InconsistentClaims(
            e.to_string(),
        )))
    };
    // Floats must be exactly the dequantized integers.
    let layout = &key.layout;
    if file.outputs.len() != file.outputs_int.len()
        || file.outputs.len() != layout.output_scales.len()
    {
        return reject(Rejection::InconsistentClaims(
            "output lists do not match the model's outputs".into(),
        ));
    }
    for ((floats, ints), scale) in file
        .outputs
        .iter()
        .zip(&file.outputs_int)
        .zip(&layout.output_scales)
    {
        let exact = floats.len() == ints.len()
            && floats
                .iter()
                .zip(ints)
                .all(|(f, q)| *f == *q as f64 / 2f64.powi(*scale));
        if !exact {
            return reject(Rejection::InconsistentClaims(
                "dequantized outputs differ from the quantized outputs".into(),
            ));
        }
    }
    let claims = match file.claims() {
        Ok(c) => c,
        Err(e) => return inconsistent(e),
    };
    let expected = match claims.to_field_elements(layout) {
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
    let pvk = Groth16::<crate::Curve>::process_vk(&key.vk)
        .map_err(|e| VerifyError::Key(e.to_string()))?;
    match Groth16::<crate::Curve>::verify_with_processed_vk(&pvk, &expected, &proof) {
        Ok(true) => Ok(Verdict::Accepted),
        Ok(false) => reject(Rejection::InvalidProof),
        Err(e) => Err(VerifyError::Key(e.to_string())),
    }
}
