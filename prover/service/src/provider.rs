//! The provider node: watches an escrow's `JobOpened` events for jobs of the models it serves,
//! checks each job (open, before its deadline, input matching its commitment, the expected
//! verifier), proves it bound to the job and to its own address, and submits the proof for the
//! payment. The chain arbitrates between providers: the first accepted proof is paid, and a
//! node that loses the race records it and moves on.
//!
//! * [`ProviderNode`]: the node ([`ProviderNode::poll_once`], [`ProviderNode::run`]).
//! * [`HandledJob`] and [`Outcome`]: what became of each job it saw.
//! * [`ProviderError`]: failures to poll at all (a failed job is an [`Outcome`], not an error).

mod check;
mod error;
mod handle;
mod node;
mod outcome;
mod submit;

pub use error::ProviderError;
pub use node::{ProviderConfig, ProviderNode, ServedModel, LOG_RANGE};
pub use outcome::{HandledJob, Outcome};
