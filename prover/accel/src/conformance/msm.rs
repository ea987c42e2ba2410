//! MSM conformance: the engine's G1/G2 MSMs against arkworks' `VariableBaseMSM::msm`.

use super::expect_eq;
use crate::{AccelError, Accelerator};
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{scalar_mul::ScalarMul, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
use ark_std::{
    rand::{rngs::StdRng, Rng},
    Zero,
};

/// Lengths of the non-power-of-two cases that do not depend on the size range.
const ODD_LENGTHS: [usize; 7] = [2, 3, 5, 7, 31, 33, 100];

/// Inputs up to this length are also checked against a naive sum of scalar multiplications.
const NAIVE_MAX: usize = 128;

/// Empty and length-1 inputs, length mismatches, odd lengths and width-boundary scalars.
pub(super) fn check_edge_cases<E: Accelerator>(engine: &E, rng: &mut StdRng) -> Result<(), String> {
    check_g1(engine, "empty G1 MSM", &[], &[])?;
    check_g2(engine, "empty G2 MSM", &[], &[])?;
    check_mismatch(engine, rng)?;

    let boundary = boundary_scalars(rng);
    let g1 = g1_points(rng, boundary.len());
    let g2 = g2_points(rng, boundary.len());
    for (i, s) in boundary.iter().enumerate() {
        check_g1(
            engine,
            &format!("length-1 G1 MSM, boundary scalar #{i}"),
            &g1[..1],
            &[*s],
        )?;
    }
    check_g1(engine, "G1 MSM of width-boundary scalars", &g1, &boundary)?;
    check_g2(engine, "G2 MSM of width-boundary scalars", &g2, &boundary)?;
    check_g1(
        engine,
        "length-1 G1 MSM, identity base",
        &[G1Affine::identity()],
        &boundary[1..2],
    )?;
    check_g2(
        engine,
        "length-1 G2 MSM, identity base",
        &[G2Affine::identity()],
        &boundary[1..2],
    )?;

    for len in ODD_LENGTHS {
        let bases = g1_points(rng, len);
        let scalars = mixed_scalars(rng, len);
        check_g1(engine, "odd-length G1 MSM, mixed scalars", &bases, &scalars)?;
        let bases = g2_points(rng, len);
        check_g2(engine, "odd-length G2 MSM, mixed scalars", &bases, &scalars)?;
    }
    Ok(())
}

/// Every scalar distribution at length `n` (a power of two), plus `n ± 1`.
pub(super) fn check_size<E: Accelerator>(
    engine: &E,
    rng: &mut StdRng,
    n: usize,
) -> Result<(), String> {
    let mut bases = g1_points(rng, n);
    let prepared = engine
        .prepare_g1(&bases)
        .map_err(|e| format!("prepare_g1({n}): {e}"))?;
    let cases: [(&str, Vec<Fr>); 7] = [
        ("random scalars", (0..n).map(|_| Fr::rand(rng)).collect()),
        ("small signed scalars", small_signed(rng, n, 1 << 17)),
        (
            "bits",
            (0..n).map(|_| Fr::from(rng.gen::<bool>())).collect(),
        ),
        ("signed bits", small_signed(rng, n, 1)),
        ("zero scalars", vec![Fr::zero(); n]),
        ("mixed-width scalars", mixed_scalars(rng, n)),
        ("one", vec![Fr::from(1u64); n]),
    ];
    // The prepared bases are reused for every case, as the prover reuses a proving key's.
    for (case, scalars) in &cases {
        let got = engine
            .msm_g1(&prepared, scalars)
            .map_err(|e| format!("G1 {case}: {e}"))?;
        expect_eq(
            &format!("G1 MSM, {case}"),
            n,
            got,
            oracle_g1(&bases, scalars),
        )?;
    }

    for b in bases.iter_mut().step_by(3) {
        *b = G1Affine::identity();
    }
    check_g1(
        engine,
        "G1 MSM with identity bases, mixed scalars",
        &bases,
        &cases[5].1,
    )?;
    check_g1(
        engine,
        "G1 MSM with identity bases, random scalars",
        &bases,
        &cases[0].1,
    )?;

    let mut g2 = g2_points(rng, n);
    let prepared = engine
        .prepare_g2(&g2)
        .map_err(|e| format!("prepare_g2({n}): {e}"))?;
    // Prepared once and reused, as the prover reuses a proving key's `b_g2_query`.
    for (case, scalars) in cases.iter().take(2).chain(cases.iter().skip(4).take(1)) {
        let got = engine
            .msm_g2(&prepared, scalars)
            .map_err(|e| format!("G2 {case}: {e}"))?;
        let want = G2Projective::msm(&g2, scalars).unwrap_or_default();
        expect_eq(&format!("G2 MSM, {case}"), n, got, want)?;
    }
    for b in g2.iter_mut().step_by(3) {
        *b = G2Affine::identity();
    }
    check_g2(
        engine,
        "G2 MSM with identity bases, mixed scalars",
        &g2,
        &cases[5].1,
    )?;

    if n >= 4 {
        for len in [n - 1, n + 1] {
            let bases = g1_points(rng, len);
            let scalars = mixed_scalars(rng, len);
            check_g1(engine, "non-power-of-two G1 MSM", &bases, &scalars)?;
        }
    }
    Ok(())
}

fn check_g1<E: Accelerator>(
    engine: &E,
    case: &str,
    bases: &[G1Affine],
    scalars: &[Fr],
) -> Result<(), String> {
    let prepared = engine
        .prepare_g1(bases)
        .map_err(|e| format!("{case}: prepare_g1: {e}"))?;
    let got = engine
        .msm_g1(&prepared, scalars)
        .map_err(|e| format!("{case}: {e}"))?;
    expect_eq(case, scalars.len(), got, oracle_g1(bases, scalars))?;
    if scalars.len() <= NAIVE_MAX {
        expect_eq(
            &format!("{case} (naive oracle)"),
            scalars.len(),
            got,
            naive(bases, scalars),
        )?;
    }
    Ok(())
}

fn check_g2<E: Accelerator>(
    engine: &E,
    case: &str,
    bases: &[G2Affine],
    scalars: &[Fr],
) -> Result<(), String> {
    let prepared = engine
        .prepare_g2(bases)
        .map_err(|e| format!("{case}: prepare_g2: {e}"))?;
    let got = engine
        .msm_g2(&prepared, scalars)
        .map_err(|e| format!("{case}: {e}"))?;
    let want = G2Projective::msm(bases, scalars).unwrap_or_default();
    expect_eq(case, scalars.len(), got, want)?;
    if scalars.len() <= NAIVE_MAX {
        expect_eq(
            &format!("{case} (naive oracle)"),
            scalars.len(),
            got,
            naive(bases, scalars),
        )?;
    }
    Ok(())
}

/// Mismatched lengths must be refused with `LengthMismatch`, in G1 and in G2.
fn check_mismatch<E: Accelerator>(engine: &E, rng: &mut StdRng) -> Result<(), String> {
    let g1 = g1_points(rng, 4);
    let g2 = g2_points(rng, 4);
    let prepared = engine
        .prepare_g1(&g1)
        .map_err(|e| format!("prepare_g1(4): {e}"))?;
    let prepared_g2 = engine
        .prepare_g2(&g2)
        .map_err(|e| format!("prepare_g2(4): {e}"))?;
    for len in [0, 3, 5] {
        let scalars = vec![Fr::from(3u64); len];
        let want = AccelError::LengthMismatch {
            bases: 4,
            scalars: len,
        };
        match engine.msm_g1(&prepared, &scalars) {
            Err(e) if e == want => {}
            other => {
                return Err(format!(
                    "G1 MSM of 4 bases and {len} scalars gave {other:?}"
                ))
            }
        }
        match engine.msm_g2(&prepared_g2, &scalars) {
            Err(e) if e == want => {}
            other => {
                return Err(format!(
                    "G2 MSM of 4 bases and {len} scalars gave {other:?}"
                ))
            }
        }
    }
    Ok(())
}

fn oracle_g1(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    // Lengths are equal in every case; `unwrap_or_default` keeps the suite panic-free.
    G1Projective::msm(bases, scalars).unwrap_or_default()
}

fn naive<G: VariableBaseMSM<ScalarField = Fr>>(bases: &[G::MulBase], scalars: &[Fr]) -> G {
    bases
        .iter()
        .zip(scalars)
        .fold(G::zero(), |acc, (b, s)| acc + *b * s)
}

/// Uniform integers in `[-bound, bound]` as field elements.
fn small_signed(rng: &mut StdRng, n: usize, bound: i64) -> Vec<Fr> {
    (0..n)
        .map(|_| Fr::from(rng.gen_range(-bound..=bound)))
        .collect()
}

/// Scalars from every width class (zero, ±1, ±u8, …, ±u64, full), in random order.
fn mixed_scalars(rng: &mut StdRng, n: usize) -> Vec<Fr> {
    (0..n)
        .map(|_| {
            let magnitude = match rng.gen_range(0..8u8) {
                0 => return Fr::zero(),
                1 => Fr::from(1u64),
                2 => Fr::from(rng.gen::<u8>()),
                3 => Fr::from(rng.gen::<u16>()),
                4 => Fr::from(rng.gen::<u32>()),
                5 => Fr::from(rng.gen::<u64>()),
                6 => Fr::from(rng.gen::<u128>()),
                _ => return Fr::rand(rng),
            };
            if rng.gen() {
                -magnitude
            } else {
                magnitude
            }
        })
        .collect()
}

/// Scalars on both sides of every width boundary, each with both signs, and around `(p-1)/2`.
fn boundary_scalars(rng: &mut StdRng) -> Vec<Fr> {
    let mut out = vec![Fr::zero()];
    for v in [
        1u128,
        2,
        255,
        256,
        257,
        (1 << 16) - 1,
        1 << 16,
        (1 << 32) - 1,
        1 << 32,
        u64::MAX as u128,
        1 << 64,
        u128::MAX,
    ] {
        out.push(Fr::from(v));
        out.push(-Fr::from(v));
    }
    let half = Fr::from_bigint(Fr::MODULUS_MINUS_ONE_DIV_TWO).unwrap_or_default();
    out.extend([
        half,
        half + Fr::from(1u64),
        half - Fr::from(1u64),
        Fr::rand(rng),
    ]);
    out
}

/// `n` pseudo-random G1 points (fixed-base multiples of a random point: fast to make).
pub(super) fn g1_points(rng: &mut StdRng, n: usize) -> Vec<G1Affine> {
    points(G1Projective::rand(rng), rng, n)
}

/// `n` pseudo-random G2 points.
pub(super) fn g2_points(rng: &mut StdRng, n: usize) -> Vec<G2Affine> {
    points(G2Projective::rand(rng), rng, n)
}

fn points<G: ScalarMul<ScalarField = Fr>>(g: G, rng: &mut StdRng, n: usize) -> Vec<G::MulBase> {
    if n == 0 {
        return Vec::new();
    }
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(rng)).collect();
    g.batch_mul(&scalars)
}
