//! One job through a node: read its record, check it and its price, prove it on a blocking
//! thread, read the record again, submit.
//!
//! Jobs run concurrently (up to the node's `max_concurrent`), sharing one chain client behind a
//! mutex. The mutex is held for each read and across a whole submission (send, receipt,
//! withdrawal), so transactions from the node's one account go out one at a time: RpcChain
//! asks the node for the nonce of each transaction, and two sends in flight would get the same.
//! Proofs run outside the lock, on tokio's blocking pool.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Mutex;
use zkinfer_evm::bindings::InferenceEscrow::JobOpened;
use zkinfer_evm::{get_job, Address, Chain, EvmError, RpcChain};
use zkinfer_prover::{Engine, Prover};
use zkinfer_r1cs::ProofBinding;
use zkinfer_verifier::ProofFile;

use super::check::{check_job, same_job, Skip};
use super::node::ServedModel;
use super::price::PricePolicy;
use super::submit::submit;
use super::Outcome;

/// What every job of one poll shares: where to submit, for whom, and at what price.
#[derive(Clone)]
pub(crate) struct JobContext {
    pub(crate) chain: Arc<Mutex<RpcChain>>,
    pub(crate) me: Address,
    pub(crate) chain_id: u64,
    pub(crate) escrow: Address,
    pub(crate) price: Arc<PricePolicy>,
    /// The chain's gas price (wei per gas) read at the start of the poll.
    pub(crate) gas_price: u128,
}

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

fn skipped(skip: &Skip) -> Handled {
    Handled::without_proof(Outcome::Skipped {
        reason: skip.to_string(),
    })
}

/// Handles the job `opened` announces. `Err` only when the chain could not be read or
/// written; every answer (paid, lost, skipped, failed) is an outcome. A job that fails a check
/// or pays less than the price is skipped before any proving or transaction.
pub(crate) async fn handle_job(
    cx: JobContext,
    model: ServedModel,
    opened: JobOpened,
) -> Result<Handled, EvmError> {
    let (me, chain_id, escrow) = (cx.me, cx.chain_id, cx.escrow);
    let job_id = opened.jobId;
    let (job, now) = {
        let mut chain = cx.chain.lock().await;
        let job = get_job(&mut *chain, escrow, job_id).await?;
        (job, chain.timestamp().await?)
    };
    let layout = &model.prover.verifying_key().layout;
    let input = match check_job(&job, &opened, now, layout, model.key_hash()) {
        Ok(input) => input,
        Err(skip) => return Ok(skipped(&skip)),
    };
    let amount = job.amount.to();
    if let Err(skip) = cx
        .price
        .check(job.token, amount, model.price(), cx.gas_price)
    {
        return Ok(skipped(&skip));
    }
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
    model.record_proof_ms(prove_ms);
    tracing::debug!(job_id, prove_ms, "proved; submitting");
    // One lock for the re-read and the submission: no other send from this account between.
    let mut chain = cx.chain.lock().await;
    // A reorg while proving may have put another job under this id: its proof would be refused.
    if !same_job(&job, &get_job(&mut *chain, escrow, job_id).await?) {
        return Ok(Handled {
            outcome: Outcome::Skipped {
                reason: Skip::RecordChanged.to_string(),
            },
            prove_ms: Some(prove_ms),
        });
    }
    let outcome = match submit(&mut chain, me, escrow, job_id, (job.token, amount), &proof).await {
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
