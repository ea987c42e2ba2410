//! NTT conformance: the engine's NTTs against arkworks' radix-2 and mixed-radix domains.

use super::expect_eq;
use crate::{AccelError, Accelerator, Coset, Direction};
use ark_bn254::Fr;
use ark_ff::{FftField, UniformRand};
use ark_poly::{
    EvaluationDomain, GeneralEvaluationDomain, MixedRadixEvaluationDomain, Radix2EvaluationDomain,
};
use ark_std::rand::rngs::StdRng;

const ALL: [(Direction, Coset); 4] = [
    (Direction::Forward, Coset::None),
    (Direction::Inverse, Coset::None),
    (Direction::Forward, Coset::Standard),
    (Direction::Inverse, Coset::Standard),
];

/// Lengths that are neither `2^k`, `2^k·3` nor `2^k·9` must be refused with `BadSize`.
pub(super) fn check_edge_cases<E: Accelerator>(engine: &E) -> Result<(), String> {
    for len in [0usize, 5, 10, 27, 100] {
        for (dir, coset) in ALL {
            let mut values = vec![Fr::from(5u64); len];
            match engine.ntt(&mut values, dir, coset) {
                Err(AccelError::BadSize { len: got, .. }) if got == len => {}
                other => {
                    return Err(format!(
                        "{dir:?}/{coset:?} NTT of length {len} gave {other:?}"
                    ))
                }
            }
        }
        let mut values = vec![Fr::from(5u64); len];
        match engine.coset_extend(&mut values) {
            Err(AccelError::BadSize { len: got, .. }) if got == len => {}
            other => return Err(format!("coset extension of length {len} gave {other:?}")),
        }
    }
    Ok(())
}

/// Every direction and coset at length `n`, and the forward/inverse round trips.
pub(super) fn check_size<E: Accelerator>(
    engine: &E,
    rng: &mut StdRng,
    n: usize,
) -> Result<(), String> {
    let domain = if n.is_power_of_two() {
        Radix2EvaluationDomain::<Fr>::new(n).map(GeneralEvaluationDomain::Radix2)
    } else {
        MixedRadixEvaluationDomain::<Fr>::new(n)
            .filter(|d| d.size() == n)
            .map(GeneralEvaluationDomain::MixedRadix)
    }
    .ok_or_else(|| format!("arkworks has no domain of exactly {n} points"))?;
    let coset_domain = domain
        .get_coset(Fr::GENERATOR)
        .ok_or_else(|| format!("arkworks has no standard coset of size {n}"))?;
    let input: Vec<Fr> = (0..n).map(|_| Fr::rand(rng)).collect();
    for (dir, coset) in ALL {
        let d = match coset {
            Coset::None => &domain,
            Coset::Standard => &coset_domain,
        };
        let want = match dir {
            Direction::Forward => d.fft(&input),
            Direction::Inverse => d.ifft(&input),
        };
        let mut got = input.clone();
        engine
            .ntt(&mut got, dir, coset)
            .map_err(|e| format!("{dir:?}/{coset:?} NTT of length {n}: {e}"))?;
        expect_eq(&format!("{dir:?}/{coset:?} NTT"), n, got, want)?;
    }
    let mut extended = input.clone();
    engine
        .coset_extend(&mut extended)
        .map_err(|e| format!("coset extension of length {n}: {e}"))?;
    expect_eq(
        "coset extension",
        n,
        extended,
        coset_domain.fft(&domain.ifft(&input)),
    )?;
    for coset in [Coset::None, Coset::Standard] {
        let mut values = input.clone();
        engine
            .ntt(&mut values, Direction::Forward, coset)
            .and_then(|()| engine.ntt(&mut values, Direction::Inverse, coset))
            .map_err(|e| format!("{coset:?} NTT round trip of length {n}: {e}"))?;
        expect_eq(
            &format!("{coset:?} NTT round trip"),
            n,
            values,
            input.clone(),
        )?;
    }
    Ok(())
}
