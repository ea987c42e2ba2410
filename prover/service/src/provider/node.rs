//! The node: its configuration, the scan of `JobOpened` logs block range by block range, the
//! record of handled jobs, and the polling loop.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use zkinfer_evm::bindings::InferenceEscrow::JobOpened;
use zkinfer_evm::{key_hash, Address, Chain, EventLog, EvmError, RpcChain, B256};
use zkinfer_prover::{Engine, Prover};

use super::handle::{handle_job, Handled};
use super::{HandledJob, Outcome, ProviderError};

/// Most blocks one `eth_getLogs` query spans (public nodes refuse much wider ranges).
pub const LOG_RANGE: u64 = 2_000;

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
}

impl ProviderConfig {
    /// Watches `escrow` from block 0, polling every 500 ms, trying a job up to 3 times.
    pub fn new(escrow: Address) -> Self {
        ProviderConfig {
            escrow,
            poll_interval: Duration::from_millis(500),
            start_block: 0,
            max_attempts: 3,
        }
    }
}

/// A model the node proves: its prover (shared with the blocking proving threads). Jobs are
/// matched by the hash of its verifying key (a job pins one key; other setups of the same
/// model are other keys, whose proofs this node cannot make).
#[derive(Clone)]
pub struct ServedModel {
    /// The model with its keys.
    pub prover: Arc<Prover<Engine>>,
}

impl ServedModel {
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
    chain: RpcChain,
    me: Address,
    chain_id: u64,
    config: ProviderConfig,
    models: BTreeMap<B256, ServedModel>,
    next_block: u64,
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
            chain,
            me,
            chain_id,
            next_block: config.start_block,
            config,
            models: by_key,
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

    /// Every job handled so far, by job id.
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

    /// Scans the blocks mined since the last poll for new jobs of the served models, then
    /// handles every job not handled yet, oldest first; returns the jobs handled now. `Err`
    /// when the logs could not be read (nothing is skipped: the next poll rescans the range).
    pub async fn poll_once(&mut self) -> Result<Vec<HandledJob>, ProviderError> {
        self.discover().await?;
        let mut done = Vec::new();
        let ids: Vec<u64> = self.pending.keys().copied().collect();
        for job_id in ids {
            if let Some(h) = self.try_job(job_id).await {
                done.push(h);
            }
        }
        Ok(done)
    }

    /// Polls every [`ProviderConfig::poll_interval`] until `shutdown` completes, passing each
    /// handled job to `on_job`. A failed poll is logged and retried at the next tick. Shutdown
    /// abandons a job in flight (a proof being computed finishes in the background and is
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

    /// Queues the `JobOpened` events of blocks `next_block..=latest`, in chunks of
    /// [`LOG_RANGE`]. The cursor moves past a chunk only once its logs are queued.
    async fn discover(&mut self) -> Result<(), EvmError> {
        let latest = self.chain.block_number().await?;
        let ids: Vec<B256> = self.models.keys().copied().collect();
        while self.next_block <= latest {
            let to = latest.min(self.next_block.saturating_add(LOG_RANGE - 1));
            let logs = self
                .chain
                .jobs_opened(self.config.escrow, self.next_block, to, &ids)
                .await?;
            for opened in logs {
                let job_id = opened.event.jobId;
                if !self.handled.contains_key(&job_id) && !self.pending.contains_key(&job_id) {
                    tracing::info!(job_id, key = %opened.event.keyHash, "new job");
                    self.pending.insert(
                        job_id,
                        Pending {
                            opened,
                            attempts: 0,
                        },
                    );
                }
            }
            self.next_block = to + 1;
        }
        Ok(())
    }

    /// Handles pending job `job_id`; `None` while it stays pending for a retry.
    async fn try_job(&mut self, job_id: u64) -> Option<HandledJob> {
        let pending = self.pending.get_mut(&job_id)?;
        pending.attempts += 1;
        let (attempts, opened) = (pending.attempts, pending.opened.clone());
        let result = match self.models.get(&opened.event.keyHash).cloned() {
            Some(model) => {
                let (escrow, me, chain_id) = (self.config.escrow, self.me, self.chain_id);
                handle_job(&mut self.chain, me, chain_id, escrow, &model, &opened.event).await
            }
            // (the log query asks only for served keys)
            None => Ok(Handled {
                outcome: Outcome::Skipped {
                    reason: "key not served".into(),
                },
                prove_ms: None,
            }),
        };
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
        self.pending.remove(&job_id);
        let handled = HandledJob {
            job_id,
            model_id: opened.event.modelId,
            opened_in_block: opened.block,
            prove_ms,
            outcome,
        };
        log(&handled);
        self.handled.insert(job_id, handled.clone());
        Some(handled)
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
