//! A phase-1 contribution and the random beacon, as `snarkjs powersoftau contribute|beacon`
//! make them: with secrets `(τ, α, β)`, every `[τ^i]` ← `τ^i·[τ^i]`, `[ατ^i]₁` ← `α·τ^i·…`,
//! `[βτ^i]₁` ← `β·τ^i·…`, `[β]₂` ← `β·[β]₂`, and a record ([`super::contributions`]) with the
//! proofs of knowledge and the hashes that chain it to the previous one is appended.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, One};
use blake2::{Blake2b512, Digest};
use rayon::prelude::*;

use super::contributions::{
    self, create_key, first_challenge_hash, Phase1Contribution, Phase1Kind, PublicKey, Secrets,
};
use super::write::Sections;
use super::Ptau;
use crate::contribute::BEACON_EXP;
use crate::hasher::Blake2bState;
use crate::points::{g1_to_c, g1_u_all, g2_to_c, g2_u_all};
use crate::rng::{beacon_stream, ChaCha};
use crate::CeremonyError;

/// A new `.ptau` (sections 1–7, unprepared, as snarkjs writes it) and the contribution's
/// hashes.
pub struct Phase1Output {
    /// The file.
    pub bytes: Vec<u8>,
    /// The contribution's response hash (what snarkjs prints as the contribution hash).
    pub response_hash: [u8; 64],
    /// The hash of the new points: the next contribution's challenge.
    pub next_challenge: [u8; 64],
}

/// Adds a contribution whose secrets come from `stream` (see
/// [`crate::rng::contribution_stream`]).
pub fn contribute(
    ptau: &Ptau,
    name: Option<String>,
    stream: &mut ChaCha,
) -> Result<Phase1Output, CeremonyError> {
    apply(ptau, name, Phase1Kind::Contribution, stream)
}

/// Adds a beacon: the secrets come from `SHA-256^(2^exp)(hash)`, so anyone can recompute them.
pub fn beacon(
    ptau: &Ptau,
    name: Option<String>,
    hash: &[u8],
    exp: u32,
) -> Result<Phase1Output, CeremonyError> {
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
    let kind = Phase1Kind::Beacon {
        hash: hash.to_vec(),
        exp,
    };
    apply(ptau, name, kind, &mut beacon_stream(hash, exp))
}

fn apply(
    ptau: &Ptau,
    name: Option<String>,
    kind: Phase1Kind,
    stream: &mut ChaCha,
) -> Result<Phase1Output, CeremonyError> {
    if ptau.power != ptau.ceremony_power {
        return Err(CeremonyError::Unsupported(format!(
            "this .ptau was reduced from power {} to {}: contribute to the full file",
            ptau.ceremony_power, ptau.power
        )));
    }
    let mut list = ptau.contributions()?;
    let challenge = list
        .last()
        .map(|c| c.next_challenge)
        .unwrap_or_else(|| first_challenge_hash(ptau.power));
    let (secrets, key) = create_key(&challenge, stream);
    check_secrets(&secrets)?;
    let sections = apply_secrets(ptau, &secrets)?;
    drop(secrets);
    let record = record(&challenge, &sections, key, name, kind)?;
    let out = Phase1Output {
        bytes: Vec::new(),
        response_hash: record.response_hash()?,
        next_challenge: record.next_challenge,
    };
    list.push(record);
    Ok(Phase1Output {
        bytes: sections.write(contributions::write(&list), None),
        ..out
    })
}

/// The file's points with the secrets applied.
fn apply_secrets(ptau: &Ptau, s: &Secrets) -> Result<Sections, CeremonyError> {
    let old = Sections::load(ptau)?;
    let one = Fr::one();
    Ok(Sections {
        power: ptau.power,
        tau_g1: scale_g1(&old.tau_g1, one, s.tau),
        tau_g2: scale_g2(&old.tau_g2, one, s.tau),
        alpha_tau_g1: scale_g1(&old.alpha_tau_g1, s.alpha, s.tau),
        beta_tau_g1: scale_g1(&old.beta_tau_g1, s.beta, s.tau),
        beta_g2: (old.beta_g2 * s.beta).into_affine(),
    })
}

/// `first·inc^i` for `i < count`.
fn scalars(count: usize, first: Fr, inc: Fr) -> Vec<Fr> {
    let mut out = Vec::with_capacity(count);
    let mut t = first;
    for _ in 0..count {
        out.push(t);
        t *= inc;
    }
    out
}

fn scale_g1(points: &[G1Affine], first: Fr, inc: Fr) -> Vec<G1Affine> {
    let k = scalars(points.len(), first, inc);
    let out: Vec<G1Projective> = points
        .par_iter()
        .zip(&k)
        .map(|(p, k)| p.into_group() * k)
        .collect();
    G1Projective::normalize_batch(&out)
}

fn scale_g2(points: &[G2Affine], first: Fr, inc: Fr) -> Vec<G2Affine> {
    let k = scalars(points.len(), first, inc);
    let out: Vec<G2Projective> = points
        .par_iter()
        .zip(&k)
        .map(|(p, k)| p.into_group() * k)
        .collect();
    G2Projective::normalize_batch(&out)
}

/// The record of a contribution that answered `challenge` with `sections`: the response
/// hasher's state over the compressed points (fed in snarkjs's chunks, 2^20 bytes of LEM
/// points each, so the saved state is the bytes snarkjs writes), and the next challenge.
pub(super) fn record(
    challenge: &[u8; 64],
    s: &Sections,
    key: PublicKey,
    name: Option<String>,
    kind: Phase1Kind,
) -> Result<Phase1Contribution, CeremonyError> {
    let mut response = response_state(challenge, s);
    let partial_hash = response.to_partial();
    response.update(&key.u_bytes());
    let next_challenge = next_challenge(&response.finalize(), s);
    let missing = || CeremonyError::Unsupported("a .ptau needs power 1 or more".into());
    Ok(Phase1Contribution {
        tau_g1: *s.tau_g1.get(1).ok_or_else(missing)?,
        tau_g2: *s.tau_g2.get(1).ok_or_else(missing)?,
        alpha_g1: s.alpha_tau_g1[0],
        beta_g1: s.beta_tau_g1[0],
        beta_g2: s.beta_g2,
        key,
        partial_hash,
        next_challenge,
        name,
        kind,
    })
}

/// BLAKE2b-512(response hash ‖ the points uncompressed).
pub(super) fn next_challenge(response_hash: &[u8; 64], s: &Sections) -> [u8; 64] {
    let mut h = Blake2b512::new();
    h.update(response_hash);
    h.update(g1_u_all(&s.tau_g1));
    h.update(g2_u_all(&s.tau_g2));
    h.update(g1_u_all(&s.alpha_tau_g1));
    h.update(g1_u_all(&s.beta_tau_g1));
    h.update(g2_u_all(&[s.beta_g2]));
    h.finalize().into()
}

/// The response hasher's state after `challenge` and `s` compressed: what a record saves.
pub(super) fn response_state(challenge: &[u8; 64], s: &Sections) -> Blake2bState {
    let mut response = Blake2bState::new();
    response.update(challenge);
    feed_c(&mut response, &s.tau_g1, 1 << 14, g1_to_c);
    feed_c(&mut response, &s.tau_g2, 1 << 13, g2_to_c);
    feed_c(&mut response, &s.alpha_tau_g1, 1 << 14, g1_to_c);
    feed_c(&mut response, &s.beta_tau_g1, 1 << 14, g1_to_c);
    feed_c(&mut response, &[s.beta_g2], 1 << 13, g2_to_c);
    response
}

/// Feeds `points` compressed, `chunk` points per update.
fn feed_c<P: Sync, const N: usize>(
    h: &mut Blake2bState,
    points: &[P],
    chunk: usize,
    to_c: fn(&P) -> [u8; N],
) {
    for part in points.chunks(chunk) {
        let bytes: Vec<u8> = part.par_iter().flat_map_iter(to_c).collect();
        h.update(&bytes);
    }
}

/// The secrets' inverse exist: a zero secret would erase the powers.
pub(super) fn check_secrets(s: &Secrets) -> Result<(), CeremonyError> {
    if [s.tau, s.alpha, s.beta]
        .iter()
        .any(|x| x.inverse().is_none())
    {
        return Err(CeremonyError::Invalid("a drawn secret is zero".into()));
    }
    Ok(())
}
