//! zkinfer's proof system: Groth16 on BN254 over the model circuit.
//!
//! [`setup`] makes a model's keys (to be run by the requester or the registry, never by the
//! prover). [`Prover`] quantizes an input, runs the reference executor, synthesizes the circuit
//! and proves through an [`zkinfer_accel::Accelerator`] (the MSM/NTT seam, CPU by default);
//! every proof is checked with `zkinfer_verifier::verify` before it is returned.

mod error;
pub mod groth16;
mod keys;
mod layout;
mod prove;
mod setup;

pub use error::ProveError;
pub use keys::{check_key_pair, write_atomic, ProvingKeyFile};
pub use layout::public_layout;
pub use prove::{circuit_matrices, ProveTimings, Prover, Round, Tamper};
pub use setup::{setup, setup_with_basis};

/// The engine the prover uses by default: arkworks' multi-threaded CPU MSM and NTT with the
/// small-signed-scalar optimisation. (A CUDA engine plugs in behind the same trait.)
pub type Engine = zkinfer_accel::CpuEngine;
