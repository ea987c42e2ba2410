//! `zkinfer`: compile an ONNX model into a quantized integer model and run it exactly.
//!
//! This binary only parses arguments and calls the library crates; every command lives in its
//! own file under `commands/`.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// List the ONNX ops zkinfer can import and prove.
    Ops,
    /// The main job on the bundled model: compile it and run it on its sample input.
    Demo(commands::demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compile(a) => commands::compile::run(a),
        Command::Run(a) => commands::run::run(a),
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
