//! `zkinfer bench`: for each model in `models/` and each proof mode asked for, constraints,
//! setup, witness, prove and verify times, the MSM floor, peak memory, key and proof sizes;
//! with both modes, the lookup/plain ratios.
//!
//! Each (model, mode) runs in a child process (`zkinfer bench --one DIR --mode M`) so its peak
//! memory (`VmHWM`) is its own.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::Context;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use zkinfer_ir::{InputData, QuantizeSettings};
use zkinfer_prover::{setup, Engine, Prover};

use super::engine_arg::EngineArg;
use zkinfer_r1cs::{choose_mode, estimate, ModeRequest, ProofBinding};
use zkinfer_verifier::{verify, KeyProvenance, Verdict};

/// Arguments of `zkinfer bench`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Directory holding one sub-directory per model (`model.onnx`, `calibration.json`, `input.json`).
    #[arg(long, default_value = "models")]
    pub models: PathBuf,
    /// Proofs per model (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Proof modes to measure: `both` (plain and lookup, with their ratios), `plain`,
    /// `lookup` or `auto` (the mode `compile` would pick).
    #[arg(long, default_value = "both", value_parser = ["both", "plain", "lookup", "auto"])]
    pub proof_mode: String,
    /// Benchmark only this model directory, in this process, and print one JSON line.
    #[arg(long, hide = true)]
    pub one: Option<PathBuf>,
    /// The mode of `--one` (`plain`, `lookup` or `auto`).
    #[arg(long, hide = true, default_value = "auto")]
    pub mode: String,
    /// Lookup mode with this limb width instead of the compiler's choice (to measure the
    /// choice).
    #[arg(long, value_parser = clap::value_parser!(u32).range(2..=20))]
    pub limb_bits: Option<u32>,
    #[command(flatten)]
    pub engine: EngineArg,
}

/// `plain`, `lookup` or `auto` as the mode choice's request.
pub fn mode_request(name: &str) -> anyhow::Result<ModeRequest> {
    match name {
        "plain" => Ok(ModeRequest::Plain),
        "lookup" => Ok(ModeRequest::Lookup),
        "auto" => Ok(ModeRequest::Auto),
        other => anyhow::bail!("unknown proof mode `{other}` (plain, lookup or auto)"),
    }
}

/// One model's figures.
#[derive(Serialize, Deserialize)]
struct Figures {
    model: String,
    /// `plain` or `lookup L=…`.
    mode: String,
    constraints: usize,
    public_inputs: usize,
    setup_s: f64,
    /// `Prover::new`: the circuit's matrices and the prepared key, once per model.
    load_s: f64,
    #[serde(flatten)]
    measured: Measured,
    peak_mib: f64,
    pk_bytes: usize,
    vk_bytes: usize,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn read_json(path: &Path) -> anyhow::Result<InputData> {
    super::compile::read_input(path)
}

fn bench_one(
    dir: &Path,
    runs: usize,
    mode: &str,
    limb_bits: Option<u32>,
    engine: Engine,
) -> anyhow::Result<Figures> {
    let onnx = dir.join("model.onnx");
    let compiled = zkinfer_onnx::compile(
        &onnx,
        &read_json(&dir.join("calibration.json"))?,
        QuantizeSettings::default(),
    )?;
    let mut choice = choose_mode(&compiled.model.graph, mode_request(mode)?)?;
    if let (Some(limb_bits), false) = (limb_bits, choice.mode.is_plain()) {
        choice.mode = zkinfer_ir::ProofMode::Lookup { limb_bits };
    }
    let model = compiled.model.with_proof_mode(choice.mode);
    let stats = estimate(&model)?;
    let provenance = KeyProvenance {
        made_by: "zkinfer bench".into(),
        insecure_seed: Some(0),
        created_unix: 0,
        ceremony: None,
    };
    let start = Instant::now();
    let (pk, vk) = setup(
        &model,
        &mut rand_chacha::ChaCha20Rng::seed_from_u64(0),
        provenance,
    )?;
    let setup_s = start.elapsed().as_secs_f64();
    let (pk_bytes, vk_bytes) = (pk.to_bytes()?.len(), vk.to_bytes()?.len());
    let shapes = model.graph.input_shapes();
    let sample = read_json(&dir.join("input.json"))?.single(&shapes)?;
    let start = Instant::now();
    let prover = Prover::new(engine, model, pk, vk)?;
    let load_s = start.elapsed().as_secs_f64();
    let m = measure(&prover, &sample, runs)?;
    Ok(Figures {
        model: dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        mode: mode_name(&choice.mode),
        constraints: stats.constraints,
        public_inputs: stats.public_inputs,
        setup_s,
        load_s,
        measured: m,
        peak_mib: peak_mib(),
        pk_bytes,
        vk_bytes,
    })
}

/// Medians over the measured proofs.
#[derive(Serialize, Deserialize)]
struct Measured {
    witness_s: f64,
    synthesis_s: f64,
    prove_s: f64,
    msm_s: f64,
    /// Per-MSM medians: h, l, a, b (G1), b (G2), and the round-1 commitment (lookup mode).
    msm_parts_s: [f64; 6],
    witness_map_s: f64,
    verify_ms: f64,
    proof_bytes: usize,
}

/// Proves `runs` times, verifying each proof, and times the Groth16 step's parts separately.
fn measure(prover: &Prover<Engine>, sample: &[Vec<f64>], runs: usize) -> anyhow::Result<Measured> {
    let binding = ProofBinding {
        chain_id: 31337,
        escrow: [0xe5; 20],
        job_id: 1,
        provider: [0x42; 20],
    };
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let (mut prove, mut wit, mut synth, mut msm, mut wmap, mut ver) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut parts: Vec<[f64; 6]> = vec![];
    let mut proof_bytes = 0;
    for _ in 0..runs.max(1) {
        let (file, t) = prover.prove(sample, binding, &mut rng)?;
        proof_bytes =
            (file.proof.len() + file.round1_commitment.as_ref().map_or(0, String::len)) / 2;
        prove.push((t.witness + t.synthesis + t.prove).as_secs_f64());
        wit.push(t.witness.as_secs_f64());
        synth.push(t.synthesis.as_secs_f64());
        let start = Instant::now();
        anyhow::ensure!(
            verify(prover.verifying_key(), &file)? == Verdict::Accepted,
            "bench proof rejected"
        );
        ver.push(start.elapsed().as_secs_f64() * 1e3);
        // The MSMs of this very proof (the floor), with the round-1 commitment's.
        let gt = t.parts;
        let part = [
            gt.msm_h,
            gt.msm_l,
            gt.msm_a,
            gt.msm_b_g1,
            gt.msm_b_g2,
            t.commit_round1,
        ];
        msm.push(part.iter().map(|d| d.as_secs_f64()).sum());
        parts.push(part.map(|d| d.as_secs_f64()));
        wmap.push(gt.witness_map.as_secs_f64());
    }
    Ok(Measured {
        witness_s: median(wit),
        synthesis_s: median(synth),
        prove_s: median(prove),
        msm_s: median(msm),
        msm_parts_s: std::array::from_fn(|i| median(parts.iter().map(|p| p[i]).collect())),
        witness_map_s: median(wmap),
        verify_ms: median(ver),
        proof_bytes,
    })
}

/// Peak resident memory of this process (`VmHWM`), MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(f64::NAN)
}

/// `plain` or `lookup L=…`.
fn mode_name(mode: &zkinfer_ir::ProofMode) -> String {
    match mode {
        zkinfer_ir::ProofMode::Plain => "plain".into(),
        zkinfer_ir::ProofMode::Lookup { limb_bits } => format!("lookup L={limb_bits}"),
    }
}

/// Runs `zkinfer bench`.
pub fn run(a: BenchArgs) -> anyhow::Result<ExitCode> {
    if let Some(dir) = a.one {
        let figures = bench_one(&dir, a.runs, &a.mode, a.limb_bits, a.engine.select()?)?;
        println!("{}", serde_json::to_string(&figures)?);
        return Ok(ExitCode::SUCCESS);
    }
    let modes: Vec<&str> = match a.proof_mode.as_str() {
        "both" => vec!["plain", "lookup"],
        m => vec![m],
    };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&a.models)
        .with_context(|| format!("cannot read {}", a.models.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.join("model.onnx").is_file()
                && p.join("input.json").is_file()
                && p.join("calibration.json").is_file()
        })
        .collect();
    dirs.sort();
    let exe = std::env::current_exe()?;
    println!(
        "{:<12} {:<12} {:>8} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} {:>8} {:>8} {:>9} {:>6}",
        "model",
        "mode",
        "constr",
        "setup_s",
        "load_s",
        "wit_s",
        "synth_s",
        "wmap_s",
        "prove_s",
        "msm_s",
        "pr/msm",
        "ver_ms",
        "peak_MiB",
        "pk_MiB",
        "vk_bytes",
        "proof"
    );
    for dir in dirs {
        let mut measured: Vec<Figures> = Vec::new();
        for mode in &modes {
            let out = Command::new(&exe)
                .args([
                    "bench",
                    "--runs",
                    &a.runs.to_string(),
                    "--mode",
                    mode,
                    "--engine",
                    &a.engine.engine.to_string(),
                    "--one",
                ])
                .arg(&dir)
                .output()?;
            if !out.status.success() {
                // A model with function tables has no plain mode: say so, and go on.
                println!(
                    "{:<12} {mode:<12} not measured: {}",
                    dir.display(),
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                continue;
            }
            let f: Figures = serde_json::from_slice(&out.stdout)?;
            print_row(&f);
            measured.push(f);
        }
        if let [plain, lookup] = measured.as_slice() {
            print_ratios(plain, lookup);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The lookup/plain line of a model measured in both modes.
fn print_ratios(plain: &Figures, lookup: &Figures) {
    println!(
        "{:<12} lookup/plain: constraints {:.2}× ({:.1}× fewer), prove {:.2}× ({:.2}× faster), peak memory {:.2}×, pk {:.2}×",
        plain.model,
        lookup.constraints as f64 / plain.constraints as f64,
        plain.constraints as f64 / lookup.constraints as f64,
        lookup.measured.prove_s / plain.measured.prove_s,
        plain.measured.prove_s / lookup.measured.prove_s,
        lookup.peak_mib / plain.peak_mib,
        lookup.pk_bytes as f64 / plain.pk_bytes as f64,
    );
}

/// One row of the table.
fn print_row(f: &Figures) {
    println!(
            "{:<12} {:<12} {:>8} {:>7.2} {:>7.2} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>7.2} {:>7.1} {:>8.0} {:>8.1} {:>9} {:>6}",
            f.model,
            f.mode,
            f.constraints,
            f.setup_s,
            f.load_s,
            f.measured.witness_s,
            f.measured.synthesis_s,
            f.measured.witness_map_s,
            f.measured.prove_s,
            f.measured.msm_s,
            f.measured.prove_s / f.measured.msm_s,
            f.measured.verify_ms,
            f.peak_mib,
            f.pk_bytes as f64 / (1024.0 * 1024.0),
            f.vk_bytes,
            f.measured.proof_bytes
        );
}
