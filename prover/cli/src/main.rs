//! `zkinfer`: compile an ONNX model into a quantized integer model, prove its inferences,
//! verify them natively and on chain.
//!
//! This binary only parses arguments and calls the library crates; every command lives in its
//! own file under `commands/`.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Verifiable ML inference: compile, run, prove and verify quantized models.
#[derive(Parser)]
#[command(name = "zkinfer", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import an ONNX model, calibrate it and write the quantized model and its report to DIR.
    Compile(commands::compile::CompileArgs),
    /// Run a compiled model on an input file and print its outputs as JSON.
    Run(commands::run::RunArgs),
    /// Generate the model's Groth16 keys from one party's randomness (development keys; keys
    /// others rely on come from `zkinfer ceremony`).
    Setup(commands::setup::SetupArgs),
    /// A model's trusted-setup ceremony in snarkjs's formats: r1cs, init, contribute, beacon,
    /// verify, verify-step, finalize.
    Ceremony(commands::ceremony::CeremonyArgs),
    /// Phase-1 (powers of tau) files: new, prepare, verify.
    Ptau(commands::ptau::PtauArgs),
    /// Prove one inference and write the proof file.
    Prove(commands::prove::ProveArgs),
    /// Verify a proof file: exit 0 valid, 1 invalid (with the reason), 2 unreadable input.
    Verify(commands::verify::VerifyArgs),
    /// Write the verifying key, a proof and its public inputs in snarkjs's Groth16 JSON formats.
    ExportSnarkjs(commands::export_snarkjs::ExportSnarkjsArgs),
    /// Write the model's on-chain verifier: Solidity, ABI, bytecode and ready-to-send init code.
    ExportVerifier(commands::export_verifier::ExportVerifierArgs),
    /// Deploy the escrow (unless given) and publish the model's verifying key in it.
    Deploy(commands::deploy::DeployArgs),
    /// Open an escrow job for a model on an input (the requester's side).
    Request(commands::request::RequestArgs),
    /// Prove an escrow job and submit the proof for payment (the provider's side).
    Submit(commands::submit::SubmitArgs),
    /// Cancel an unclaimed job you opened: its deadline moves to 10 minutes from now.
    Cancel(commands::settle::CancelArgs),
    /// Take back the payment of an expired job you opened.
    Refund(commands::settle::RefundArgs),
    /// Take the payments of jobs you were paid for (the escrow pays by pull, never by push).
    Withdraw(commands::settle::WithdrawArgs),
    /// Run a provider node: watch an escrow for jobs of the given models, prove them, get paid.
    Provider(commands::provider::ProviderArgs),
    /// Run the prover service: HTTP API, persistent job queue, worker pool.
    Serve(commands::serve::ServeArgs),
    /// Manage the service's API tokens: create (printed once), list, revoke.
    Token(commands::token::TokenArgs),
    /// Benchmark every model in models/: constraints, setup, prove, MSM floor, verify, memory, sizes.
    Bench(commands::bench::BenchArgs),
    /// List the ONNX ops zkinfer can import and prove.
    Ops,
    /// The main job: the bundled LeNet-5 compiled, set up, proved, verified natively and paid by
    /// the escrow on an embedded EVM, with copied, forged and replayed proofs refused.
    Demo(commands::demo::DemoArgs),
}

fn main() -> ExitCode {
    // arkworks opens an INFO span per constraint-system namespace and never closes it: with
    // those recorded, synthesis of even the small MLP takes seconds instead of milliseconds.
    let quiet_arkworks = tracing_subscriber::filter::Targets::new()
        .with_default(LevelFilter::INFO)
        .with_target("gr1cs", LevelFilter::OFF);
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .finish()
        .with(quiet_arkworks)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compile(a) => commands::compile::run(a),
        Command::Run(a) => commands::run::run(a),
        Command::Setup(a) => commands::setup::run(a),
        Command::Ceremony(a) => commands::ceremony::run(a),
        Command::Ptau(a) => commands::ptau::run(a),
        Command::Prove(a) => commands::prove::run(a),
        Command::Verify(a) => commands::verify::run(a),
        Command::ExportSnarkjs(a) => commands::export_snarkjs::run(a),
        Command::ExportVerifier(a) => commands::export_verifier::run(a),
        Command::Deploy(a) => commands::deploy::run(a),
        Command::Request(a) => commands::request::run(a),
        Command::Submit(a) => commands::submit::run(a),
        Command::Cancel(a) => commands::settle::run_cancel(a),
        Command::Refund(a) => commands::settle::run_refund(a),
        Command::Withdraw(a) => commands::settle::run_withdraw(a),
        Command::Provider(a) => commands::provider::run(a),
        Command::Serve(a) => commands::serve::run(a),
        Command::Token(a) => commands::token::run(a),
        Command::Bench(a) => commands::bench::run(a),
        Command::Ops => commands::ops::run(),
        Command::Demo(a) => commands::demo::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
