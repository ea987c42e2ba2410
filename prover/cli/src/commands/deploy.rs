//! `zkinfer deploy DIR --rpc-url URL --key KEY`: deploys the escrow (unless given one, whose
//! code is then checked against the audited build) and publishes the model's verifying key in
//! it; `--test-token` also deploys a test ERC-20 and mints some to the deployer.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use zkinfer_evm::bindings::TestToken;
use zkinfer_evm::{
    check_escrow_code, deploy, escrow_init_code, publish_key, send_ok, test_token_init_code,
    Deployment, SolCall, TokenMode, Tx, B256, U256,
};

use super::chain_args::{block_on, parse_address, tx_hash, ChainArgs};
use super::key_guard::{refuse_insecure, InsecureKeyArgs};
use super::prove::load_vk;

/// Test tokens minted to the deployer by `--test-token` (1,000,000 units of 6 decimals).
const TEST_TOKEN_MINT: u64 = 1_000_000_000_000;

/// Arguments of `zkinfer deploy`.
#[derive(clap::Args)]
pub struct DeployArgs {
    /// A directory with the verifying key from `zkinfer setup`.
    pub dir: PathBuf,
    #[command(flatten)]
    pub chain: ChainArgs,
    /// Publish the key in this escrow instead of deploying a new one.
    #[arg(long)]
    pub escrow: Option<String>,
    /// Also deploy a test ERC-20 ("zkinfer test USD", 6 decimals) and mint 1,000,000 to the
    /// deployer (local chains: anyone may mint it).
    #[arg(long)]
    pub test_token: bool,
    #[command(flatten)]
    pub insecure: InsecureKeyArgs,
}

fn show(what: &str, d: &Deployment) {
    println!(
        "{what:<9} {}  tx {}  gas {}",
        d.address,
        tx_hash(&d.receipt),
        d.receipt.gas_used
    );
}

/// Runs `zkinfer deploy`.
pub fn run(a: DeployArgs) -> anyhow::Result<ExitCode> {
    let vk = load_vk(&a.dir, None)?;
    refuse_insecure(&vk, a.insecure, "deploy")?;
    block_on(async {
        let (mut chain, me) = a.chain.connect().await?;
        let escrow = match &a.escrow {
            Some(e) => {
                let escrow = parse_address(e, "--escrow")?;
                check_escrow_code(&mut chain, escrow).await?;
                println!("escrow    {escrow}  (existing, audited code)");
                escrow
            }
            None => {
                let escrow = deploy(&mut chain, me, "InferenceEscrow", escrow_init_code()).await?;
                show("escrow", &escrow);
                escrow.address
            }
        };
        let published = publish_key(&mut chain, me, escrow, &vk)
            .await
            .context("publishing the verifying key")?;
        match &published.receipt {
            Some(r) => println!(
                "key       {}  model {}  tx {}  gas {}",
                published.key_hash,
                B256::from(vk.model_id),
                tx_hash(r),
                r.gas_used
            ),
            None => println!(
                "key       {}  model {}  (already published)",
                published.key_hash,
                B256::from(vk.model_id)
            ),
        }
        if a.test_token {
            let init = test_token_init_code("zkinfer test USD", "zUSD", TokenMode::Standard);
            let token = deploy(&mut chain, me, "TestToken", init).await?;
            show("token", &token);
            let mint = TestToken::mintCall {
                to: me,
                amount: U256::from(TEST_TOKEN_MINT),
            };
            send_ok(
                &mut chain,
                Tx::call(me, token.address, mint.abi_encode()),
                "TestToken.mint",
            )
            .await?;
            println!("minted    {TEST_TOKEN_MINT} units to {me}");
        }
        println!("escrow {escrow}");
        Ok(ExitCode::SUCCESS)
    })?
}
