//! A completed job's proof, rebuilt from the escrow's `JobCompleted` event as a proof file, so
//! a requester can check it natively (`zkinfer_verifier::verify`) without trusting the chain's
//! verifier contract or the provider.

use zkinfer_verifier::{
    unpack_outputs, Fr, ProofFile, ProofMode, PublicInputs, VerifyingKeyFile, PROOF_VERSION,
};

use crate::bindings::InferenceEscrow::JobCompleted;
use crate::encode::{proof_from_words, word_fr};
use crate::EvmError;

/// The proof file that `event` states: the accepted proof, the requester's own input
/// commitment, the binding to the chain, the escrow, the event's job and provider, and the
/// outputs unpacked from the event's output words with the key's layout. Ten proof words are a
/// lookup-mode proof: its round-1 commitment is kept and the challenge recomputed from it and
/// the public inputs ([`ProofFile::restated`]). Verifying the result with `key` re-checks it.
///
/// Fails when the words are not a proof of the key's mode or not outputs of the model (an
/// escrow whose verifier accepted them is then not the one the key belongs to).
pub fn completed_proof_file(
    key: &VerifyingKeyFile,
    input_commitment: Fr,
    chain_id: u64,
    escrow: alloy::primitives::Address,
    event: &JobCompleted,
) -> Result<ProofFile, EvmError> {
    let (proof, c1) = proof_from_words(&event.proof)?;
    let mode = if c1.is_some() {
        ProofMode::Lookup
    } else {
        ProofMode::Plain
    };
    if mode != key.mode() {
        return Err(EvmError::BadProofWords(format!(
            "{} words make a {mode}-mode proof, the key is a {}-mode key",
            event.proof.len(),
            key.mode()
        )));
    }
    let words = event
        .outputs
        .iter()
        .enumerate()
        .map(|(i, w)| {
            word_fr(w).ok_or_else(|| EvmError::BadProofWords(format!("output word {i} is ≥ r")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let claims = PublicInputs {
        input_commitment,
        chain_id,
        escrow: escrow.into_array(),
        job_id: event.jobId,
        provider: event.provider.into_array(),
        outputs: unpack_outputs(&key.layout, &words)?,
    };
    let bare = ProofFile {
        version: PROOF_VERSION,
        system: zkinfer_verifier::PROOF_SYSTEM.into(),
        model_id: hex::encode(key.model_id),
        outputs: Vec::new(),
        outputs_int: Vec::new(),
        input_commitment: String::new(),
        chain_id: 0,
        escrow: String::new(),
        job_id: 0,
        provider: String::new(),
        public_inputs: Vec::new(),
        proof: ProofFile::encode_proof(&proof)?,
        mode,
        round1_commitment: c1.as_ref().map(ProofFile::encode_round1).transpose()?,
    };
    Ok(bare.restated(&claims, &key.layout)?)
}
