//! snarkjs's Groth16 `.zkey`, version 1: the key and the phase-2 transcript in one file.
//!
//! Sections: 1 the protocol (`u32 1` = Groth16); 2 the header (`n8q, q, n8r, r, nVars,
//! nPublic, domainSize`, then `α₁, β₁, β₂, γ₂, δ₁, δ₂`); 3 IC; 4 the A and B coefficients;
//! 5 A; 6 B₁; 7 B₂; 8 L (snarkjs's "C"); 9 H; 10 the circuit hash and the contributions.
//! `zkey new` writes the sections in the order 1, 2, 4, 3, 9, 8, 5, 6, 7, 10, a contribution
//! in the order 1–10; both are reproduced byte for byte.
//!
//! The bulky point sections stay as bytes: A, B₁, B₂, IC and the coefficients never change in
//! a ceremony and are compared with a recomputation as bytes, and L and H are parsed (and
//! checked) only where they are used.

use std::collections::BTreeMap;

use ark_bn254::{Fq, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};

use crate::binfile::{BinFile, BinWriter, Reader};
use crate::points::{g1_from_lem, g1_to_lem, g2_from_lem, g2_to_lem, limbs_le, G1_SIZE, G2_SIZE};
use crate::transcript::{Contribution, ContributionKind};
use crate::CeremonyError;

const KIND: &str = "zkey";

/// Section order of `snarkjs zkey new`.
pub const INIT_ORDER: [u32; 10] = [1, 2, 4, 3, 9, 8, 5, 6, 7, 10];
/// Section order of `snarkjs zkey contribute` and `beacon`.
pub const CONTRIBUTION_ORDER: [u32; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/// Section ids of the bulk sections.
pub mod section {
    /// IC: `[βu_j + αv_j + w_j]₁` of the public wires (γ = 1).
    pub const IC: u32 = 3;
    /// The A and B coefficients.
    pub const COEFFS: u32 = 4;
    /// `[u_j(τ)]₁`.
    pub const A: u32 = 5;
    /// `[v_j(τ)]₁`.
    pub const B1: u32 = 6;
    /// `[v_j(τ)]₂`.
    pub const B2: u32 = 7;
    /// `[(βu_j + αv_j + w_j)/δ]₁` of the private wires.
    pub const L: u32 = 8;
    /// `[L^(2n)_(2i+1)(τ)/δ]₁`.
    pub const H: u32 = 9;
}

/// Section 2 of a Groth16 `.zkey`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Wires, the constant 1 included.
    pub n_vars: u32,
    /// Public wires, the constant 1 excluded.
    pub n_public: u32,
    /// The QAP domain size (a power of two).
    pub domain_size: u32,
    /// `[α]₁`.
    pub alpha_g1: G1Affine,
    /// `[β]₁`.
    pub beta_g1: G1Affine,
    /// `[β]₂`.
    pub beta_g2: G2Affine,
    /// `[γ]₂` (the generator in a ceremony key).
    pub gamma_g2: G2Affine,
    /// `[δ]₁`.
    pub delta_g1: G1Affine,
    /// `[δ]₂`.
    pub delta_g2: G2Affine,
}

/// A Groth16 `.zkey`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zkey {
    /// Section 2.
    pub header: Header,
    /// Bodies of sections 3–9, by id.
    pub sections: BTreeMap<u32, Vec<u8>>,
    /// BLAKE2b-512 of the circuit's init key (`csHash`).
    pub cs_hash: [u8; 64],
    /// The phase-2 contributions, in order.
    pub contributions: Vec<Contribution>,
    /// Lookup mode: the `δ₁` part (section 11, zkinfer's extension).
    pub lookup: Option<crate::lookup::LookupExt>,
}

fn le32(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

impl Header {
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(660);
        out.extend_from_slice(&le32(32));
        out.extend_from_slice(&Fq::MODULUS.to_bytes_le());
        out.extend_from_slice(&le32(32));
        out.extend_from_slice(&Fr::MODULUS.to_bytes_le());
        for v in [self.n_vars, self.n_public, self.domain_size] {
            out.extend_from_slice(&le32(v));
        }
        out.extend_from_slice(&g1_to_lem(&self.alpha_g1));
        out.extend_from_slice(&g1_to_lem(&self.beta_g1));
        out.extend_from_slice(&g2_to_lem(&self.beta_g2));
        out.extend_from_slice(&g2_to_lem(&self.gamma_g2));
        out.extend_from_slice(&g1_to_lem(&self.delta_g1));
        out.extend_from_slice(&g2_to_lem(&self.delta_g2));
        out
    }

    fn parse(body: &[u8]) -> Result<Self, CeremonyError> {
        let mut r = Reader::new(KIND, "header (section 2)", body);
        if r.u32()? != 32 || limbs_le(r.take(32)?) != Fq::MODULUS {
            return Err(CeremonyError::malformed(
                KIND,
                "the base field is not BN254's",
            ));
        }
        if r.u32()? != 32 || limbs_le(r.take(32)?) != Fr::MODULUS {
            return Err(CeremonyError::malformed(
                KIND,
                "the scalar field is not BN254's",
            ));
        }
        let (n_vars, n_public, domain_size) = (r.u32()?, r.u32()?, r.u32()?);
        let g1 = |r: &mut Reader, what: &str| {
            g1_from_lem(r.take(G1_SIZE)?).map_err(|problem| CeremonyError::BadPoint {
                what: format!("zkey header {what}"),
                problem,
            })
        };
        let g2 = |r: &mut Reader, what: &str| {
            g2_from_lem(r.take(G2_SIZE)?).map_err(|problem| CeremonyError::BadPoint {
                what: format!("zkey header {what}"),
                problem,
            })
        };
        let header = Header {
            n_vars,
            n_public,
            domain_size,
            alpha_g1: g1(&mut r, "α₁")?,
            beta_g1: g1(&mut r, "β₁")?,
            beta_g2: g2(&mut r, "β₂")?,
            gamma_g2: g2(&mut r, "γ₂")?,
            delta_g1: g1(&mut r, "δ₁")?,
            delta_g2: g2(&mut r, "δ₂")?,
        };
        r.finish()?;
        if !domain_size.is_power_of_two() || n_public >= n_vars {
            return Err(CeremonyError::malformed(
                KIND,
                format!("domain size {domain_size}, {n_public} public of {n_vars} wires"),
            ));
        }
        if header.delta_g1.is_zero() || header.delta_g2.is_zero() {
            return Err(CeremonyError::BadPoint {
                what: "zkey header δ".into(),
                problem: "the identity",
            });
        }
        Ok(header)
    }

    /// The byte length each bulk section must have.
    fn section_len(&self, id: u32) -> Option<usize> {
        let (vars, public, n) = (
            self.n_vars as usize,
            self.n_public as usize,
            self.domain_size as usize,
        );
        Some(match id {
            section::IC => (public + 1) * G1_SIZE,
            section::A | section::B1 => vars * G1_SIZE,
            section::B2 => vars * G2_SIZE,
            section::L => (vars - public - 1) * G1_SIZE,
            section::H => n * G1_SIZE,
            _ => return None,
        })
    }
}

impl Zkey {
    /// Parses a Groth16 `.zkey`: the header's points are checked, bulk sections are checked
    /// for size only (see the module docs), the transcript is parsed.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, CeremonyError> {
        let file = BinFile::parse(KIND, bytes, 1)?;
        let mut r = Reader::new(KIND, "protocol (section 1)", file.section(1)?);
        if r.u32()? != 1 {
            return Err(CeremonyError::Unsupported(
                "the .zkey is not a Groth16 key".into(),
            ));
        }
        r.finish()?;
        let header = Header::parse(file.section(2)?)?;
        let mut sections = BTreeMap::new();
        for id in 3..=9u32 {
            let body = file.section(id)?;
            if let Some(len) = header.section_len(id) {
                if body.len() != len {
                    return Err(CeremonyError::malformed(
                        KIND,
                        format!(
                            "section {id} has {} bytes, the header implies {len}",
                            body.len()
                        ),
                    ));
                }
            }
            sections.insert(id, body.to_vec());
        }
        let (cs_hash, contributions) = crate::transcript::parse_mpc(file.section(10)?)?;
        let lookup = match file.range(crate::lookup::SECTION) {
            Some(r) => Some(crate::lookup::LookupExt::parse(&file.bytes()[r])?),
            None => None,
        };
        if let Some(ext) = &lookup {
            if ext.records.len() != contributions.len() {
                return Err(CeremonyError::malformed(
                    KIND,
                    format!(
                        "{} δ₁ records for {} contributions",
                        ext.records.len(),
                        contributions.len()
                    ),
                ));
            }
        }
        Ok(Self {
            header,
            sections,
            cs_hash,
            contributions,
            lookup,
        })
    }

    /// Reads and parses a `.zkey` file.
    pub fn load(path: &std::path::Path) -> Result<Self, CeremonyError> {
        let bytes = std::fs::read(path).map_err(|source| CeremonyError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(bytes)
    }

    /// The file's bytes with sections in `order` ([`INIT_ORDER`] or [`CONTRIBUTION_ORDER`]),
    /// then, in lookup mode, section 11.
    pub fn to_bytes(&self, order: &[u32; 10]) -> Vec<u8> {
        let count = if self.lookup.is_some() { 11 } else { 10 };
        let mut w = BinWriter::new(KIND, 1, count);
        for &id in order {
            match id {
                1 => w.section(1, &le32(1)),
                2 => w.section(2, &self.header.to_bytes()),
                10 => w.section(
                    10,
                    &crate::transcript::write_mpc(&self.cs_hash, &self.contributions),
                ),
                id => w.section(id, self.sections.get(&id).map_or(&[][..], Vec::as_slice)),
            }
        }
        if let Some(ext) = &self.lookup {
            w.section(crate::lookup::SECTION, &ext.to_bytes());
        }
        w.finish()
    }

    /// A bulk section's body (empty if absent, which parsing rules out).
    pub fn section(&self, id: u32) -> &[u8] {
        self.sections.get(&id).map_or(&[][..], Vec::as_slice)
    }
}

/// A contribution record's parameters, written as snarkjs does (sorted type-length-value).
pub(crate) fn params_bytes(kind: &ContributionKind) -> Vec<u8> {
    let mut p = Vec::new();
    let name = match kind {
        ContributionKind::Contribution { name } | ContributionKind::Beacon { name, .. } => name,
    };
    if let Some(name) = name {
        let bytes = truncate_utf8(name, 64);
        p.push(1);
        p.push(bytes.len() as u8);
        p.extend_from_slice(bytes);
    }
    if let ContributionKind::Beacon { exp, hash, .. } = kind {
        p.push(2);
        p.push(*exp as u8);
        p.push(3);
        p.push(hash.len() as u8);
        p.extend_from_slice(hash);
    }
    p
}

/// The UTF-8 bytes of the first `max_chars` characters (snarkjs's `substring(0, 64)` counts
/// UTF-16 units; names are compared as written).
fn truncate_utf8(s: &str, max_chars: usize) -> &[u8] {
    let end = s.char_indices().nth(max_chars).map_or(s.len(), |(i, _)| i);
    &s.as_bytes()[..end]
}
