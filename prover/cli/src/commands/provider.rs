//! `zkinfer provider --rpc-url URL --key KEY --escrow ADDR --model DIR [--model DIR ...]`: runs
//! a provider node that watches the escrow for jobs of the given models, proves them and
//! submits the proofs for payment. Prints one line per handled job; stops on Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use zkinfer_service::provider::{HandledJob, ProviderConfig, ProviderNode, ServedModel};

use super::chain_args::{block_on_multi, parse_address, ChainArgs};
use super::key_guard::{refuse_insecure, InsecureKeyArgs};
use super::prove::load_prover;

/// Arguments of `zkinfer provider`.
#[derive(clap::Args)]
pub struct ProviderArgs {
    #[command(flatten)]
    pub chain: ChainArgs,
    /// The escrow contract to watch.
    #[arg(long)]
    pub escrow: String,
    /// A directory with `model.json` and both keys; repeat to serve several models.
    #[arg(long = "model", required = true)]
    pub models: Vec<PathBuf>,
    /// Milliseconds between two polls of the chain.
    #[arg(long, default_value_t = 500)]
    pub poll_ms: u64,
    /// First block to scan for jobs (default: the latest block at startup, so only new jobs).
    #[arg(long)]
    pub from_block: Option<u64>,
    /// Poll once, handle what was found, and exit.
    #[arg(long)]
    pub once: bool,
    #[command(flatten)]
    pub insecure: InsecureKeyArgs,
}

/// Loads the models (each served under the hash of its verifying key), refusing keys made
/// from a fixed seed unless allowed.
fn served_models(dirs: &[PathBuf], insecure: InsecureKeyArgs) -> anyhow::Result<Vec<ServedModel>> {
    let mut models = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let prover = load_prover(dir).with_context(|| format!("--model {}", dir.display()))?;
        refuse_insecure(prover.verifying_key(), insecure, "serve jobs")
            .with_context(|| format!("--model {}", dir.display()))?;
        models.push(ServedModel {
            prover: Arc::new(prover),
        });
    }
    Ok(models)
}

fn print(job: &HandledJob) {
    println!("{job}");
}

/// Runs `zkinfer provider`.
pub fn run(a: ProviderArgs) -> anyhow::Result<ExitCode> {
    let escrow = parse_address(&a.escrow, "--escrow")?;
    block_on_multi(async move {
        let (chain, me) = a.chain.connect().await?;
        let models = served_models(&a.models, a.insecure)?;
        let start_block = match a.from_block {
            Some(b) => b,
            None => chain.block_number().await?,
        };
        let config = ProviderConfig {
            poll_interval: Duration::from_millis(a.poll_ms.max(1)),
            start_block,
            ..ProviderConfig::new(escrow)
        };
        let mut node = ProviderNode::new(chain, config, models).await?;
        let ids: Vec<String> = node.key_hashes().iter().map(ToString::to_string).collect();
        eprintln!(
            "provider {me} watching escrow {escrow} from block {start_block} for key(s) {}",
            ids.join(", ")
        );
        if a.once {
            node.poll_once().await?.iter().for_each(print);
            return Ok(ExitCode::SUCCESS);
        }
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        node.run(shutdown, print).await;
        Ok(ExitCode::SUCCESS)
    })?
}
