//! What every chain command takes: the node's URL and the key to sign with, and the async
//! runtime the alloy client runs on.

use anyhow::Context;
use zkinfer_evm::{parse_private_key, Address, RpcChain, U256};

/// `--rpc-url` and `--key`, shared by `deploy`, `request` and `submit`.
#[derive(clap::Args, Clone)]
pub struct ChainArgs {
    /// The node's JSON-RPC URL (e.g. anvil's http://127.0.0.1:8545).
    #[arg(long)]
    pub rpc_url: String,
    /// Hex private key of the account that signs and pays for the transactions.
    #[arg(long)]
    pub key: String,
}

impl ChainArgs {
    /// Connects, returning the client and the signing account.
    pub async fn connect(&self) -> anyhow::Result<(RpcChain, Address)> {
        let key = parse_private_key(&self.key).context("--key")?;
        let me = key.address();
        let chain = RpcChain::connect(&self.rpc_url, vec![key])
            .await
            .with_context(|| format!("connecting to {}", self.rpc_url))?;
        Ok((chain, me))
    }
}

/// Runs `f` to completion on a fresh single-threaded runtime.
pub fn block_on<T>(f: impl std::future::Future<Output = T>) -> anyhow::Result<T> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    Ok(rt.block_on(f))
}

/// Parses an address argument.
pub fn parse_address(s: &str, what: &str) -> anyhow::Result<Address> {
    s.parse::<Address>()
        .with_context(|| format!("{what}: {s:?} is not a 0x-prefixed 20-byte address"))
}

/// Wei as ether with 6 decimals, for printing.
pub fn ether(wei: U256) -> String {
    let milli_micro = wei / U256::from(1_000_000_000_000u64);
    let whole = milli_micro / U256::from(1_000_000u64);
    let frac = milli_micro % U256::from(1_000_000u64);
    format!("{whole}.{frac:0>6} ETH")
}

/// A transaction hash for printing ("-" when there is none).
pub fn tx_hash(r: &zkinfer_evm::Receipt) -> String {
    r.tx_hash.map_or_else(|| "-".into(), |h| h.to_string())
}

/// Runs `f` to completion on a multi-threaded runtime (servers and long-running loops).
pub fn block_on_multi<T>(f: impl std::future::Future<Output = T>) -> anyhow::Result<T> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    Ok(rt.block_on(f))
}
