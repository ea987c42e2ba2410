//! MSM and NTT timings of the CUDA engine, with the bases resident on the device, against the
//! CPU engine.
//!
//! For `2^k` points, `k` in `ZKINFER_BENCH_MIN_LOG..=ZKINFER_BENCH_MAX_LOG` (default 16..=22),
//! prints the best-of-`RUNS` time of: uploading the bases (`prepare_g1`, `prepare_g2`), a G1
//! and a G2 MSM of random scalars (scalar repack and upload included), a forward NTT and the
//! fused coset extension (copies in and out included); and, up to `ZKINFER_BENCH_CPU_MAX_LOG`
//! (default 20), one run of the CPU engine on the same inputs, with the ratio CPU / GPU.
//! Every GPU result is compared with the CPU engine's where the CPU runs.
//!
//! Bases are 2^16 random points repeated (making 2^22 distinct points on the CPU would take
//! longer than the whole benchmark; Pippenger's cost does not depend on which points they are).
//!
//! Build here, run on the GPU machine: `cargo build --release --features cuda -p
//! zkinfer-accel-cuda --bin zkinfer-cuda-bench` (see `scripts/gpu-check.sh`).

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::scalar_mul::ScalarMul;
use ark_ff::UniformRand;
use ark_std::rand::{rngs::StdRng, SeedableRng};
use std::hint::black_box;
use std::time::{Duration, Instant};
use zkinfer_accel::{AccelError, Accelerator, Coset, CpuEngine, Direction, MsmEngine, NttEngine};
use zkinfer_accel_cuda::CudaEngine;

/// Timed GPU runs per measurement, after one warm-up run; the fastest is reported.
const RUNS: usize = 5;

/// Distinct random bases; longer base vectors repeat them.
const DISTINCT: usize = 1 << 16;

/// The benchmark's size range and CPU cut-off, from the environment.
struct Config {
    min_log: u32,
    max_log: u32,
    cpu_max_log: u32,
}

impl Config {
    fn from_env() -> Result<Self, String> {
        let var = |name: &str, default: u32| -> Result<u32, String> {
            match std::env::var(name) {
                Ok(v) => v.parse().map_err(|_| format!("{name}={v} is not a number")),
                Err(_) => Ok(default),
            }
        };
        let c = Self {
            min_log: var("ZKINFER_BENCH_MIN_LOG", 16)?,
            max_log: var("ZKINFER_BENCH_MAX_LOG", 22)?,
            cpu_max_log: var("ZKINFER_BENCH_CPU_MAX_LOG", 20)?,
        };
        if c.min_log > c.max_log || c.max_log > 28 {
            return Err("need MIN_LOG <= MAX_LOG <= 28".to_owned());
        }
        Ok(c)
    }
}

/// One row of the table.
struct Row {
    what: &'static str,
    gpu: Duration,
    cpu: Option<Duration>,
}

fn main() {
    if let Err(e) = run() {
        eprintln!("zkinfer-cuda-bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env()?;
    let gpu = CudaEngine::new()?;
    let cpu = CpuEngine::new();
    let info = gpu.check()?;
    println!("gpu: {} ({})", info.name, info.detail);
    println!("cpu: {}", cpu.check()?.detail);
    println!(
        "{:>6} {:<22} {:>12} {:>12} {:>8}",
        "log2_n", "operation", "gpu", "cpu", "cpu/gpu"
    );
    let mut rng = StdRng::seed_from_u64(42);
    let max = 1usize << config.max_log;
    let g1 = repeat(
        &G1Projective::rand(&mut rng).batch_mul(&random(&mut rng, DISTINCT)),
        max,
    );
    let g2 = repeat(
        &G2Projective::rand(&mut rng).batch_mul(&random(&mut rng, DISTINCT)),
        max,
    );
    for k in config.min_log..=config.max_log {
        let n = 1usize << k;
        let with_cpu = k <= config.cpu_max_log;
        let scalars = random(&mut rng, n);
        for row in measure(&gpu, &cpu, &g1[..n], &g2[..n], &scalars, with_cpu)? {
            let (cpu_ms, ratio) = match row.cpu {
                Some(c) => (
                    format!("{:.2} ms", ms(c)),
                    format!("{:.1}x", c.as_secs_f64() / row.gpu.as_secs_f64()),
                ),
                None => ("-".to_owned(), "-".to_owned()),
            };
            println!(
                "{k:>6} {:<22} {:>9.2} ms {cpu_ms:>12} {ratio:>8}",
                row.what,
                ms(row.gpu)
            );
        }
    }
    Ok(())
}

/// Every measurement at one size.
fn measure(
    gpu: &CudaEngine,
    cpu: &CpuEngine,
    g1: &[G1Affine],
    g2: &[G2Affine],
    scalars: &[Fr],
    with_cpu: bool,
) -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let mut rows = Vec::new();

    let (t, b1) = timed_once(|| gpu.prepare_g1(g1))?;
    rows.push(Row {
        what: "prepare G1 (upload)",
        gpu: t,
        cpu: None,
    });
    let (t, b2) = timed_once(|| gpu.prepare_g2(g2))?;
    rows.push(Row {
        what: "prepare G2 (upload)",
        gpu: t,
        cpu: None,
    });

    let (t, got) = best(|| gpu.msm_g1(&b1, scalars))?;
    let c = cpu_check(with_cpu, "G1 MSM", &got, || {
        cpu.prepare_g1(g1).and_then(|b| cpu.msm_g1(&b, scalars))
    })?;
    rows.push(Row {
        what: "MSM G1",
        gpu: t,
        cpu: c,
    });
    let (t, got) = best(|| gpu.msm_g2(&b2, scalars))?;
    let c = cpu_check(with_cpu, "G2 MSM", &got, || {
        cpu.prepare_g2(g2).and_then(|b| cpu.msm_g2(&b, scalars))
    })?;
    rows.push(Row {
        what: "MSM G2",
        gpu: t,
        cpu: c,
    });

    let mut values = scalars.to_vec();
    let (t, got) = best(|| {
        values.copy_from_slice(scalars);
        gpu.ntt(&mut values, Direction::Forward, Coset::None)
            .map(|()| values.clone())
    })?;
    let c = cpu_check(with_cpu, "forward NTT", &got, || {
        let mut v = scalars.to_vec();
        cpu.ntt(&mut v, Direction::Forward, Coset::None).map(|()| v)
    })?;
    rows.push(Row {
        what: "NTT forward",
        gpu: t,
        cpu: c,
    });

    let (t, got) = best(|| {
        values.copy_from_slice(scalars);
        gpu.coset_extend(&mut values).map(|()| values.clone())
    })?;
    let c = cpu_check(with_cpu, "coset extension", &got, || {
        let mut v = scalars.to_vec();
        cpu.coset_extend(&mut v).map(|()| v)
    })?;
    rows.push(Row {
        what: "NTT coset extension",
        gpu: t,
        cpu: c,
    });
    Ok(rows)
}

/// One CPU run (its time includes preparing or copying the input, which is small next to
/// the operation), checked against the GPU result.
fn cpu_check<T: PartialEq>(
    with_cpu: bool,
    what: &str,
    gpu: &T,
    f: impl FnOnce() -> Result<T, AccelError>,
) -> Result<Option<Duration>, String> {
    if !with_cpu {
        return Ok(None);
    }
    let t = Instant::now();
    let want = f().map_err(|e| format!("{what} on the CPU: {e}"))?;
    let elapsed = t.elapsed();
    if want != *gpu {
        return Err(format!(
            "{what}: the GPU result differs from the CPU engine's"
        ));
    }
    Ok(Some(elapsed))
}

fn timed_once<T>(f: impl FnOnce() -> Result<T, AccelError>) -> Result<(Duration, T), AccelError> {
    let t = Instant::now();
    let out = f()?;
    Ok((t.elapsed(), out))
}

/// One warm-up run, then the fastest of `RUNS`; returns the last result.
fn best<T>(mut f: impl FnMut() -> Result<T, AccelError>) -> Result<(Duration, T), AccelError> {
    let mut out = black_box(f()?);
    let mut fastest = Duration::MAX;
    for _ in 0..RUNS {
        let t = Instant::now();
        out = black_box(f()?);
        fastest = fastest.min(t.elapsed());
    }
    Ok((fastest, out))
}

fn random(rng: &mut StdRng, n: usize) -> Vec<Fr> {
    (0..n).map(|_| Fr::rand(rng)).collect()
}

fn repeat<T: Copy>(distinct: &[T], n: usize) -> Vec<T> {
    distinct.iter().copied().cycle().take(n).collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
