//! The node: its configuration, the scan of confirmed `JobOpened` logs in adaptive block
//! ranges, the queue of pending jobs (highest payment first), bounded concurrent handling, and
//! the pruned record of handled jobs.
//!
//! **Reorgs.** The node scans only blocks at least [`ProviderConfig::confirmations`] deep, so a
//! reorg shallower than that never shows it a job that then disappears. For deeper ones, a job
//! is remembered by its id *and* the transaction that opened it: the same id opened by another
//! transaction (another job put under the id by a reorg) is handled anew, while the same
//! opening seen again is handled once. And the escrow's record is read again after proving,
//! right before submitting: a record that changed meanwhile is skipped, not submitted.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;
use tokio::task::JoinSet;
use zkinfer_evm::bindings::InferenceEscrow::JobOpened;
use zkinfer_evm::{key_hash, Address, Chain, EventLog, EvmError, RpcChain, B256, U256};
use zkinfer_prover::{Engine, Prover};
use zkinfer_r1cs::ProofBinding;

use super::handle::{handle_job, Handled, JobContext};
use super::price::{ModelPrice, PricePolicy};
use super::scan::LogRange;
use super::{HandledJob, Outcome, ProviderError};

/// Most blocks one `eth_getLogs` query spans (public nodes refuse much wider ranges); a
/// refused query is asked again over half the blocks, and the span grows back after successes.
pub const LOG_RANGE: u64 = 2_000;

/// Blocks a job's `JobOpened` event must be buried under before the node takes the job.
pub const DEFAULT_CONFIRMATIONS: u64 = 2;

/// Handled jobs the node remembers; older ones (lowest ids) are forgotten. The scan only moves
/// forward, so a forgotten job is never seen again short of a reorg deeper than the
/// confirmations reaching back that far.
pub const KEEP_HANDLED: usize = 10_000;

/// How a node watches its escrow.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    /// The escrow contract to watch and submit to.
    pub escrow: Address,
    /// Pause between two polls in [`ProviderNode::run`].
    pub poll_interval: Duration,
    /// The first block to scan for `JobOpened` events (earlier jobs are never seen).
    pub start_block: u64,
    /// Tries per job when the chain fails while handling it (a job is then dropped as
    /// `Failed`); answers from the escrow are never retried.
    pub max_attempts: u32,
    /// Blocks the node stays behind the latest one (0: take jobs from the latest block, for
    /// dev chains that mine a block per transaction).
    pub confirmations: u64,
    /// Jobs handled at once (proofs in parallel; transactions still go out one at a time).
    pub max_concurrent: usize,
    /// Handled jobs remembered (see [`KEEP_HANDLED`]).
    pub keep_handled: usize,
    /// What jobs must pay.
    pub price: PricePolicy,
}

impl ProviderConfig {
    /// Watches `escrow` from block 0, polling every 500 ms, [`DEFAULT_CONFIRMATIONS`] blocks
    /// behind, one job at a time, trying a job up to 3 times, at the default price.
    pub fn new(escrow: Address) -> Self {
        ProviderConfig {
            escrow,
            poll_interval: Duration::from_millis(500),
            start_block: 0,
            max_attempts: 3,
            confirmations: DEFAULT_CONFIRMATIONS,
            max_concurrent: 1,
            keep_handled: KEEP_HANDLED,
            price: PricePolicy::default(),
        }
    }
}

/// A model the node proves: its prover (shared with the blocking proving threads) and what
/// its jobs must pay. Jobs are matched by the hash of its verifying key (a job pins one key;
/// other setups of the same model are other keys, whose proofs this node cannot make).
#[derive(Clone)]
pub struct ServedModel {
    /// The model with its keys.
    pub prover: Arc<Prover<Engine>>,
    /// The least wei an ETH job of this model must pay (on top of the node's
    /// [`PricePolicy`]; zero for none).
    pub min_payment: U256,
    /// The model's last measured proof time in milliseconds (shared by clones: every proof
    /// the node makes updates it), priced by [`PricePolicy::wei_per_proof_second`].
    proof_ms: Arc<AtomicU64>,
}

impl ServedModel {
    /// Serves `prover` with no minimum of its own and no proof time measured yet.
    pub fn new(prover: Arc<Prover<Engine>>) -> Self {
        ServedModel {
            prover,
            min_payment: U256::ZERO,
            proof_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Serves `prover` with a minimum of its own.
    pub fn with_minimum(prover: Arc<Prover<Engine>>, min_payment: U256) -> Self {
        ServedModel {
            min_payment,
            ..ServedModel::new(prover)
        }
    }

    /// Times one proof of an all-zero input (the node's own measurement, before any job, so
    /// the first job is priced too), records it and returns it in milliseconds. Blocking:
    /// seconds on large models.
    pub fn measure_proof_time(&self) -> Result<u64, zkinfer_prover::ProveError> {
        let zeros: Vec<Vec<i64>> = self
            .prover
            .verifying_key()
            .layout
            .input_lens
            .iter()
            .map(|&n| vec![0; n])
            .collect();
        let start = Instant::now();
        self.prover
            .prove_quantized(&zeros, ProofBinding::default(), &mut rand::rngs::OsRng)?;
        let ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.record_proof_ms(ms);
        Ok(ms)
    }

    /// The last measured proof time, milliseconds (0: none yet).
    pub fn proof_ms(&self) -> u64 {
        self.proof_ms.load(Ordering::Relaxed)
    }

    /// Records a proof's time: the next jobs are priced by it.
    pub(crate) fn record_proof_ms(&self, ms: u64) {
        self.proof_ms.store(ms.max(1), Ordering::Relaxed);
    }

    /// What this model's price depends on.
    pub(crate) fn price(&self) -> ModelPrice {
        ModelPrice {
            min_payment: self.min_payment,
            proof_ms: self.proof_ms(),
            lookup: self.prover.mode() == zkinfer_verifier::ProofMode::Lookup,
        }
    }

    /// The on-chain hash of the model's verifying key (what its jobs pin).
    pub fn key_hash(&self) -> B256 {
        key_hash(self.prover.verifying_key())
    }
}

/// A job seen in the logs, not handled yet.
struct Pending {
    opened: EventLog<JobOpened>,
    attempts: u32,
}

/// A provider node: one account (the chain client's first key) proving jobs of its models on
/// one escrow. See the [module docs](super).
pub struct ProviderNode {
    chain: Arc<Mutex<RpcChain>>,
    me: Address,
    chain_id: u64,
    config: ProviderConfig,
    price: Arc<PricePolicy>,
    models: BTreeMap<B256, ServedModel>,
    next_block: u64,
    range: LogRange,
    pending: BTreeMap<u64, Pending>,
    handled: BTreeMap<u64, HandledJob>,
}

impl ProviderNode {
    /// A node sending from `chain`'s first account. Fails without a key, without models, with
    /// a key given twice, or when the escrow is not the audited contract (its proofs would be
    /// checked by code nobody reviewed).
    pub async fn new(
        mut chain: RpcChain,
        config: ProviderConfig,
        models: Vec<ServedModel>,
    ) -> Result<Self, ProviderError> {
        let me = *chain.accounts().first().ok_or(ProviderError::NoAccount)?;
        if models.is_empty() {
            return Err(ProviderError::NoModels);
        }
        let mut by_key = BTreeMap::new();
        for m in models {
            let key = m.key_hash();
            if by_key.insert(key, m).is_some() {
                return Err(ProviderError::DuplicateModel {
                    key_hash: key.to_string(),
                });
            }
        }
        zkinfer_evm::check_escrow_code(&mut chain, config.escrow).await?;
        let chain_id = chain.chain_id().await?;
        Ok(ProviderNode {
            chain: Arc::new(Mutex::new(chain)),
            me,
            chain_id,
            next_block: config.start_block,
            price: Arc::new(config.price.clone()),
            config,
            models: by_key,
            range: LogRange::new(LOG_RANGE),
            pending: BTreeMap::new(),
            handled: BTreeMap::new(),
        })
    }

    /// The provider account: proofs are bound to it and payments go to it.
    pub fn address(&self) -> Address {
        self.me
    }

    /// The escrow watched.
    pub fn escrow(&self) -> Address {
        self.config.escrow
    }

    /// The verifying-key hashes of the models served.
    pub fn key_hashes(&self) -> Vec<B256> {
        self.models.keys().copied().collect()
    }

    /// The next block the node will scan.
    pub fn next_block(&self) -> u64 {
        self.next_block
    }

    /// The jobs handled and still remembered (see [`ProviderConfig::keep_handled`]), by id.
    pub fn handled(&self) -> &BTreeMap<u64, HandledJob> {
        &self.handled
    }

    /// What became of job `job_id`, if the node handled it.
    pub fn outcome(&self, job_id: u64) -> Option<&Outcome> {
        self.handled.get(&job_id).map(|h| &h.outcome)
    }

    /// Jobs seen but not handled yet (waiting for a retry after a chain failure).
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Scans the confirmed blocks mined since the last poll for new jobs of the served models,
    /// then handles every job not handled yet, highest payment first (ties: oldest first), up
    /// to [`ProviderConfig::max_concurrent`] at once; returns the jobs handled now, in the order
    /// they finished. `Err` when the logs or the gas price could not be read (nothing is
    /// skipped: the next poll rescans from the first block not read).
    pub async fn poll_once(&mut self) -> Result<Vec<HandledJob>, ProviderError> {
        self.discover().await?;
        let mut done = Vec::new();
        if self.pending.is_empty() {
            return Ok(done);
        }
        let gas_price = gas_price(&*self.chain.lock().await).await?;
        let cx = JobContext {
            chain: Arc::clone(&self.chain),
            me: self.me,
            chain_id: self.chain_id,
            escrow: self.config.escrow,
            price: Arc::clone(&self.price),
            gas_price,
        };
        let mut queue = by_value(&self.pending).into_iter();
        let mut running = JoinSet::new();
        let mut job_of = HashMap::new();
        loop {
            while running.len() < self.config.max_concurrent.max(1) {
                let Some(job_id) = queue.next() else { break };
                let Some(pending) = self.pending.get_mut(&job_id) else {
                    continue;
                };
                pending.attempts += 1;
                let opened = pending.opened.event.clone();
                let Some(model) = self.models.get(&opened.keyHash).cloned() else {
                    // (the log query asks only for served keys)
                    let skip = Handled {
                        outcome: Outcome::Skipped {
                            reason: "key not served".into(),
                        },
                        prove_ms: None,
                    };
                    done.extend(self.finish(job_id, Ok(skip)));
                    continue;
                };
                let task = running.spawn(handle_job(cx.clone(), model, opened));
                job_of.insert(task.id(), job_id);
            }
            let Some(joined) = running.join_next_with_id().await else {
                break;
            };
            let (job_id, result) = match joined {
                Ok((id, result)) => (job_of.remove(&id), result),
                Err(e) => {
                    let reason = format!("the job's task failed: {e}");
                    (
                        job_of.remove(&e.id()),
                        Err(EvmError::Rpc {
                            what: "provider".into(),
                            reason,
                        }),
                    )
                }
            };
            if let Some(job_id) = job_id {
                done.extend(self.finish(job_id, result));
            }
        }
        prune_handled(&mut self.handled, self.config.keep_handled);
        Ok(done)
    }

    /// Polls every [`ProviderConfig::poll_interval`] until `shutdown` completes, passing each
    /// handled job to `on_job`. A failed poll is logged and retried at the next tick. Shutdown
    /// abandons the jobs in flight (a proof being computed finishes in the background and is
    /// dropped; a transaction already sent still lands).
    pub async fn run(
        &mut self,
        shutdown: impl Future<Output = ()>,
        mut on_job: impl FnMut(&HandledJob),
    ) {
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                polled = self.poll_once() => match polled {
                    Ok(done) => done.iter().for_each(&mut on_job),
                    Err(e) => tracing::warn!(error = %e, "poll failed; retrying"),
                },
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(self.config.poll_interval) => {}
            }
        }
        tracing::info!(handled = self.handled.len(), "provider node stopped");
    }

    /// Queues the `JobOpened` events of blocks `next_block..=latest − confirmations`, in
    /// chunks of at most [`LOG_RANGE`] blocks (halved while the node refuses them). The cursor
    /// moves past a chunk only once its logs are queued.
    async fn discover(&mut self) -> Result<(), EvmError> {
        let chain = Arc::clone(&self.chain);
        let chain = chain.lock().await;
        let latest = chain.block_number().await?;
        let Some(last) = latest.checked_sub(self.config.confirmations) else {
            return Ok(());
        };
        let keys: Vec<B256> = self.models.keys().copied().collect();
        let (reader, keys, escrow) = (&*chain, keys.as_slice(), self.config.escrow);
        while self.next_block <= last {
            let (end, logs) = self
                .range
                .next_chunk(self.next_block, last, |from, to| {
                    reader.jobs_opened(escrow, from, to, keys)
                })
                .await?;
            logs.into_iter().for_each(|opened| self.queue(opened));
            self.next_block = end + 1;
        }
        Ok(())
    }

    /// Queues a job unless this very opening (job id and transaction) was seen already.
    fn queue(&mut self, opened: EventLog<JobOpened>) {
        let job_id = opened.event.jobId;
        if let Some(h) = self.handled.get(&job_id) {
            if h.opened_tx == opened.tx_hash {
                return;
            }
            tracing::warn!(job_id, tx = ?opened.tx_hash, "job opened again by another transaction (reorg?)");
        }
        if let Some(p) = self.pending.get(&job_id) {
            if p.opened.tx_hash == opened.tx_hash {
                return;
            }
        }
        tracing::info!(job_id, key = %opened.event.keyHash, amount = %opened.event.amount, "new job");
        self.pending.insert(
            job_id,
            Pending {
                opened,
                attempts: 0,
            },
        );
    }

    /// Records the result of handling pending job `job_id`; `None` while it stays pending for
    /// a retry.
    fn finish(&mut self, job_id: u64, result: Result<Handled, EvmError>) -> Option<HandledJob> {
        let pending = self.pending.get(&job_id)?;
        let attempts = pending.attempts;
        let (outcome, prove_ms) = match result {
            Ok(h) => (h.outcome, h.prove_ms),
            Err(e) if attempts < self.config.max_attempts => {
                tracing::warn!(job_id, attempts, error = %e, "chain failed; will retry");
                return None;
            }
            Err(e) => {
                let reason = format!("gave up after {attempts} tries: {e}");
                (Outcome::Failed { reason }, None)
            }
        };
        let opened = self.pending.remove(&job_id)?.opened;
        let handled = HandledJob {
            job_id,
            model_id: opened.event.modelId,
            opened_in_block: opened.block,
            opened_tx: opened.tx_hash,
            prove_ms,
            outcome,
        };
        log(&handled);
        self.handled.insert(job_id, handled.clone());
        Some(handled)
    }
}

/// The chain's gas price (`eth_gasPrice`), in wei per gas.
async fn gas_price(chain: &RpcChain) -> Result<u128, EvmError> {
    use alloy::providers::Provider;
    chain
        .reader()
        .get_gas_price()
        .await
        .map_err(|e| EvmError::Rpc {
            what: "eth_gasPrice".into(),
            reason: e.to_string(),
        })
}

/// The pending jobs' ids in the order the node takes them: highest payment first, ties by
/// block then job id (oldest first). Token amounts are compared as numbers with wei: a node
/// taking token jobs prices them by its per-token minimum, not against ETH.
fn by_value(pending: &BTreeMap<u64, Pending>) -> Vec<u64> {
    let mut ids: Vec<(Reverse<U256>, u64, u64)> = pending
        .iter()
        .map(|(&id, p)| {
            (
                Reverse(p.opened.event.amount),
                p.opened.block.unwrap_or(u64::MAX),
                id,
            )
        })
        .collect();
    ids.sort_unstable();
    ids.into_iter().map(|(_, _, id)| id).collect()
}

/// Forgets the oldest handled jobs (lowest ids) beyond the `keep` most recent.
fn prune_handled(handled: &mut BTreeMap<u64, HandledJob>, keep: usize) {
    while handled.len() > keep {
        handled.pop_first();
    }
}

/// Logs a handled job at the level its outcome deserves.
fn log(h: &HandledJob) {
    let (job_id, model) = (h.job_id, &h.model_id);
    match &h.outcome {
        Outcome::Paid { tx, gas, .. } => {
            tracing::info!(job_id, %model, ?tx, gas, "paid");
        }
        Outcome::Lost { reason, .. } => tracing::info!(job_id, %model, %reason, "lost the job"),
        Outcome::Skipped { reason } => tracing::info!(job_id, %model, %reason, "skipped"),
        Outcome::Failed { reason } => tracing::warn!(job_id, %model, %reason, "failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opened(job_id: u64, amount: u64, block: u64) -> Pending {
        Pending {
            opened: EventLog {
                event: JobOpened {
                    jobId: job_id,
                    keyHash: B256::ZERO,
                    requester: Address::ZERO,
                    modelId: B256::ZERO,
                    token: Address::ZERO,
                    amount: U256::from(amount),
                    inputCommitment: U256::ZERO,
                    deadline: 0,
                    input: Default::default(),
                },
                block: Some(block),
                tx_hash: None,
            },
            attempts: 0,
        }
    }

    fn handled(job_id: u64) -> HandledJob {
        HandledJob {
            job_id,
            model_id: B256::ZERO,
            opened_in_block: None,
            opened_tx: None,
            prove_ms: None,
            outcome: Outcome::Skipped {
                reason: "test".into(),
            },
        }
    }

    #[test]
    fn jobs_are_taken_by_payment_then_age() {
        let pending = BTreeMap::from([
            (1, opened(1, 10, 5)),
            (2, opened(2, 30, 6)),
            (3, opened(3, 20, 7)),
            (4, opened(4, 30, 4)),
            (5, opened(5, 20, 7)),
        ]);
        // 30 (block 4 before block 6), 20 (same block: lower id first), 10
        assert_eq!(by_value(&pending), vec![4, 2, 3, 5, 1]);
    }

    #[test]
    fn the_handled_record_keeps_the_newest_jobs() {
        let mut record: BTreeMap<u64, HandledJob> = (1..=12).map(|id| (id, handled(id))).collect();
        prune_handled(&mut record, 12);
        assert_eq!(record.len(), 12);
        prune_handled(&mut record, 5);
        assert_eq!(
            record.keys().copied().collect::<Vec<_>>(),
            vec![8, 9, 10, 11, 12]
        );
        prune_handled(&mut record, 0);
        assert!(record.is_empty());
    }
}
