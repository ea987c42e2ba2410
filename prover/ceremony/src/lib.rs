//! zkinfer's trustless setup: a per-model phase-2 ceremony (Bowe–Gabizon–Miers 2017) on a
//! universal phase 1, in snarkjs's file formats so either tool can contribute to and verify
//! the other's transcripts.
//!
//! Flow: a prepared `.ptau` ([`ptau`]) and the model's circuit as `.r1cs` ([`r1cs_file`]) →
//! [`init::new_zkey`] (byte for byte `snarkjs zkey new`) → any number of
//! [`contribute::contribute`] and a final [`contribute::beacon`] → [`verify::verify`] →
//! [`finalize`] into zkinfer's proving and verifying keys (`h_query` in snarkjs's basis).
//! One honest contributor makes the key sound; anyone can check the transcript.

pub mod binfile;
pub mod contribute;
mod error;
pub mod finalize;
pub mod hasher;
pub mod init;
pub mod lookup;
pub mod points;
pub mod ptau;
pub mod r1cs_file;
pub mod rng;
#[cfg(test)]
mod tests;
pub mod transcript;
pub mod verify;
mod wasm_quirk;
pub mod zkey;

pub use error::CeremonyError;
