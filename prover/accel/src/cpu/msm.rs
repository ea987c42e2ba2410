//! CPU MSM kernels: arkworks' `msm_bigint`, with and without sign normalisation.
//!
//! The sign-normalised path splits each scalar into sign and magnitude ([`split_sign`]),
//! negates the base of every negative scalar, and sends each bit-width class to arkworks'
//! width-specialised MSM (`msm_u1` … `msm_u64`), so a `-3` costs what a `3` costs. Positive and
//! negative scalars of one width share one MSM (one set of buckets) instead of two.
//!
//! ark-ec 0.6's `msm_bigint` (the plain path) already routes a scalar `s` with a small `p - s`
//! to its negated small-width groups, so on the CPU the two paths cost about the same (the
//! `msm` bench: within ±15% on random, small signed and bit scalars). The explicit path keeps
//! the optimisation independent of arkworks' internals and is the reference for device engines,
//! whose kernels treat every scalar as full width. It copies each base once more than the plain
//! path (transient memory: two copies of the bases).

use crate::signed::{split_sign, FrBigInt, Width};
use ark_bn254::Fr;
use ark_ec::VariableBaseMSM;
use ark_ff::PrimeField;
use rayon::prelude::*;

/// Arkworks exactly as ark-groth16 calls it: canonical big integers into `msm_bigint`.
pub(super) fn plain<G>(bases: &[G::MulBase], scalars: &[Fr]) -> G
where
    G: VariableBaseMSM<ScalarField = Fr>,
{
    let bigints: Vec<FrBigInt> = scalars.par_iter().map(|s| s.into_bigint()).collect();
    G::msm_bigint(bases, &bigints)
}

/// One width class: bases (negated where the scalar was negative) and magnitudes.
struct Class<B, T> {
    bases: Vec<B>,
    magnitudes: Vec<T>,
}

impl<B: Copy, T: Copy> Class<B, T> {
    fn new() -> Self {
        Self {
            bases: Vec::new(),
            magnitudes: Vec::new(),
        }
    }

    fn push(&mut self, base: B, magnitude: T) {
        self.bases.push(base);
        self.magnitudes.push(magnitude);
    }

    /// Concatenates one class across every chunk (`pick` selects the class).
    fn concat<R>(parts: &[R], pick: impl Fn(&R) -> &Self) -> Self {
        let len = parts.iter().map(|p| pick(p).bases.len()).sum();
        let mut out = Self {
            bases: Vec::with_capacity(len),
            magnitudes: Vec::with_capacity(len),
        };
        for p in parts {
            out.bases.extend_from_slice(&pick(p).bases);
            out.magnitudes.extend_from_slice(&pick(p).magnitudes);
        }
        out
    }
}

/// The scalars of one chunk of the input, routed by width.
struct Routed<B> {
    one: Class<B, bool>,
    u8: Class<B, u8>,
    u16: Class<B, u16>,
    u32: Class<B, u32>,
    u64: Class<B, u64>,
    big: Class<B, FrBigInt>,
}

impl<B: Copy + core::ops::Neg<Output = B>> Routed<B> {
    /// Splits each scalar into sign and magnitude and files it, with its (negated) base, under
    /// its width. The `as` casts are exact: `Width` guarantees the magnitude fits.
    fn route(bases: &[B], scalars: &[Fr]) -> Self {
        let mut out = Self {
            one: Class::new(),
            u8: Class::new(),
            u16: Class::new(),
            u32: Class::new(),
            u64: Class::new(),
            big: Class::new(),
        };
        for (base, s) in bases.iter().zip(scalars) {
            let (negative, magnitude) = split_sign(s);
            let base = if negative { -*base } else { *base };
            let low = magnitude.0[0];
            match Width::of(&magnitude) {
                Width::Zero => {}
                Width::One => out.one.push(base, true),
                Width::U8 => out.u8.push(base, low as u8),
                Width::U16 => out.u16.push(base, low as u16),
                Width::U32 => out.u32.push(base, low as u32),
                Width::U64 => out.u64.push(base, low),
                Width::Big => out.big.push(base, magnitude),
            }
        }
        out
    }
}

/// Chunks routed in parallel: a few per thread, so uneven chunks still balance.
const CHUNKS_PER_THREAD: usize = 4;

/// `Σ scalars[i]·bases[i]` with sign-normalised scalars routed by bit width.
/// The caller has checked that the slices have equal length.
pub(super) fn sign_normalised<G>(bases: &[G::MulBase], scalars: &[Fr]) -> G
where
    G: VariableBaseMSM<ScalarField = Fr>,
{
    let chunk = scalars
        .len()
        .div_ceil(rayon::current_num_threads() * CHUNKS_PER_THREAD)
        .max(1);
    let parts: Vec<Routed<G::MulBase>> = bases
        .par_chunks(chunk)
        .zip(scalars.par_chunks(chunk))
        .map(|(b, s)| Routed::route(b, s))
        .collect();

    let c = Class::concat(&parts, |p| &p.one);
    let mut acc = G::msm_u1(&c.bases, &c.magnitudes);
    let c = Class::concat(&parts, |p| &p.u8);
    acc += G::msm_u8(&c.bases, &c.magnitudes);
    let c = Class::concat(&parts, |p| &p.u16);
    acc += G::msm_u16(&c.bases, &c.magnitudes);
    let c = Class::concat(&parts, |p| &p.u32);
    acc += G::msm_u32(&c.bases, &c.magnitudes);
    let c = Class::concat(&parts, |p| &p.u64);
    acc += G::msm_u64(&c.bases, &c.magnitudes);
    let c = Class::concat(&parts, |p| &p.big);
    acc += G::msm_bigint(&c.bases, &c.magnitudes);
    acc
}
