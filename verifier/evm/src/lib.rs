//! zkinfer on chain: the compiled contracts (verifier, escrow, registry) and their Rust
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
mod revert;
mod rpc;

pub use chain::{Chain, Receipt, Tx};
pub use completed::completed_proof_file;
pub use deploy::{
    deploy, deploy_stack, escrow_init_code, register_model, registry_init_code, send_ok,
    verifier_init_code, view, Deployment, Stack,
};
pub use embedded::{
    EmbeddedChain, EMBEDDED_CHAIN_ID, EMBEDDED_GENESIS_TIME, EMBEDDED_TX_GAS_LIMIT,
};
pub use encode::{
    fq_word, fr_word, g1_words, g2_words, proof_from_words, proof_words, public_words,
    verifying_key_bytes, word_fr, PROOF_WORDS,
};
pub use error::EvmError;
pub use events::{EventLog, Settlement};
pub use export::{
    export_verifier, GROTH16_VERIFIER_SOL, IZKINFER_VERIFIER_SOL, VERIFIER_MANIFEST_VERSION,
};
pub use input_blob::{decode_input_blob, encode_input_blob, INPUT_BLOB_MAGIC, INPUT_BLOB_VERSION};
pub use jobs::{
    find_event, get_job, open_job, refund, submit_calldata, submit_result, verifier_of,
    verify_proof_call, JobRequest, JobStatus, OpenedJob,
};
pub use revert::{revert_reason, reverted_with};
pub use rpc::{parse_private_key, RpcChain};

/// Re-exported so callers name the same address and word types.
pub use alloy::primitives::{Address, Bytes, B256, U256};
/// Re-exported for encoding calls and decoding events of [`bindings`].
pub use alloy::sol_types::{SolCall, SolError, SolEvent, SolValue};
