//! Groth16 proving on BN254 through the MSM/NTT engine seam.
//!
//! ark-groth16's prover hard-wires arkworks' MSMs (`create_proof_with_assignment` is private)
//! and its `R1CSToQAP` reduction is a type-level plug-in with no engine to call. So this module
//! owns the final proving step, the QAP witness map through [`NttEngine`] and the five MSMs
//! (four in G1, one in G2) through [`MsmEngine`], and reuses ark-groth16's `ProvingKey`,
//! `Proof` and verifier. With the same `r, s`, [`create_proof`] returns the proof
//! `Groth16::<Bn254, QapReduction>::create_proof_with_reduction` returns, byte for byte (tested).
//! The QAP domain is [`QapDomain`]: the smallest radix-2 or `2^k·3^j` subgroup that fits.
//!
//! Flow: once per model, [`R1csMatrices::from_cs`] of a setup-mode synthesis; per proof, a
//! prove-mode synthesis without matrices → [`R1csInstance::with_matrices`] → [`create_proof`]
//! with a [`PreparedProvingKey`] built once per key. ([`R1csInstance::from_cs`] does both
//! from one synthesis with matrices, as ark-groth16 does.)
//!
//! [`NttEngine`]: zkinfer_accel::NttEngine
//! [`MsmEngine`]: zkinfer_accel::MsmEngine

mod domain;
mod error;
mod instance;
mod key;
mod prove;
mod qap;
mod sparse;
#[cfg(test)]
mod tests;
mod two_round;
#[cfg(test)]
mod two_round_tests;

pub use domain::{OddCosetReduction, PowersReduction, QapDomain, QapReduction};
pub use error::Groth16Error;
pub use instance::{R1csInstance, R1csMatrices};
pub use key::{HBasis, PreparedProvingKey};
pub use prove::{create_proof, create_proof_timed, create_proof_with_offset, ProofTimings};
pub use qap::{witness_map, witness_map_coefficients, witness_map_odd_coset};
pub use two_round::{two_round_setup, PreparedRound1, Round1ProvingKey};
