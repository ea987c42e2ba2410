//! What can go wrong in the service. The API maps each to an HTTP status and a JSON body
//! `{code, message}` (see `api::error`).

use thiserror::Error;

/// A service failure.
#[derive(Debug, Error)]
pub enum ServiceError {
    /// The store (sled) failed or holds a corrupt record.
    #[error("store: {0}")]
    Store(String),
    /// A file could not be read or written.
    #[error("io: {0}")]
    Io(String),
    /// An uploaded model could not be imported or compiled.
    #[error("model: {0}")]
    BadModel(String),
    /// An uploaded ceremony contribution (or a finalize) failed verification: the message
    /// names the check.
    #[error("ceremony: {0}")]
    BadCeremony(String),
    /// Proving or setup failed.
    #[error("prove: {0}")]
    Prove(String),
}
