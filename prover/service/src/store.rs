//! The durable store (sled): jobs, the queue of jobs waiting for a worker, idempotency keys, and
//! registered models. Every write is flushed to disk before the call returns, so whatever the
//! API acknowledged survives a crash.

use std::path::Path;

use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use crate::job::{JobEvent, JobRecord, JobState};
use crate::models::ModelRecord;
use crate::ServiceError;

/// The service's sled database.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    jobs: sled::Tree,
    queue: sled::Tree,
    idempotency: sled::Tree,
    models: sled::Tree,
}

/// A new job's fields (the store assigns the id and times).
pub struct NewJob {
    /// Hex model id.
    pub model_id: String,
    /// Quantized input.
    pub input: Vec<Vec<i64>>,
    /// Chain id the proof is bound to.
    pub chain_id: u64,
    /// Escrow address the proof is bound to.
    pub escrow: String,
    /// Escrow job id.
    pub job_id: u64,
    /// Provider address.
    pub provider: String,
    /// Client idempotency key.
    pub idempotency_key: Option<String>,
}

fn store_err(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Store(e.to_string())
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ServiceError> {
    serde_json::from_slice(bytes).map_err(|e| ServiceError::Store(format!("corrupt record: {e}")))
}

fn encode<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, ServiceError> {
    serde_json::to_vec(v).map_err(store_err)
}

/// The key of job `id` (big-endian, so sled iterates jobs in submission order).
fn key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

/// Parses a job id as the API shows it.
pub fn parse_job_id(s: &str) -> Option<u64> {
    s.parse().ok()
}

impl Store {
    /// Opens (or creates) the store under `dir`.
    pub fn open(dir: &Path) -> Result<Self, ServiceError> {
        let db = sled::open(dir.join("store.sled")).map_err(store_err)?;
        Ok(Store {
            jobs: db.open_tree("jobs").map_err(store_err)?,
            queue: db.open_tree("queue").map_err(store_err)?,
            idempotency: db.open_tree("idempotency").map_err(store_err)?,
            models: db.open_tree("models").map_err(store_err)?,
            db,
        })
    }

    async fn flush(&self) -> Result<(), ServiceError> {
        self.db.flush_async().await.map_err(store_err)?;
        Ok(())
    }

    /// Persists a new queued job, or returns the job already stored under the same
    /// idempotency key (`false` = not created now).
    pub async fn insert(&self, new: NewJob, now: u64) -> Result<(JobRecord, bool), ServiceError> {
        let id = self.db.generate_id().map_err(store_err)?;
        let record = JobRecord {
            id: id.to_string(),
            model_id: new.model_id,
            input: new.input,
            chain_id: new.chain_id,
            escrow: new.escrow,
            job_id: new.job_id,
            provider: new.provider,
            idempotency_key: new.idempotency_key.clone(),
            attempts: 0,
            state: JobState::Queued,
            created_unix: now,
            updated_unix: now,
        };
        let bytes = encode(&record)?;
        let result =
            (&self.jobs, &self.queue, &self.idempotency).transaction(|(jobs, queue, idem)| {
                if let Some(k) = &new.idempotency_key {
                    if let Some(existing) = idem.get(k.as_bytes())? {
                        return Ok(Some(existing.to_vec()));
                    }
                    idem.insert(k.as_bytes(), &key(id))?;
                }
                jobs.insert(&key(id), bytes.as_slice())?;
                queue.insert(&key(id), &[])?;
                Ok::<_, ConflictableTransactionError<()>>(None)
            });
        let existing = result.map_err(|e: TransactionError<()>| store_err(format!("{e:?}")))?;
        self.flush().await?;
        match existing {
            Some(k) => {
                let id = u64::from_be_bytes(k.as_slice().try_into().map_err(store_err)?);
                let rec = self.get(id)?.ok_or_else(|| {
                    ServiceError::Store(format!("idempotency key names missing job {id}"))
                })?;
                Ok((rec, false))
            }
            None => Ok((record, true)),
        }
    }

    /// The job stored under idempotency key `key`, if any.
    pub fn by_idempotency_key(&self, key: &str) -> Result<Option<JobRecord>, ServiceError> {
        match self.idempotency.get(key.as_bytes()).map_err(store_err)? {
            Some(k) => self.get(u64::from_be_bytes(
                k.as_ref().try_into().map_err(store_err)?,
            )),
            None => Ok(None),
        }
    }

    /// The job with service id `id`.
    pub fn get(&self, id: u64) -> Result<Option<JobRecord>, ServiceError> {
        self.jobs
            .get(key(id))
            .map_err(store_err)?
            .map(|b| decode(&b))
            .transpose()
    }

    /// Applies `event` to job `id` and persists the new state.
    pub async fn apply(
        &self,
        id: u64,
        event: JobEvent,
        now: u64,
    ) -> Result<JobRecord, ServiceError> {
        let mut rec = self
            .get(id)?
            .ok_or_else(|| ServiceError::Store(format!("no job {id}")))?;
        let next = rec
            .state
            .apply(&event, rec.attempts)
            .map_err(|e| ServiceError::Store(e.to_string()))?;
        if let JobState::Proving { attempt, .. } = next {
            rec.attempts = attempt;
        }
        let requeue = matches!(next, JobState::Queued);
        rec.state = next;
        rec.updated_unix = now;
        let bytes = encode(&rec)?;
        (&self.jobs, &self.queue)
            .transaction(|(jobs, queue)| {
                jobs.insert(&key(id), bytes.as_slice())?;
                if requeue {
                    queue.insert(&key(id), &[])?;
                }
                Ok::<_, ConflictableTransactionError<()>>(())
            })
            .map_err(|e: TransactionError<()>| store_err(format!("{e:?}")))?;
        self.flush().await?;
        Ok(rec)
    }

    /// Takes the oldest queued job and marks it proving (persisted), or `None` if the queue is
    /// empty. Only one worker claims at a time (the caller serialises claims).
    pub async fn claim(&self, now: u64) -> Result<Option<JobRecord>, ServiceError> {
        let Some((k, _)) = self.queue.pop_min().map_err(store_err)? else {
            return Ok(None);
        };
        let id = u64::from_be_bytes(k.as_ref().try_into().map_err(store_err)?);
        self.apply(id, JobEvent::Start { now_unix: now }, now)
            .await
            .map(Some)
    }

    /// Jobs waiting for a worker.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Puts jobs left `proving` by a process that died back in the queue; returns their ids.
    pub async fn requeue_orphans(&self, now: u64) -> Result<Vec<u64>, ServiceError> {
        let mut orphans = Vec::new();
        for item in self.jobs.iter() {
            let (k, v) = item.map_err(store_err)?;
            let rec: JobRecord = decode(&v)?;
            if matches!(rec.state, JobState::Proving { .. }) {
                orphans.push(u64::from_be_bytes(
                    k.as_ref().try_into().map_err(store_err)?,
                ));
            }
        }
        for &id in &orphans {
            self.apply(id, JobEvent::Requeue, now).await?;
        }
        Ok(orphans)
    }

    /// Counts of jobs by state name (for metrics).
    pub fn count_by_state(
        &self,
    ) -> Result<std::collections::BTreeMap<&'static str, u64>, ServiceError> {
        let mut counts = std::collections::BTreeMap::new();
        for item in self.jobs.iter() {
            let (_, v) = item.map_err(store_err)?;
            let rec: JobRecord = decode(&v)?;
            *counts.entry(rec.state.name()).or_insert(0) += 1;
        }
        Ok(counts)
    }

    /// Stores (or replaces) a model record.
    pub async fn put_model(&self, m: &ModelRecord) -> Result<(), ServiceError> {
        self.models
            .insert(m.model_id.as_bytes(), encode(m)?)
            .map_err(store_err)?;
        self.flush().await
    }

    /// The model record for hex id `id`.
    pub fn model(&self, id: &str) -> Result<Option<ModelRecord>, ServiceError> {
        self.models
            .get(id.as_bytes())
            .map_err(store_err)?
            .map(|b| decode(&b))
            .transpose()
    }

    /// Every model record.
    pub fn models(&self) -> Result<Vec<ModelRecord>, ServiceError> {
        self.models
            .iter()
            .map(|item| decode(&item.map_err(store_err)?.1))
            .collect()
    }
}
