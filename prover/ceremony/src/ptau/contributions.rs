//! Section 7 of a `.ptau`: the phase-1 transcript, one record per contribution, in snarkjs's
//! layout, with the hashes that chain the records.
//!
//! A contribution with secrets `(τ, α, β)` answers a *challenge* (the BLAKE2b-512 of the
//! previous file's points, uncompressed). Its *response hash* is BLAKE2b-512(challenge ‖ the
//! new points compressed ‖ its public key uncompressed); the *next challenge* is
//! BLAKE2b-512(response hash ‖ the new points uncompressed). Each secret `x` comes with a proof
//! of knowledge: `[s]₁`, `[s·x]₁` for a random `s`, and `[x·r]₂` where `[r]₂` is hashed from the
//! challenge and `[s]₁, [s·x]₁` (personalisation 0, 1, 2 for τ, α, β), so a record cannot be
//! replayed against another challenge.
//!
//! A record: `[τ]₁ [τ]₂ [α]₁ [β]₁ [β]₂` (LEM), the key (`s`, `s·x` in G1 for τ, α, β, then
//! `x·r` in G2 for τ, α, β; LEM), the response hasher's state before the key (216 bytes, see
//! [`crate::hasher`]), the next challenge (64), `u32` type (0 contribution, 1 beacon), `u32`
//! length of the parameters, then parameters sorted by id: 1 name (`u8` length, UTF-8, at
//! most 64 bytes), 2 the beacon's exponent (`u8`), 3 the beacon's hash (`u8` length, bytes).

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup};

use super::KIND;
use crate::binfile::Reader;
use crate::hasher::{Blake2bState, PARTIAL_SIZE};
use crate::points::{g1_from_lem, g1_to_lem, g1_to_u, g2_from_lem, g2_to_lem, g2_to_u};
use crate::points::{G1_SIZE, G2_SIZE};
use crate::rng::{hash_to_g2, ChaCha};
use crate::CeremonyError;

/// The proof of knowledge of one secret `x`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnowledgeProof {
    /// `[s]₁` for a random `s`.
    pub g1_s: G1Affine,
    /// `[s·x]₁`.
    pub g1_sx: G1Affine,
    /// `[x·r]₂`, `[r]₂` hashed from the challenge, `g1_s` and `g1_sx`.
    pub g2_spx: G2Affine,
}

/// A contribution's public key: the proofs for τ, α and β.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    /// For τ (personalisation 0).
    pub tau: KnowledgeProof,
    /// For α (personalisation 1).
    pub alpha: KnowledgeProof,
    /// For β (personalisation 2).
    pub beta: KnowledgeProof,
}

impl PublicKey {
    /// The three proofs with their personalisations.
    pub fn parts(&self) -> [(u8, &KnowledgeProof); 3] {
        [(0, &self.tau), (1, &self.alpha), (2, &self.beta)]
    }

    /// The key uncompressed, as hashed into the response (`s`, `s·x` for τ, α, β; then the
    /// three G2 points).
    pub fn u_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(6 * G1_SIZE + 3 * G2_SIZE);
        for (_, p) in self.parts() {
            out.extend_from_slice(&g1_to_u(&p.g1_s));
            out.extend_from_slice(&g1_to_u(&p.g1_sx));
        }
        for (_, p) in self.parts() {
            out.extend_from_slice(&g2_to_u(&p.g2_spx));
        }
        out
    }
}

/// A contribution's secrets; dropped once the contribution is written.
pub struct Secrets {
    /// τ.
    pub tau: Fr,
    /// α.
    pub alpha: Fr,
    /// β.
    pub beta: Fr,
}

impl Drop for Secrets {
    /// Overwrites the secrets (through `black_box`, so the writes are not optimised away).
    fn drop(&mut self) {
        for x in [&mut self.tau, &mut self.alpha, &mut self.beta] {
            *x = Fr::from(0u8);
            std::hint::black_box(x);
        }
    }
}

/// What made a contribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase1Kind {
    /// A party's secret randomness.
    Contribution,
    /// A public random beacon: the secrets come from `SHA-256^(2^exp)(hash)`.
    Beacon {
        /// The beacon value.
        hash: Vec<u8>,
        /// The iteration exponent.
        exp: u32,
    },
}

/// One record of section 7.
#[derive(Clone, Debug)]
pub struct Phase1Contribution {
    /// `[τ]₁` after this contribution.
    pub tau_g1: G1Affine,
    /// `[τ]₂` after it.
    pub tau_g2: G2Affine,
    /// `[α]₁` after it.
    pub alpha_g1: G1Affine,
    /// `[β]₁` after it.
    pub beta_g1: G1Affine,
    /// `[β]₂` after it.
    pub beta_g2: G2Affine,
    /// The proofs of knowledge.
    pub key: PublicKey,
    /// The response hasher's state after the challenge and the compressed points.
    pub partial_hash: [u8; PARTIAL_SIZE],
    /// The hash of the points this contribution left: what the next one answers.
    pub next_challenge: [u8; 64],
    /// The contributor's name, if given.
    pub name: Option<String>,
    /// Contribution or beacon.
    pub kind: Phase1Kind,
}

impl Phase1Contribution {
    /// The response hash: the saved hasher finished with the key.
    pub fn response_hash(&self) -> Result<[u8; 64], CeremonyError> {
        let mut h = Blake2bState::from_partial(&self.partial_hash).ok_or_else(|| {
            CeremonyError::malformed(KIND, "a contribution's saved response hash is impossible")
        })?;
        h.update(&self.key.u_bytes());
        Ok(h.finalize())
    }
}

/// The challenge of the first contribution: BLAKE2b-512 of BLAKE2b-512("") and the points of
/// the empty accumulator (every power the generator), uncompressed.
pub fn first_challenge_hash(power: u32) -> [u8; 64] {
    let mut h = Blake2bState::new();
    h.update(&Blake2bState::new().finalize());
    let n = 1usize << power;
    let g1 = g1_to_u(&G1Affine::from(G1Projective::generator()));
    let g2 = g2_to_u(&G2Affine::from(G2Projective::generator()));
    for (point, count) in [
        (&g1[..], 2 * n - 1),
        (&g2[..], n),
        (&g1[..], n),
        (&g1[..], n),
        (&g2[..], 1),
    ] {
        let block: Vec<u8> = point.repeat(count.min(4096));
        let mut left = count;
        while left > 0 {
            let take = left.min(4096);
            h.update(&block[..take * point.len()]);
            left -= take;
        }
    }
    h.finalize()
}

/// `[r]₂` of a proof of knowledge: hashed from the personalisation, the challenge and the
/// proof's two G1 points.
pub fn g2_sp(personalisation: u8, challenge: &[u8; 64], p: &KnowledgeProof) -> G2Affine {
    let mut h = Blake2bState::new();
    h.update(&[personalisation]);
    h.update(challenge);
    h.update(&g1_to_u(&p.g1_s));
    h.update(&g1_to_u(&p.g1_sx));
    hash_to_g2(&h.finalize())
}

/// Draws the secrets and proves knowledge of them, in snarkjs's order: τ, α, β, then for
/// each a random `[s]₁`.
pub fn create_key(challenge: &[u8; 64], stream: &mut ChaCha) -> (Secrets, PublicKey) {
    let secrets = Secrets {
        tau: stream.fr(),
        alpha: stream.fr(),
        beta: stream.fr(),
    };
    let mut prove = |personalisation: u8, x: Fr| {
        let g1_s = stream.g1();
        let mut p = KnowledgeProof {
            g1_s,
            g1_sx: (g1_s * x).into_affine(),
            g2_spx: G2Affine::default(),
        };
        p.g2_spx = (g2_sp(personalisation, challenge, &p) * x).into_affine();
        p
    };
    let key = PublicKey {
        tau: prove(0, secrets.tau),
        alpha: prove(1, secrets.alpha),
        beta: prove(2, secrets.beta),
    };
    (secrets, key)
}

/// Parses section 7.
pub fn read(body: &[u8]) -> Result<Vec<Phase1Contribution>, CeremonyError> {
    let mut r = Reader::new(KIND, "contributions (section 7)", body);
    let count = r.u32()?;
    let mut out = Vec::new();
    for i in 0..count {
        out.push(read_one(&mut r, i as usize + 1)?);
    }
    r.finish()?;
    Ok(out)
}

fn read_one(r: &mut Reader, id: usize) -> Result<Phase1Contribution, CeremonyError> {
    let what = |field: &str| format!("ptau contribution #{id} {field}");
    let g1 = |r: &mut Reader, field: &str| -> Result<G1Affine, CeremonyError> {
        g1_from_lem(r.take(G1_SIZE)?).map_err(|problem| CeremonyError::BadPoint {
            what: what(field),
            problem,
        })
    };
    let g2 = |r: &mut Reader, field: &str| -> Result<G2Affine, CeremonyError> {
        g2_from_lem(r.take(G2_SIZE)?).map_err(|problem| CeremonyError::BadPoint {
            what: what(field),
            problem,
        })
    };
    let (tau_g1, tau_g2) = (g1(r, "[τ]₁")?, g2(r, "[τ]₂")?);
    let (alpha_g1, beta_g1, beta_g2) = (g1(r, "[α]₁")?, g1(r, "[β]₁")?, g2(r, "[β]₂")?);
    let mut g1s = Vec::with_capacity(6);
    for field in ["τ s", "τ s·x", "α s", "α s·x", "β s", "β s·x"] {
        g1s.push(g1(r, field)?);
    }
    let mut g2s = Vec::with_capacity(3);
    for field in ["τ x·r", "α x·r", "β x·r"] {
        g2s.push(g2(r, field)?);
    }
    let proof = |i: usize| KnowledgeProof {
        g1_s: g1s[2 * i],
        g1_sx: g1s[2 * i + 1],
        g2_spx: g2s[i],
    };
    let key = PublicKey {
        tau: proof(0),
        alpha: proof(1),
        beta: proof(2),
    };
    let partial_hash: [u8; PARTIAL_SIZE] = r.take(PARTIAL_SIZE)?.try_into().unwrap_or([0; 216]);
    let next_challenge: [u8; 64] = r.take(64)?.try_into().unwrap_or([0; 64]);
    let kind_id = r.u32()?;
    let params_len = r.u32()? as usize;
    let params = Params::parse(r.take(params_len)?, id)?;
    let kind = match (kind_id, params.beacon) {
        (0, None) => Phase1Kind::Contribution,
        (1, Some((exp, hash))) => Phase1Kind::Beacon { hash, exp },
        (t, _) => {
            return Err(CeremonyError::malformed(
                KIND,
                format!("contribution #{id}: type {t} does not fit its parameters"),
            ))
        }
    };
    Ok(Phase1Contribution {
        tau_g1,
        tau_g2,
        alpha_g1,
        beta_g1,
        beta_g2,
        key,
        partial_hash,
        next_challenge,
        name: params.name,
        kind,
    })
}

/// A record's parameters.
struct Params {
    name: Option<String>,
    beacon: Option<(u32, Vec<u8>)>,
}

impl Params {
    fn parse(bytes: &[u8], id: usize) -> Result<Self, CeremonyError> {
        let bad = |what: &str| {
            CeremonyError::malformed(KIND, format!("contribution #{id} parameters: {what}"))
        };
        let (mut name, mut exp, mut hash) = (None, None, None);
        let (mut i, mut last) = (0usize, 0u8);
        while i < bytes.len() {
            let id = bytes[i];
            if id <= last {
                return Err(bad("not sorted by id"));
            }
            last = id;
            let len = match id {
                2 => 1,
                1 | 3 => *bytes.get(i + 1).ok_or_else(|| bad("truncated"))? as usize,
                _ => return Err(bad(&format!("unknown parameter {id}"))),
            };
            let start = if id == 2 { i + 1 } else { i + 2 };
            let value = bytes
                .get(start..start + len)
                .ok_or_else(|| bad("truncated"))?;
            match id {
                1 => name = Some(String::from_utf8_lossy(value).into_owned()),
                2 => exp = Some(u32::from(value[0])),
                _ => hash = Some(value.to_vec()),
            }
            i = start + len;
        }
        let beacon = match (exp, hash) {
            (Some(e), Some(h)) => Some((e, h)),
            (None, None) => None,
            _ => return Err(bad("a beacon needs both its exponent and its hash")),
        };
        Ok(Self { name, beacon })
    }
}

/// Writes section 7's body.
pub fn write(list: &[Phase1Contribution]) -> Vec<u8> {
    let mut out = (list.len() as u32).to_le_bytes().to_vec();
    for c in list {
        out.extend_from_slice(&g1_to_lem(&c.tau_g1));
        out.extend_from_slice(&g2_to_lem(&c.tau_g2));
        out.extend_from_slice(&g1_to_lem(&c.alpha_g1));
        out.extend_from_slice(&g1_to_lem(&c.beta_g1));
        out.extend_from_slice(&g2_to_lem(&c.beta_g2));
        for (_, p) in c.key.parts() {
            out.extend_from_slice(&g1_to_lem(&p.g1_s));
            out.extend_from_slice(&g1_to_lem(&p.g1_sx));
        }
        for (_, p) in c.key.parts() {
            out.extend_from_slice(&g2_to_lem(&p.g2_spx));
        }
        out.extend_from_slice(&c.partial_hash);
        out.extend_from_slice(&c.next_challenge);
        let kind = u32::from(matches!(c.kind, Phase1Kind::Beacon { .. }));
        out.extend_from_slice(&kind.to_le_bytes());
        let params = params_bytes(c);
        out.extend_from_slice(&(params.len() as u32).to_le_bytes());
        out.extend_from_slice(&params);
    }
    out
}

fn params_bytes(c: &Phase1Contribution) -> Vec<u8> {
    let mut p = Vec::new();
    if let Some(name) = c.name.as_deref().filter(|n| !n.is_empty()) {
        let bytes = truncate_utf8(name, 64);
        p.push(1);
        p.push(bytes.len() as u8);
        p.extend_from_slice(bytes);
    }
    if let Phase1Kind::Beacon { hash, exp } = &c.kind {
        p.extend_from_slice(&[2, *exp as u8, 3, hash.len() as u8]);
        p.extend_from_slice(hash);
    }
    p
}

/// The first `max` characters of `s` (snarkjs keeps 64 UTF-16 units; names are short ASCII
/// in practice), as bytes.
fn truncate_utf8(s: &str, max: usize) -> &[u8] {
    match s.char_indices().nth(max) {
        Some((end, _)) => &s.as_bytes()[..end],
        None => s.as_bytes(),
    }
}
