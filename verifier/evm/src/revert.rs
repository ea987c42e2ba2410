//! Revert data made readable: zkinfer's custom errors by name and arguments, then Solidity's
//! `Error(string)` and `Panic(uint256)`, then raw hex.

use alloy::primitives::Bytes;
use alloy::sol_types::{Revert, SolError, SolInterface};

use crate::bindings::{Groth16Verifier, InferenceEscrow, TestToken};

/// A human-readable reason for a revert, e.g. `InvalidProof { jobId: 3 }`.
pub fn revert_reason(data: &Bytes) -> String {
    if data.is_empty() {
        return "reverted without data".into();
    }
    if let Ok(e) = InferenceEscrow::InferenceEscrowErrors::abi_decode(data) {
        return unwrap_variant(format!("{e:?}"));
    }
    if let Ok(e) = Groth16Verifier::Groth16VerifierErrors::abi_decode(data) {
        return unwrap_variant(format!("{e:?}"));
    }
    if let Ok(e) = TestToken::TestTokenErrors::abi_decode(data) {
        return unwrap_variant(format!("{e:?}"));
    }
    if let Ok(r) = Revert::abi_decode(data) {
        return r.reason;
    }
    match std::str::from_utf8(data) {
        Ok(text) if text.starts_with("halted") => text.to_string(),
        _ => format!("0x{}", alloy::primitives::hex::encode(data)),
    }
}

/// `Name(Name { a: 1 })` (an error enum's variant around the error struct) → `Name { a: 1 }`.
fn unwrap_variant(debug: String) -> String {
    match debug.split_once('(') {
        Some((name, rest)) if rest.starts_with(name) && rest.ends_with(')') => {
            rest[..rest.len() - 1].to_string()
        }
        _ => debug,
    }
}

/// Whether `data` is the revert of error `E` (e.g. `InferenceEscrow::InvalidProof`).
pub fn reverted_with<E: SolError>(data: &Bytes) -> bool {
    data.len() >= 4 && data[..4] == E::SELECTOR
}
