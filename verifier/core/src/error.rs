//! Errors: malformed artifacts ([`FormatError`]) and failures to verify at all
//! ([`VerifyError`]). A proof that is merely wrong is a `Verdict`, not an error.

/// Why an artifact could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// Something this format or tool cannot express (named, with what to do instead).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Not a zkinfer artifact.
    #[error("not a zkinfer {expected} file (bad magic bytes)")]
    BadMagic {
        /// What was expected.
        expected: &'static str,
    },
    /// Written by another format version.
    #[error("format version {found} is not supported (this zkinfer reads up to version {supported}); regenerate the file with this version")]
    UnsupportedVersion {
        /// Version found.
        found: u32,
        /// Version supported.
        supported: u32,
    },
    /// The file ends early.
    #[error("file is truncated: needs {needed} bytes, has {got}")]
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes present.
        got: usize,
    },
    /// Another kind of artifact (a proving key where a verifying key was expected, ...).
    #[error("expected a {expected}, found a {found}")]
    WrongKind {
        /// Expected kind.
        expected: String,
        /// Found kind.
        found: String,
    },
    /// Made for another proof system.
    #[error("made for proof system {found}, expected {expected}")]
    WrongSystem {
        /// Expected system id.
        expected: u8,
        /// Found system id.
        found: u8,
    },
    /// Made for another model.
    #[error("made for model {found}, expected model {expected}")]
    WrongModel {
        /// Expected model id (hex).
        expected: String,
        /// Found model id (hex).
        found: String,
    },
    /// Contents fail their checksum or do not decode.
    #[error("corrupt: {0}")]
    Corrupt(String),
    /// A JSON artifact does not parse.
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The file could not be read or written.
    #[error("cannot access {path}")]
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Why verification could not be carried out (as opposed to a rejected proof).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The arkworks verifier failed internally (malformed key).
    #[error("the verifying key is unusable: {0}")]
    Key(String),
}
