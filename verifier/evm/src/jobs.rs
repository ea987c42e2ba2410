//! The escrow's job lifecycle from Rust: check an escrow before trusting it, open a job (ETH or
//! ERC-20), submit a proof, withdraw, cancel, refund, read a job back, and find events in
//! receipts.

use alloy::primitives::aliases::U96;
use alloy::primitives::{Address, Bytes, Log, B256, U256};
use alloy::sol_types::{SolCall, SolEvent};
use zkinfer_verifier::{ProofFile, VerifyingKeyFile, OUTPUTS_OFFSET};

use crate::bindings::{Groth16Verifier, InferenceEscrow, TestToken};
use crate::chain::{Chain, Receipt, Tx};
use crate::deploy::{send_ok, view};
use crate::encode::{
    caller_public_inputs, fr_word, key_hash, key_mode_word, proof_words, verifying_key_bytes,
};
use crate::EvmError;

/// What a requester puts in escrow.
#[derive(Clone, Debug)]
pub struct JobRequest {
    /// The requester's own verifying key's hash ([`crate::key_hash`]); it must be published.
    pub key_hash: B256,
    /// Poseidon commitment of the quantized input.
    pub input_commitment: zkinfer_verifier::Fr,
    /// Last timestamp (inclusive) at which a result may be submitted.
    pub deadline: u64,
    /// The input for providers (see [`crate::encode_input_blob`]).
    pub input_blob: Vec<u8>,
    /// The ERC-20 token to pay in, or zero for ETH.
    pub token: Address,
    /// The payment (wei, or token units); below 2^96.
    pub amount: U256,
}

/// A job's state in the escrow (`InferenceEscrow.Status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobStatus {
    /// No such job.
    None,
    /// Waiting for a proof; refundable after the deadline.
    Open,
    /// A proof was accepted; the provider may withdraw the payment.
    Paid,
    /// The provider withdrew the payment.
    Withdrawn,
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
            3 => JobStatus::Withdrawn,
            4 => JobStatus::Refunded,
            v => JobStatus::Other(v),
        }
    }
}

/// Checks that the code at `escrow` is exactly the audited `InferenceEscrow` build this zkinfer
/// ships (it has no immutables or constructor arguments, so every deployment has the same code).
pub async fn check_escrow_code<C: Chain>(chain: &mut C, escrow: Address) -> Result<(), EvmError> {
    let code = chain.code(escrow).await?;
    if code.is_empty() {
        return Err(EvmError::UntrustedEscrow {
            escrow: escrow.to_string(),
            reason: "no contract at this address".into(),
        });
    }
    if code != InferenceEscrow::DEPLOYED_BYTECODE {
        return Err(EvmError::UntrustedEscrow {
            escrow: escrow.to_string(),
            reason: format!(
                "its runtime code (blake3 {}) is not the audited InferenceEscrow (blake3 {})",
                blake3::hash(&code).to_hex(),
                blake3::hash(&InferenceEscrow::DEPLOYED_BYTECODE).to_hex()
            ),
        });
    }
    Ok(())
}

/// Whether `key` is published at `verifier`, checking what the contract holds under its hash
/// against the local key: model id, transcript hash, mode, public-input count and every key byte (the mode word
/// included). A key published under its hash with other contents would be a keccak collision;
/// it is refused all the same.
pub async fn key_published<C: Chain>(
    chain: &mut C,
    verifier: Address,
    key: &VerifyingKeyFile,
) -> Result<bool, EvmError> {
    let hash = key_hash(key);
    let info = view(
        chain,
        verifier,
        &Groth16Verifier::keyInfoCall { keyHash: hash },
    )
    .await?;
    if info.data == Address::ZERO {
        return Ok(false);
    }
    let bytes = view(
        chain,
        verifier,
        &Groth16Verifier::verifyingKeyCall { keyHash: hash },
    )
    .await?;
    // The contract counts the inputs a caller passes: the layout's (a lookup key's challenge is
    // computed on chain).
    let n = usize::try_from(info.numPublicInputs).ok();
    if info.modelId.0 != key.model_id
        || info.transcriptHash.0 != key.transcript_hash()
        || info.mode != key_mode_word(key.mode())
        || n != Some(key.layout.num_public())
        || bytes.as_ref() != verifying_key_bytes(key).as_slice()
    {
        return Err(EvmError::UntrustedEscrow {
            escrow: verifier.to_string(),
            reason: format!("the key published under {hash} differs from the local key"),
        });
    }
    Ok(true)
}

/// An opened job.
#[derive(Clone, Debug)]
pub struct OpenedJob {
    /// The escrow's id for it (the `job_id` a proof must be bound to).
    pub job_id: u64,
    /// The `approve` transaction (token payments only).
    pub approval: Option<Receipt>,
    /// The `openJob` transaction.
    pub receipt: Receipt,
}

/// Opens a job from `from`, paying `request.amount` in ETH or (approving it first) in the token.
pub async fn open_job<C: Chain>(
    chain: &mut C,
    from: Address,
    escrow: Address,
    request: &JobRequest,
) -> Result<OpenedJob, EvmError> {
    let amount = u128::try_from(request.amount)
        .ok()
        .and_then(|a| U96::try_from(a).ok())
        .ok_or_else(|| EvmError::Reverted {
            call: "InferenceEscrow.openJob".into(),
            reason: format!("payment {} does not fit 96 bits", request.amount),
        })?;
    let approval = if request.token == Address::ZERO {
        None
    } else {
        let approve = TestToken::approveCall {
            spender: escrow,
            amount: request.amount,
        };
        let tx = Tx::call(from, request.token, approve.abi_encode());
        Some(send_ok(chain, tx, "ERC-20 approve").await?)
    };
    let call = InferenceEscrow::openJobCall {
        keyHash: request.key_hash,
        inputCommitment: fr_word(&request.input_commitment),
        deadline: request.deadline,
        token: request.token,
        amount,
        input: request.input_blob.clone().into(),
    };
    let mut tx = Tx::call(from, escrow, call.abi_encode());
    if request.token == Address::ZERO {
        tx = tx.with_value(request.amount);
    }
    let receipt = send_ok(chain, tx, "InferenceEscrow.openJob").await?;
    let opened = find_event::<InferenceEscrow::JobOpened>(&receipt.logs, escrow).ok_or(
        EvmError::MissingEvent {
            call: "InferenceEscrow.openJob".into(),
            event: "JobOpened",
        },
    )?;
    Ok(OpenedJob {
        job_id: opened.jobId,
        approval,
        receipt,
    })
}

/// Calldata of `submitResult(jobId, proof, outputs)` for a proof file: the proof's words (8 in
/// plain mode, 10 in lookup mode) and its packed output public inputs. (The escrow supplies the
/// commitment and the binding, and in lookup mode computes the challenge.)
pub fn submit_calldata(job_id: u64, proof: &ProofFile) -> Result<Bytes, EvmError> {
    let publics = caller_public_inputs(proof)?;
    let outputs = publics
        .get(OUTPUTS_OFFSET..)
        .unwrap_or_default()
        .iter()
        .map(fr_word)
        .collect();
    let call = InferenceEscrow::submitResultCall {
        jobId: job_id,
        proof: proof_words(proof)?,
        outputs,
    };
    Ok(call.abi_encode().into())
}

/// The verifier's `verifyProof(keyHash, proof, publicInputs)` call for a proof file, with the
/// public inputs the file states (in lookup mode without the challenge, which the contract
/// computes).
pub fn verify_proof_call(
    key_hash: B256,
    proof: &ProofFile,
) -> Result<Groth16Verifier::verifyProofCall, EvmError> {
    Ok(Groth16Verifier::verifyProofCall {
        keyHash: key_hash,
        proof: proof_words(proof)?,
        publicInputs: caller_public_inputs(proof)?.iter().map(fr_word).collect(),
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

/// Withdraws the payments of `job_ids` (proved by `from`) to `to`.
pub async fn withdraw<C: Chain>(
    chain: &mut C,
    from: Address,
    escrow: Address,
    job_ids: &[u64],
    to: Address,
) -> Result<Receipt, EvmError> {
    let call = InferenceEscrow::withdrawCall {
        jobIds: job_ids.to_vec(),
        to,
    };
    chain.send(Tx::call(from, escrow, call.abi_encode())).await
}

/// Cancels `from`'s open job: it accepts results for the escrow's `CANCEL_NOTICE` more.
pub async fn cancel<C: Chain>(
    chain: &mut C,
    from: Address,
    escrow: Address,
    job_id: u64,
) -> Result<Receipt, EvmError> {
    let call = InferenceEscrow::cancelCall { jobId: job_id };
    chain.send(Tx::call(from, escrow, call.abi_encode())).await
}

/// Asks for the refund of `from`'s expired job, sent to `to`.
pub async fn refund<C: Chain>(
    chain: &mut C,
    from: Address,
    escrow: Address,
    job_id: u64,
    to: Address,
) -> Result<Receipt, EvmError> {
    let call = InferenceEscrow::refundCall { jobId: job_id, to };
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

/// The balance of `who` in `token`, or in ETH when `token` is zero.
pub async fn balance_of<C: Chain>(
    chain: &mut C,
    token: Address,
    who: Address,
) -> Result<U256, EvmError> {
    if token == Address::ZERO {
        return chain.balance(who).await;
    }
    view(chain, token, &TestToken::balanceOfCall { owner: who }).await
}

/// The first event `E` emitted by `emitter` among `logs`.
pub fn find_event<E: SolEvent>(logs: &[Log], emitter: Address) -> Option<E> {
    logs.iter()
        .filter(|l| l.address == emitter)
        .find_map(|l| E::decode_log(l).ok().map(|d| d.data))
}
