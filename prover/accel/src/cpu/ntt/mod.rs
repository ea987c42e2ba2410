//! The CPU NTT: in place (mixed lengths borrow one scratch buffer of the same length), natural
//! order in and out, for lengths `2^k`, `2^k·3` and `2^k·9`
//! (BN254's scalar field has 3-subgroups), with the roots arkworks' domains use, so results
//! equal arkworks' `fft`/`ifft` (and their standard-coset versions) exactly.
//!
//! Mixed lengths run radix-3 levels ([`radix3`]) over a radix-2 core ([`radix2`]); twiddle
//! and coset tables are cached per length ([`plan`]). The coset shift and the inverse's `1/n`
//! are one pointwise pass, also between the two transforms of [`coset_extend`].

mod plan;
mod radix2;
mod radix3;

use crate::{AccelError, Coset, Direction};
use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use plan::{CosetFactors, Plan, CHUNK};
use rayon::prelude::*;

/// Transforms `values` in place over the (coset) domain of size `values.len()`.
pub(super) fn ntt(values: &mut [Fr], dir: Direction, coset: Coset) -> Result<(), AccelError> {
    let len = values.len();
    let plan = plan::plan(len, dir)?;
    match (dir, coset) {
        (Direction::Forward, Coset::None) => transform(values, &plan),
        (Direction::Forward, Coset::Standard) => {
            scale_pointwise(values, &plan::coset_factors(len, CosetFactors::Forward)?);
            transform(values, &plan);
        }
        (Direction::Inverse, Coset::None) => {
            transform(values, &plan);
            let n_inv = Fr::from(len as u64).inverse().unwrap_or(Fr::one());
            values
                .par_chunks_mut(CHUNK)
                .for_each(|c| c.iter_mut().for_each(|x| *x *= n_inv));
        }
        (Direction::Inverse, Coset::Standard) => {
            transform(values, &plan);
            scale_pointwise(values, &plan::coset_factors(len, CosetFactors::Inverse)?);
        }
    }
    Ok(())
}

/// Evaluations on the subgroup → evaluations on the standard coset: the inverse transform,
/// one pass of `g^i/n`, the forward transform.
pub(super) fn coset_extend(values: &mut [Fr]) -> Result<(), AccelError> {
    let len = values.len();
    let inverse = plan::plan(len, Direction::Inverse)?;
    let forward = plan::plan(len, Direction::Forward)?;
    let factors = plan::coset_factors(len, CosetFactors::Extend)?;
    transform(values, &inverse);
    scale_pointwise(values, &factors);
    transform(values, &forward);
    Ok(())
}

/// The transform without scaling or coset: `X[k] = Σ_i x[i]·ω^(ik)` for the plan's root.
fn transform(values: &mut [Fr], plan: &Plan) {
    if plan.levels.is_empty() {
        radix2::ntt(values, &plan.radix2);
        return;
    }
    let mut scratch = vec![Fr::zero(); values.len()];
    mixed(values, &mut scratch, plan, 0);
}

/// Radix-3 level `depth` and everything below it, using `scratch` (same length) as room.
fn mixed(values: &mut [Fr], scratch: &mut [Fr], plan: &Plan, depth: usize) {
    let Some(level) = plan.levels.get(depth) else {
        radix2::ntt(values, &plan.radix2);
        return;
    };
    let m = values.len() / 3;
    radix3::decimate(values, scratch);
    // The thirds are independent: transforming them side by side keeps every thread busy
    // even where one radix-2 core of 2^k points is too small to split well.
    scratch
        .par_chunks_mut(m)
        .zip(values.par_chunks_mut(m))
        .for_each(|(third, room)| mixed(third, room, plan, depth + 1));
    radix3::combine(scratch, values, level);
}

/// `values[i] *= factors[i]`, in parallel.
fn scale_pointwise(values: &mut [Fr], factors: &[Fr]) {
    values
        .par_chunks_mut(CHUNK)
        .zip(factors.par_chunks(CHUNK))
        .for_each(|(v, f)| v.iter_mut().zip(f).for_each(|(x, f)| *x *= f));
}
