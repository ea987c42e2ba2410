//! `zkinfer demo`: the main job on the bundled model (embedded in the binary, so it runs from
//! any directory): compile, set up, deploy the contracts on an embedded EVM, open a job, prove
//! it, verify natively, and have the escrow refuse copied and tampered proofs and pay the real
//! one, printing the gas.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use zkinfer_evm::bindings::InferenceEscrow;
use zkinfer_evm::{
    check_escrow_code, deploy_stack, encode_input_blob, find_event, key_published, open_job,
    revert_reason, submit_result, verify_proof_call, withdraw, Address, Chain, EmbeddedChain,
    JobRequest, Receipt, SolCall, Stack, Tx, EMBEDDED_CHAIN_ID, U256,
};
use zkinfer_ir::{InputData, QuantizeSettings};
use zkinfer_prover::{write_atomic, Engine, Prover};
use zkinfer_r1cs::ProofBinding;
use zkinfer_verifier::{commit_input, verify, ProofFile, Verdict, VerifyingKeyFile};

use super::chain_args::{block_on, ether};
use super::compile::{compile_to_dir, print_report, read_input};
use super::prove::{load_prover, load_vk};
use super::setup::setup_dir;

const MODEL_ONNX: &[u8] = include_bytes!("../../../../models/lenet5/model.onnx");
const CALIBRATION: &str = include_str!("../../../../models/lenet5/calibration.json");
const INPUT: &str = include_str!("../../../../models/lenet5/input.json");

/// Arguments of `zkinfer demo`.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Where to write the artifacts (default: a fresh directory under the system temp dir).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs the demo.
pub fn run(a: DemoArgs) -> anyhow::Result<ExitCode> {
    let out = a.out.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("zkinfer-demo-{}", std::process::id()))
    });
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let onnx = out.join("lenet5.onnx");
    std::fs::write(&onnx, MODEL_ONNX)
        .with_context(|| format!("cannot write {}", onnx.display()))?;
    let input = out.join("input.json");
    std::fs::write(&input, INPUT).with_context(|| format!("cannot write {}", input.display()))?;

    println!(
        "== 1. compile the bundled LeNet-5 (models/lenet5) into {}",
        out.display()
    );
    let (compiled, choice) = compile_to_dir(
        &onnx,
        &InputData::from_json(CALIBRATION)?,
        QuantizeSettings::default(),
        zkinfer_r1cs::ModeRequest::Auto,
        &out,
    )?;
    print_report(&compiled.report);
    println!("proof mode {}", choice.reason);

    println!("\n== 2. setup (the requester's role; fresh randomness from the OS)");
    setup_dir(&out, None, "zkinfer demo (acting as the requester)")?;

    let vk = load_vk(&out, None)?;
    let input_data = read_input(&input)?;
    block_on(on_chain(&out, &vk, &input_data))??;
    Ok(ExitCode::SUCCESS)
}

/// Accounts of the demo's embedded chain.
const DEPLOYER: Address = Address::repeat_byte(0xd0);
const REQUESTER: Address = Address::repeat_byte(0xa1);
const PROVIDER: Address = Address::repeat_byte(0xb2);
const COPYCAT: Address = Address::repeat_byte(0xc3);

/// Steps 3–7 on an embedded EVM: deploy, open a job, prove it, verify natively, submit a
/// copied and a tampered proof (refused), then the real one (paid).
async fn on_chain(out: &Path, vk: &VerifyingKeyFile, input: &InputData) -> anyhow::Result<()> {
    let (mut chain, stack) = deploy_contracts(vk).await?;
    let prover = load_prover(out, Engine::new())?;
    let shapes = prover.model().graph.input_shapes();
    let quantized = prover.quantize_inputs(&input.single(&shapes)?)?;
    let job = open_demo_job(&mut chain, &stack, vk, &quantized).await?;
    let file = prove_job(out, &prover, &quantized, stack.escrow.address, job)?;
    check_and_tamper(vk, &file)?;
    submissions(&mut chain, &stack, vk, job, &file).await?;
    replay_elsewhere(&mut chain, vk, &quantized, job, &file).await
}

/// Step 3: a funded embedded chain with the escrow deployed and the model's key published.
async fn deploy_contracts(vk: &VerifyingKeyFile) -> anyhow::Result<(EmbeddedChain, Stack)> {
    println!(
        "\n== 3. deploy the escrow (a Groth16 verifier too) on an embedded EVM (revm), publish the key"
    );
    let mut chain = EmbeddedChain::new();
    for who in [DEPLOYER, REQUESTER, PROVIDER, COPYCAT] {
        chain.fund(who, U256::from(10u64).pow(U256::from(19u64)));
    }
    let stack = deploy_stack(&mut chain, DEPLOYER, vk).await?;
    println!(
        "escrow    {}  deployed with {} gas",
        stack.escrow.address, stack.escrow.receipt.gas_used
    );
    let gas = stack.key.receipt.as_ref().map_or(0, |r| r.gas_used);
    println!("key       {}  published with {gas} gas", stack.key.key_hash);
    Ok((chain, stack))
}

/// Step 4: the requester opens a job for the quantized input.
async fn open_demo_job(
    chain: &mut EmbeddedChain,
    stack: &Stack,
    vk: &VerifyingKeyFile,
    quantized: &[Vec<i64>],
) -> anyhow::Result<u64> {
    println!(
        "\n== 4. the requester checks the escrow's code and its own key on chain, then opens a job \
         pinned to that key: input commitment, the input for providers, 0.01 ETH"
    );
    let escrow = stack.escrow.address;
    check_escrow_code(chain, escrow).await?;
    if !key_published(chain, escrow, vk).await? {
        anyhow::bail!("the requester's key is not published in the escrow");
    }
    println!(
        "escrow code is the audited InferenceEscrow; key {} is ours",
        stack.key.key_hash
    );
    let request = JobRequest {
        key_hash: stack.key.key_hash,
        input_commitment: commit_input(&vk.layout, quantized)?,
        deadline: chain.timestamp().await? + 3600,
        input_blob: encode_input_blob(quantized)?,
        token: Address::ZERO,
        amount: U256::from(10_000_000_000_000_000u64),
    };
    let opened = open_job(chain, REQUESTER, stack.escrow.address, &request).await?;
    let job = opened.job_id;
    println!(
        "job {job} opened by {REQUESTER} with {} gas ({} input bytes attached)",
        opened.receipt.gas_used,
        request.input_blob.len()
    );
    Ok(job)
}

/// Step 5: the provider proves the job, bound to its own address.
fn prove_job(
    out: &Path,
    prover: &Prover<Engine>,
    quantized: &[Vec<i64>],
    escrow: Address,
    job: u64,
) -> anyhow::Result<ProofFile> {
    println!(
        "\n== 5. the provider proves job {job} of escrow {escrow} on chain {EMBEDDED_CHAIN_ID}, \
         payable to {PROVIDER}"
    );
    let binding = ProofBinding {
        chain_id: EMBEDDED_CHAIN_ID,
        escrow: escrow.into_array(),
        job_id: job,
        provider: PROVIDER.into_array(),
    };
    let (file, t) = prover.prove_quantized(quantized, binding, &mut rand::rngs::OsRng)?;
    let proof_path = out.join("proof.json");
    write_atomic(&proof_path, file.to_json()?.as_bytes())?;
    println!("outputs      {}", serde_json::to_string(&file.outputs)?);
    println!(
        "predicted digit: {}",
        zkinfer_onnx::argmax(&file.outputs[0])
    );
    println!(
        "proved in {:.2} s (witness {:.3} s, synthesis {:.3} s, Groth16 {:.3} s); {} proof of {} bytes; wrote {}",
        (t.witness + t.synthesis + t.prove).as_secs_f64(),
        t.witness.as_secs_f64(),
        t.synthesis.as_secs_f64(),
        t.prove.as_secs_f64(),
        file.mode,
        (file.proof.len() + file.round1_commitment.as_ref().map_or(0, String::len)) / 2,
        proof_path.display()
    );
    Ok(file)
}

/// Step 7: copied, tampered and genuine submissions to the escrow, with their gas.
async fn submissions(
    chain: &mut EmbeddedChain,
    stack: &Stack,
    vk: &VerifyingKeyFile,
    job: u64,
    file: &ProofFile,
) -> anyhow::Result<()> {
    let escrow = stack.escrow.address;
    println!("\n== 7. on chain: the escrow checks every submission against the job's pinned key");
    let copied = submit_result(chain, COPYCAT, escrow, job, file).await?;
    println!(
        "proof copied from the mempool, sent by {COPYCAT}: {}",
        outcome(&copied)
    );
    let mut claims = file.claims()?;
    claims.outputs[0][0] += 1;
    let forged = file.restated(&claims, &vk.layout)?;
    let tampered = submit_result(chain, PROVIDER, escrow, job, &forged).await?;
    println!(
        "proof with a forged output:                 {}",
        outcome(&tampered)
    );
    let paid = submit_result(chain, PROVIDER, escrow, job, file).await?;
    println!(
        "the provider's proof:                       {}",
        outcome(&paid)
    );
    if !paid.success {
        anyhow::bail!("the escrow refused the genuine proof");
    }
    let done: InferenceEscrow::JobCompleted =
        find_event(&paid.logs, escrow).ok_or_else(|| anyhow::anyhow!("no JobCompleted event"))?;
    let again = submit_result(chain, PROVIDER, escrow, job, file).await?;
    println!(
        "the same proof again:                       {}",
        outcome(&again)
    );
    let before = chain.balance(PROVIDER).await?;
    let pulled = withdraw(chain, PROVIDER, escrow, &[job], PROVIDER).await?;
    if !pulled.success {
        anyhow::bail!("withdraw refused: {}", revert_reason(&pulled.output));
    }
    println!(
        "provider withdrew {} (balance +{}, {} gas); JobCompleted carries {} output word(s)",
        ether(done.amount),
        ether(chain.balance(PROVIDER).await? - before),
        pulled.gas_used,
        done.outputs.len()
    );
    let verify_gas = verifier_gas(chain, escrow, stack.key.key_hash, file).await?;
    println!(
        "gas: verifyProof {verify_gas} (as its own transaction), submitResult {} (verify + bookkeeping + event)",
        paid.gas_used
    );
    Ok(())
}

/// Step 8: the same proof replayed on a second escrow (same key, same job id, same input) is
/// refused: the binding names the escrow and the chain.
async fn replay_elsewhere(
    chain: &mut EmbeddedChain,
    vk: &VerifyingKeyFile,
    quantized: &[Vec<i64>],
    job: u64,
    file: &ProofFile,
) -> anyhow::Result<()> {
    println!(
        "\n== 8. replay: a second escrow with the same key opens the same job for the same input"
    );
    let second = deploy_stack(chain, DEPLOYER, vk).await?;
    let mut opened = 0;
    while opened < job {
        let request = JobRequest {
            key_hash: second.key.key_hash,
            input_commitment: commit_input(&vk.layout, quantized)?,
            deadline: chain.timestamp().await? + 3600,
            input_blob: Vec::new(),
            token: Address::ZERO,
            amount: U256::from(1_000_000_000_000_000u64),
        };
        opened = open_job(chain, REQUESTER, second.escrow.address, &request)
            .await?
            .job_id;
    }
    let replayed = submit_result(chain, PROVIDER, second.escrow.address, job, file).await?;
    println!(
        "proof for escrow 1 submitted to escrow 2:  {}",
        outcome(&replayed)
    );
    if replayed.success {
        anyhow::bail!("the second escrow paid a proof made for the first");
    }
    Ok(())
}

/// Gas of calling the verifier contract alone as a transaction.
async fn verifier_gas(
    chain: &mut EmbeddedChain,
    verifier: Address,
    key_hash: zkinfer_evm::B256,
    file: &ProofFile,
) -> anyhow::Result<u64> {
    let call = verify_proof_call(key_hash, file)?;
    let r = chain
        .send(Tx::call(PROVIDER, verifier, call.abi_encode()))
        .await?;
    Ok(r.gas_used)
}

fn outcome(r: &Receipt) -> String {
    if r.success {
        format!("accepted ({} gas)", r.gas_used)
    } else {
        format!("refused: {}", revert_reason(&r.output))
    }
}

/// Verifies the proof natively, then shows a copied proof (other provider) and a forged
/// output being refused.
fn check_and_tamper(vk: &VerifyingKeyFile, file: &ProofFile) -> anyhow::Result<()> {
    println!("\n== 6. verify natively (the requester's check)");
    println!("valid proof:                 {}", show(verify(vk, file)?));
    let mut other_provider = file.claims()?;
    other_provider.provider[19] = 2;
    let copied = file.restated(&other_provider, &vk.layout)?;
    println!(
        "same proof, other provider:  {}",
        show(verify(vk, &copied)?)
    );
    let mut forged_claims = file.claims()?;
    forged_claims.outputs[0][0] += 1;
    let forged = file.restated(&forged_claims, &vk.layout)?;
    println!(
        "forged output:               {}",
        show(verify(vk, &forged)?)
    );
    Ok(())
}

fn show(v: Verdict) -> String {
    match v {
        Verdict::Accepted => "accepted".into(),
        Verdict::Rejected(why) => format!("rejected ({why})"),
    }
}
