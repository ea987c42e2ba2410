//! Submitting a proof and reading the escrow's answer: paid, lost to a faster provider or to
//! the deadline, or refused for another reason.

use zkinfer_evm::bindings::InferenceEscrow::{self, Job};
use zkinfer_evm::{
    get_job, revert_reason, reverted_with, submit_result, withdraw, Address, Chain, EvmError,
    JobStatus, Receipt, RpcChain, U256,
};
use zkinfer_verifier::ProofFile;

use super::Outcome;

/// Submits `proof` for `job_id` (paying `payment` of `token`) from `me` and turns the receipt
/// into an outcome. `Err` only when the chain could not be asked (the job may then be tried
/// again).
pub(crate) async fn submit(
    chain: &mut RpcChain,
    me: Address,
    escrow: Address,
    job_id: u64,
    (token, payment): (Address, U256),
    proof: &ProofFile,
) -> Result<Outcome, EvmError> {
    let r = submit_result(chain, me, escrow, job_id, proof).await?;
    if r.success {
        // Pull the payment at once (a failed withdrawal leaves it claimable: the job stays
        // `Paid` to this node, so it is only logged).
        match withdraw(chain, me, escrow, &[job_id], me).await {
            Ok(w) if w.success => {}
            Ok(w) => tracing::warn!(job_id, reason = %revert_reason(&w.output), "withdraw refused"),
            Err(e) => tracing::warn!(job_id, error = %e, "withdraw failed"),
        }
        return Ok(Outcome::Paid {
            tx: r.tx_hash,
            gas: r.gas_used,
            payment,
            token,
            fee: r.fee_wei,
        });
    }
    // What the job looks like now says whether the race was lost (best effort: a failed read
    // leaves the revert data to decide).
    let now = chain.timestamp().await.ok();
    let settled = match get_job(chain, escrow, job_id).await {
        Ok(job) => now.and_then(|now| settled(&job, now)),
        Err(_) => None,
    };
    Ok(classify(&r, settled))
}

/// Why a job can no longer be paid to anyone new, if it cannot.
fn settled(job: &Job, now: u64) -> Option<String> {
    match JobStatus::of(job) {
        JobStatus::Paid => Some(format!("paid to {} first", job.provider)),
        JobStatus::Withdrawn => Some(format!("paid to {} first", job.provider)),
        JobStatus::Refunded => Some("refunded to its requester".into()),
        JobStatus::Open if now > job.deadline => Some(format!(
            "deadline {} passed (chain time {now})",
            job.deadline
        )),
        _ => None,
    }
}

/// The outcome of a refused submission, from its receipt and the job's state after it.
fn classify(r: &Receipt, settled: Option<String>) -> Outcome {
    // A mined transaction's receipt carries no revert data; a refusal at gas estimation does.
    let revert = if r.output.is_empty() && r.tx_hash.is_some() {
        "submitResult reverted in its block".to_string()
    } else {
        revert_reason(&r.output)
    };
    let lost_race = reverted_with::<InferenceEscrow::WrongStatus>(&r.output)
        || reverted_with::<InferenceEscrow::DeadlinePassed>(&r.output);
    let lost = |reason| Outcome::Lost {
        reason,
        tx: r.tx_hash,
        gas: r.gas_used,
        fee: r.fee_wei,
    };
    match settled {
        Some(why) => lost(format!("{revert}: {why}")),
        None if lost_race => lost(revert),
        None => Outcome::Failed {
            reason: format!("the escrow refused the proof: {revert}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use zkinfer_evm::{Bytes, SolError, B256};

    use super::*;

    fn refused(output: Bytes, tx: Option<B256>) -> Receipt {
        Receipt {
            tx_hash: tx,
            success: false,
            gas_used: if tx.is_some() { 30_000 } else { 0 },
            output,
            contract_address: None,
            logs: Vec::new(),
            fee_wei: U256::from(if tx.is_some() { 7u8 } else { 0 }),
        }
    }

    #[test]
    fn a_refusal_after_another_payment_is_a_lost_race() {
        let data: Bytes = InferenceEscrow::WrongStatus {
            jobId: 4,
            status: 2,
        }
        .abi_encode()
        .into();
        let winner = "paid to 0x9999999999999999999999999999999999999999 first";
        match classify(&refused(data.clone(), None), Some(winner.into())) {
            Outcome::Lost {
                reason, tx, gas, ..
            } => {
                assert_eq!(
                    reason,
                    format!("WrongStatus {{ jobId: 4, status: 2 }}: {winner}")
                );
                assert_eq!((tx, gas), (None, 0));
            }
            o => panic!("{o:?}"),
        }
        // the revert data alone suffices when the job cannot be read
        assert_eq!(classify(&refused(data, None), None).name(), "lost");
        // a reverted transaction that was mined cost gas, and says so
        let mined = classify(
            &refused(Bytes::new(), Some(B256::ZERO)),
            Some(winner.into()),
        );
        match mined {
            Outcome::Lost {
                reason, gas, fee, ..
            } => {
                assert!(
                    reason.starts_with("submitResult reverted in its block"),
                    "{reason}"
                );
                assert_eq!((gas, fee), (30_000, U256::from(7u8)));
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn an_invalid_proof_on_an_open_job_is_a_failure() {
        let data: Bytes = InferenceEscrow::InvalidProof { jobId: 4 }
            .abi_encode()
            .into();
        let o = classify(&refused(data, None), None);
        assert_eq!(
            o,
            Outcome::Failed {
                reason: "the escrow refused the proof: InvalidProof { jobId: 4 }".into()
            }
        );
    }

    #[test]
    fn the_job_state_names_the_settlement() {
        let job = Job {
            provider: Address::repeat_byte(0x99),
            deadline: 10,
            status: 2,
            token: Address::ZERO,
            amount: Default::default(),
            requester: Address::ZERO,
            keyHash: B256::ZERO,
            inputCommitment: U256::ZERO,
        };
        assert!(settled(&job, 5).unwrap().starts_with("paid to 0x9999"));
        let open = Job {
            status: 1,
            ..job.clone()
        };
        assert_eq!(settled(&open, 10), None);
        assert_eq!(
            settled(&open, 11).unwrap(),
            "deadline 10 passed (chain time 11)"
        );
    }
}
