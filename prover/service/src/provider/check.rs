//! The checks a node makes before proving a job, from the escrow's record of it, its
//! `JobOpened` event and the chain's time. Pure, so every reason to skip is unit-tested.

use zkinfer_evm::bindings::InferenceEscrow::{Job, JobOpened};
use zkinfer_evm::{decode_input_blob, word_fr, Address, JobStatus, B256, U256};
use zkinfer_verifier::{commit_input, PublicLayout};

/// Why a node does not prove a job.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Skip {
    /// A provider was paid already (it may have withdrawn the payment).
    #[error("already paid to {provider}")]
    AlreadyPaid {
        /// Who was paid.
        provider: Address,
    },
    /// Refunded, unknown, or a status this build does not know.
    #[error("job is not open (status {status:?})")]
    NotOpen {
        /// Its status.
        status: JobStatus,
    },
    /// The deadline passed: the escrow would refuse any proof.
    #[error("deadline {deadline} has passed (chain time {now})")]
    Expired {
        /// The job's deadline (unix seconds, inclusive).
        deadline: u64,
        /// The latest block's timestamp.
        now: u64,
    },
    /// The job pins another verifying key than the node's (another setup of the model, or a
    /// record and event that disagree): no proof the node can make would pay.
    #[error("the job pins key {job}, the node proves with key {ours}")]
    KeyMismatch {
        /// The key in `getJob`.
        job: B256,
        /// The node's key.
        ours: B256,
    },
    /// The input blob does not decode or does not fit the model.
    #[error("the attached input is unusable: {0}")]
    BadInput(String),
    /// The attached input is not the committed one: a proof could never be accepted.
    #[error("the attached input does not match the job's input commitment")]
    CommitmentMismatch,
    /// An ETH job pays less than the node's price.
    #[error("pays {amount} wei, below the node's price of {price} wei ({basis})")]
    Underpaid {
        /// What the job pays.
        amount: U256,
        /// The price: the larger of the model's minimum and the gas cost with its margin.
        price: U256,
        /// How the price was made: the minimum, the gas, the gas price and the margin.
        basis: String,
    },
    /// A token job in a token the node was given no minimum for.
    #[error("pays in token {token}, for which the node has no minimum")]
    UnpricedToken {
        /// The ERC-20 token.
        token: Address,
    },
    /// A token job paying less than the node's minimum for its token.
    #[error("pays {amount} of token {token}, below the node's minimum of {min}")]
    TokenUnderpaid {
        /// The ERC-20 token.
        token: Address,
        /// What the job pays, in token units.
        amount: U256,
        /// The node's minimum for the token.
        min: U256,
    },
    /// The escrow's record of the job changed while it was being proved (a reorg replaced the
    /// job under its id): the proof is for other contents and would be refused.
    #[error("the job's record changed while it was proved (reorg?)")]
    RecordChanged,
}

/// Whether two reads of a job's record describe the same job (status, provider and deadline may
/// move on: a cancel shortens the deadline; what the requester fixed at opening may not).
pub(crate) fn same_job(a: &Job, b: &Job) -> bool {
    (a.requester, a.keyHash, a.inputCommitment, a.token, a.amount)
        == (b.requester, b.keyHash, b.inputCommitment, b.token, b.amount)
}

/// The quantized input to prove for a job, or why the node skips it.
pub(crate) fn check_job(
    job: &Job,
    opened: &JobOpened,
    now: u64,
    layout: &PublicLayout,
    our_key: B256,
) -> Result<Vec<Vec<i64>>, Skip> {
    match JobStatus::of(job) {
        JobStatus::Open => {}
        JobStatus::Paid | JobStatus::Withdrawn => {
            return Err(Skip::AlreadyPaid {
                provider: job.provider,
            })
        }
        status => return Err(Skip::NotOpen { status }),
    }
    if now > job.deadline {
        return Err(Skip::Expired {
            deadline: job.deadline,
            now,
        });
    }
    for pinned in [job.keyHash, opened.keyHash] {
        if pinned != our_key {
            return Err(Skip::KeyMismatch {
                job: pinned,
                ours: our_key,
            });
        }
    }
    let input = decode_input_blob(&opened.input).map_err(|e| Skip::BadInput(e.to_string()))?;
    let commitment = commit_input(layout, &input).map_err(|e| Skip::BadInput(e.to_string()))?;
    if Some(commitment) != word_fr(&job.inputCommitment) {
        return Err(Skip::CommitmentMismatch);
    }
    Ok(input)
}

#[cfg(test)]
mod tests {
    use zkinfer_evm::{encode_input_blob, fr_word, U256};

    use super::*;

    const KEY: B256 = B256::repeat_byte(0x7e);

    fn layout() -> PublicLayout {
        PublicLayout {
            input_bits: vec![8],
            input_lens: vec![2],
            input_scales: vec![4],
            output_slot_bits: 32,
            output_per_element: 7,
            output_shapes: vec![vec![1]],
            output_scales: vec![4],
            binding_scheme: zkinfer_verifier::BINDING_SCHEME,
        }
    }

    /// An open job on input `[[1, -2]]` with deadline 100, and its event.
    fn job() -> (Job, JobOpened) {
        let input = vec![vec![1, -2]];
        let commitment = fr_word(&commit_input(&layout(), &input).unwrap());
        let job = Job {
            provider: Address::ZERO,
            deadline: 100,
            status: 1,
            token: Address::ZERO,
            amount: 5u8.try_into().unwrap(),
            requester: Address::repeat_byte(0x01),
            keyHash: KEY,
            inputCommitment: commitment,
        };
        let opened = JobOpened {
            jobId: 1,
            keyHash: KEY,
            requester: job.requester,
            modelId: B256::repeat_byte(0x11),
            token: Address::ZERO,
            amount: U256::from(5u8),
            inputCommitment: commitment,
            deadline: 100,
            input: encode_input_blob(&input).unwrap().into(),
        };
        (job, opened)
    }

    #[test]
    fn an_open_job_with_its_committed_input_is_proved() {
        let (job, opened) = job();
        let l = layout();
        assert_eq!(
            check_job(&job, &opened, 100, &l, KEY),
            Ok(vec![vec![1, -2]])
        );
    }

    #[test]
    fn every_reason_to_skip_is_named() {
        let l = layout();
        let (job, opened) = job();
        let winner = Address::repeat_byte(0x99);
        let paid = Job {
            status: 2,
            provider: winner,
            ..job.clone()
        };
        assert_eq!(
            check_job(&paid, &opened, 5, &l, KEY),
            Err(Skip::AlreadyPaid { provider: winner })
        );
        let refunded = Job {
            status: 4,
            ..job.clone()
        };
        let e = check_job(&refunded, &opened, 5, &l, KEY).unwrap_err();
        assert_eq!(e.to_string(), "job is not open (status Refunded)");
        assert_eq!(
            check_job(&job, &opened, 101, &l, KEY),
            Err(Skip::Expired {
                deadline: 100,
                now: 101
            })
        );
        let other = B256::repeat_byte(0x55);
        assert_eq!(
            check_job(&job, &opened, 5, &l, other),
            Err(Skip::KeyMismatch {
                job: KEY,
                ours: other
            })
        );
        let mut bad_blob = opened.clone();
        bad_blob.input = vec![1, 2, 3].into();
        assert!(matches!(
            check_job(&job, &bad_blob, 5, &l, KEY),
            Err(Skip::BadInput(_))
        ));
        let mut wrong_len = opened.clone();
        wrong_len.input = encode_input_blob(&[vec![1, -2, 3]]).unwrap().into();
        assert!(matches!(
            check_job(&job, &wrong_len, 5, &l, KEY),
            Err(Skip::BadInput(_))
        ));
        let mut swapped = opened.clone();
        swapped.input = encode_input_blob(&[vec![-2, 1]]).unwrap().into();
        assert_eq!(
            check_job(&job, &swapped, 5, &l, KEY),
            Err(Skip::CommitmentMismatch)
        );
        let mut other_key = opened.clone();
        other_key.keyHash = B256::repeat_byte(0x22);
        assert!(matches!(
            check_job(&job, &other_key, 5, &l, KEY),
            Err(Skip::KeyMismatch { .. })
        ));
    }
}
