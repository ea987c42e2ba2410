//! The escrow's job lifecycle from Rust: open a job, submit a proof for it, refund it, read it
//! back, and find its events in receipts.

use alloy::primitives::{Address, Bytes, FixedBytes, Log, U256};
use alloy::sol_types::{SolCall, SolEvent};
use zkinfer_verifier::{ProofFile, OUTPUTS_OFFSET};

use crate::bindings::InferenceEscrow;
use crate::chain::{Chain, Receipt, Tx};
use crate::deploy::{send_ok, view};
use crate::encode::{fr_word, proof_words};
use crate::EvmError;

/// What a requester puts in escrow.
#[derive(Clone, Debug)]
pub struct JobRequest {
    /// The model (blake3 model id), which must be registered.
    pub model_id: [u8; 32],
    /// The verifier the requester checked for the model (see [`crate::verifier_of`]); the
    /// escrow refuses the job if the registry points elsewhere when it executes.
    pub verifier: Address,
    /// Poseidon commitment of the quantized input.
    pub input_commitment: zkinfer_verifier::Fr,
    /// Last timestamp (inclusive) at which a result may be submitted.
    pub deadline: u64,
    /// The input for providers (see [`crate::encode_input_blob`]).
    pub input_blob: Vec<u8>,
    /// Wei escrowed for the provider.
    pub payment: U256,
}

/// A job's state in the escrow (`InferenceEscrow.Status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobStatus {
    /// No such job.
    None,
    /// Waiting for a proof; refundable after the deadline.
    Open,
    /// A proof was accepted and the provider paid.
    Paid,
    /// Expired and refunded to the requester.
    Refunded,
    /// A value this build does not know.
    Other(u8),
}

impl JobStatus {
    /// The status of a job record.
    pub fn of(job: &InferenceEscrow::Job) -> Self {
        match job.status {
            0 => JobStatus::None,
            1 => JobStatus::Open,
            2 => JobStatus::Paid,
            3 => JobStatus::Refunded,
            v => JobStatus::Other(v),
        }
    }
}

/// An opened job.
#[derive(Clone, Debug)]
pub struct OpenedJob {
    /// The escrow's id for it (the `job_id` a proof must be bound to).
    pub job_id: u64,
    /// The `openJob` transaction.
    pub receipt: Receipt,
}

/// Opens a job from `from`, paying `request.payment`.
pub async fn open_job<C: Chain>(
    chain: &mut C,
    from: Address,
    escrow: Address,
    request: &JobRequest,
) -> Result<OpenedJob, EvmError> {
    let call = InferenceEscrow::openJobCall {
        modelId: FixedBytes(request.model_id),
        expectedVerifier: request.verifier,
        inputCommitment: fr_word(&request.input_commitment),
        deadline: request.deadline,
        input: request.input_blob.clone().into(),
    };
    let tx = Tx::call(from, escrow, call.abi_encode()).with_value(request.payment);
    let receipt = send_ok(chain, tx, "InferenceEscrow.openJob").await?;
    let opened = find_event::<InferenceEscrow::JobOpened>(&receipt.logs, escrow).ok_or(
        EvmError::MissingEvent {
            call: "InferenceEscrow.openJob".into(),
            event: "JobOpened",
        },
    )?;
    Ok(OpenedJob {
        job_id: opened.jobId,
        receipt,
    })
}

/// Calldata of `submitResult(jobId, proof, outputs)` for a proof file: the proof's words and
/// its packed output public inputs. (The escrow supplies the commitment and the binding.)
pub fn submit_calldata(job_id: u64, proof: &ProofFile) -> Result<Bytes, EvmError> {
    let publics = proof.stated_public_inputs()?;
    let outputs = publics
        .get(OUTPUTS_OFFSET..)
        .unwrap_or_default()
        .iter()
        .map(fr_word)
        .collect();
    let call = InferenceEscrow::submitResultCall {
        jobId: job_id,
        proof: proof_words(&proof.groth16()?),
        outputs,
    };
    Ok(call.abi_encode().into())
}

/// The verifier contract's `verifyProof(proof, publicInputs)` call for a proof file, with the
/// public inputs the file states.
pub fn verify_proof_call(
    proof: &ProofFile,
) -> Result<crate::bindings::Groth16Verifier::verifyProofCall, EvmError> {
    Ok(crate::bindings::Groth16Verifier::verifyProofCall {
        proof: proof_words(&proof.groth16()?),
        publicInputs: proof.stated_public_inputs()?.iter().map(fr_word).collect(),
    })
}

/// Submits `proof` for `job_id` from `from`. The receipt says whether the escrow accepted it
/// (a refused proof is a failed receipt, decodable with [`crate::revert_reason`]).
pub async fn submit_result<C: Chain>(
    chain: &mut C,
    from: Address,
    escrow: Address,
    job_id: u64,
    proof: &ProofFile,
) -> Result<Receipt, EvmError> {
    let data = submit_calldata(job_id, proof)?;
    chain.send(Tx::call(from, escrow, data)).await
}

/// Asks for the refund of an expired job (the money goes to its requester, whoever calls).
pub async fn refund<C: Chain>(
    chain: &mut C,
    from: Address,
    escrow: Address,
    job_id: u64,
) -> Result<Receipt, EvmError> {
    let call = InferenceEscrow::refundCall { jobId: job_id };
    chain.send(Tx::call(from, escrow, call.abi_encode())).await
}

/// The escrow's record of a job (status `None` for an unknown id).
pub async fn get_job<C: Chain>(
    chain: &mut C,
    escrow: Address,
    job_id: u64,
) -> Result<InferenceEscrow::Job, EvmError> {
    view(
        chain,
        escrow,
        &InferenceEscrow::getJobCall { jobId: job_id },
    )
    .await
}

/// The verifier the escrow's registry names for `model_id` (reverts for an unknown model).
pub async fn verifier_of<C: Chain>(
    chain: &mut C,
    escrow: Address,
    model_id: [u8; 32],
) -> Result<Address, EvmError> {
    let registry = view(chain, escrow, &InferenceEscrow::registryCall {}).await?;
    view(
        chain,
        registry,
        &crate::bindings::ModelRegistry::verifierOfCall {
            modelId: FixedBytes(model_id),
        },
    )
    .await
}

/// The first event `E` emitted by `emitter` among `logs`.
pub fn find_event<E: SolEvent>(logs: &[Log], emitter: Address) -> Option<E> {
    logs.iter()
        .filter(|l| l.address == emitter)
        .find_map(|l| E::decode_log(l).ok().map(|d| d.data))
}
