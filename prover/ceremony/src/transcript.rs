//! The phase-2 transcript (`.zkey` section 10): the circuit hash, then one record per
//! contribution, and the hashes that chain them (BGM17 as snarkjs implements it).
//!
//! A record is `δ₁ after ‖ s ‖ s·d ‖ r·d` (LEM), the 64-byte transcript hash `T`, `u32 type`
//! (0 contribution, 1 beacon) and type-length-value parameters (1 name, 2 beacon exponent,
//! 3 beacon hash). `T_k = BLAKE2b-512(csHash ‖ pk_0 ‖ … ‖ pk_(k−1) ‖ U(s) ‖ U(s·d))` with
//! `pk = U(δ₁ after) ‖ U(s) ‖ U(s·d) ‖ U(r·d) ‖ T`, `r = hashToG2(T)`; a contribution's hash
//! (what its author publishes) is `BLAKE2b-512(pk)`.

use ark_bn254::{G1Affine, G2Affine};
use blake2::{Blake2b512, Digest};

use crate::binfile::Reader;
use crate::points::{
    g1_from_lem, g1_to_lem, g1_to_u, g2_from_lem, g2_to_lem, g2_to_u, G1_SIZE, G2_SIZE,
};
use crate::CeremonyError;

/// Who made a contribution, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContributionKind {
    /// A participant's secret.
    Contribution {
        /// The name the participant gave (at most 64 characters are kept).
        name: Option<String>,
    },
    /// A public random beacon: the secret is derived from `hash` by `2^exp` SHA-256 rounds.
    Beacon {
        /// The name given.
        name: Option<String>,
        /// The exponent of the number of SHA-256 iterations (10..=63).
        exp: u32,
        /// The beacon value.
        hash: Vec<u8>,
    },
}

/// One record of the transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contribution {
    /// `[δ]₁` after this contribution.
    pub delta_after: G1Affine,
    /// The random `s ∈ G1`.
    pub s: G1Affine,
    /// `s·d`.
    pub s_d: G1Affine,
    /// `r·d` with `r = hashToG2(T)`.
    pub r_d: G2Affine,
    /// The transcript hash `T`.
    pub transcript: [u8; 64],
    /// Contribution or beacon, with its parameters.
    pub kind: ContributionKind,
}

impl Contribution {
    /// The public key `pk` as hashed: `U(δ₁ after) ‖ U(s) ‖ U(s·d) ‖ U(r·d) ‖ T`.
    pub fn public_key_u(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(3 * G1_SIZE + G2_SIZE + 64);
        out.extend_from_slice(&g1_to_u(&self.delta_after));
        out.extend_from_slice(&g1_to_u(&self.s));
        out.extend_from_slice(&g1_to_u(&self.s_d));
        out.extend_from_slice(&g2_to_u(&self.r_d));
        out.extend_from_slice(&self.transcript);
        out
    }

    /// The contribution hash its author publishes: `BLAKE2b-512(pk)`.
    pub fn hash(&self) -> [u8; 64] {
        Blake2b512::digest(self.public_key_u()).into()
    }

    /// The name given, if any.
    pub fn name(&self) -> Option<&str> {
        match &self.kind {
            ContributionKind::Contribution { name } | ContributionKind::Beacon { name, .. } => {
                name.as_deref()
            }
        }
    }
}

/// `T` for a new contribution with `s, s·d` after the records `previous`.
pub fn transcript_hash(
    cs_hash: &[u8; 64],
    previous: &[Contribution],
    s: &G1Affine,
    s_d: &G1Affine,
) -> [u8; 64] {
    let mut h = Blake2b512::new();
    h.update(cs_hash);
    for c in previous {
        h.update(c.public_key_u());
    }
    h.update(g1_to_u(s));
    h.update(g1_to_u(s_d));
    h.finalize().into()
}

/// Section 10's bytes.
pub(crate) fn write_mpc(cs_hash: &[u8; 64], contributions: &[Contribution]) -> Vec<u8> {
    let mut out = cs_hash.to_vec();
    out.extend_from_slice(&(contributions.len() as u32).to_le_bytes());
    for c in contributions {
        out.extend_from_slice(&g1_to_lem(&c.delta_after));
        out.extend_from_slice(&g1_to_lem(&c.s));
        out.extend_from_slice(&g1_to_lem(&c.s_d));
        out.extend_from_slice(&g2_to_lem(&c.r_d));
        out.extend_from_slice(&c.transcript);
        let kind = match c.kind {
            ContributionKind::Contribution { .. } => 0u32,
            ContributionKind::Beacon { .. } => 1,
        };
        out.extend_from_slice(&kind.to_le_bytes());
        let params = crate::zkey::params_bytes(&c.kind);
        out.extend_from_slice(&(params.len() as u32).to_le_bytes());
        out.extend_from_slice(&params);
    }
    out
}

/// Parses section 10, checking every point (on the curve, in the subgroup).
pub(crate) fn parse_mpc(body: &[u8]) -> Result<([u8; 64], Vec<Contribution>), CeremonyError> {
    let mut r = Reader::new("zkey", "contributions (section 10)", body);
    let cs_hash: [u8; 64] = r.take(64)?.try_into().unwrap_or([0; 64]);
    let count = r.u32()?;
    let mut out = Vec::new();
    for k in 0..count {
        let point = |problem, what: &str| CeremonyError::BadPoint {
            what: format!("contribution {} {what}", k + 1),
            problem,
        };
        let delta_after = g1_from_lem(r.take(G1_SIZE)?).map_err(|p| point(p, "δ₁"))?;
        let s = g1_from_lem(r.take(G1_SIZE)?).map_err(|p| point(p, "s"))?;
        let s_d = g1_from_lem(r.take(G1_SIZE)?).map_err(|p| point(p, "s·d"))?;
        let r_d = g2_from_lem(r.take(G2_SIZE)?).map_err(|p| point(p, "r·d"))?;
        let transcript: [u8; 64] = r.take(64)?.try_into().unwrap_or([0; 64]);
        let kind = r.u32()?;
        let len = r.u32()? as usize;
        let kind = parse_params(r.take(len)?, kind, k + 1)?;
        out.push(Contribution {
            delta_after,
            s,
            s_d,
            r_d,
            transcript,
            kind,
        });
    }
    r.finish()?;
    Ok((cs_hash, out))
}

fn parse_params(p: &[u8], kind: u32, k: u32) -> Result<ContributionKind, CeremonyError> {
    let bad = |d: &str| CeremonyError::malformed("zkey", format!("contribution {k}: {d}"));
    let (mut name, mut exp, mut hash) = (None, None, None);
    let mut pos = 0;
    let mut last = 0u8;
    while pos < p.len() {
        let t = p[pos];
        if t <= last {
            return Err(bad("parameters are not sorted"));
        }
        last = t;
        let len = *p.get(pos + 1).ok_or_else(|| bad("truncated parameter"))? as usize;
        match t {
            1 | 3 => {
                let v = p
                    .get(pos + 2..pos + 2 + len)
                    .ok_or_else(|| bad("truncated parameter"))?;
                if t == 1 {
                    name = Some(String::from_utf8_lossy(v).into_owned());
                } else {
                    hash = Some(v.to_vec());
                }
                pos += 2 + len;
            }
            2 => {
                exp = Some(len as u32);
                pos += 2;
            }
            _ => return Err(bad(&format!("unknown parameter type {t}"))),
        }
    }
    match (kind, exp, hash) {
        (0, None, None) => Ok(ContributionKind::Contribution { name }),
        (1, Some(exp), Some(hash)) => Ok(ContributionKind::Beacon { name, exp, hash }),
        _ => Err(bad(&format!(
            "type {kind} with parameters that do not match it"
        ))),
    }
}
