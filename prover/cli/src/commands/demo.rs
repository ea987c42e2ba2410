//! `zkinfer demo`: the main job on the bundled model (embedded in the binary, so it runs from
//! any directory): compile, set up, prove one inference, verify it, and show tampered proofs
//! being refused.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use zkinfer_ir::{InputData, QuantizeSettings};
use zkinfer_r1cs::ProofBinding;
use zkinfer_verifier::{verify, ProofFile, Verdict};

use super::compile::{compile_to_dir, print_report};
use super::prove::{load_vk, prove_to};
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
    let compiled = compile_to_dir(
        &onnx,
        &InputData::from_json(CALIBRATION)?,
        QuantizeSettings::default(),
        &out,
    )?;
    print_report(&compiled.report);

    println!("\n== 2. setup (the requester's role; fresh randomness from the OS)");
    setup_dir(&out, None, "zkinfer demo (acting as the requester)")?;

    println!("\n== 3. prove one inference for job 1, payable to provider 0x…01");
    let mut provider = [0u8; 20];
    provider[19] = 1;
    let proof_path = out.join("proof.json");
    let (file, t) = prove_to(
        &out,
        &input,
        ProofBinding {
            job_id: 1,
            provider,
        },
        &proof_path,
    )?;
    println!("outputs      {}", serde_json::to_string(&file.outputs)?);
    println!("outputs_int  {}", serde_json::to_string(&file.outputs_int)?);
    println!(
        "predicted digit: {}",
        zkinfer_onnx::argmax(&file.outputs[0])
    );
    println!(
        "proved in {:.2} s (witness {:.3} s, synthesis {:.3} s, Groth16 {:.3} s); proof {} bytes; wrote {}",
        (t.witness + t.synthesis + t.prove).as_secs_f64(),
        t.witness.as_secs_f64(),
        t.synthesis.as_secs_f64(),
        t.prove.as_secs_f64(),
        file.proof.len() / 2,
        proof_path.display()
    );

    check_and_tamper(&out, &file)?;
    println!("\n(on-chain verification and the escrow are added by the next stage)");
    Ok(ExitCode::SUCCESS)
}

/// Verifies the proof natively, then shows a copied proof (other provider) and a forged
/// output being refused.
fn check_and_tamper(out: &std::path::Path, file: &ProofFile) -> anyhow::Result<()> {
    println!("\n== 4. verify natively (the requester's check)");
    let vk = load_vk(out, None)?;
    println!("valid proof:                 {}", show(verify(&vk, file)?));
    let mut other_provider = file.claims()?;
    other_provider.provider[19] = 2;
    let copied = file.restated(&other_provider, &vk.layout)?;
    println!(
        "same proof, other provider:  {}",
        show(verify(&vk, &copied)?)
    );
    let mut forged_claims = file.claims()?;
    forged_claims.outputs[0][0] += 1;
    let forged = file.restated(&forged_claims, &vk.layout)?;
    println!(
        "forged output:               {}",
        show(verify(&vk, &forged)?)
    );
    Ok(())
}

fn show(v: Verdict) -> String {
    match v {
        Verdict::Accepted => "accepted".into(),
        Verdict::Rejected(why) => format!("rejected ({why})"),
    }
}
