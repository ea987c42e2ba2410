//! An in-process EVM (revm, Prague rules) with funded accounts and a settable clock: the chain
//! of `zkinfer demo` and of the fast contract tests. Gas is metered exactly as on a node, but
//! the gas price is zero, so balances move only by the values sent.

use alloy::primitives::{Address, Bytes, TxKind, U256};
use revm::context::result::{ExecutionResult, Output};
use revm::context::{BlockEnv, CfgEnv, Context, Journal, TxEnv};
use revm::context_interface::ContextTr;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::state::AccountInfo;
use revm::{DatabaseRef, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainnetEvm};

use crate::chain::{Chain, Receipt, Tx};
use crate::EvmError;

/// Chain id of the embedded chain (anvil's default, so signatures look familiar).
pub const EMBEDDED_CHAIN_ID: u64 = 31337;
/// Gas limit given to every transaction.
pub const EMBEDDED_TX_GAS_LIMIT: u64 = 16_000_000;
/// Start of the embedded chain's clock (2026-01-01T00:00:00Z).
pub const EMBEDDED_GENESIS_TIME: u64 = 1_767_225_600;

type Db = CacheDB<EmptyDB>;
type Evm = MainnetEvm<Context<BlockEnv, TxEnv, CfgEnv, Db, Journal<Db>, ()>>;

/// The embedded chain: one EVM whose every transaction is a block of its own.
pub struct EmbeddedChain {
    evm: Evm,
}

impl Default for EmbeddedChain {
    fn default() -> Self {
        Self::new()
    }
}

impl EmbeddedChain {
    /// An empty chain at [`EMBEDDED_GENESIS_TIME`], block 1.
    pub fn new() -> Self {
        let ctx = Context::new(Db::default(), SpecId::PRAGUE)
            .modify_cfg_chained(|cfg| {
                cfg.chain_id = EMBEDDED_CHAIN_ID;
            })
            .modify_block_chained(|b: &mut BlockEnv| {
                b.number = U256::from(1u8);
                b.timestamp = U256::from(EMBEDDED_GENESIS_TIME);
                b.gas_limit = 30_000_000;
                b.basefee = 0;
            });
        EmbeddedChain {
            evm: ctx.build_mainnet(),
        }
    }

    /// Gives `who` a balance of `wei` (replacing what it had).
    pub fn fund(&mut self, who: Address, wei: U256) {
        let mut info = self.account(who);
        info.balance = wei;
        self.evm.ctx.db_mut().insert_account_info(who, info);
    }

    /// Moves the clock forward by `seconds` (and the block number by one).
    pub fn advance_time(&mut self, seconds: u64) {
        self.evm.ctx.modify_block(|b| {
            b.timestamp += U256::from(seconds);
            b.number += U256::from(1u8);
        });
    }

    fn account(&self, who: Address) -> AccountInfo {
        self.evm
            .ctx
            .db_ref()
            .basic_ref(who)
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    fn tx_env(&self, tx: &Tx) -> Result<TxEnv, EvmError> {
        TxEnv::builder()
            .caller(tx.from)
            .kind(match tx.to {
                Some(to) => TxKind::Call(to),
                None => TxKind::Create,
            })
            .value(tx.value)
            .data(tx.data.clone())
            .nonce(self.account(tx.from).nonce)
            .gas_limit(EMBEDDED_TX_GAS_LIMIT)
            .gas_price(0)
            .chain_id(Some(EMBEDDED_CHAIN_ID))
            .build()
            .map_err(|e| EvmError::Embedded(format!("{e:?}")))
    }

    /// Runs `tx`, committing its state changes when `commit` is set.
    fn execute(&mut self, tx: &Tx, commit: bool) -> Result<Receipt, EvmError> {
        let env = self.tx_env(tx)?;
        let result = if commit {
            self.evm.transact_commit(env)
        } else {
            self.evm.transact(env).map(|r| r.result)
        }
        .map_err(|e| EvmError::Embedded(e.to_string()))?;
        if commit {
            self.evm.ctx.modify_block(|b| b.number += U256::from(1u8));
        }
        Ok(receipt_of(result))
    }
}

/// The receipt of an executed transaction.
fn receipt_of(result: ExecutionResult) -> Receipt {
    let gas_used = result.tx_gas_used();
    match result {
        ExecutionResult::Success { logs, output, .. } => {
            let (output, contract_address) = match output {
                Output::Call(out) => (out, None),
                Output::Create(out, addr) => (out, addr),
            };
            Receipt {
                tx_hash: None,
                success: true,
                gas_used,
                output,
                contract_address,
                logs,
                fee_wei: U256::ZERO,
            }
        }
        ExecutionResult::Revert { output, .. } => Receipt {
            tx_hash: None,
            success: false,
            gas_used,
            output,
            contract_address: None,
            logs: Vec::new(),
            fee_wei: U256::ZERO,
        },
        ExecutionResult::Halt { reason, .. } => Receipt {
            tx_hash: None,
            success: false,
            gas_used,
            output: Bytes::from(format!("halted: {reason:?}").into_bytes()),
            contract_address: None,
            logs: Vec::new(),
            fee_wei: U256::ZERO,
        },
    }
}

impl Chain for EmbeddedChain {
    async fn send(&mut self, tx: Tx) -> Result<Receipt, EvmError> {
        self.execute(&tx, true)
    }

    async fn call(&mut self, tx: Tx) -> Result<Receipt, EvmError> {
        self.execute(&tx, false)
    }

    async fn balance(&mut self, who: Address) -> Result<U256, EvmError> {
        Ok(self.account(who).balance)
    }

    async fn timestamp(&mut self) -> Result<u64, EvmError> {
        let ts = self.evm.ctx.block.timestamp;
        u64::try_from(ts).map_err(|_| EvmError::Embedded(format!("timestamp {ts} overflows")))
    }

    async fn code(&mut self, who: Address) -> Result<Bytes, EvmError> {
        let info = self.account(who);
        let code = match info.code {
            Some(code) => code,
            None => self
                .evm
                .ctx
                .db_ref()
                .code_by_hash_ref(info.code_hash)
                .map_err(|e| EvmError::Embedded(format!("code of {who}: {e}")))?,
        };
        Ok(code.original_bytes())
    }

    async fn chain_id(&mut self) -> Result<u64, EvmError> {
        Ok(EMBEDDED_CHAIN_ID)
    }
}
