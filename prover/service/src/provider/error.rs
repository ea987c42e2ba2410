//! Why a provider node could not start or poll. What happens to a single job is an
//! [`crate::provider::Outcome`], never one of these.

use zkinfer_evm::EvmError;

/// A failure of the node itself (configuration, or the chain not answering).
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The chain client holds no key, so there is no provider account to prove for.
    #[error("the chain client has no signing key: the provider needs one account to be paid")]
    NoAccount,
    /// No models were given.
    #[error("a provider node needs at least one model to serve")]
    NoModels,
    /// Two served models have the same verifying key.
    #[error("verifying key {key_hash} is served twice")]
    DuplicateModel {
        /// The key hash (0x-hex).
        key_hash: String,
    },
    /// The node could not read the chain (blocks, logs).
    #[error("reading the escrow's jobs: {0}")]
    Chain(#[from] EvmError),
}
