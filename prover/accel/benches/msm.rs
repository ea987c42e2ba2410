//! Plain vs sign-normalised CPU MSM on G1, for the scalar distributions of Groth16 witnesses.
//!
//! Prints, for 2^14 and 2^16 bases, the best-of-7 time (robust on a shared machine) of `CpuEngine::plain()` (arkworks as
//! ark-groth16 calls it) and `CpuEngine::new()` (sign-normalised) on random scalars, small
//! signed integers in [-2^17, 2^17], and bits, with the ratio plain / sign-normalised.
//! Run with `cargo bench -p zkinfer-accel --bench msm`.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::scalar_mul::ScalarMul;
use ark_ff::UniformRand;
use ark_std::rand::{rngs::StdRng, Rng, SeedableRng};
use std::hint::black_box;
use std::time::{Duration, Instant};
use zkinfer_accel::{AccelError, Accelerator, CpuEngine, MsmEngine};

/// Timed runs per measurement (after one warm-up run); the fastest is reported.
const RUNS: usize = 7;

fn main() -> Result<(), AccelError> {
    let mut rng = StdRng::seed_from_u64(42);
    let plain = CpuEngine::plain();
    let signed = CpuEngine::new();
    println!("threads: {}", signed.check()?.detail);
    println!(
        "{:>6} {:<28} {:>12} {:>12} {:>7}",
        "log2_n", "scalars", "plain", "signed", "ratio"
    );
    for log_n in [14u32, 16] {
        let n = 1usize << log_n;
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let bases: Vec<G1Affine> = G1Projective::rand(&mut rng).batch_mul(&scalars);
        let cases: [(&str, Vec<Fr>); 3] = [
            ("random", scalars),
            (
                "small signed [-2^17, 2^17]",
                (0..n)
                    .map(|_| Fr::from(rng.gen_range(-(1i64 << 17)..=1 << 17)))
                    .collect(),
            ),
            (
                "bits {0,1}",
                (0..n).map(|_| Fr::from(rng.gen::<bool>())).collect(),
            ),
        ];
        let plain_bases = plain.prepare_g1(&bases)?;
        let signed_bases = signed.prepare_g1(&bases)?;
        for (name, s) in &cases {
            let t_plain = best(|| plain.msm_g1(&plain_bases, s))?;
            let t_signed = best(|| signed.msm_g1(&signed_bases, s))?;
            println!(
                "{log_n:>6} {name:<28} {:>10.2}ms {:>10.2}ms {:>6.2}x",
                ms(t_plain),
                ms(t_signed),
                t_plain.as_secs_f64() / t_signed.as_secs_f64()
            );
        }
    }
    Ok(())
}

fn best(mut f: impl FnMut() -> Result<G1Projective, AccelError>) -> Result<Duration, AccelError> {
    let _ = black_box(f()?);
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let _ = black_box(f()?);
        times.push(start.elapsed());
    }
    Ok(times.into_iter().min().unwrap_or_default())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
