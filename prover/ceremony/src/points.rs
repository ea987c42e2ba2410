//! Point encodings of snarkjs's files.
//!
//! - **LEM** (in files): affine `x, y` as 32-byte little-endian Montgomery limbs (`R = 2^256`);
//!   G2 coordinates as `c0, c1`; the identity is all zeros.
//! - **U** (hashed): canonical big-endian `x ‖ y`; a G2 coordinate is the 64-byte Fq2 reversed
//!   (`c1 ‖ c0`, each big-endian); the identity is all zeros.
//!
//! Parsing checks that coordinates are reduced, that the point is on the curve and, for G2,
//! in the prime-order subgroup (BN254's G1 has cofactor 1).

use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};
use rayon::prelude::*;

use crate::CeremonyError;

/// Bytes of a G1 point in LEM or U form.
pub const G1_SIZE: usize = 64;
/// Bytes of a G2 point in LEM or U form.
pub const G2_SIZE: usize = 128;

/// An Fq element from 32 bytes of little-endian Montgomery limbs; `None` if not reduced.
pub(crate) fn fq_from_lem(b: &[u8]) -> Option<Fq> {
    let limbs = limbs_le(b);
    (limbs < Fq::MODULUS).then(|| Fq::new_unchecked(limbs))
}

/// Four little-endian u64 limbs from 32 bytes.
pub(crate) fn limbs_le(b: &[u8]) -> BigInt<4> {
    let mut l = [0u64; 4];
    for (i, limb) in l.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().unwrap_or_default());
    }
    BigInt(l)
}

fn fq_to_lem(x: &Fq, out: &mut [u8]) {
    out[..32].copy_from_slice(&x.0.to_bytes_le());
}

fn fq_to_be(x: &Fq, out: &mut [u8]) {
    out[..32].copy_from_slice(&x.into_bigint().to_bytes_be());
}

/// A G1 point in LEM form.
pub fn g1_to_lem(p: &G1Affine) -> [u8; G1_SIZE] {
    let mut out = [0u8; G1_SIZE];
    if let Some((x, y)) = p.xy() {
        fq_to_lem(&x, &mut out[..32]);
        fq_to_lem(&y, &mut out[32..]);
    }
    out
}

/// A G2 point in LEM form.
pub fn g2_to_lem(p: &G2Affine) -> [u8; G2_SIZE] {
    let mut out = [0u8; G2_SIZE];
    if let Some((x, y)) = p.xy() {
        for (i, c) in [x.c0, x.c1, y.c0, y.c1].iter().enumerate() {
            fq_to_lem(c, &mut out[32 * i..]);
        }
    }
    out
}

/// A G1 point in U form (what snarkjs hashes).
pub fn g1_to_u(p: &G1Affine) -> [u8; G1_SIZE] {
    let mut out = [0u8; G1_SIZE];
    if let Some((x, y)) = p.xy() {
        fq_to_be(&x, &mut out[..32]);
        fq_to_be(&y, &mut out[32..]);
    }
    out
}

/// A G2 point in U form.
pub fn g2_to_u(p: &G2Affine) -> [u8; G2_SIZE] {
    let mut out = [0u8; G2_SIZE];
    if let Some((x, y)) = p.xy() {
        for (i, c) in [x.c1, x.c0, y.c1, y.c0].iter().enumerate() {
            fq_to_be(c, &mut out[32 * i..]);
        }
    }
    out
}

/// A G1 point in C form (snarkjs's compressed encoding, hashed into a phase-1 response):
/// `x` big-endian, `0x80` set on the first byte when `y` is negative; the identity is `0x40`
/// and zeros.
pub fn g1_to_c(p: &G1Affine) -> [u8; G1_SIZE / 2] {
    let mut out = [0u8; G1_SIZE / 2];
    match p.xy() {
        Some((x, y)) => {
            fq_to_be(&x, &mut out);
            if fq_is_negative(&y) {
                out[0] |= 0x80;
            }
        }
        None => out[0] = 0x40,
    }
    out
}

/// A G2 point in C form: `x.c1 ‖ x.c0` big-endian, flags as for G1 with `y`'s Fq2 sign.
pub fn g2_to_c(p: &G2Affine) -> [u8; G2_SIZE / 2] {
    let mut out = [0u8; G2_SIZE / 2];
    match p.xy() {
        Some((x, y)) => {
            fq_to_be(&x.c1, &mut out[..32]);
            fq_to_be(&x.c0, &mut out[32..]);
            if fq2_is_negative(&y) {
                out[0] |= 0x80;
            }
        }
        None => out[0] = 0x40,
    }
    out
}

/// A G1 point from LEM bytes, checked to be on the curve (hence in the group).
pub fn g1_from_lem(b: &[u8]) -> Result<G1Affine, &'static str> {
    if b.iter().all(|&v| v == 0) {
        return Ok(G1Affine::identity());
    }
    let (Some(x), Some(y)) = (fq_from_lem(&b[..32]), fq_from_lem(&b[32..64])) else {
        return Err("a coordinate is not a reduced field element");
    };
    let p = G1Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err("not on the curve");
    }
    Ok(p)
}

/// A G2 point from LEM bytes, checked to be on the curve and in the prime-order subgroup.
pub fn g2_from_lem(b: &[u8]) -> Result<G2Affine, &'static str> {
    if b.iter().all(|&v| v == 0) {
        return Ok(G2Affine::identity());
    }
    let c = |i: usize| fq_from_lem(&b[32 * i..32 * i + 32]);
    let (Some(x0), Some(x1), Some(y0), Some(y1)) = (c(0), c(1), c(2), c(3)) else {
        return Err("a coordinate is not a reduced field element");
    };
    let p = G2Affine::new_unchecked(Fq2::new(x0, x1), Fq2::new(y0, y1));
    if !p.is_on_curve() {
        return Err("not on the curve");
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err("not in the prime-order subgroup");
    }
    Ok(p)
}

/// Parses a whole section of G1 points in parallel; an error names `what` and the index.
pub fn g1_section(bytes: &[u8], what: &str) -> Result<Vec<G1Affine>, CeremonyError> {
    points(bytes, G1_SIZE, what, g1_from_lem)
}

/// Parses a whole section of G2 points in parallel (with subgroup checks).
pub fn g2_section(bytes: &[u8], what: &str) -> Result<Vec<G2Affine>, CeremonyError> {
    points(bytes, G2_SIZE, what, g2_from_lem)
}

fn points<P: Send>(
    bytes: &[u8],
    size: usize,
    what: &str,
    parse: impl Fn(&[u8]) -> Result<P, &'static str> + Sync,
) -> Result<Vec<P>, CeremonyError> {
    if !bytes.len().is_multiple_of(size) {
        return Err(CeremonyError::malformed(
            "ceremony",
            format!(
                "{what}: {} bytes is not a whole number of {size}-byte points",
                bytes.len()
            ),
        ));
    }
    bytes
        .par_chunks(size)
        .enumerate()
        .map(|(i, b)| {
            parse(b).map_err(|problem| CeremonyError::BadPoint {
                what: format!("{what} point {i}"),
                problem,
            })
        })
        .collect()
}

/// LEM bytes of many G1 points, in parallel.
pub fn g1_lem_all(points: &[G1Affine]) -> Vec<u8> {
    points.par_iter().flat_map_iter(g1_to_lem).collect()
}

/// LEM bytes of many G2 points, in parallel.
pub fn g2_lem_all(points: &[G2Affine]) -> Vec<u8> {
    points.par_iter().flat_map_iter(g2_to_lem).collect()
}

/// U bytes of many G1 points, in parallel.
pub fn g1_u_all(points: &[G1Affine]) -> Vec<u8> {
    points.par_iter().flat_map_iter(g1_to_u).collect()
}

/// U bytes of many G2 points, in parallel.
pub fn g2_u_all(points: &[G2Affine]) -> Vec<u8> {
    points.par_iter().flat_map_iter(g2_to_u).collect()
}

/// Whether a coordinate is "negative" in snarkjs's sense: its canonical value exceeds
/// `(q − 1)/2`.
pub(crate) fn fq_is_negative(x: &Fq) -> bool {
    let mut half = Fq::MODULUS;
    half.div2();
    x.into_bigint() > half
}

/// snarkjs's sign of an Fq2 element: that of `c1`, or of `c0` when `c1` is zero.
pub(crate) fn fq2_is_negative(x: &Fq2) -> bool {
    if x.c1.is_zero() {
        fq_is_negative(&x.c0)
    } else {
        fq_is_negative(&x.c1)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;

    #[test]
    fn encodings_round_trip_and_reject_bad_points() {
        let mut rng = ark_std::test_rng();
        let p = ark_bn254::G1Projective::rand(&mut rng).into_affine();
        let q = ark_bn254::G2Projective::rand(&mut rng).into_affine();
        assert_eq!(g1_from_lem(&g1_to_lem(&p)).unwrap(), p);
        assert_eq!(g2_from_lem(&g2_to_lem(&q)).unwrap(), q);
        assert_eq!(g1_to_lem(&G1Affine::identity()), [0u8; 64]);
        assert!(g1_from_lem(&[0u8; 64]).unwrap().is_zero());
        // U form of the G1 generator: (1, 2) big-endian.
        let u = g1_to_u(&G1Affine::generator());
        assert_eq!(u[31], 1);
        assert_eq!(u[63], 2);
        // Off the curve.
        let mut bad = g1_to_lem(&p);
        bad[0] ^= 1;
        assert_eq!(g1_from_lem(&bad).unwrap_err(), "not on the curve");
        // Not reduced.
        let mut big = g1_to_lem(&p);
        big[24..32].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(g1_from_lem(&big).is_err());
        // A G2 point on the twist but outside the subgroup: some x gives one.
        let outside = (1u64..)
            .find_map(|i| {
                let x = Fq2::new(Fq::from(i), Fq::from(1u64));
                G2Affine::get_point_from_x_unchecked(x, false)
                    .filter(|p| !p.is_in_correct_subgroup_assuming_on_curve())
            })
            .unwrap();
        assert_eq!(
            g2_from_lem(&g2_to_lem(&outside)).unwrap_err(),
            "not in the prime-order subgroup"
        );
    }
}
