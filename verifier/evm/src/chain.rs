//! The seam between zkinfer's contract calls and a chain: the embedded EVM
//! ([`crate::EmbeddedChain`]) or a JSON-RPC node ([`crate::RpcChain`]). Everything above it
//! (deploying, opening jobs, submitting proofs) is written once against [`Chain`].

use std::future::Future;

use alloy::primitives::{Address, Bytes, Log, B256, U256};

use crate::EvmError;

/// A transaction (or, for [`Chain::call`], a read-only call).
#[derive(Clone, Debug)]
pub struct Tx {
    /// The sender; the chain client must be able to sign for it.
    pub from: Address,
    /// The callee, or `None` to create a contract from `data`.
    pub to: Option<Address>,
    /// Wei sent along.
    pub value: U256,
    /// Calldata, or init code for a create.
    pub data: Bytes,
}

impl Tx {
    /// A call of `to` with `data` and no value.
    pub fn call(from: Address, to: Address, data: impl Into<Bytes>) -> Self {
        Tx {
            from,
            to: Some(to),
            value: U256::ZERO,
            data: data.into(),
        }
    }

    /// A contract creation from init code (creation bytecode ‖ constructor arguments).
    pub fn create(from: Address, init_code: impl Into<Bytes>) -> Self {
        Tx {
            from,
            to: None,
            value: U256::ZERO,
            data: init_code.into(),
        }
    }

    /// The same transaction carrying `value` wei.
    pub fn with_value(mut self, value: U256) -> Self {
        self.value = value;
        self
    }
}

/// What a transaction did. A revert is a receipt with `success == false` (an answer, not an
/// error); a node that refuses to include a reverting transaction reports it the same way,
/// with no hash.
#[derive(Clone, Debug)]
pub struct Receipt {
    /// The transaction hash (`None` for the embedded EVM and for transactions a node refused
    /// because they revert).
    pub tx_hash: Option<B256>,
    /// Whether it succeeded.
    pub success: bool,
    /// Gas used, including the 21,000 intrinsic gas and calldata.
    pub gas_used: u64,
    /// Return data on success, revert data on failure.
    pub output: Bytes,
    /// The address of a created contract.
    pub contract_address: Option<Address>,
    /// Logs emitted (empty when reverted).
    pub logs: Vec<Log>,
    /// Wei the gas cost the sender (zero on the embedded EVM, which charges no gas price).
    pub fee_wei: U256,
}

/// A chain zkinfer can deploy to and transact with.
pub trait Chain {
    /// Sends a transaction, waits until it is included, and returns its receipt.
    fn send(&mut self, tx: Tx) -> impl Future<Output = Result<Receipt, EvmError>>;

    /// Runs a call against the latest state without changing it (`eth_call`).
    fn call(&mut self, tx: Tx) -> impl Future<Output = Result<Receipt, EvmError>>;

    /// The balance of an account, in wei.
    fn balance(&mut self, who: Address) -> impl Future<Output = Result<U256, EvmError>>;

    /// The timestamp of the latest block, in seconds.
    fn timestamp(&mut self) -> impl Future<Output = Result<u64, EvmError>>;

    /// The runtime code at an address (empty for an account without code).
    fn code(&mut self, who: Address) -> impl Future<Output = Result<Bytes, EvmError>>;

    /// The chain's id (`block.chainid`), to which proofs for it are bound.
    fn chain_id(&mut self) -> impl Future<Output = Result<u64, EvmError>>;
}
