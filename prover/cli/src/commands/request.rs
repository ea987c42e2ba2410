//! `zkinfer request DIR --input INPUT.json --escrow ADDR --payment WEI`: the requester opens a
//! job: commits to the quantized input, attaches it for providers, and escrows the payment.

use std::path::PathBuf;
use std::process::ExitCode;

use zkinfer_evm::{encode_input_blob, open_job, verifier_of, Chain, JobRequest, B256, U256};
use zkinfer_verifier::{commit_input, fr_to_hex};

use super::chain_args::{block_on, ether, parse_address, tx_hash, ChainArgs};
use super::compile::read_input;
use super::prove::load_vk;

/// Arguments of `zkinfer request`.
#[derive(clap::Args)]
pub struct RequestArgs {
    /// A directory with `model.json` and the verifying key (the model the job is for).
    pub dir: PathBuf,
    /// One sample in EZKL's layout: `{"input_data": [[x0, x1, ...]]}`.
    #[arg(long)]
    pub input: PathBuf,
    #[command(flatten)]
    pub chain: ChainArgs,
    /// The escrow contract.
    #[arg(long)]
    pub escrow: String,
    /// Payment escrowed for the provider, in wei.
    #[arg(long, default_value_t = 1_000_000_000_000_000)]
    pub payment: u128,
    /// Seconds from now until the deadline (after it, the payment can be refunded).
    #[arg(long, default_value_t = 3600)]
    pub deadline_secs: u64,
}

/// Runs `zkinfer request`.
pub fn run(a: RequestArgs) -> anyhow::Result<ExitCode> {
    let vk = load_vk(&a.dir, None)?;
    let model = zkinfer_ir::CompiledModel::load(&a.dir.join(super::compile::MODEL_FILE))?;
    let shapes: Vec<Vec<usize>> = model
        .graph
        .inputs
        .iter()
        .map(|i| i.fact.shape.clone())
        .collect();
    let sample = read_input(&a.input)?.single(&shapes)?;
    let quantized = model
        .graph
        .inputs
        .iter()
        .zip(&sample)
        .enumerate()
        .map(|(i, (spec, v))| zkinfer_ir::quantize(i, v, spec.fact.scale, spec.bits))
        .collect::<Result<Vec<_>, _>>()?;
    let commitment = commit_input(&vk.layout, &quantized)?;
    let escrow = parse_address(&a.escrow, "--escrow")?;
    block_on(async {
        let (mut chain, me) = a.chain.connect().await?;
        let now = chain.timestamp().await?;
        let request = JobRequest {
            model_id: vk.model_id,
            verifier: verifier_of(&mut chain, escrow, vk.model_id).await?,
            input_commitment: commitment,
            deadline: now + a.deadline_secs,
            input_blob: encode_input_blob(&quantized)?,
            payment: U256::from(a.payment),
        };
        let opened = open_job(&mut chain, me, escrow, &request).await?;
        println!("job {}", opened.job_id);
        println!("model       {}", B256::from(vk.model_id));
        println!("commitment  {}", fr_to_hex(&commitment));
        println!("payment     {}", ether(request.payment));
        println!("deadline    {} (unix)", request.deadline);
        println!(
            "openJob     tx {}  gas {}",
            tx_hash(&opened.receipt),
            opened.receipt.gas_used
        );
        Ok(ExitCode::SUCCESS)
    })?
}
