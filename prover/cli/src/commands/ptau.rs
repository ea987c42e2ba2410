//! `zkinfer ptau …`: phase-1 files in snarkjs's format. `new` makes a prepared `.ptau` with
//! one contribution in one step (or, with `--empty`, snarkjs's empty accumulator for a
//! multi-party phase 1), `contribute` and `beacon` add to a transcript, `prepare` adds the
//! Lagrange sections, and `verify` checks the transcript and the powers and says whether the
//! file is a known public one.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use zkinfer_ceremony::ptau::{
    self, known_ptau, new_accumulator, new_ptau, prepare, Phase1Kind, Phase1Output, Ptau,
};
use zkinfer_ceremony::rng;
use zkinfer_prover::write_atomic;

use super::ceremony::{read, ContributeArgs};

/// Arguments of `zkinfer ptau`.
#[derive(clap::Args)]
pub struct PtauArgs {
    #[command(subcommand)]
    command: PtauCommand,
}

#[derive(clap::Subcommand)]
enum PtauCommand {
    /// Write a prepared power-P `.ptau` with one contribution, whose secret is drawn from the
    /// OS (and `--entropy`) and dropped: `new`, `contribute` and `prepare` in one step.
    New {
        /// The power: domains of up to 2^P points.
        power: u32,
        /// Where to write it.
        out: PathBuf,
        /// Text mixed with the OS's randomness.
        #[arg(long, default_value = "")]
        entropy: String,
        /// A name recorded in the transcript.
        #[arg(long)]
        name: Option<String>,
        /// Write snarkjs's empty accumulator instead (no contribution, not prepared), to start
        /// a multi-party phase 1 with `ptau contribute`.
        #[arg(long, conflicts_with_all = ["entropy", "name"])]
        empty: bool,
    },
    /// Add a contribution (as `snarkjs powersoftau contribute`); the output is not prepared.
    Contribute(ContributeArgs),
    /// Add a random beacon (snarkjs's derivation: SHA-256 iterated 2^EXP times on HASH).
    Beacon {
        /// The `.ptau` to add to.
        input: PathBuf,
        /// Where to write the new `.ptau`.
        output: PathBuf,
        /// The beacon value, hex (e.g. a future block hash announced in advance).
        hash: String,
        /// The iteration exponent (10–63).
        exp: u32,
        /// A name recorded in the transcript.
        #[arg(long)]
        name: Option<String>,
    },
    /// Add the Lagrange sections (12–15) to a `.ptau` (as `snarkjs powersoftau prepare phase2`).
    Prepare {
        /// The unprepared file.
        input: PathBuf,
        /// Where to write the prepared one.
        output: PathBuf,
    },
    /// Verify the contributions, the powers and the Lagrange sections; list the contributions
    /// and say whether the file is a known public one. Exits 1 with the reason when invalid.
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
            name,
            empty,
        } => {
            let bytes = if empty {
                new_accumulator(power)?
            } else {
                let mut stream = rng::contribution_stream(entropy.as_bytes());
                new_ptau(power, name, &mut stream)?.bytes
            };
            write_atomic(&out, &bytes)?;
            println!(
                "wrote {} (power {power}, {} bytes) in {:.2} s",
                out.display(),
                bytes.len(),
                start.elapsed().as_secs_f64()
            );
            println!("b2sum {}", hex(&rng::blake2b(&bytes)));
        }
        PtauCommand::Contribute(c) => return contribute_cmd(c),
        PtauCommand::Beacon {
            input,
            output,
            hash,
            exp,
            name,
        } => {
            let value =
                hex::decode(&hash).with_context(|| format!("the beacon {hash:?} is not hex"))?;
            let file = load(&input)?;
            let out = ptau::beacon(&file, name, &value, exp)?;
            write_atomic(&output, &out.bytes)?;
            println!("beacon applied in {:.2} s", start.elapsed().as_secs_f64());
            print_hashes(&out);
        }
        PtauCommand::Prepare { input, output } => {
            let bytes = prepare(&load(&input)?)?;
            write_atomic(&output, &bytes)?;
            println!(
                "wrote {} in {:.2} s",
                output.display(),
                start.elapsed().as_secs_f64()
            );
        }
        PtauCommand::Verify { ptau } => return verify_cmd(&ptau, start),
    }
    Ok(ExitCode::SUCCESS)
}

fn load(path: &Path) -> anyhow::Result<Ptau> {
    Ptau::load(path).with_context(|| format!("in {}", path.display()))
}

fn print_hashes(out: &Phase1Output) {
    println!("contribution (response) hash {}", hex(&out.response_hash));
    println!("next challenge hash {}", hex(&out.next_challenge));
}

fn contribute_cmd(c: ContributeArgs) -> anyhow::Result<ExitCode> {
    let entropy = c.entropy()?;
    let in_bytes = read(&c.input)?;
    let file = Ptau::from_bytes(in_bytes).with_context(|| format!("in {}", c.input.display()))?;
    let start = Instant::now();
    let mut stream = rng::contribution_stream(&entropy);
    let out = ptau::contribute(&file, c.name.clone(), &mut stream)?;
    drop(stream);
    write_atomic(&c.output, &out.bytes)?;
    let seconds = start.elapsed().as_secs_f64();
    let attestation = c.attestation_path();
    let text = format!(
        "zkinfer {} phase-1 contribution #{}\nname: {}\npower: {}\ninput  {} b2sum {}\n\
         output {} b2sum {}\ncontribution (response) hash: {}\nnext challenge hash: {}\n",
        env!("CARGO_PKG_VERSION"),
        file.contributions()?.len() + 1,
        c.name.as_deref().unwrap_or("(none)"),
        file.power,
        c.input.display(),
        hex(&file.hash),
        c.output.display(),
        hex(&rng::blake2b(&out.bytes)),
        hex(&out.response_hash),
        hex(&out.next_challenge),
    );
    write_atomic(&attestation, text.as_bytes())?;
    println!("contributed in {seconds:.2} s; the secret was never written and is now dropped");
    print_hashes(&out);
    println!("attestation {}", attestation.display());
    if file.is_prepared() {
        println!("the output is not prepared: run `zkinfer ptau prepare` after the last one");
    }
    Ok(ExitCode::SUCCESS)
}

fn verify_cmd(path: &Path, start: Instant) -> anyhow::Result<ExitCode> {
    let file = load(path)?;
    println!(
        "power {} (ceremony power {})",
        file.power, file.ceremony_power
    );
    println!("b2sum {}", hex(&file.hash));
    match known_ptau(&file.hash) {
        Some(name) => println!("the public {name}"),
        None => println!("not a known public file"),
    }
    let list = match ptau::verify_transcript(&file) {
        Ok(list) => list,
        Err(e) => {
            eprintln!("ptau INVALID: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    for c in &list {
        let what = match &c.kind {
            Phase1Kind::Beacon { hash, exp } => {
                format!("beacon 2^{exp} × SHA-256 of {}", hex(hash))
            }
            Phase1Kind::Contribution => "contribution".to_owned(),
        };
        println!(
            "#{} {what} {}: {}",
            c.id,
            c.name.as_deref().unwrap_or("(no name)"),
            hex(&c.response_hash)
        );
    }
    if let Err(e) = file.check_consistency() {
        eprintln!("ptau INVALID: {e}");
        return Ok(ExitCode::from(1));
    }
    if !file.is_prepared() {
        println!("not prepared for phase 2: run `zkinfer ptau prepare`");
    }
    println!(
        "verified: the transcript ({} contributions), the powers and the Lagrange sections ({:.2} s)",
        list.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn hex(b: &[u8]) -> String {
    hex::encode(b)
}
