//! The provider node: watches an escrow's `JobOpened` events (in confirmed blocks) for jobs of
//! the models it serves, checks each job (open, before its deadline, the served key, input
//! matching its commitment) and its price ([`PricePolicy`]: a minimum, and the gas it costs),
//! takes the best-paying first, proves it bound to the job and to its own address, and submits
//! the proof for the payment. The chain arbitrates between providers: the first accepted proof is paid, and a
//! node that loses the race records it and moves on.
//!
//! * [`ProviderNode`]: the node ([`ProviderNode::poll_once`], [`ProviderNode::run`]).
//! * [`PricePolicy`]: what jobs must pay.
//! * [`HandledJob`] and [`Outcome`]: what became of each job it saw.
//! * [`ProviderError`]: failures to poll at all (a failed job is an [`Outcome`], not an error).

mod check;
mod error;
mod handle;
mod node;
mod outcome;
mod price;
mod scan;
mod submit;

pub use error::ProviderError;
pub use node::{
    ProviderConfig, ProviderNode, ServedModel, DEFAULT_CONFIRMATIONS, KEEP_HANDLED, LOG_RANGE,
};
pub use outcome::{HandledJob, Outcome};
pub use price::{PricePolicy, JOB_GAS, LOOKUP_EXTRA_GAS};
