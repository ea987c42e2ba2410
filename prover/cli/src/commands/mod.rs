//! One module per subcommand.

pub mod bench;
pub mod compile;
pub mod demo;
pub mod export_snarkjs;
pub mod ops;
pub mod prove;
pub mod run;
pub mod setup;
pub mod verify;
