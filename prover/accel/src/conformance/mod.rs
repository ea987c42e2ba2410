//! The conformance suite every engine must pass before the prover may select it.
//!
//! [`check_engine`] compares an engine with straightforward arkworks results
//! (`VariableBaseMSM::msm`, the radix-2 and mixed-radix domains' fft/ifft on the subgroup and
//! the standard coset, and the subgroup-to-coset extension built from them) and, for
//! short inputs, with a naive sum of scalar multiplications. It covers sizes `2^k`, zero
//! scalars, identity bases, length 1, non-power-of-two MSM lengths, small negative scalars,
//! scalars on every bit-width boundary, random scalars, both NTT directions with and without
//! the coset, and the errors an engine must return instead of panicking.
//!
//! The suite is deterministic (fixed seed), so a failure reproduces.

mod msm;
mod ntt;

use crate::Accelerator;
use ark_std::rand::{rngs::StdRng, SeedableRng};
use std::ops::RangeInclusive;

/// The largest size the suite accepts: `Fr`'s two-adicity bounds the NTT domain.
const MAX_LOG_SIZE: u32 = 28;

/// Fixed seed for every input the suite generates.
const SEED: u64 = 0x7a6b_1a7e_0000_0001;

/// Runs the whole suite against `engine` for MSM and NTT lengths `2^k` (and NTT lengths
/// `3·2^k`, `9·2^k`), `k` in `log_sizes`.
///
/// Returns the first disagreement, naming the engine, the case and the length (or a refusal
/// when a log size exceeds 28, `Fr`'s two-adicity). Every engine
/// runs it with `0..=20` on its own hardware; CI runs it for [`crate::CpuEngine`] with small
/// sizes.
pub fn check_engine<E: Accelerator>(
    engine: &E,
    log_sizes: RangeInclusive<u32>,
) -> Result<(), String> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let prefix = |e: String| format!("engine `{}`: {e}", engine.name());
    msm::check_edge_cases(engine, &mut rng).map_err(prefix)?;
    ntt::check_edge_cases(engine).map_err(prefix)?;
    for k in log_sizes {
        if k > MAX_LOG_SIZE {
            return Err(prefix(format!(
                "log size {k} is beyond 2^{MAX_LOG_SIZE}, the largest NTT domain of BN254's Fr"
            )));
        }
        let n = 1usize << k;
        msm::check_size(engine, &mut rng, n).map_err(prefix)?;
        ntt::check_size(engine, &mut rng, n).map_err(prefix)?;
        // Mixed-radix lengths (the Groth16 domain when 2^k·3 or 2^k·9 fits tighter).
        if k + 4 <= MAX_LOG_SIZE {
            ntt::check_size(engine, &mut rng, 3 * n).map_err(prefix)?;
            ntt::check_size(engine, &mut rng, 9 * n).map_err(prefix)?;
        }
    }
    Ok(())
}

/// `Ok` when `got == want`, otherwise a message naming the case and length.
fn expect_eq<T: PartialEq + std::fmt::Debug>(
    case: &str,
    len: usize,
    got: T,
    want: T,
) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{case} (length {len}): got {got:?}, expected {want:?}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::check_engine;
    use crate::CpuEngine;

    #[test]
    fn cpu_engine_conforms() {
        // Up to 2^12 (and 9·2^12) so the NTT's late, thread-split stages and multi-chunk
        // passes run too.
        check_engine(&CpuEngine::new(), 0..=12).unwrap();
    }

    #[test]
    fn plain_cpu_engine_conforms() {
        check_engine(&CpuEngine::plain(), 0..=10).unwrap();
    }
}
