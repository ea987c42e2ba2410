//! `zkinfer ceremony …`: a model's phase-2 trusted setup in snarkjs's formats. `r1cs` exports
//! the circuit, `init` writes the initial `.zkey`, `contribute` and `beacon` add to it,
//! `verify` checks a whole transcript, `verify-step` one contribution, and `finalize` turns a
//! verified `.zkey` into the model's proving and verifying keys.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use zkinfer_ceremony::ptau::{known_ptau, Ptau};
use zkinfer_ceremony::r1cs_file::R1cs;
use zkinfer_ceremony::verify::Report;
use zkinfer_ceremony::zkey::{Zkey, CONTRIBUTION_ORDER, INIT_ORDER};
use zkinfer_ceremony::{contribute, finalize, init, rng, verify};
use zkinfer_ir::CompiledModel;
use zkinfer_prover::write_atomic;

use super::compile::MODEL_FILE;
use super::setup::{PK_FILE, VK_FILE};

/// Arguments of `zkinfer ceremony`.
#[derive(clap::Args)]
pub struct CeremonyArgs {
    #[command(subcommand)]
    command: CeremonyCommand,
}

#[derive(clap::Subcommand)]
enum CeremonyCommand {
    /// Export the model's circuit as an iden3 `.r1cs` (for snarkjs).
    R1cs {
        /// A directory written by `zkinfer compile`.
        dir: PathBuf,
        /// Where to write the `.r1cs`.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Write the initial `.zkey` of the model from a prepared `.ptau` (as `snarkjs zkey new`).
    Init {
        /// A directory written by `zkinfer compile`.
        dir: PathBuf,
        /// A prepared phase-1 file.
        #[arg(long)]
        ptau: PathBuf,
        /// Where to write the `.zkey`.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Add your contribution: prints the contribution hash to publish, writes an attestation.
    Contribute(ContributeArgs),
    /// Add a random beacon (snarkjs's derivation: SHA-256 iterated 2^EXP times on HASH).
    Beacon {
        /// The `.zkey` to contribute to.
        input: PathBuf,
        /// Where to write the new `.zkey`.
        output: PathBuf,
        /// The beacon value, hex (e.g. a future block hash announced in advance).
        hash: String,
        /// The exponent of the number of SHA-256 iterations (10..=63).
        exp: u32,
        /// A name recorded in the transcript.
        #[arg(long)]
        name: Option<String>,
    },
    /// Verify a whole transcript against the model and the `.ptau`; lists the contributions.
    Verify {
        /// A directory written by `zkinfer compile`, or a `.r1cs` file.
        circuit: PathBuf,
        /// The phase-1 file the init was made from.
        #[arg(long)]
        ptau: PathBuf,
        /// The `.zkey` to verify.
        zkey: PathBuf,
    },
    /// Verify that NEXT is PREV plus one valid contribution (a coordinator's check).
    VerifyStep {
        /// The key before the contribution.
        prev: PathBuf,
        /// The key after it.
        next: PathBuf,
    },
    /// Verify the final `.zkey` and write the model's proving and verifying keys from it.
    Finalize {
        /// The final `.zkey`.
        zkey: PathBuf,
        /// The model directory (keys are written there).
        dir: PathBuf,
        /// The phase-1 file the init was made from.
        #[arg(long)]
        ptau: PathBuf,
        /// Who coordinated the ceremony (recorded in the verifying key).
        #[arg(long, default_value = "zkinfer ceremony")]
        made_by: String,
    },
}

/// Arguments of `zkinfer ceremony contribute`.
#[derive(clap::Args)]
pub struct ContributeArgs {
    /// The `.zkey` to contribute to.
    pub input: PathBuf,
    /// Where to write the new `.zkey`.
    pub output: PathBuf,
    /// A name recorded in the transcript.
    #[arg(long)]
    pub name: Option<String>,
    /// Text mixed with the OS's randomness (asked for on stdin when neither this nor
    /// `--entropy-file` is given).
    #[arg(long, conflicts_with = "entropy_file")]
    pub entropy: Option<String>,
    /// A file whose bytes are mixed with the OS's randomness.
    #[arg(long)]
    pub entropy_file: Option<PathBuf>,
    /// Where to write the attestation (default: OUTPUT with `.attestation.txt` appended).
    #[arg(long)]
    pub attestation: Option<PathBuf>,
}

/// Runs `zkinfer ceremony`.
pub fn run(a: CeremonyArgs) -> anyhow::Result<ExitCode> {
    match a.command {
        CeremonyCommand::R1cs { dir, out } => {
            let (r1cs, round1) = model_circuit(&dir)?;
            if !round1.is_empty() {
                eprintln!(
                    "note: the model is in lookup mode; its ceremony extends the .zkey with a δ₁ \
                     chain (section 11) that snarkjs does not read, so run it with zkinfer"
                );
            }
            write_atomic(&out, &r1cs.to_bytes())?;
            println!(
                "wrote {} ({} constraints, {} wires, {} public)",
                out.display(),
                r1cs.constraints.len(),
                r1cs.num_vars,
                r1cs.num_public
            );
            Ok(ExitCode::SUCCESS)
        }
        CeremonyCommand::Init { dir, ptau, out } => init_cmd(&dir, &ptau, &out),
        CeremonyCommand::Contribute(c) => contribute_cmd(c),
        CeremonyCommand::Beacon {
            input,
            output,
            hash,
            exp,
            name,
        } => beacon_cmd(&input, &output, &hash, exp, name),
        CeremonyCommand::Verify {
            circuit,
            ptau,
            zkey,
        } => verify_cmd(&circuit, &ptau, &zkey),
        CeremonyCommand::VerifyStep { prev, next } => {
            let (prev, _) = load_zkey(&prev)?;
            let (next, _) = load_zkey(&next)?;
            match verify::verify_step(&prev, &next) {
                Ok(s) => {
                    println!("contribution #{} OK: {}", s.index, hex(&s.hash));
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("contribution INVALID: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        CeremonyCommand::Finalize {
            zkey,
            dir,
            ptau,
            made_by,
        } => finalize_cmd(&zkey, &dir, &ptau, &made_by),
    }
}

fn init_cmd(dir: &Path, ptau: &Path, out: &Path) -> anyhow::Result<ExitCode> {
    let (r1cs, round1) = model_circuit(dir)?;
    let ptau = load_ptau(ptau)?;
    let start = Instant::now();
    let zkey = init::new_zkey_with(&r1cs, &ptau, &round1)?;
    let bytes = zkey.to_bytes(&INIT_ORDER);
    write_atomic(out, &bytes)?;
    println!(
        "wrote {} in {:.2} s",
        out.display(),
        start.elapsed().as_secs_f64()
    );
    println!("circuit hash {}", hex(&zkey.cs_hash));
    println!("zkey b2sum   {}", b2(&bytes));
    Ok(ExitCode::SUCCESS)
}

fn beacon_cmd(
    input: &Path,
    output: &Path,
    hash: &str,
    exp: u32,
    name: Option<String>,
) -> anyhow::Result<ExitCode> {
    let beacon = hex::decode(hash).with_context(|| format!("the beacon {hash:?} is not hex"))?;
    let (zkey, _) = load_zkey(input)?;
    let start = Instant::now();
    let (next, h) = contribute::beacon(&zkey, &beacon, exp, name)?;
    write_atomic(output, &next.to_bytes(&CONTRIBUTION_ORDER))?;
    println!("beacon applied in {:.2} s", start.elapsed().as_secs_f64());
    println!("contribution hash {}", hex(&h));
    Ok(ExitCode::SUCCESS)
}

fn verify_cmd(circuit: &Path, ptau: &Path, zkey: &Path) -> anyhow::Result<ExitCode> {
    let (r1cs, round1) = if circuit.is_dir() {
        model_circuit(circuit)?
    } else {
        let r1cs = R1cs::from_bytes(read(circuit)?)
            .with_context(|| format!("in {}", circuit.display()))?;
        (r1cs, Vec::new())
    };
    let ptau = load_ptau(ptau)?;
    let (zkey, _) = load_zkey(zkey)?;
    let start = Instant::now();
    match verify::verify_circuit(&zkey, &r1cs, &round1, &ptau) {
        Ok(report) => {
            print_report(&report);
            println!("transcript OK ({:.2} s)", start.elapsed().as_secs_f64());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("transcript INVALID: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

fn finalize_cmd(zkey: &Path, dir: &Path, ptau: &Path, made_by: &str) -> anyhow::Result<ExitCode> {
    let model = CompiledModel::load(&dir.join(MODEL_FILE))?;
    let ptau = load_ptau(ptau)?;
    let (z, bytes) = load_zkey(zkey)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (pk, vk, report) = finalize::finalize(&model, &ptau, &z, &bytes, made_by, now)?;
    print_report(&report);
    write_atomic(&dir.join(finalize::ZKEY_FILE), &bytes)?;
    write_atomic(&dir.join(PK_FILE), &pk.to_bytes()?)?;
    write_atomic(&dir.join(VK_FILE), &vk.to_bytes()?)?;
    println!(
        "wrote {} and {} from a verified transcript (kept as {})",
        dir.join(PK_FILE).display(),
        dir.join(VK_FILE).display(),
        dir.join(finalize::ZKEY_FILE).display()
    );
    Ok(ExitCode::SUCCESS)
}

impl ContributeArgs {
    /// The contributor's entropy: `--entropy`, `--entropy-file`, or a line typed on stdin.
    pub fn entropy(&self) -> anyhow::Result<Vec<u8>> {
        Ok(match (&self.entropy, &self.entropy_file) {
            (Some(text), _) => text.as_bytes().to_vec(),
            (None, Some(path)) => read(path)?,
            (None, None) => {
                eprintln!(
                    "Type some random text (it is mixed with the OS's randomness), then Enter:"
                );
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                line.into_bytes()
            }
        })
    }

    /// Where the attestation goes: `--attestation`, or OUTPUT with `.attestation.txt`.
    pub fn attestation_path(&self) -> PathBuf {
        self.attestation.clone().unwrap_or_else(|| {
            let mut p = self.output.clone().into_os_string();
            p.push(".attestation.txt");
            PathBuf::from(p)
        })
    }
}

fn contribute_cmd(c: ContributeArgs) -> anyhow::Result<ExitCode> {
    let entropy = c.entropy()?;
    let (zkey, in_bytes) = load_zkey(&c.input)?;
    let start = Instant::now();
    let mut stream = rng::contribution_stream(&entropy);
    let (next, hash) = contribute::contribute(&zkey, &mut stream, c.name.clone())?;
    drop(stream);
    let bytes = next.to_bytes(&CONTRIBUTION_ORDER);
    write_atomic(&c.output, &bytes)?;
    let seconds = start.elapsed().as_secs_f64();
    let attestation = c.attestation_path();
    let text = format!(
        "zkinfer {} phase-2 contribution #{}\nname: {}\ncircuit hash: {}\ninput  {} b2sum {}\n\
         output {} b2sum {}\ncontribution hash: {}\n",
        env!("CARGO_PKG_VERSION"),
        next.contributions.len(),
        c.name.as_deref().unwrap_or("(none)"),
        hex(&next.cs_hash),
        c.input.display(),
        b2(&in_bytes),
        c.output.display(),
        b2(&bytes),
        hex(&hash),
    );
    write_atomic(&attestation, text.as_bytes())?;
    println!("contributed in {seconds:.2} s; the secret was never written and is now dropped");
    println!("contribution hash {}", hex(&hash));
    println!("attestation {}", attestation.display());
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &Report) {
    println!("circuit hash {}", hex(&report.cs_hash));
    for c in &report.contributions {
        let what = match &c.beacon {
            Some((exp, h)) => format!("beacon 2^{exp} × SHA-256 of {}", hex(h)),
            None => "contribution".to_owned(),
        };
        println!(
            "#{} {} {}: {}",
            c.index,
            what,
            c.name.as_deref().unwrap_or("(no name)"),
            hex(&c.hash)
        );
    }
}

fn model_circuit(dir: &Path) -> anyhow::Result<(R1cs, Vec<u32>)> {
    let model = CompiledModel::load(&dir.join(MODEL_FILE))?;
    Ok(finalize::model_circuit(&model)?)
}

/// Reads a whole file, naming it on failure.
pub fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Reads a `.ptau` and says whether it is a known public file.
pub fn load_ptau(path: &Path) -> anyhow::Result<Ptau> {
    let ptau = Ptau::load(path).with_context(|| format!("in {}", path.display()))?;
    match known_ptau(&ptau.hash) {
        Some(name) => eprintln!("ptau: the public {name} (hash pinned in this build)"),
        None => eprintln!(
            "ptau: not a known public file (b2sum {}…): trust it only if you made it or \
             checked its contributions",
            &hex(&ptau.hash)[..16]
        ),
    }
    Ok(ptau)
}

fn load_zkey(path: &Path) -> anyhow::Result<(Zkey, Vec<u8>)> {
    let bytes = read(path)?;
    let zkey = Zkey::from_bytes(bytes.clone()).with_context(|| format!("in {}", path.display()))?;
    Ok((zkey, bytes))
}

fn hex(b: &[u8]) -> String {
    hex::encode(b)
}

fn b2(bytes: &[u8]) -> String {
    hex(&zkinfer_ceremony::rng::blake2b(bytes))
}
