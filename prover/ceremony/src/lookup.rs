//! The lookup-mode extension of a `.zkey` (zkinfer's, version 1; snarkjs does not read it).
//!
//! A lookup-mode key has a second trapdoor `δ₁` over the round-1 wires (see
//! `docs/two-round-groth16.md`): their bases leave L (the identity there, or a prover could
//! move committed values into round 2) and live as `K1_i = [L_i/δ₁]₁`. Every contribution
//! re-randomises `δ₁` as well as `δ`, with its own proof of knowledge. Section 11 holds:
//!
//! ```text
//! u32 version = 1
//! u32 count, then count × u32 round-1 wire (witness index, ascending)
//! [δ₁]₁, [δ₁]₂, then count × K1 (LEM)
//! u32 contributions (as many as section 10's), each: δ₁ after (G1), s₁ (G1), s₁·d₁ (G1),
//!     r₁·d₁ (G2), with r₁ = hashToG2(T₁) and
//!     T₁ = BLAKE2b-512("zkinfer lookup delta1 v1" ‖ T ‖ U(earlier δ₁ records) ‖ U(s₁) ‖ U(s₁·d₁))
//!     where T is the same contribution's section-10 transcript hash.
//! ```
//!
//! The circuit hash of a lookup-mode init covers the extension: BLAKE2b-512 of the snarkjs-style
//! hash (over L with the round-1 entries at the identity), the tag, the indices and `U(K1)`.

use ark_bn254::{G1Affine, G2Affine};
use ark_ec::AffineRepr;
use blake2::{Blake2b512, Digest};

use crate::binfile::Reader;
use crate::points::{
    g1_from_lem, g1_lem_all, g1_section, g1_to_lem, g1_to_u, g1_u_all, g2_from_lem, g2_to_lem,
    G1_SIZE, G2_SIZE,
};
use crate::CeremonyError;

/// The section id of the extension.
pub const SECTION: u32 = 11;
/// Its format version.
pub const VERSION: u32 = 1;
const TAG: &[u8] = b"zkinfer lookup delta1 v1";

/// One contribution's `δ₁` record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delta1Record {
    /// `[δ₁]₁` after the contribution.
    pub delta1_after: G1Affine,
    /// The random `s₁`.
    pub s: G1Affine,
    /// `s₁·d₁`.
    pub s_d: G1Affine,
    /// `r₁·d₁`.
    pub r_d: G2Affine,
}

impl Delta1Record {
    fn u(&self) -> Vec<u8> {
        [
            g1_to_u(&self.delta1_after).as_slice(),
            &g1_to_u(&self.s),
            &g1_to_u(&self.s_d),
            &crate::points::g2_to_u(&self.r_d),
        ]
        .concat()
    }
}

/// The lookup-mode part of a `.zkey`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupExt {
    /// Round-1 wires (witness indices, ascending).
    pub indices: Vec<u32>,
    /// `[δ₁]₁`.
    pub delta1_g1: G1Affine,
    /// `[δ₁]₂`.
    pub delta1_g2: G2Affine,
    /// `K1_i = [L_i/δ₁]₁`, LEM bytes (checked where used).
    pub k1: Vec<u8>,
    /// One record per contribution.
    pub records: Vec<Delta1Record>,
}

impl LookupExt {
    /// The init's extension: `δ₁ = 1` and `K1` the round-1 wires' L points.
    pub fn init(indices: Vec<u32>, k1: &[G1Affine]) -> Self {
        Self {
            indices,
            delta1_g1: G1Affine::generator(),
            delta1_g2: G2Affine::generator(),
            k1: g1_lem_all(k1),
            records: Vec::new(),
        }
    }

    /// `K1` parsed (each point checked).
    pub fn k1_points(&self) -> Result<Vec<G1Affine>, CeremonyError> {
        g1_section(&self.k1, "zkey section 11 (K1)")
    }

    /// The lookup circuit hash from the snarkjs-style one.
    pub fn circuit_hash(&self, base: &[u8; 64]) -> Result<[u8; 64], CeremonyError> {
        let mut h = Blake2b512::new();
        h.update(base);
        h.update(TAG);
        for i in &self.indices {
            h.update(i.to_be_bytes());
        }
        h.update(g1_u_all(&self.k1_points()?));
        Ok(h.finalize().into())
    }

    /// `T₁` of a record with `s₁, s₁·d₁` after the records `previous`, for the contribution
    /// whose section-10 transcript hash is `t`.
    pub fn transcript(
        t: &[u8; 64],
        previous: &[Delta1Record],
        s: &G1Affine,
        s_d: &G1Affine,
    ) -> [u8; 64] {
        let mut h = Blake2b512::new();
        h.update(TAG);
        h.update(t);
        for r in previous {
            h.update(r.u());
        }
        h.update(g1_to_u(s));
        h.update(g1_to_u(s_d));
        h.finalize().into()
    }

    /// Section 11's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = VERSION.to_le_bytes().to_vec();
        out.extend_from_slice(&(self.indices.len() as u32).to_le_bytes());
        for i in &self.indices {
            out.extend_from_slice(&i.to_le_bytes());
        }
        out.extend_from_slice(&g1_to_lem(&self.delta1_g1));
        out.extend_from_slice(&g2_to_lem(&self.delta1_g2));
        out.extend_from_slice(&self.k1);
        out.extend_from_slice(&(self.records.len() as u32).to_le_bytes());
        for r in &self.records {
            out.extend_from_slice(&g1_to_lem(&r.delta1_after));
            out.extend_from_slice(&g1_to_lem(&r.s));
            out.extend_from_slice(&g1_to_lem(&r.s_d));
            out.extend_from_slice(&g2_to_lem(&r.r_d));
        }
        out
    }

    /// Parses section 11 (points of the records and `δ₁` checked; `K1` kept as bytes).
    pub fn parse(body: &[u8]) -> Result<Self, CeremonyError> {
        let mut r = Reader::new("zkey", "lookup extension (section 11)", body);
        let version = r.u32()?;
        if version != VERSION {
            return Err(CeremonyError::Unsupported(format!(
                "lookup extension version {version}; this build reads {VERSION}"
            )));
        }
        let count = r.u32()? as usize;
        let mut indices = Vec::with_capacity(count.min(1 << 24));
        for _ in 0..count {
            indices.push(r.u32()?);
        }
        if indices.windows(2).any(|w| w[0] >= w[1]) {
            return Err(CeremonyError::malformed(
                "zkey",
                "round-1 wires are not ascending",
            ));
        }
        let point = |what: String| move |problem| CeremonyError::BadPoint { what, problem };
        let delta1_g1 = g1_from_lem(r.take(G1_SIZE)?).map_err(point("δ₁ (G1)".into()))?;
        let delta1_g2 = g2_from_lem(r.take(G2_SIZE)?).map_err(point("δ₁ (G2)".into()))?;
        if delta1_g1.is_zero() || delta1_g2.is_zero() {
            return Err(CeremonyError::BadPoint {
                what: "δ₁".into(),
                problem: "the identity",
            });
        }
        let k1 = r.take(count * G1_SIZE)?.to_vec();
        let n = r.u32()?;
        let mut records = Vec::new();
        for k in 1..=n {
            records.push(Delta1Record {
                delta1_after: g1_from_lem(r.take(G1_SIZE)?)
                    .map_err(point(format!("δ₁ record {k}")))?,
                s: g1_from_lem(r.take(G1_SIZE)?).map_err(point(format!("δ₁ record {k} s₁")))?,
                s_d: g1_from_lem(r.take(G1_SIZE)?)
                    .map_err(point(format!("δ₁ record {k} s₁·d₁")))?,
                r_d: g2_from_lem(r.take(G2_SIZE)?)
                    .map_err(point(format!("δ₁ record {k} r₁·d₁")))?,
            });
        }
        r.finish()?;
        Ok(Self {
            indices,
            delta1_g1,
            delta1_g2,
            k1,
            records,
        })
    }
}
