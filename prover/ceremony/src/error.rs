//! The ceremony's errors: every malformed file and every failed check names what and where.

use std::path::PathBuf;

/// What went wrong reading, making or checking a ceremony file.
#[derive(Debug, thiserror::Error)]
pub enum CeremonyError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The bytes are not a well-formed file of the expected kind.
    #[error("malformed {kind} file: {detail}")]
    Malformed {
        /// `ptau`, `zkey` or `r1cs`.
        kind: &'static str,
        /// What is wrong, and where.
        detail: String,
    },
    /// A point is not on the curve, not in the prime-order subgroup, or the identity where
    /// that is not allowed.
    #[error("{what}: {problem}")]
    BadPoint {
        /// Which point (section and index).
        what: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The circuit does not fit the `.ptau`, or is otherwise unusable for a ceremony.
    #[error("{0}")]
    Unsupported(String),
    /// A verification check failed: the transcript or key is not what an honest ceremony
    /// gives.
    #[error("verification failed: {0}")]
    Invalid(String),
}

impl CeremonyError {
    /// A [`CeremonyError::Malformed`] error.
    pub fn malformed(kind: &'static str, detail: impl Into<String>) -> Self {
        CeremonyError::Malformed {
            kind,
            detail: detail.into(),
        }
    }
}
