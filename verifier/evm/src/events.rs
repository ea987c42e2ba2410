//! Reading an escrow's job events from a node (`eth_getLogs`): the jobs opened in a block range
//! (what a provider watches) and how one job ended (what a waiting requester watches).

use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::{Filter, Log};
use alloy::sol_types::SolEvent;

use crate::bindings::InferenceEscrow::{JobCompleted, JobOpened, JobRefunded};
use crate::{EvmError, RpcChain};

/// A decoded escrow event with where it was mined.
#[derive(Clone, Debug)]
pub struct EventLog<E> {
    /// The event's fields.
    pub event: E,
    /// The block that holds it (`None` only for a pending log, which `eth_getLogs` does not
    /// return for mined ranges).
    pub block: Option<u64>,
    /// The transaction that emitted it.
    pub tx_hash: Option<B256>,
}

/// How a job ended, as the escrow's events tell.
#[derive(Clone, Debug)]
pub enum Settlement {
    /// A provider's proof was accepted and it was paid (boxed: the event holds the proof).
    Completed(Box<EventLog<JobCompleted>>),
    /// The job expired (or was cancelled) and its payment went back to the requester.
    Refunded(EventLog<JobRefunded>),
}

fn rpc_err(what: &str, e: impl std::fmt::Display) -> EvmError {
    EvmError::Rpc {
        what: what.into(),
        reason: e.to_string(),
    }
}

fn decode<E: SolEvent>(log: &Log, name: &str) -> Result<EventLog<E>, EvmError> {
    let event = E::decode_log(&log.inner).map_err(|e| EvmError::Abi {
        what: name.into(),
        reason: e.to_string(),
    })?;
    Ok(EventLog {
        event: event.data,
        block: log.block_number,
        tx_hash: log.transaction_hash,
    })
}

impl RpcChain {
    /// The number of the latest block.
    pub async fn block_number(&self) -> Result<u64, EvmError> {
        self.reader()
            .get_block_number()
            .await
            .map_err(|e| rpc_err("eth_blockNumber", e))
    }

    /// The `JobOpened` events of `escrow` in blocks `from..=to`, oldest first, only for the
    /// keys in `key_hashes` (all keys when it is empty). Nodes limit the range one query
    /// may span, so callers scan long histories in chunks.
    pub async fn jobs_opened(
        &self,
        escrow: Address,
        from: u64,
        to: u64,
        key_hashes: &[B256],
    ) -> Result<Vec<EventLog<JobOpened>>, EvmError> {
        let mut filter = Filter::new()
            .address(escrow)
            .event_signature(JobOpened::SIGNATURE_HASH)
            .from_block(from)
            .to_block(to);
        if !key_hashes.is_empty() {
            filter = filter.topic2(key_hashes.to_vec());
        }
        let logs = self
            .reader()
            .get_logs(&filter)
            .await
            .map_err(|e| rpc_err("eth_getLogs", e))?;
        logs.iter().map(|l| decode(l, "JobOpened")).collect()
    }

    /// How job `job_id` of `escrow` ended, looking from block `from` on; `None` while it is
    /// neither completed nor refunded.
    pub async fn job_settlement(
        &self,
        escrow: Address,
        job_id: u64,
        from: u64,
    ) -> Result<Option<Settlement>, EvmError> {
        let filter = Filter::new()
            .address(escrow)
            .event_signature(vec![
                JobCompleted::SIGNATURE_HASH,
                JobRefunded::SIGNATURE_HASH,
            ])
            .topic1(U256::from(job_id))
            .from_block(from);
        let logs = self
            .reader()
            .get_logs(&filter)
            .await
            .map_err(|e| rpc_err("eth_getLogs", e))?;
        let Some(log) = logs.first() else {
            return Ok(None);
        };
        if log.inner.topics().first() == Some(&JobCompleted::SIGNATURE_HASH) {
            Ok(Some(Settlement::Completed(Box::new(decode(
                log,
                "JobCompleted",
            )?))))
        } else {
            Ok(Some(Settlement::Refunded(decode(log, "JobRefunded")?)))
        }
    }
}
