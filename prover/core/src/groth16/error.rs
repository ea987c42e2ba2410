//! The error type of the Groth16 proving step.

use ark_relations::gr1cs::SynthesisError;
use zkinfer_accel::AccelError;

/// Why a Groth16 proof could not be computed. (A proof that does not verify is not an error
/// here: this module computes proofs, it does not judge them.)
#[derive(Debug, thiserror::Error)]
pub enum Groth16Error {
    /// The MSM/NTT engine failed at `step`.
    #[error("engine failed at {step}")]
    Engine {
        /// Which kernel call failed (`"NTT of A"`, `"h_query MSM"`, …).
        step: &'static str,
        /// The engine's error.
        #[source]
        source: AccelError,
    },
    /// The constraint system could not provide matrices or assignments (setup mode, no
    /// constraint system, …).
    #[error("the constraint system could not provide the R1CS instance")]
    Synthesis {
        /// arkworks' error.
        #[from]
        source: SynthesisError,
    },
    /// The constraint system uses predicates other than R1CS, which Groth16 cannot prove.
    #[error("Groth16 proves R1CS only, but the constraint system has predicates {found:?}")]
    NotR1cs {
        /// The predicate labels found.
        found: Vec<String>,
    },
    /// The instance's matrices, sizes and assignment do not fit together.
    #[error("malformed R1CS instance: {detail}")]
    MalformedInstance {
        /// What does not fit.
        detail: String,
    },
    /// The proving key was made for a circuit of another shape.
    #[error("proving key does not match the instance: {query} has {found} elements, expected {expected}")]
    KeyMismatch {
        /// The proving-key field that has the wrong length.
        query: &'static str,
        /// The length the instance needs.
        expected: usize,
        /// The key's length.
        found: usize,
    },
    /// The QAP domain would exceed BN254's radix-2 limit of `2^28` points.
    #[error("{constraints} constraints + instance variables need a QAP domain beyond 2^28 points")]
    DomainTooLarge {
        /// Constraints plus instance variables.
        constraints: usize,
    },
}

/// Adapter for `map_err`: tags an engine error with the step that raised it.
pub(super) fn at_step(step: &'static str) -> impl FnOnce(AccelError) -> Groth16Error {
    move |source| Groth16Error::Engine { step, source }
}
