//! One job through a node: read its record, check it, prove it on a blocking thread, submit.

use std::sync::Arc;
use std::time::Instant;

use zkinfer_evm::bindings::InferenceEscrow::JobOpened;
use zkinfer_evm::{get_job, Address, Chain, EvmError, RpcChain};
use zkinfer_prover::{Engine, Prover};
use zkinfer_r1cs::ProofBinding;
use zkinfer_verifier::ProofFile;

use super::check::check_job;
use super::node::ServedModel;
use super::submit::submit;
use super::Outcome;

/// What handling one job gave: its outcome and, if the node proved it, how long that took.
pub(crate) struct Handled {
    pub(crate) outcome: Outcome,
    pub(crate) prove_ms: Option<u64>,
}

impl Handled {
    fn without_proof(outcome: Outcome) -> Self {
        Handled {
            outcome,
            prove_ms: None,
        }
    }
}

/// Handles the job `opened` announces, for `me` on `escrow`. `Err` only when the chain could
/// not be read or written; every answer (paid, lost, skipped, failed) is an outcome.
pub(crate) async fn handle_job(
    chain: &mut RpcChain,
    me: Address,
    chain_id: u64,
    escrow: Address,
    model: &ServedModel,
    opened: &JobOpened,
) -> Result<Handled, EvmError> {
    let job_id = opened.jobId;
    let job = get_job(chain, escrow, job_id).await?;
    let now = chain.timestamp().await?;
    let layout = &model.prover.verifying_key().layout;
    let input = match check_job(&job, opened, now, layout, model.key_hash()) {
        Ok(input) => input,
        Err(skip) => {
            return Ok(Handled::without_proof(Outcome::Skipped {
                reason: skip.to_string(),
            }))
        }
    };
    let binding = ProofBinding {
        chain_id,
        escrow: escrow.into_array(),
        job_id,
        provider: me.into_array(),
    };
    let start = Instant::now();
    let proof = match prove(Arc::clone(&model.prover), input, binding).await {
        Ok(p) => p,
        Err(reason) => return Ok(Handled::without_proof(Outcome::Failed { reason })),
    };
    let prove_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::debug!(job_id, prove_ms, "proved; submitting");
    let outcome = match submit(chain, me, escrow, job_id, job.amount.to(), &proof).await {
        Ok(o) => o,
        // A malformed proof file is our bug, not the chain's: trying again would not help.
        Err(e @ EvmError::Format(_)) => Outcome::Failed {
            reason: format!("encoding the submission: {e}"),
        },
        Err(e) => return Err(e),
    };
    Ok(Handled {
        outcome,
        prove_ms: Some(prove_ms),
    })
}

/// Proves on tokio's blocking pool (the proof is CPU-bound for seconds on large models, and
/// must not stall the node's other I/O). `Err` is the reason proving failed.
async fn prove(
    prover: Arc<Prover<Engine>>,
    input: Vec<Vec<i64>>,
    binding: ProofBinding,
) -> Result<ProofFile, String> {
    let joined = tokio::task::spawn_blocking(move || {
        prover.prove_quantized(&input, binding, &mut rand::rngs::OsRng)
    })
    .await;
    match joined {
        Ok(Ok((file, _))) => Ok(file),
        Ok(Err(e)) => Err(format!("proving failed: {e}")),
        Err(e) => Err(format!("the prover panicked: {e}")),
    }
}
