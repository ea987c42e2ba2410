//! What a provider node did with each job it saw: the record callers and tests read.

use std::fmt;

use zkinfer_evm::{Address, B256, U256};

/// What became of one job. Every outcome is final: the node never handles a job twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The escrow accepted this node's proof and paid it.
    Paid {
        /// The `submitResult` transaction.
        tx: Option<B256>,
        /// Gas it used.
        gas: u64,
        /// What the escrow paid: wei, or units of `token`.
        payment: U256,
        /// The ERC-20 token paid in (zero for ETH).
        token: Address,
        /// Wei the transaction's gas cost.
        fee: U256,
    },
    /// The escrow refused the proof because the job was settled first (another provider was
    /// paid) or its deadline passed meanwhile: the race is lost, not an error.
    Lost {
        /// The decoded revert, with who was paid when the node could tell.
        reason: String,
        /// The reverted transaction, if the node mined it (`None` when the node refused it at
        /// gas estimation, so it cost nothing).
        tx: Option<B256>,
        /// Gas the reverted transaction used (0 when not mined).
        gas: u64,
        /// Wei it cost.
        fee: U256,
    },
    /// The node did not prove the job (not open, expired, another key, input not matching its
    /// commitment, paying less than the node's price) and spent no gas on it.
    Skipped {
        /// Why.
        reason: String,
    },
    /// Proving failed, or the escrow refused the proof for a reason other than a lost race.
    Failed {
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// The outcome's name: `paid`, `lost`, `skipped` or `failed`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Paid { .. } => "paid",
            Outcome::Lost { .. } => "lost",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Failed { .. } => "failed",
        }
    }
}

/// A transaction hash for printing (`-` when there is none).
fn hash(tx: &Option<B256>) -> String {
    tx.map_or_else(|| "-".into(), |h| h.to_string())
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Paid {
                tx,
                gas,
                payment,
                token,
                ..
            } if *token != Address::ZERO => {
                write!(
                    f,
                    "paid {payment} of token {token}  tx {}  gas {gas}",
                    hash(tx)
                )
            }
            Outcome::Paid {
                tx, gas, payment, ..
            } => write!(f, "paid {payment} wei  tx {}  gas {gas}", hash(tx)),
            Outcome::Lost {
                reason, tx, gas, ..
            } => write!(f, "lost ({reason})  tx {}  gas {gas}", hash(tx)),
            Outcome::Skipped { reason } => write!(f, "skipped ({reason})"),
            Outcome::Failed { reason } => write!(f, "failed ({reason})"),
        }
    }
}

/// One job a node handled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandledJob {
    /// The escrow's job id.
    pub job_id: u64,
    /// The job's model.
    pub model_id: B256,
    /// The block its `JobOpened` event is in.
    pub opened_in_block: Option<u64>,
    /// The transaction that opened it: with the job id, what the node remembers it by (a job
    /// opened again under the same id by another transaction, after a reorg, is a new job).
    pub opened_tx: Option<B256>,
    /// Wall time of the proof in milliseconds, if the node proved it.
    pub prove_ms: Option<u64>,
    /// What became of it.
    pub outcome: Outcome,
}

impl fmt::Display for HandledJob {
    /// One line: `job 3  model 0x…  paid 1000 wei  tx 0x…  gas 251234`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "job {}  model {}  {}",
            self.job_id, self.model_id, self.outcome
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_the_job_model_outcome_tx_and_gas() {
        let job = HandledJob {
            job_id: 3,
            model_id: B256::repeat_byte(0xab),
            opened_in_block: Some(7),
            opened_tx: None,
            prove_ms: Some(120),
            outcome: Outcome::Paid {
                tx: Some(B256::repeat_byte(0x01)),
                gas: 251_234,
                payment: U256::from(1000u64),
                token: Address::ZERO,
                fee: U256::from(5u64),
            },
        };
        let line = job.to_string();
        assert!(line.starts_with("job 3  model 0xabab"), "{line}");
        assert!(line.contains("paid 1000 wei  tx 0x0101"), "{line}");
        assert!(line.ends_with("gas 251234"), "{line}");
        let usd = Address::repeat_byte(0x05);
        let in_tokens = Outcome::Paid {
            tx: None,
            gas: 1,
            payment: U256::from(7u8),
            token: usd,
            fee: U256::ZERO,
        };
        assert_eq!(
            in_tokens.to_string(),
            format!("paid 7 of token {usd}  tx -  gas 1")
        );
        let lost = Outcome::Lost {
            reason: "JobNotOpen { jobId: 3, status: 2 }".into(),
            tx: None,
            gas: 0,
            fee: U256::ZERO,
        };
        assert_eq!(
            lost.to_string(),
            "lost (JobNotOpen { jobId: 3, status: 2 })  tx -  gas 0"
        );
        assert_eq!(lost.name(), "lost");
    }
}
