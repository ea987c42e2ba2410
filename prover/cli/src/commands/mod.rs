//! One module per subcommand.

pub mod bench;
pub mod ceremony;
pub mod chain_args;
pub mod compile;
pub mod demo;
pub mod deploy;
pub mod engine_arg;
pub mod export_snarkjs;
pub mod export_verifier;
pub mod key_guard;
pub mod ops;
pub mod prove;
pub mod provider;
pub mod ptau;
pub mod request;
pub mod run;
pub mod serve;
pub mod settle;
pub mod setup;
pub mod submit;
pub mod token;
pub mod verify;
