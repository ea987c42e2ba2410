//! A phase-2 contribution and the random beacon (BGM17, as snarkjs does them): with a secret
//! `d`, `δ ← d·δ` in both groups and every L and H point `← d⁻¹·P`, and a record proving
//! knowledge of `d` is appended to the transcript.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Field;
use rayon::prelude::*;

use crate::lookup::{Delta1Record, LookupExt};
use crate::points::{g1_lem_all, g1_section};
use crate::rng::{beacon_stream, hash_to_g2, ChaCha};
use crate::transcript::{transcript_hash, Contribution, ContributionKind};
use crate::zkey::{section, Zkey};
use crate::CeremonyError;

/// The smallest and largest beacon exponents snarkjs accepts.
pub const BEACON_EXP: std::ops::RangeInclusive<u32> = 10..=63;

/// Adds a contribution whose secret comes from `stream` (see
/// [`crate::rng::contribution_stream`]); returns the new key and the contribution hash.
pub fn contribute(
    zkey: &Zkey,
    stream: &mut ChaCha,
    name: Option<String>,
) -> Result<(Zkey, [u8; 64]), CeremonyError> {
    apply(zkey, stream, ContributionKind::Contribution { name })
}

/// Adds snarkjs's beacon contribution: the secret is drawn from `SHA-256^(2^exp)(hash)`, so
/// anyone can recompute it; used last, from a value nobody could know in advance.
pub fn beacon(
    zkey: &Zkey,
    hash: &[u8],
    exp: u32,
    name: Option<String>,
) -> Result<(Zkey, [u8; 64]), CeremonyError> {
    if !BEACON_EXP.contains(&exp) {
        return Err(CeremonyError::Unsupported(format!(
            "beacon exponent {exp}: it must be in {BEACON_EXP:?}"
        )));
    }
    if hash.is_empty() || hash.len() > 255 {
        return Err(CeremonyError::Unsupported(format!(
            "a beacon of {} bytes: it must have 1..=255",
            hash.len()
        )));
    }
    let mut stream = beacon_stream(hash, exp);
    apply(
        zkey,
        &mut stream,
        ContributionKind::Beacon {
            name,
            exp,
            hash: hash.to_vec(),
        },
    )
}

/// The secret and the random point a stream gives, in snarkjs's order: `d`, then `s`.
pub(crate) fn draw(stream: &mut ChaCha) -> (Fr, G1Affine) {
    let d = stream.fr();
    (d, stream.g1())
}

fn apply(
    zkey: &Zkey,
    stream: &mut ChaCha,
    kind: ContributionKind,
) -> Result<(Zkey, [u8; 64]), CeremonyError> {
    let (d, s) = draw(stream);
    let d_inv = d
        .inverse()
        .ok_or_else(|| CeremonyError::Invalid("the drawn secret is zero".into()))?;
    let s_d = (s * d).into_affine();
    let transcript = transcript_hash(&zkey.cs_hash, &zkey.contributions, &s, &s_d);
    let r_d: G2Affine = (hash_to_g2(&transcript) * d).into_affine();
    let mut next = zkey.clone();
    next.header.delta_g1 = (zkey.header.delta_g1 * d).into_affine();
    next.header.delta_g2 = (zkey.header.delta_g2 * d).into_affine();
    for id in [section::L, section::H] {
        let points = g1_section(zkey.section(id), &format!("zkey section {id}"))?;
        next.sections.insert(id, g1_lem_all(&scale(&points, d_inv)));
    }
    if let Some(ext) = next.lookup.as_mut() {
        apply_delta1(ext, stream, &transcript)?;
    }
    let record = Contribution {
        delta_after: next.header.delta_g1,
        s,
        s_d,
        r_d,
        transcript,
        kind,
    };
    let hash = record.hash();
    next.contributions.push(record);
    Ok((next, hash))
}

/// Lookup mode: a second secret `d₁` (drawn after `d` and `s`) re-randomises `δ₁`, divides
/// `K1`, and gets its own proof of knowledge, bound to the contribution's transcript `t`.
fn apply_delta1(
    ext: &mut LookupExt,
    stream: &mut ChaCha,
    t: &[u8; 64],
) -> Result<(), CeremonyError> {
    let (d1, s1) = draw(stream);
    let d1_inv = d1
        .inverse()
        .ok_or_else(|| CeremonyError::Invalid("the drawn secret is zero".into()))?;
    let s1_d = (s1 * d1).into_affine();
    let t1 = LookupExt::transcript(t, &ext.records, &s1, &s1_d);
    let r1_d = (hash_to_g2(&t1) * d1).into_affine();
    ext.delta1_g1 = (ext.delta1_g1 * d1).into_affine();
    ext.delta1_g2 = (ext.delta1_g2 * d1).into_affine();
    ext.k1 = g1_lem_all(&scale(&ext.k1_points()?, d1_inv));
    ext.records.push(Delta1Record {
        delta1_after: ext.delta1_g1,
        s: s1,
        s_d: s1_d,
        r_d: r1_d,
    });
    Ok(())
}

/// `k·P` for every point, in parallel.
pub(crate) fn scale(points: &[G1Affine], k: Fr) -> Vec<G1Affine> {
    let out: Vec<G1Projective> = points.par_iter().map(|p| p.into_group() * k).collect();
    G1Projective::normalize_batch(&out)
}
