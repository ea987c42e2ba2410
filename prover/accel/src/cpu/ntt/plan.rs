//! NTT plans: the twiddle tables for one length and direction, built once and cached.
//!
//! A length `n = 2^k·3^j` (`j ≤ 2`) with root `ω` (ark's `get_root_of_unity(n)`, or its
//! inverse for inverse transforms) is split into `j` radix-3 levels over a radix-2 core of
//! `2^k` points with root `ω^(3^j)`. Coset tables ([`CosetFactors`]) are cached beside the
//! plans. Tables live for the process: a prover proves
//! many times at the few lengths its models use.

use crate::{AccelError, Direction};
use ark_bn254::Fr;
use ark_ff::{FftField, Field, One};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Elements per parallel task when filling tables and scaling.
pub(super) const CHUNK: usize = 1 << 12;

/// The twiddles of one radix-3 level of length `3m`.
#[derive(Debug)]
pub(super) struct Radix3Level {
    /// `ω_L^k` for `k < m` (`ω_L` the level's root of order `3m`).
    pub tw1: Vec<Fr>,
    /// `ω_L^(2k)` for `k < m`.
    pub tw2: Vec<Fr>,
    /// `ω_L^m`, a primitive cube root of unity.
    pub w3: Fr,
}

/// Everything a transform of one length in one direction needs.
#[derive(Debug)]
pub(super) struct Plan {
    /// Radix-3 levels, outermost (full length) first.
    pub levels: Vec<Radix3Level>,
    /// Twiddles of the radix-2 core of length `c`: for each stage half-width `h = 1, 2, 4, …,
    /// c/2`, the `h` values `ω_(2h)^i` at offsets `h−1 .. 2h−1` (`c − 1` values in all).
    pub radix2: Vec<Fr>,
}

/// Which per-point factors a coset table holds (`g` the standard coset's offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum CosetFactors {
    /// `g^i`: applied to coefficients before a forward transform.
    Forward,
    /// `g^-i/n`: applied after an inverse transform (with its `1/n` scaling).
    Inverse,
    /// `g^i/n`: between an inverse and a forward transform (subgroup to coset).
    Extend,
}

/// What a cached table is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    /// The twiddles of a transform.
    Plan(usize, Direction),
    /// Per-point coset factors.
    Coset(usize, CosetFactors),
}

/// A cached table.
#[derive(Debug, Clone)]
enum Entry {
    Plan(Arc<Plan>),
    Coset(Arc<Vec<Fr>>),
}

fn cache() -> &'static Mutex<HashMap<Key, Entry>> {
    static CACHE: OnceLock<Mutex<HashMap<Key, Entry>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The cached entry for `key`, built by `make` on first use. The lock is not held while
/// building, so two threads may build the same table once each; both results are equal.
fn cached(key: Key, make: impl FnOnce() -> Entry) -> Entry {
    let found = cache()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
        .cloned();
    found.unwrap_or_else(|| {
        let entry = make();
        cache()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_insert(entry)
            .clone()
    })
}

/// How a supported length factors: `(2^k, j)` with `len = 2^k·3^j`.
pub(super) fn factor(len: usize) -> Result<(usize, u32), AccelError> {
    let bad = |detail: &str| AccelError::BadSize {
        len,
        detail: detail.to_owned(),
    };
    if len == 0 {
        return Err(bad("NTT length must be 2^k, 2^k·3 or 2^k·9"));
    }
    let two = 1usize << len.trailing_zeros();
    let j = match len / two {
        1 => 0,
        3 => 1,
        9 => 2,
        _ => return Err(bad("NTT length must be 2^k, 2^k·3 or 2^k·9")),
    };
    if two.trailing_zeros() > Fr::TWO_ADICITY {
        return Err(bad(&format!("NTT length exceeds 2^{}·9", Fr::TWO_ADICITY)));
    }
    Ok((two, j))
}

/// The root of unity of order `len` the transform uses (ark's choice), inverted for inverse
/// transforms.
fn root(len: usize, dir: Direction) -> Result<Fr, AccelError> {
    let omega = Fr::get_root_of_unity(len as u64).ok_or_else(|| AccelError::BadSize {
        len,
        detail: "BN254's Fr has no root of unity of this order".to_owned(),
    })?;
    Ok(match dir {
        Direction::Forward => omega,
        Direction::Inverse => omega.inverse().unwrap_or(omega),
    })
}

/// The cached plan for `len` in direction `dir`.
pub(super) fn plan(len: usize, dir: Direction) -> Result<Arc<Plan>, AccelError> {
    let (core, j) = factor(len)?;
    let omega = root(len, dir)?;
    match cached(Key::Plan(len, dir), || {
        Entry::Plan(Arc::new(build_plan(len, core, j, omega)))
    }) {
        Entry::Plan(p) => Ok(p),
        Entry::Coset(_) => Err(AccelError::Device("NTT plan cache is inconsistent".into())),
    }
}

fn build_plan(len: usize, core: usize, j: u32, omega: Fr) -> Plan {
    let mut levels = Vec::new();
    let mut root = omega;
    let mut l = len;
    for _ in 0..j {
        let m = l / 3;
        let tw1 = powers(root, Fr::one(), m);
        let tw2 = powers(root.square(), Fr::one(), m);
        levels.push(Radix3Level {
            tw1,
            tw2,
            w3: root.pow([m as u64]),
        });
        root = root.square() * root;
        l = m;
    }
    let mut radix2 = Vec::with_capacity(core.saturating_sub(1));
    let mut h = 1;
    while h < core {
        // ω_(2h) = root^(core / 2h)
        let w = root.pow([(core / (2 * h)) as u64]);
        radix2.extend(powers(w, Fr::one(), h));
        h *= 2;
    }
    Plan { levels, radix2 }
}

/// The cached per-point coset factors `which` for length `len`.
pub(super) fn coset_factors(len: usize, which: CosetFactors) -> Result<Arc<Vec<Fr>>, AccelError> {
    factor(len)?;
    let g = Fr::GENERATOR;
    let n_inv = || Fr::from(len as u64).inverse().unwrap_or(Fr::one());
    let make = || match which {
        CosetFactors::Forward => powers(g, Fr::one(), len),
        CosetFactors::Inverse => powers(g.inverse().unwrap_or(g), n_inv(), len),
        CosetFactors::Extend => powers(g, n_inv(), len),
    };
    match cached(Key::Coset(len, which), || Entry::Coset(Arc::new(make()))) {
        Entry::Coset(c) => Ok(c),
        Entry::Plan(_) => Err(AccelError::Device("NTT coset cache is inconsistent".into())),
    }
}

/// `start·base^i` for `i < len`, in parallel chunks.
pub(super) fn powers(base: Fr, start: Fr, len: usize) -> Vec<Fr> {
    let mut out = vec![Fr::one(); len];
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            let mut p = start * base.pow([(c * CHUNK) as u64]);
            for x in chunk {
                *x = p;
                p *= base;
            }
        });
    out
}
