//! The durable store (sled): jobs, the queue of jobs waiting for a worker, idempotency keys,
//! registered models and API tokens. Every write is flushed to disk before the call returns, so
//! whatever the API acknowledged survives a crash.
//!
//! Trees and their keys:
//! * `jobs`: [`JobId`] (16 bytes) → [`JobRecord`] (JSON).
//! * `queue`: an 8-byte big-endian sequence number, then the [`JobId`] → the owner's token id.
//!   sled iterates it in key order, so workers take the oldest job first; a job requeued at
//!   startup gets sequence number 0 and goes first.
//! * `idempotency`: owner token id, a zero byte, the client's key → [`IdempotencyEntry`]
//!   (JSON): keys are scoped per token and remember a hash of the request they were used with.
//! * `models`: hex model id → [`ModelRecord`] (JSON).
//! * `tokens`: blake3 of the token's secret → [`TokenRecord`] (JSON). Secrets are never stored.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use crate::auth::{TokenRecord, TokenSecret};
use crate::job::{JobEvent, JobId, JobRecord, JobState};
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
    tokens: sled::Tree,
}

/// A new job's fields (the store assigns the id and times).
pub struct NewJob {
    /// The id of the token submitting it.
    pub owner: String,
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
    /// Client idempotency key and the hash of the request it came with.
    pub idempotency: Option<Idempotency>,
}

/// An idempotency key with the hash of its request.
#[derive(Clone, Debug)]
pub struct Idempotency {
    /// The client's key (at most [`crate::api::MAX_IDEMPOTENCY_KEY_BYTES`] bytes).
    pub key: String,
    /// Hex blake3 of the canonical request (see `api::jobs`).
    pub request_hash: String,
}

/// What an idempotency key maps to.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IdempotencyEntry {
    /// The job created with the key.
    pub job: String,
    /// Hex blake3 of the canonical request that created it.
    pub request_hash: String,
}

/// What [`Store::insert`] did.
#[derive(Debug)]
pub enum Inserted {
    /// A new job, queued.
    Created(JobRecord),
    /// The key was used before with the same request: that job.
    Existing(JobRecord),
    /// The key was used before with a different request (the job it names).
    KeyReused(JobRecord),
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

fn queue_key(seq: u64, id: &JobId) -> Vec<u8> {
    let mut k = seq.to_be_bytes().to_vec();
    k.extend_from_slice(&id.0);
    k
}

fn idempotency_key(owner: &str, key: &str) -> Vec<u8> {
    let mut k = owner.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(key.as_bytes());
    k
}

fn job_id_of(rec: &JobRecord) -> Result<JobId, ServiceError> {
    JobId::parse(&rec.id).ok_or_else(|| ServiceError::Store(format!("malformed job id {}", rec.id)))
}

impl Store {
    /// Opens (or creates) the store under `dir`. sled locks it: one process at a time.
    pub fn open(dir: &Path) -> Result<Self, ServiceError> {
        let db = sled::open(dir.join("store.sled")).map_err(store_err)?;
        Ok(Store {
            jobs: db.open_tree("jobs").map_err(store_err)?,
            queue: db.open_tree("queue").map_err(store_err)?,
            idempotency: db.open_tree("idempotency").map_err(store_err)?,
            models: db.open_tree("models").map_err(store_err)?,
            tokens: db.open_tree("tokens").map_err(store_err)?,
            db,
        })
    }

    async fn flush(&self) -> Result<(), ServiceError> {
        self.db.flush_async().await.map_err(store_err)?;
        Ok(())
    }

    fn flush_blocking(&self) -> Result<(), ServiceError> {
        self.db.flush().map_err(store_err)?;
        Ok(())
    }

    /// Persists a new queued job with a fresh random id, or, for an idempotency key this
    /// owner used before, returns the job stored under it (and whether the request matched).
    pub async fn insert(&self, new: NewJob, now: u64) -> Result<Inserted, ServiceError> {
        let id = JobId::random();
        let seq = self.db.generate_id().map_err(store_err)?.saturating_add(1);
        let record = JobRecord {
            id: id.to_string(),
            owner: new.owner.clone(),
            model_id: new.model_id,
            input: new.input,
            chain_id: new.chain_id,
            escrow: new.escrow,
            job_id: new.job_id,
            provider: new.provider,
            idempotency_key: new.idempotency.as_ref().map(|i| i.key.clone()),
            attempts: 0,
            state: JobState::Queued,
            created_unix: now,
            updated_unix: now,
        };
        let bytes = encode(&record)?;
        let entry = match &new.idempotency {
            Some(i) => Some((
                idempotency_key(&new.owner, &i.key),
                encode(&IdempotencyEntry {
                    job: id.to_string(),
                    request_hash: i.request_hash.clone(),
                })?,
            )),
            None => None,
        };
        let result =
            (&self.jobs, &self.queue, &self.idempotency).transaction(|(jobs, queue, idem)| {
                if let Some((k, v)) = &entry {
                    if let Some(existing) = idem.get(k)? {
                        return Ok(Some(existing.to_vec()));
                    }
                    idem.insert(k.as_slice(), v.as_slice())?;
                }
                jobs.insert(&id.0, bytes.as_slice())?;
                queue.insert(queue_key(seq, &id), new.owner.as_bytes())?;
                Ok::<_, ConflictableTransactionError<()>>(None)
            });
        let existing = result.map_err(|e: TransactionError<()>| store_err(format!("{e:?}")))?;
        self.flush().await?;
        match existing {
            None => Ok(Inserted::Created(record)),
            Some(bytes) => {
                let entry: IdempotencyEntry = decode(&bytes)?;
                let rec = JobId::parse(&entry.job)
                    .map(|id| self.get(&id))
                    .transpose()?
                    .flatten()
                    .ok_or_else(|| {
                        ServiceError::Store(format!(
                            "idempotency key names missing job {}",
                            entry.job
                        ))
                    })?;
                let same = new
                    .idempotency
                    .as_ref()
                    .is_some_and(|i| i.request_hash == entry.request_hash);
                Ok(if same {
                    Inserted::Existing(rec)
                } else {
                    Inserted::KeyReused(rec)
                })
            }
        }
    }

    /// The job `owner` stored under idempotency key `key`, with the hash of its request.
    pub fn by_idempotency_key(
        &self,
        owner: &str,
        key: &str,
    ) -> Result<Option<(JobRecord, String)>, ServiceError> {
        let Some(bytes) = self
            .idempotency
            .get(idempotency_key(owner, key))
            .map_err(store_err)?
        else {
            return Ok(None);
        };
        let entry: IdempotencyEntry = decode(&bytes)?;
        let Some(id) = JobId::parse(&entry.job) else {
            return Ok(None);
        };
        Ok(self.get(&id)?.map(|rec| (rec, entry.request_hash)))
    }

    /// The job with service id `id`.
    pub fn get(&self, id: &JobId) -> Result<Option<JobRecord>, ServiceError> {
        self.jobs
            .get(id.0)
            .map_err(store_err)?
            .map(|b| decode(&b))
            .transpose()
    }

    /// Applies `event` to job `id` and persists the new state (a requeued job goes to the
    /// front of the queue).
    pub async fn apply(
        &self,
        id: &JobId,
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
                jobs.insert(&id.0, bytes.as_slice())?;
                if requeue {
                    queue.insert(queue_key(0, id), rec.owner.as_bytes())?;
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
        loop {
            let Some((k, _)) = self.queue.pop_min().map_err(store_err)? else {
                return Ok(None);
            };
            let Some(id) = k.get(8..24).and_then(|b| <[u8; 16]>::try_from(b).ok()) else {
                tracing::error!("dropping a malformed queue entry {k:?}");
                continue;
            };
            return self
                .apply(&JobId(id), JobEvent::Start { now_unix: now }, now)
                .await
                .map(Some);
        }
    }

    /// Jobs waiting for a worker.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Jobs of token `owner` waiting for a worker.
    pub fn queued_for(&self, owner: &str) -> Result<usize, ServiceError> {
        let mut n = 0;
        for item in self.queue.iter() {
            let (_, v) = item.map_err(store_err)?;
            if v.as_ref() == owner.as_bytes() {
                n += 1;
            }
        }
        Ok(n)
    }

    /// At startup: jobs left `proving` by a process that died go back to the queue, unless
    /// they already had `max_attempts` attempts; those fail with a reason saying so. Returns
    /// the ids requeued and the ids failed.
    pub async fn requeue_orphans(
        &self,
        now: u64,
        max_attempts: u32,
    ) -> Result<(Vec<String>, Vec<String>), ServiceError> {
        let mut orphans = Vec::new();
        for item in self.jobs.iter() {
            let (_, v) = item.map_err(store_err)?;
            let rec: JobRecord = decode(&v)?;
            if matches!(rec.state, JobState::Proving { .. }) {
                orphans.push((job_id_of(&rec)?, rec.attempts));
            }
        }
        let (mut requeued, mut failed) = (Vec::new(), Vec::new());
        for (id, attempts) in orphans {
            if attempts >= max_attempts {
                let reason = format!(
                    "abandoned after {attempts} attempts: the service stopped while proving this \
                     job each time (it may crash the prover); not retried"
                );
                self.apply(&id, JobEvent::Fail(reason), now).await?;
                failed.push(id.to_string());
            } else {
                self.apply(&id, JobEvent::Requeue, now).await?;
                requeued.push(id.to_string());
            }
        }
        Ok((requeued, failed))
    }

    /// Deletes finished (proved or failed) jobs last changed `retention_secs` or more before
    /// `now`, with their idempotency keys; returns how many were deleted.
    pub async fn sweep(&self, now: u64, retention_secs: u64) -> Result<usize, ServiceError> {
        let mut expired = Vec::new();
        for item in self.jobs.iter() {
            let (k, v) = item.map_err(store_err)?;
            let rec: JobRecord = decode(&v)?;
            if rec.state.is_final() && rec.updated_unix.saturating_add(retention_secs) <= now {
                expired.push((k, rec));
            }
        }
        for (k, rec) in &expired {
            let idem = rec
                .idempotency_key
                .as_ref()
                .map(|key| idempotency_key(&rec.owner, key));
            (&self.jobs, &self.idempotency)
                .transaction(|(jobs, ids)| {
                    jobs.remove(k)?;
                    if let Some(ik) = &idem {
                        // only if the key still names this job
                        if let Some(v) = ids.get(ik)? {
                            let names_it = serde_json::from_slice::<IdempotencyEntry>(&v)
                                .map(|e| e.job == rec.id)
                                .unwrap_or(true);
                            if names_it {
                                ids.remove(ik.as_slice())?;
                            }
                        }
                    }
                    Ok::<_, ConflictableTransactionError<()>>(())
                })
                .map_err(|e: TransactionError<()>| store_err(format!("{e:?}")))?;
        }
        if !expired.is_empty() {
            self.flush().await?;
        }
        Ok(expired.len())
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

    /// Models token `owner` registered.
    pub fn models_of(&self, owner: &str) -> Result<usize, ServiceError> {
        Ok(self
            .models()?
            .iter()
            .filter(|m| m.owners.iter().any(|o| o == owner))
            .count())
    }

    /// Makes a new API token labelled `label`: stores the blake3 hash of its secret and
    /// returns the secret (shown once: it cannot be recovered) with the record.
    pub fn create_token(
        &self,
        label: &str,
        now: u64,
    ) -> Result<(TokenSecret, TokenRecord), ServiceError> {
        let secret = TokenSecret::random();
        let record = TokenRecord::new(label, now);
        self.tokens
            .insert(secret.hash(), encode(&record)?)
            .map_err(store_err)?;
        self.flush_blocking()?;
        Ok((secret, record))
    }

    /// The token whose secret is `secret`, if it exists (looked up by its hash).
    pub fn token(&self, secret: &str) -> Result<Option<TokenRecord>, ServiceError> {
        self.tokens
            .get(TokenSecret::hash_of(secret))
            .map_err(store_err)?
            .map(|b| decode(&b))
            .transpose()
    }

    /// Every token (records only: the secrets are not stored).
    pub fn tokens(&self) -> Result<Vec<TokenRecord>, ServiceError> {
        self.tokens
            .iter()
            .map(|item| decode(&item.map_err(store_err)?.1))
            .collect()
    }

    /// Deletes the token with id `id`; `false` if there is none. Its jobs and models stay
    /// (unreadable through the API once no token owns them).
    pub fn revoke_token(&self, id: &str) -> Result<bool, ServiceError> {
        let mut found = None;
        for item in self.tokens.iter() {
            let (k, v) = item.map_err(store_err)?;
            let rec: TokenRecord = decode(&v)?;
            if rec.id == id {
                found = Some(k);
            }
        }
        let Some(k) = found else { return Ok(false) };
        self.tokens.remove(k).map_err(store_err)?;
        self.flush_blocking()?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::MAX_ATTEMPTS;

    fn new_job(owner: &str, key: Option<(&str, &str)>) -> NewJob {
        NewJob {
            owner: owner.into(),
            model_id: "m".into(),
            input: vec![vec![1, 2]],
            chain_id: 31337,
            escrow: crate::job::zero_address(),
            job_id: 1,
            provider: "0x00".into(),
            idempotency: key.map(|(k, h)| Idempotency {
                key: k.into(),
                request_hash: h.into(),
            }),
        }
    }

    fn created(i: Inserted) -> JobRecord {
        match i {
            Inserted::Created(r) => r,
            other => panic!("expected a new job, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_job_that_keeps_dying_is_failed_after_the_attempt_cap() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let rec = created(store.insert(new_job("a", None), 1).await.unwrap());
        let id = JobId::parse(&rec.id).unwrap();
        for attempt in 1..=MAX_ATTEMPTS {
            let claimed = store.claim(2).await.unwrap().unwrap();
            assert_eq!(claimed.attempts, attempt);
            // the process dies while proving; at the next startup:
            let (requeued, failed) = store.requeue_orphans(3, MAX_ATTEMPTS).await.unwrap();
            if attempt < MAX_ATTEMPTS {
                assert_eq!((requeued, failed.len()), (vec![rec.id.clone()], 0));
            } else {
                assert_eq!((requeued.len(), failed), (0, vec![rec.id.clone()]));
            }
        }
        let last = store.get(&id).unwrap().unwrap();
        match last.state {
            JobState::Failed { reason } => assert!(reason.contains("3 attempts"), "{reason}"),
            other => panic!("expected failed, got {other:?}"),
        }
        assert_eq!(store.queued(), 0);
        assert!(store.claim(4).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn idempotency_keys_are_per_owner_and_remember_the_request() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = created(
            store
                .insert(new_job("a", Some(("k", "h1"))), 1)
                .await
                .unwrap(),
        );
        // the same key from another owner is another job
        let b = created(
            store
                .insert(new_job("b", Some(("k", "h1"))), 1)
                .await
                .unwrap(),
        );
        assert_ne!(a.id, b.id);
        match store
            .insert(new_job("a", Some(("k", "h1"))), 1)
            .await
            .unwrap()
        {
            Inserted::Existing(r) => assert_eq!(r.id, a.id),
            other => panic!("{other:?}"),
        }
        match store
            .insert(new_job("a", Some(("k", "h2"))), 1)
            .await
            .unwrap()
        {
            Inserted::KeyReused(r) => assert_eq!(r.id, a.id),
            other => panic!("{other:?}"),
        }
        assert_eq!(store.queued_for("a").unwrap(), 1);
        assert_eq!(store.queued_for("b").unwrap(), 1);
    }

    #[tokio::test]
    async fn the_sweeper_deletes_finished_jobs_after_the_retention_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let done = created(
            store
                .insert(new_job("a", Some(("k", "h"))), 10)
                .await
                .unwrap(),
        );
        let waiting = created(store.insert(new_job("a", None), 10).await.unwrap());
        let id = JobId::parse(&done.id).unwrap();
        store.claim(10).await.unwrap().unwrap();
        store
            .apply(&id, JobEvent::Fail("x".into()), 20)
            .await
            .unwrap();
        assert_eq!(store.sweep(25, 10).await.unwrap(), 0);
        assert_eq!(store.sweep(30, 10).await.unwrap(), 1);
        assert!(store.get(&id).unwrap().is_none());
        assert!(store.by_idempotency_key("a", "k").unwrap().is_none());
        // queued jobs are never swept
        let w = JobId::parse(&waiting.id).unwrap();
        assert_eq!(store.sweep(10_000, 0).await.unwrap(), 0);
        assert!(store.get(&w).unwrap().is_some());
    }

    #[test]
    fn tokens_are_stored_hashed_and_can_be_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (secret, rec) = store.create_token("alice", 5).unwrap();
        assert_eq!(store.token(secret.as_str()).unwrap(), Some(rec.clone()));
        assert_eq!(store.token("zkt_nope").unwrap(), None);
        // the secret appears nowhere in the database
        drop(store);
        let mut found = false;
        for entry in walk(dir.path()) {
            let bytes = std::fs::read(entry).unwrap();
            found |= bytes
                .windows(secret.as_str().len())
                .any(|w| w == secret.as_str().as_bytes());
        }
        assert!(!found, "the token's secret was stored in clear");
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.tokens().unwrap(), vec![rec.clone()]);
        assert!(store.revoke_token(&rec.id).unwrap());
        assert!(!store.revoke_token(&rec.id).unwrap());
        assert_eq!(store.token(secret.as_str()).unwrap(), None);
    }

    fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }
}
