//! `zkinfer submit DIR --job-id N --escrow ADDR`: the provider proves a job and submits the
//! proof; the escrow verifies it on chain, and the signing account withdraws the payment.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use zkinfer_evm::{
    balance_of, check_escrow_code, decode_input_blob, get_job, key_hash, revert_reason,
    submit_result, withdraw, word_fr, Chain, JobStatus,
};
use zkinfer_prover::write_atomic;
use zkinfer_r1cs::ProofBinding;
use zkinfer_verifier::commit_input;

use super::chain_args::{block_on, ether, parse_address, tx_hash, ChainArgs};
use super::prove::load_prover;

/// Arguments of `zkinfer submit`.
#[derive(clap::Args)]
pub struct SubmitArgs {
    /// A directory with `model.json` and both keys (the job's model).
    pub dir: PathBuf,
    /// The escrow job to prove.
    #[arg(long)]
    pub job_id: u64,
    #[command(flatten)]
    pub chain: ChainArgs,
    /// The escrow contract.
    #[arg(long)]
    pub escrow: String,
    /// Also write the proof file here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs `zkinfer submit`.
pub fn run(a: SubmitArgs) -> anyhow::Result<ExitCode> {
    let prover = load_prover(&a.dir, zkinfer_prover::Engine::new())?;
    let escrow = parse_address(&a.escrow, "--escrow")?;
    block_on(async {
        let (mut chain, me) = a.chain.connect().await?;
        let job = get_job(&mut chain, escrow, a.job_id).await?;
        let status = JobStatus::of(&job);
        if status != JobStatus::Open {
            bail!("job {} is not open (status {status:?})", a.job_id);
        }
        check_escrow_code(&mut chain, escrow).await?;
        let ours = key_hash(prover.verifying_key());
        if job.keyHash != ours {
            bail!(
                "job {} pins verifying key {}, {} holds key {ours}: a proof with it would not pay",
                a.job_id,
                job.keyHash,
                a.dir.display(),
            );
        }
        let blob = chain.job_input_blob(escrow, a.job_id).await?;
        let input = decode_input_blob(&blob).with_context(|| format!("job {}", a.job_id))?;
        let layout = &prover.verifying_key().layout;
        let commitment = commit_input(layout, &input)
            .with_context(|| format!("the input attached to job {}", a.job_id))?;
        if Some(commitment) != word_fr(&job.inputCommitment) {
            bail!(
                "the input attached to job {} does not match its commitment: refusing to prove",
                a.job_id
            );
        }
        let binding = ProofBinding {
            chain_id: chain.chain_id().await?,
            escrow: escrow.into_array(),
            job_id: a.job_id,
            provider: me.into_array(),
        };
        let (file, t) = prover.prove_quantized(&input, binding, &mut rand::rngs::OsRng)?;
        println!("outputs     {}", serde_json::to_string(&file.outputs)?);
        println!(
            "proved in {:.2} s for job {} payable to {me}",
            (t.witness + t.synthesis + t.prove).as_secs_f64(),
            a.job_id
        );
        if let Some(out) = &a.out {
            write_atomic(out, file.to_json()?.as_bytes())?;
        }
        let r = submit_result(&mut chain, me, escrow, a.job_id, &file).await?;
        if !r.success {
            println!("refused     {}", revert_reason(&r.output));
            return Ok(ExitCode::from(1));
        }
        println!(
            "submitResult tx {}  gas {}  fee {}",
            tx_hash(&r),
            r.gas_used,
            ether(r.fee_wei)
        );
        let before = balance_of(&mut chain, job.token, me).await?;
        let w = withdraw(&mut chain, me, escrow, &[a.job_id], me).await?;
        if !w.success {
            println!("withdraw refused {}", revert_reason(&w.output));
            return Ok(ExitCode::from(1));
        }
        let after = balance_of(&mut chain, job.token, me).await?;
        let earned = if job.token == zkinfer_evm::Address::ZERO {
            ether(after + w.fee_wei - before)
        } else {
            format!("{} units of token {}", after - before, job.token)
        };
        println!("withdraw    tx {}  gas {}", tx_hash(&w), w.gas_used);
        println!("paid        {earned}");
        Ok(ExitCode::SUCCESS)
    })?
}
