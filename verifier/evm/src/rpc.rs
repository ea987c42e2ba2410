//! A JSON-RPC chain (anvil, or any Ethereum node) through alloy, signing locally with the
//! private keys it is given.

use alloy::eips::BlockNumberOrTag;
use alloy::network::{EthereumWallet, TransactionBuilder};
use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::transports::{RpcError, TransportErrorKind};

use crate::chain::{Chain, Receipt, Tx};
use crate::EvmError;

/// How long [`Chain::send`] waits for a transaction to be included.
pub const RECEIPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);
/// How often it asks.
const RECEIPT_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// A node reached over HTTP, with the keys of the accounts this client sends from.
pub struct RpcChain {
    /// Signs and fills (nonce, gas, fees) transactions.
    provider: DynProvider,
    /// Plain reads (`eth_call`, balances, blocks, logs), sent as they are, without fillers.
    reader: DynProvider,
    accounts: Vec<Address>,
}

/// Parses a hex private key (with or without `0x`).
pub fn parse_private_key(hex_key: &str) -> Result<PrivateKeySigner, EvmError> {
    hex_key
        .trim()
        .parse::<PrivateKeySigner>()
        .map_err(|e| EvmError::Rpc {
            what: "private key".into(),
            reason: e.to_string(),
        })
}

fn rpc_err(what: &str, e: impl std::fmt::Display) -> EvmError {
    EvmError::Rpc {
        what: what.into(),
        reason: e.to_string(),
    }
}

impl RpcChain {
    /// Connects to `url` (e.g. `http://127.0.0.1:8545`); transactions may be sent from any of
    /// `keys`' accounts. Checks that the node answers.
    pub async fn connect(url: &str, keys: Vec<PrivateKeySigner>) -> Result<Self, EvmError> {
        let url: alloy::transports::http::reqwest::Url =
            url.parse().map_err(|e| rpc_err("RPC URL", e))?;
        let reader = ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_http(url.clone())
            .erased();
        let accounts = keys.iter().map(|k| k.address()).collect();
        let mut wallet_keys = keys.into_iter();
        let provider = match wallet_keys.next() {
            Some(first) => {
                let mut wallet = EthereumWallet::new(first);
                for k in wallet_keys {
                    wallet.register_signer(k);
                }
                // Nonces are asked of the node for every transaction: alloy's default cache
                // counts transactions the node refused (reverting ones), and then every later
                // one from that account waits forever behind a nonce gap.
                ProviderBuilder::new()
                    .disable_recommended_fillers()
                    .with_gas_estimation()
                    .with_simple_nonce_management()
                    .fetch_chain_id()
                    .wallet(wallet)
                    .connect_http(url)
                    .erased()
            }
            None => ProviderBuilder::new().connect_http(url).erased(),
        };
        reader
            .get_chain_id()
            .await
            .map_err(|e| rpc_err("eth_chainId", e))?;
        Ok(RpcChain {
            provider,
            reader,
            accounts,
        })
    }

    /// The accounts this client can send from, in the order their keys were given.
    pub fn accounts(&self) -> &[Address] {
        &self.accounts
    }

    /// The alloy provider for plain reads (log queries, blocks), without fillers.
    pub fn reader(&self) -> &DynProvider {
        &self.reader
    }

    /// Moves a development node's clock forward and mines a block (anvil and hardhat's
    /// `evm_increaseTime` + `evm_mine`; production nodes refuse).
    pub async fn advance_time(&mut self, seconds: u64) -> Result<(), EvmError> {
        let _: serde_json::Value = self
            .reader
            .raw_request("evm_increaseTime".into(), [seconds])
            .await
            .map_err(|e| rpc_err("evm_increaseTime", e))?;
        let _: serde_json::Value = self
            .reader
            .raw_request("evm_mine".into(), Vec::<u64>::new())
            .await
            .map_err(|e| rpc_err("evm_mine", e))?;
        Ok(())
    }

    fn request(tx: &Tx) -> TransactionRequest {
        let req = TransactionRequest::default()
            .with_from(tx.from)
            .with_value(tx.value)
            .with_input(tx.data.clone());
        match tx.to {
            Some(to) => req.with_to(to),
            None => req.into_create(),
        }
    }
}

/// A node's refusal of a reverting transaction or call, as a failed receipt carrying the
/// revert data; any other error stays an error.
fn reverted(what: &str, e: RpcError<TransportErrorKind>) -> Result<Receipt, EvmError> {
    match e.as_error_resp() {
        Some(payload) if payload.message.contains("revert") => Ok(Receipt {
            tx_hash: None,
            success: false,
            gas_used: 0,
            output: payload.as_revert_data().unwrap_or_default(),
            contract_address: None,
            logs: Vec::new(),
            fee_wei: U256::ZERO,
        }),
        _ => Err(rpc_err(what, e)),
    }
}

impl Chain for RpcChain {
    async fn send(&mut self, tx: Tx) -> Result<Receipt, EvmError> {
        let pending = match self.provider.send_transaction(Self::request(&tx)).await {
            Ok(p) => p,
            Err(e) => return reverted("eth_sendTransaction", e),
        };
        let r = self.wait_for_receipt(*pending.tx_hash()).await?;
        Ok(Receipt {
            tx_hash: Some(r.transaction_hash),
            success: r.status(),
            gas_used: r.gas_used,
            output: Bytes::new(),
            contract_address: r.contract_address,
            logs: r.inner.logs().iter().map(|l| l.inner.clone()).collect(),
            fee_wei: U256::from(r.gas_used) * U256::from(r.effective_gas_price),
        })
    }

    async fn call(&mut self, tx: Tx) -> Result<Receipt, EvmError> {
        match self.reader.call(Self::request(&tx)).await {
            Ok(output) => Ok(Receipt {
                tx_hash: None,
                success: true,
                gas_used: 0,
                output,
                contract_address: None,
                logs: Vec::new(),
                fee_wei: U256::ZERO,
            }),
            Err(e) => reverted("eth_call", e),
        }
    }

    async fn balance(&mut self, who: Address) -> Result<U256, EvmError> {
        self.reader
            .get_balance(who)
            .await
            .map_err(|e| rpc_err("eth_getBalance", e))
    }

    async fn timestamp(&mut self) -> Result<u64, EvmError> {
        let block = self
            .reader
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| rpc_err("eth_getBlockByNumber", e))?
            .ok_or_else(|| rpc_err("eth_getBlockByNumber", "no latest block"))?;
        Ok(block.header.timestamp)
    }

    async fn code(&mut self, who: Address) -> Result<Bytes, EvmError> {
        self.reader
            .get_code_at(who)
            .await
            .map_err(|e| rpc_err("eth_getCode", e))
    }

    async fn chain_id(&mut self) -> Result<u64, EvmError> {
        self.reader
            .get_chain_id()
            .await
            .map_err(|e| rpc_err("eth_chainId", e))
    }
}

impl RpcChain {
    /// Polls `eth_getTransactionReceipt` until the transaction is included (at most
    /// [`RECEIPT_TIMEOUT`]). Plain polling on the reader: alloy's block-watching heartbeat
    /// stalls when the caller blocks its runtime between calls, as the CLI and tests do.
    async fn wait_for_receipt(
        &self,
        hash: alloy::primitives::B256,
    ) -> Result<alloy::rpc::types::TransactionReceipt, EvmError> {
        let start = std::time::Instant::now();
        loop {
            let receipt = self
                .reader
                .get_transaction_receipt(hash)
                .await
                .map_err(|e| rpc_err("eth_getTransactionReceipt", e))?;
            if let Some(r) = receipt {
                return Ok(r);
            }
            if start.elapsed() > RECEIPT_TIMEOUT {
                return Err(rpc_err(
                    "eth_getTransactionReceipt",
                    format!("transaction {hash} not included after {RECEIPT_TIMEOUT:?}"),
                ));
            }
            tokio::time::sleep(RECEIPT_POLL).await;
        }
    }

    /// The input blob a requester attached to job `job_id` (from the escrow's `JobOpened`
    /// event; the contract does not store it).
    pub async fn job_input_blob(&self, escrow: Address, job_id: u64) -> Result<Vec<u8>, EvmError> {
        use alloy::rpc::types::Filter;
        use alloy::sol_types::SolEvent;

        use crate::bindings::InferenceEscrow::JobOpened;

        let filter = Filter::new()
            .address(escrow)
            .event_signature(JobOpened::SIGNATURE_HASH)
            .topic1(U256::from(job_id))
            .from_block(0u64);
        let logs = self
            .reader
            .get_logs(&filter)
            .await
            .map_err(|e| rpc_err("eth_getLogs", e))?;
        let log = logs.first().ok_or_else(|| EvmError::MissingEvent {
            call: format!("job {job_id} at {escrow}"),
            event: "JobOpened",
        })?;
        let event = JobOpened::decode_log(&log.inner).map_err(|e| EvmError::Abi {
            what: "JobOpened".into(),
            reason: e.to_string(),
        })?;
        Ok(event.data.input.to_vec())
    }
}
