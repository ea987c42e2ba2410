//! zkinfer on chain: the compiled contracts (verifier with its key store, escrow, test token) and their Rust
//! bindings, calldata encoding, and the two chains zkinfer talks to: an embedded EVM (revm)
//! for the demo and fast tests, and any JSON-RPC node (alloy) for real use.
//!
//! Everything that touches a chain goes through the [`Chain`] trait, so the same deployment
//! and job code runs on both.

pub mod bindings;
mod chain;
mod completed;
mod deploy;
mod embedded;
mod encode;
mod error;
mod events;
mod export;
mod input_blob;
mod jobs;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]
mod lookup_tests;
mod revert;
mod rpc;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;

pub use chain::{Chain, Receipt, Tx};
pub use completed::completed_proof_file;
pub use deploy::{
    deploy, deploy_stack, escrow_init_code, publish_key, publish_key_calldata, send_ok,
    test_token_init_code, verifier_init_code, view, Deployment, Publication, Stack, TokenMode,
};
pub use embedded::{
    EmbeddedChain, EMBEDDED_CHAIN_ID, EMBEDDED_GENESIS_TIME, EMBEDDED_TX_GAS_LIMIT,
};
pub use encode::{
    caller_public_inputs, fq_word, fr_word, g1_words, g2_words, groth16_words, key_hash,
    key_mode_word, proof_from_words, proof_words, public_words, verifying_key_bytes, vk_words,
    word_fr, KEY_MODE_LOOKUP, KEY_MODE_PLAIN, LOOKUP_PROOF_WORDS, PLAIN_PROOF_WORDS,
};
pub use error::EvmError;
pub use events::{EventLog, Settlement};
pub use export::{
    export_verifier, GROTH16_VERIFIER_SOL, IZKINFER_VERIFIER_SOL, VERIFIER_MANIFEST_VERSION,
};
pub use input_blob::{decode_input_blob, encode_input_blob, INPUT_BLOB_MAGIC, INPUT_BLOB_VERSION};
pub use jobs::{
    balance_of, cancel, check_escrow_code, find_event, get_job, key_published, open_job, refund,
    submit_calldata, submit_result, verify_proof_call, withdraw, JobRequest, JobStatus, OpenedJob,
};
pub use revert::{revert_reason, reverted_with};
pub use rpc::{parse_private_key, RpcChain};

/// Re-exported so callers name the same address and word types.
pub use alloy::primitives::{Address, Bytes, B256, U256};
/// Re-exported for encoding calls and decoding events of [`bindings`].
pub use alloy::sol_types::{SolCall, SolError, SolEvent, SolValue};
