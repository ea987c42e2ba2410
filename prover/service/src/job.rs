//! A proving job and its state machine. [`JobState::apply`] is the only place that decides
//! which transitions are allowed; the store persists every state it returns.

use serde::{Deserialize, Serialize};

/// Proving attempts a job gets: a job left `proving` by a process that died this many times is
/// failed at startup instead of requeued (a job that crashes the process must not loop).
pub const MAX_ATTEMPTS: u32 = 3;

/// A job's id: 128 random bits (unguessable), shown as 32 lower-case hex characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JobId(pub [u8; 16]);

impl JobId {
    /// A fresh id from the operating system's random source.
    pub fn random() -> Self {
        use rand::RngCore as _;
        let mut b = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut b);
        JobId(b)
    }

    /// Parses exactly 32 lower-case hex characters (no sign, no padding, no other spelling).
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() != 32 || !s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let mut b = [0u8; 16];
        hex::decode_to_slice(s, &mut b).ok()?;
        Some(JobId(b))
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// Where a job is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    /// Accepted and persisted, waiting for a worker.
    Queued,
    /// A worker is proving it (`attempt` counts restarts after a crash).
    Proving {
        /// 1 for the first try; a job resumed after a crash gets the next number.
        attempt: u32,
        /// When this attempt started (seconds since the Unix epoch).
        started_unix: u64,
    },
    /// Proved and checked with the verifier.
    Proved(Box<ProvedJob>),
    /// Proving failed; `reason` says why.
    Failed {
        /// What went wrong.
        reason: String,
    },
}

/// The result of a proved job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProvedJob {
    /// Dequantized outputs, one list per model output.
    pub outputs: Vec<Vec<f64>>,
    /// Quantized outputs (what the proof states).
    pub outputs_int: Vec<Vec<i64>>,
    /// The proof file (versioned JSON, as `zkinfer prove` writes it).
    pub proof: serde_json::Value,
    /// The public inputs, hex, in circuit order.
    pub public_inputs: Vec<String>,
    /// Calldata of `InferenceEscrow.submitResult(jobId, proof, outputs)`, hex with `0x`.
    pub escrow_calldata: String,
    /// Wall time of the proof, milliseconds.
    pub prove_ms: u64,
}

/// What happens to a job.
#[derive(Clone, Debug)]
pub enum JobEvent {
    /// A worker takes it.
    Start {
        /// Now.
        now_unix: u64,
    },
    /// The proof is done.
    Finish(Box<ProvedJob>),
    /// Proving failed.
    Fail(String),
    /// The process that was proving it died; it goes back to the queue (at startup).
    Requeue,
}

/// A transition [`JobState::apply`] refuses.
#[derive(Debug, thiserror::Error)]
#[error("job in state {from} cannot take event {event}")]
pub struct InvalidTransition {
    /// The current state's name.
    pub from: &'static str,
    /// The event's name.
    pub event: &'static str,
}

impl JobState {
    /// The state's name as the API reports it.
    pub fn name(&self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Proving { .. } => "proving",
            JobState::Proved(_) => "proved",
            JobState::Failed { .. } => "failed",
        }
    }

    /// Whether the job will not change any more.
    pub fn is_final(&self) -> bool {
        matches!(self, JobState::Proved(_) | JobState::Failed { .. })
    }

    /// The state after `event`, or why the event does not apply.
    pub fn apply(&self, event: &JobEvent, attempts: u32) -> Result<JobState, InvalidTransition> {
        let refuse = |event| InvalidTransition {
            from: self.name(),
            event,
        };
        match (self, event) {
            (JobState::Queued, JobEvent::Start { now_unix }) => Ok(JobState::Proving {
                attempt: attempts + 1,
                started_unix: *now_unix,
            }),
            (JobState::Proving { .. }, JobEvent::Finish(p)) => Ok(JobState::Proved(p.clone())),
            (JobState::Proving { .. }, JobEvent::Fail(r)) => {
                Ok(JobState::Failed { reason: r.clone() })
            }
            (JobState::Proving { .. }, JobEvent::Requeue) => Ok(JobState::Queued),
            (_, JobEvent::Start { .. }) => Err(refuse("start")),
            (_, JobEvent::Finish(_)) => Err(refuse("finish")),
            (_, JobEvent::Fail(_)) => Err(refuse("fail")),
            (_, JobEvent::Requeue) => Err(refuse("requeue")),
        }
    }
}

/// A job as stored and as `GET /v1/jobs/{id}` returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    /// The service's id for the job (32 hex characters, see [`JobId`]).
    pub id: String,
    /// The id of the token that submitted it: only that token can read it. Not shown by the API.
    #[serde(default)]
    pub owner: String,
    /// The model (hex model id).
    pub model_id: String,
    /// The quantized input, one list per model input.
    pub input: Vec<Vec<i64>>,
    /// The chain id the proof is bound to (0: none).
    #[serde(default)]
    pub chain_id: u64,
    /// The escrow the proof is bound to (`0x…`; zero: none).
    #[serde(default = "zero_address")]
    pub escrow: String,
    /// The escrow job the proof is bound to.
    pub job_id: u64,
    /// The provider address the proof is bound to (`0x…`).
    pub provider: String,
    /// The client's idempotency key, if it gave one (shown only to its owner, like the rest).
    pub idempotency_key: Option<String>,
    /// How many times proving was started.
    pub attempts: u32,
    /// Where the job is.
    #[serde(flatten)]
    pub state: JobState,
    /// Creation time (seconds since the Unix epoch).
    pub created_unix: u64,
    /// Time of the last state change.
    pub updated_unix: u64,
}

/// The zero address, for records stored before jobs named their escrow.
pub fn zero_address() -> String {
    format!("0x{}", "00".repeat(20))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_allowed_transitions_apply() {
        let q = JobState::Queued;
        let p = q.apply(&JobEvent::Start { now_unix: 5 }, 0).unwrap();
        assert_eq!(
            p,
            JobState::Proving {
                attempt: 1,
                started_unix: 5
            }
        );
        assert!(q.apply(&JobEvent::Fail("x".into()), 0).is_err());
        assert!(q.apply(&JobEvent::Requeue, 0).is_err());
        assert_eq!(p.apply(&JobEvent::Requeue, 1).unwrap(), JobState::Queued);
        let f = p.apply(&JobEvent::Fail("boom".into()), 1).unwrap();
        assert!(f.is_final());
        assert!(f.apply(&JobEvent::Start { now_unix: 6 }, 1).is_err());
        assert!(p.apply(&JobEvent::Start { now_unix: 6 }, 1).is_err());
    }

    #[test]
    fn job_ids_are_random_and_parse_only_in_their_one_spelling() {
        let a = JobId::random();
        assert_ne!(a, JobId::random());
        let text = a.to_string();
        assert_eq!(text.len(), 32);
        assert_eq!(JobId::parse(&text), Some(a));
        for bad in [
            "0",
            "+0",
            "00",
            &text.to_uppercase(),
            &format!("{text}0"),
            &text[1..],
        ] {
            assert_eq!(JobId::parse(bad), None, "{bad}");
        }
    }
}
