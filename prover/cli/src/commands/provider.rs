//! `zkinfer provider --rpc-url URL --key KEY --escrow ADDR --model DIR[:MIN_WEI] [--model ...]`:
//! runs a provider node that watches the escrow for jobs of the given models, proves those that
//! pay its price (best-paying first) and submits the proofs for payment. Prints one line per
//! handled job; stops on Ctrl-C.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use zkinfer_evm::{Address, U256};
use zkinfer_service::provider::{
    HandledJob, PricePolicy, ProviderConfig, ProviderNode, ServedModel, DEFAULT_CONFIRMATIONS,
    JOB_GAS,
};

use super::chain_args::{block_on_multi, parse_address, ChainArgs};
use super::key_guard::{refuse_insecure, require_ceremony, CeremonyCheckArgs, InsecureKeyArgs};
use super::prove::load_parts;
use zkinfer_ceremony::ptau::Ptau;

/// Arguments of `zkinfer provider`.
#[derive(clap::Args)]
pub struct ProviderArgs {
    #[command(flatten)]
    pub chain: ChainArgs,
    #[command(flatten)]
    pub engine: super::engine_arg::EngineArg,
    /// The escrow contract to watch.
    #[arg(long)]
    pub escrow: String,
    /// A directory with `model.json` and both keys, optionally with the least wei an ETH job
    /// of this model must pay (`DIR:MIN_WEI`); repeat to serve several models.
    #[arg(long = "model", required = true, value_name = "DIR[:MIN_WEI]")]
    pub models: Vec<String>,
    /// The least wei any ETH job must pay (a model's own minimum, if higher, wins).
    #[arg(long, default_value_t = 0, value_name = "WEI")]
    pub min_payment: u128,
    /// ETH jobs must also pay their gas: this many percent on top of the estimated submit and
    /// withdraw gas at the chain's current gas price.
    #[arg(long, default_value_t = 50, value_name = "PCT")]
    pub gas_margin_pct: u64,
    /// Gas one job is estimated to cost the node (submitResult + withdraw).
    #[arg(long, default_value_t = JOB_GAS)]
    pub job_gas: u64,
    /// ETH jobs must also pay for the node's proving time: this many wei per second of the
    /// model's measured proof time (measured once at startup on an all-zero input, then by
    /// every proof the node makes). 0: proving time is not priced and not measured.
    #[arg(long, default_value_t = 0, value_name = "WEI")]
    pub wei_per_proof_second: u128,
    /// Take jobs paying in this ERC-20 token, at least AMOUNT token units; repeat per token.
    /// Token jobs in other tokens are skipped.
    #[arg(long = "min-token-payment", value_name = "TOKEN:AMOUNT")]
    pub token_minimums: Vec<String>,
    /// Jobs handled at once (their proofs run in parallel; transactions are sent one by one).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub max_concurrent: u64,
    /// Blocks a job must be buried under before the node takes it (0 for dev chains).
    #[arg(long, default_value_t = DEFAULT_CONFIRMATIONS)]
    pub confirmations: u64,
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
    #[command(flatten)]
    pub ceremony: CeremonyCheckArgs,
}

/// `DIR[:MIN_WEI]`: the directory and the model's minimum (zero without one). A suffix after
/// the last `:` that is not a number is part of the path.
fn model_arg(arg: &str) -> (PathBuf, U256) {
    match arg.rsplit_once(':') {
        Some((dir, min)) if !dir.is_empty() => match min.parse::<u128>() {
            Ok(min) => (PathBuf::from(dir), U256::from(min)),
            Err(_) => (PathBuf::from(arg), U256::ZERO),
        },
        _ => (PathBuf::from(arg), U256::ZERO),
    }
}

/// `TOKEN:AMOUNT` of `--min-token-payment`.
fn token_minimum(arg: &str) -> anyhow::Result<(Address, U256)> {
    let (token, amount) = arg
        .split_once(':')
        .with_context(|| format!("--min-token-payment {arg}: expected TOKEN:AMOUNT"))?;
    let token = parse_address(token, "--min-token-payment")?;
    let amount: u128 = amount
        .parse()
        .with_context(|| format!("--min-token-payment {arg}: AMOUNT is not a whole number"))?;
    Ok((token, U256::from(amount)))
}

/// Loads the models (each served under the hash of its verifying key), refusing keys made
/// from a fixed seed, and keys whose ceremony this node did not verify, unless allowed; with
/// `measure`, times one proof of each.
fn served_models(
    args: &[String],
    insecure: InsecureKeyArgs,
    ceremony: &CeremonyCheckArgs,
    measure: bool,
    engine: &zkinfer_prover::Engine,
) -> anyhow::Result<Vec<ServedModel>> {
    let ptau = match &ceremony.ptau {
        Some(p) => Some(Ptau::load(p).with_context(|| format!("--ptau {}", p.display()))?),
        None => None,
    };
    let mut models = Vec::with_capacity(args.len());
    for arg in args {
        let (dir, min_payment) = model_arg(arg);
        let at = || format!("--model {}", dir.display());
        let (model, pk, vk) = load_parts(&dir).with_context(at)?;
        refuse_insecure(&vk, insecure, "serve jobs").with_context(at)?;
        let verified = require_ceremony(&dir, &model, &pk, &vk, ptau.as_ref(), ceremony, insecure)
            .with_context(at)?;
        if verified > 0 {
            eprintln!(
                "model {}: ceremony of {verified} contributions verified",
                dir.display()
            );
        }
        let prover = zkinfer_prover::Prover::new(engine.clone(), model, pk, vk).with_context(at)?;
        let model = ServedModel::with_minimum(Arc::new(prover), min_payment);
        if measure {
            let ms = model
                .measure_proof_time()
                .with_context(|| format!("--model {}: timing a proof", dir.display()))?;
            eprintln!("model {}: one proof takes {ms} ms", dir.display());
        }
        models.push(model);
    }
    Ok(models)
}

fn print(job: &HandledJob) {
    println!("{job}");
}

/// Runs `zkinfer provider`.
pub fn run(a: ProviderArgs) -> anyhow::Result<ExitCode> {
    let escrow = parse_address(&a.escrow, "--escrow")?;
    let token_minimums = a
        .token_minimums
        .iter()
        .map(|t| token_minimum(t))
        .collect::<anyhow::Result<BTreeMap<_, _>>>()?;
    let price = PricePolicy {
        min_payment: U256::from(a.min_payment),
        job_gas: a.job_gas,
        gas_margin_pct: a.gas_margin_pct,
        wei_per_proof_second: U256::from(a.wei_per_proof_second),
        token_minimums,
    };
    // Keys are checked (and their ceremonies verified) before anything touches the chain.
    let models = served_models(
        &a.models,
        a.insecure,
        &a.ceremony,
        a.wei_per_proof_second > 0,
        &a.engine.select()?,
    )?;
    block_on_multi(async move {
        let (chain, me) = a.chain.connect().await?;
        let start_block = match a.from_block {
            Some(b) => b,
            None => chain.block_number().await?,
        };
        let config = ProviderConfig {
            poll_interval: Duration::from_millis(a.poll_ms.max(1)),
            start_block,
            confirmations: a.confirmations,
            max_concurrent: usize::try_from(a.max_concurrent)?,
            price,
            ..ProviderConfig::new(escrow)
        };
        let mut node = ProviderNode::new(chain, config, models).await?;
        let ids: Vec<String> = node.key_hashes().iter().map(ToString::to_string).collect();
        eprintln!(
            "provider {me} watching escrow {escrow} from block {start_block} for key(s) {} \
             ({} confirmation(s), {} job(s) at once, ETH jobs from {} wei and gas + {} % \
             + {} wei per proof second)",
            ids.join(", "),
            a.confirmations,
            a.max_concurrent,
            a.min_payment,
            a.gas_margin_pct,
            a.wei_per_proof_second
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_argument_may_carry_its_minimum() {
        assert_eq!(model_arg("build/mlp"), ("build/mlp".into(), U256::ZERO));
        assert_eq!(
            model_arg("build/mlp:1000"),
            ("build/mlp".into(), U256::from(1000u64))
        );
        // a path with a colon that is not followed by a number stays whole
        assert_eq!(model_arg("a:b/mlp"), ("a:b/mlp".into(), U256::ZERO));
        let t = "0x0000000000000000000000000000000000000005";
        assert_eq!(
            token_minimum(&format!("{t}:250")).unwrap(),
            (Address::with_last_byte(5), U256::from(250u64))
        );
        assert!(token_minimum(t).is_err());
        assert!(token_minimum(&format!("{t}:lots")).is_err());
    }
}
