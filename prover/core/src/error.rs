//! Errors of setup and proving.

use std::path::PathBuf;

use zkinfer_ir::{InputError, IrError};
use zkinfer_r1cs::R1csError;
use zkinfer_verifier::{FormatError, Rejection, VerifyError};

use crate::groth16::Groth16Error;

/// Why setup or proving failed.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The input could not be quantized (wrong length, NaN, out of range).
    #[error("input")]
    Input(#[from] InputError),
    /// The reference executor refused the input (a value outside the checked range).
    #[error("running the model")]
    Execute(#[from] IrError),
    /// The circuit could not be built.
    #[error("building the circuit")]
    Circuit(#[from] R1csError),
    /// Groth16 setup or proving failed.
    #[error("Groth16")]
    Groth16(#[from] Groth16Error),
    /// A key or proof file is malformed.
    #[error("artifact format")]
    Format(#[from] FormatError),
    /// A key or proof could not be read or written.
    #[error("cannot access {path}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A proving key and a verifying key that were not made by the same setup.
    #[error("key mismatch for model {model}: {what}")]
    KeyMismatch {
        /// The model (hex id).
        model: String,
        /// What differs.
        what: String,
    },
    /// The witness does not satisfy the circuit: a bug, reported rather than proved.
    #[error("internal error: the witness does not satisfy the circuit at {0}")]
    Unsatisfied(String),
    /// The proof just made does not verify: a bug, never returned as a proof.
    #[error("internal error: the new proof was rejected by the verifier: {0}")]
    SelfCheck(Rejection),
    /// The verifier could not run.
    #[error("verifying the new proof")]
    Verify(#[from] VerifyError),
}
