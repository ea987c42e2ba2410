//! Errors of the on-chain side: bad artifacts, encoding, and chain calls that fail outright.
//! A reverted transaction is not an error: it is a [`crate::Receipt`] with `success == false`.

use thiserror::Error;

/// What went wrong talking to a chain or preparing what goes on it.
#[derive(Debug, Error)]
pub enum EvmError {
    /// An embedded contract artifact (contracts/out/*.json) could not be read.
    #[error("contract artifact {name}: {reason}")]
    Artifact {
        /// The contract.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// Proof words read from the chain are not a valid proof.
    #[error("proof words: {0}")]
    BadProofWords(String),
    /// A job input blob could not be decoded.
    #[error("job input blob: {0}")]
    BadInputBlob(String),
    /// A key, proof or layout from zkinfer-verifier was unusable.
    #[error(transparent)]
    Format(#[from] zkinfer_verifier::FormatError),
    /// ABI decoding of a return value or event failed.
    #[error("ABI decoding of {what}: {reason}")]
    Abi {
        /// What was being decoded.
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// The embedded EVM refused a transaction outright (bad nonce, insufficient funds, …).
    #[error("embedded EVM: {0}")]
    Embedded(String),
    /// A JSON-RPC call failed (connection, node error, signing).
    #[error("JSON-RPC {what}: {reason}")]
    Rpc {
        /// The call.
        what: String,
        /// The node's or transport's message.
        reason: String,
    },
    /// A contract call reverted where a value was expected.
    #[error("{call} reverted: {reason}")]
    Reverted {
        /// The call.
        call: String,
        /// The decoded revert reason.
        reason: String,
    },
    /// A transaction's result lacks the event it must emit.
    #[error("{call}: expected event {event} not found in the receipt")]
    MissingEvent {
        /// The call.
        call: String,
        /// The event.
        event: &'static str,
    },
    /// The contract at an address is not the audited escrow, or does not hold the key a
    /// requester or provider expects: nothing is paid or proved against it.
    #[error("escrow {escrow}: {reason}")]
    UntrustedEscrow {
        /// The escrow's address.
        escrow: String,
        /// What did not match.
        reason: String,
    },
    /// Writing exported files failed.
    #[error("writing {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}
