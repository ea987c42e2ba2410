//! zkinfer's proof system: Groth16 on BN254 over the model circuit.
//!
//! [`setup`] makes a model's keys (to be run by the requester or the registry, never by the
//! prover). [`Prover`] quantizes an input, runs the reference executor, synthesizes the circuit
//! and proves through an [`zkinfer_accel::Accelerator`] (the MSM/NTT seam: [`Engine`], the CPU or,
//! with the `cuda` feature and a GPU, the CUDA engine, chosen at start-up);
//! every proof is checked with `zkinfer_verifier::verify` before it is returned.

mod engine;
mod error;
pub mod groth16;
mod keys;
mod layout;
mod prove;
mod setup;

pub use engine::{Engine, EngineChoice, G1Bases, G2Bases, Selected};
pub use error::ProveError;
pub use keys::{check_key_pair, write_atomic, ProvingKeyFile};
pub use layout::public_layout;
pub use prove::{circuit_matrices, ProveTimings, Prover, Round, Tamper};
pub use setup::{setup, setup_with_basis};
