//! `zkinfer ptau …`: phase-1 files. `new` makes a prepared `.ptau` from one fresh secret (for
//! tests and private deployments: it is as trustworthy as the machine that ran it), `prepare`
//! adds the Lagrange sections to a `.ptau` made elsewhere, and `verify` checks a file's
//! internal consistency and says whether it is a known public one.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use zkinfer_ceremony::ptau::{known_ptau, new_ptau, prepare, Ptau};
use zkinfer_ceremony::rng;
use zkinfer_prover::write_atomic;

/// Arguments of `zkinfer ptau`.
#[derive(clap::Args)]
pub struct PtauArgs {
    #[command(subcommand)]
    command: PtauCommand,
}

#[derive(clap::Subcommand)]
enum PtauCommand {
    /// Write a prepared power-P `.ptau` from a secret drawn from the OS (and `--entropy`),
    /// then dropped.
    New {
        /// The power: domains of up to 2^P points.
        power: u32,
        /// Where to write it.
        out: PathBuf,
        /// Text mixed with the OS's randomness.
        #[arg(long, default_value = "")]
        entropy: String,
    },
    /// Add the Lagrange sections (12–15) to a `.ptau` (as `snarkjs powersoftau prepare phase2`).
    Prepare {
        /// The unprepared file.
        input: PathBuf,
        /// Where to write the prepared one.
        output: PathBuf,
    },
    /// Check a `.ptau`'s powers and Lagrange sections; say whether it is a known public file.
    Verify {
        /// The file.
        ptau: PathBuf,
    },
}

/// Runs `zkinfer ptau`.
pub fn run(a: PtauArgs) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    match a.command {
        PtauCommand::New {
            power,
            out,
            entropy,
        } => {
            let mut stream = rng::contribution_stream(entropy.as_bytes());
            let file = new_ptau(power, &mut stream)?;
            drop(stream);
            write_atomic(&out, &file.bytes)?;
            println!(
                "wrote {} (power {power}, {} bytes) in {:.2} s",
                out.display(),
                file.bytes.len(),
                start.elapsed().as_secs_f64()
            );
            println!("b2sum {}", hex(&rng::blake2b(&file.bytes)));
        }
        PtauCommand::Prepare { input, output } => {
            let ptau = Ptau::load(&input)?;
            let bytes = prepare(&ptau)?;
            write_atomic(&output, &bytes)?;
            println!(
                "wrote {} in {:.2} s",
                output.display(),
                start.elapsed().as_secs_f64()
            );
        }
        PtauCommand::Verify { ptau } => {
            let file = Ptau::load(&ptau)?;
            println!(
                "power {} (ceremony power {})",
                file.power, file.ceremony_power
            );
            println!("b2sum {}", hex(&file.hash));
            match known_ptau(&file.hash) {
                Some(name) => println!("the public {name}"),
                None => println!("not a known public file"),
            }
            if let Err(e) = file.check_consistency() {
                eprintln!("ptau INVALID: {e}");
                return Ok(ExitCode::from(1));
            }
            println!(
                "powers and Lagrange sections consistent ({:.2} s)",
                start.elapsed().as_secs_f64()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn hex(b: &[u8]) -> String {
    hex::encode(b)
}
