//! `zkinfer request DIR --input INPUT.json --escrow ADDR --payment AMOUNT [--token ADDR] [--wait]`:
//! the requester opens a job. Before paying it checks that the escrow runs the audited code and
//! holds exactly the local verifying key (publishing it if missing), then commits to the
//! quantized input, attaches it for providers, and escrows the payment pinned to the key's hash.
//! With `--wait` it waits for a provider's result and verifies the proof from the
//! `JobCompleted` event natively, trusting neither the provider nor the chain.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use zkinfer_evm::bindings::InferenceEscrow::JobCompleted;
use zkinfer_evm::{
    check_escrow_code, completed_proof_file, encode_input_blob, key_hash, key_published, open_job,
    publish_key, Address, Chain, EventLog, JobRequest, RpcChain, Settlement, B256, U256,
};
use zkinfer_verifier::{commit_input, fr_to_hex, verify, Fr, Verdict, VerifyingKeyFile};

use super::chain_args::{block_on, ether, parse_address, tx_hash, ChainArgs};
use super::compile::read_input;
use super::key_guard::{refuse_insecure, InsecureKeyArgs};
use super::prove::load_vk;

/// The escrow's `MAX_DEADLINE_WINDOW` (30 days), checked here for a clear message.
const MAX_DEADLINE_SECS: u64 = 30 * 24 * 3600;

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
    /// Payment escrowed for the provider: wei, or token units with `--token`.
    #[arg(long, default_value_t = 1_000_000_000_000_000)]
    pub payment: u128,
    /// Pay in this ERC-20 token instead of ETH (approved, then pulled by the escrow).
    #[arg(long)]
    pub token: Option<String>,
    /// Seconds from now until the deadline (after it, the payment can be refunded; at most
    /// 30 days).
    #[arg(long, default_value_t = 3600)]
    pub deadline_secs: u64,
    /// Wait for a provider's result, verify its proof natively and print the outputs (exit 1
    /// if the proof is invalid, the job is refunded or expires, or the wait times out).
    #[arg(long)]
    pub wait: bool,
    /// How long `--wait` waits, in seconds.
    #[arg(long, default_value_t = 600, requires = "wait")]
    pub wait_timeout_secs: u64,
    #[command(flatten)]
    pub insecure: InsecureKeyArgs,
}

/// How often `--wait` asks the node for the job's events.
const WAIT_POLL: Duration = Duration::from_millis(250);

/// Runs `zkinfer request`.
pub fn run(a: RequestArgs) -> anyhow::Result<ExitCode> {
    let vk = load_vk(&a.dir, None)?;
    refuse_insecure(&vk, a.insecure, "pay for proofs")?;
    if a.deadline_secs == 0 || a.deadline_secs > MAX_DEADLINE_SECS {
        anyhow::bail!(
            "--deadline-secs {} is outside 1..={MAX_DEADLINE_SECS} (the escrow's 30-day bound)",
            a.deadline_secs
        );
    }
    let model = zkinfer_ir::CompiledModel::load(&a.dir.join(super::compile::MODEL_FILE))?;
    if model.model_id.0 != vk.model_id {
        anyhow::bail!(
            "{}: model.json is model {}, the verifying key is for model {}",
            a.dir.display(),
            B256::from(model.model_id.0),
            B256::from(vk.model_id)
        );
    }
    let shapes = model.graph.input_shapes();
    let sample = read_input(&a.input)?.single(&shapes)?;
    let quantized = model.graph.quantize_inputs(&sample)?;
    let commitment = commit_input(&vk.layout, &quantized)?;
    let escrow = parse_address(&a.escrow, "--escrow")?;
    let token = match &a.token {
        Some(t) => parse_address(t, "--token")?,
        None => Address::ZERO,
    };
    block_on(async {
        let (mut chain, me) = a.chain.connect().await?;
        // Nothing is paid unless the escrow is the audited code and holds exactly our key.
        check_escrow_code(&mut chain, escrow).await?;
        if !key_published(&mut chain, escrow, &vk).await? {
            let p = publish_key(&mut chain, me, escrow, &vk).await?;
            if let Some(r) = &p.receipt {
                println!("publishKey  tx {}  gas {}", tx_hash(r), r.gas_used);
            }
        }
        let from_block = chain.block_number().await?;
        let now = chain.timestamp().await?;
        let request = JobRequest {
            key_hash: key_hash(&vk),
            input_commitment: commitment,
            deadline: now + a.deadline_secs,
            input_blob: encode_input_blob(&quantized)?,
            token,
            amount: U256::from(a.payment),
        };
        let opened = open_job(&mut chain, me, escrow, &request).await?;
        println!("job {}", opened.job_id);
        println!("model       {}", B256::from(vk.model_id));
        println!("key         {}", request.key_hash);
        println!("commitment  {}", fr_to_hex(&commitment));
        println!("payment     {}", amount(request.amount, token));
        println!("deadline    {} (unix)", request.deadline);
        println!(
            "openJob     tx {}  gas {}",
            tx_hash(&opened.receipt),
            opened.receipt.gas_used
        );
        if !a.wait {
            return Ok(ExitCode::SUCCESS);
        }
        let job = opened.job_id;
        let chain_id = chain.chain_id().await?;
        let timeout = Duration::from_secs(a.wait_timeout_secs);
        let waited = wait_for_result(
            &mut chain,
            escrow,
            job,
            from_block,
            request.deadline,
            timeout,
        );
        match waited.await? {
            Ok(completed) => report(&vk, commitment, chain_id, escrow, token, &completed),
            Err(why) => {
                println!("no result: {why}");
                Ok(ExitCode::from(1))
            }
        }
    })?
}

/// Polls the escrow's events (from block `from_block`) until job `job` completes; `Err` says
/// why no result will come (refunded, expired, or `timeout` passed).
async fn wait_for_result(
    chain: &mut RpcChain,
    escrow: Address,
    job: u64,
    from_block: u64,
    deadline: u64,
    timeout: Duration,
) -> anyhow::Result<Result<EventLog<JobCompleted>, String>> {
    println!("waiting for a provider (at most {} s)", timeout.as_secs());
    let start = Instant::now();
    loop {
        match chain.job_settlement(escrow, job, from_block).await? {
            Some(Settlement::Completed(done)) => return Ok(Ok(*done)),
            Some(Settlement::Refunded(_)) => {
                return Ok(Err(format!("job {job} was refunded without a result")))
            }
            None => {}
        }
        let now = chain.timestamp().await?;
        if now > deadline {
            return Ok(Err(format!(
                "job {job}'s deadline {deadline} passed without a result (chain time {now}); \
                 its payment can be refunded"
            )));
        }
        if start.elapsed() > timeout {
            return Ok(Err(format!(
                "no provider completed job {job} within {} s",
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(WAIT_POLL).await;
    }
}

/// Rebuilds the completed job's proof from its event, verifies it against the model's key,
/// and prints the outputs and the verdict (exit 1 when invalid).
fn report(
    vk: &VerifyingKeyFile,
    commitment: Fr,
    chain_id: u64,
    escrow: Address,
    token: Address,
    completed: &EventLog<JobCompleted>,
) -> anyhow::Result<ExitCode> {
    let done = &completed.event;
    let tx = completed
        .tx_hash
        .map_or_else(|| "-".into(), |h| h.to_string());
    println!("completed   by {}  tx {tx}", done.provider);
    println!("paid        {}", amount(done.amount, token));
    let file = match completed_proof_file(vk, commitment, chain_id, escrow, done) {
        Ok(f) => f,
        Err(e) => {
            println!("verified natively: invalid ({e})");
            return Ok(ExitCode::from(1));
        }
    };
    println!("outputs     {}", serde_json::to_string(&file.outputs)?);
    match verify(vk, &file)? {
        Verdict::Accepted => {
            println!("verified natively: valid");
            Ok(ExitCode::SUCCESS)
        }
        Verdict::Rejected(why) => {
            println!("verified natively: invalid ({why})");
            Ok(ExitCode::from(1))
        }
    }
}

/// An amount for printing: ether for ETH, raw units for a token.
fn amount(value: U256, token: Address) -> String {
    if token == Address::ZERO {
        ether(value)
    } else {
        format!("{value} units of token {token}")
    }
}
