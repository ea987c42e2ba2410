//! The CPU engine's NTT against arkworks' domains (what the engine used before), for the
//! lengths of the models' QAP domains.
//!
//! Prints, for each length, the best-of-7 time (robust on a shared machine) of a forward NTT
//! and an inverse coset NTT in arkworks (`fft`/`ifft` on a `GeneralEvaluationDomain`, which
//! copies) and in the engine (in place), with the ratio arkworks / engine.
//! Run with `cargo bench -p zkinfer-accel --bench ntt`.

use ark_bn254::Fr;
use ark_ff::{FftField, UniformRand};
use ark_poly::{
    EvaluationDomain, GeneralEvaluationDomain, MixedRadixEvaluationDomain, Radix2EvaluationDomain,
};
use ark_std::rand::{rngs::StdRng, SeedableRng};
use std::hint::black_box;
use std::time::{Duration, Instant};
use zkinfer_accel::{AccelError, Accelerator, Coset, CpuEngine, Direction, NttEngine};

/// Timed runs per measurement (after one warm-up run); the fastest is reported.
const RUNS: usize = 7;

fn main() -> Result<(), AccelError> {
    let mut rng = StdRng::seed_from_u64(7);
    let engine = CpuEngine::new();
    println!("threads: {}", engine.check()?.detail);
    println!(
        "{:>9} {:<20} {:>11} {:>11} {:>7}",
        "length", "transform", "arkworks", "engine", "ratio"
    );
    for len in [1usize << 15, 9 << 12, 1 << 16, 3 << 16, 1 << 17, 1 << 18] {
        let domain = if len.is_power_of_two() {
            Radix2EvaluationDomain::<Fr>::new(len).map(GeneralEvaluationDomain::Radix2)
        } else {
            MixedRadixEvaluationDomain::<Fr>::new(len).map(GeneralEvaluationDomain::MixedRadix)
        }
        .ok_or_else(|| AccelError::BadSize {
            len,
            detail: "no arkworks domain".into(),
        })?;
        let coset = domain
            .get_coset(Fr::GENERATOR)
            .ok_or_else(|| AccelError::Device("no coset".into()))?;
        let input: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
        let cases = [
            ("forward", Direction::Forward, Coset::None, &domain),
            ("inverse coset", Direction::Inverse, Coset::Standard, &coset),
        ];
        for (name, dir, c, d) in cases {
            let ark = best(|| {
                black_box(match dir {
                    Direction::Forward => d.fft(&input),
                    Direction::Inverse => d.ifft(&input),
                });
            });
            let mut values = input.clone();
            let ours = best(|| {
                values.copy_from_slice(&input);
                let _ = black_box(engine.ntt(&mut values, dir, c));
            });
            println!(
                "{len:>9} {name:<20} {:>8.2} ms {:>8.2} ms {:>6.2}×",
                ms(ark),
                ms(ours),
                ark.as_secs_f64() / ours.as_secs_f64()
            );
        }
    }
    Ok(())
}

fn best(mut f: impl FnMut()) -> Duration {
    f();
    (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
