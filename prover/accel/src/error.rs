//! The one error type of the engine seam: every kernel failure becomes an [`AccelError`].

/// Why an engine could not compute an MSM or NTT.
///
/// Engines never panic on bad input or device failure; they return one of these, and the
/// prover decides whether to fall back to another engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccelError {
    /// The engine cannot run on this machine now (no device, no driver, not compiled in).
    #[error("engine `{engine}` is unavailable: {reason}")]
    Unavailable {
        /// The engine's [`crate::Accelerator::name`].
        engine: &'static str,
        /// What is missing, in words an operator can act on.
        reason: String,
    },
    /// An MSM was given a different number of bases and scalars.
    #[error("MSM needs as many scalars as bases: got {bases} bases and {scalars} scalars")]
    LengthMismatch {
        /// Number of bases.
        bases: usize,
        /// Number of scalars.
        scalars: usize,
    },
    /// A kernel was asked for a size it cannot handle (an NTT length that is not a power of
    /// two, or beyond the field's two-adicity; an MSM beyond device memory).
    #[error("unsupported size {len}: {detail}")]
    BadSize {
        /// The length that was refused.
        len: usize,
        /// Which limit it breaks.
        detail: String,
    },
    /// The device reported a failure (a driver or kernel status, already put into words).
    #[error("device error: {0}")]
    Device(String),
}
