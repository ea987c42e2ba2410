//! snarkjs's `.ptau` (phase 1, powers of τ): reading a file, a phase-1 ceremony of our own in
//! snarkjs's transcript format (empty accumulator, contributions, beacon, verification), and
//! `prepare`.
//!
//! Sections: 1 the header (`u32 n8 = 32`, `q`, `u32 power`, `u32 ceremonyPower`); 2
//! `[τ^i]₁` for `i < 2^(P+1) − 1`; 3 `[τ^i]₂`, 4 `[ατ^i]₁`, 5 `[βτ^i]₁` for `i < 2^P`; 6
//! `[β]₂`; 7 the contributions. A *prepared* file adds 12–15: the Lagrange bases of 2–5 for
//! every domain size `2^p`, `p = 0..=P`, one block after another (block `p` starts at point
//! `2^p − 1`); section 12 also holds `p = P + 1`, computed with `[τ^(2^(P+1)−1)]₁` taken as
//! the identity (the H basis of a `.zkey` only needs polynomials of degree `< 2n − 1`).

pub mod contribute;
pub mod contributions;
mod known;
mod lagrange;
#[cfg(test)]
mod tests;
mod verify_chain;
mod write;

pub use contribute::{beacon, contribute, Phase1Output};
pub use contributions::{Phase1Contribution, Phase1Kind};
pub use known::{known_ptau, KNOWN_PTAU};
pub use verify_chain::{verify_transcript, Phase1Summary};
pub use write::{new_accumulator, new_ptau, prepare, NewPtau};

use ark_bn254::{Fq, G1Affine, G2Affine};
use ark_ff::PrimeField;
use blake2::{Blake2b512, Digest};

use crate::binfile::{BinFile, Reader};
use crate::points::{g1_from_lem, g1_section, g2_from_lem, g2_section, limbs_le, G1_SIZE, G2_SIZE};
use crate::CeremonyError;

const KIND: &str = "ptau";

/// Section ids of a `.ptau`.
pub mod section {
    /// `[τ^i]₁`.
    pub const TAU_G1: u32 = 2;
    /// `[τ^i]₂`.
    pub const TAU_G2: u32 = 3;
    /// `[ατ^i]₁`.
    pub const ALPHA_TAU_G1: u32 = 4;
    /// `[βτ^i]₁`.
    pub const BETA_TAU_G1: u32 = 5;
    /// `[β]₂`.
    pub const BETA_G2: u32 = 6;
    /// The phase-1 contributions.
    pub const CONTRIBUTIONS: u32 = 7;
    /// Lagrange bases of `[τ^i]₁` (prepared files).
    pub const LAGRANGE_G1: u32 = 12;
    /// Lagrange bases of `[τ^i]₂`.
    pub const LAGRANGE_G2: u32 = 13;
    /// Lagrange bases of `[ατ^i]₁`.
    pub const LAGRANGE_ALPHA_G1: u32 = 14;
    /// Lagrange bases of `[βτ^i]₁`.
    pub const LAGRANGE_BETA_G1: u32 = 15;
}

/// A parsed `.ptau` file.
pub struct Ptau {
    file: BinFile,
    /// The file's power `P`: domains up to `2^P` points.
    pub power: u32,
    /// The power of the ceremony the file was truncated from.
    pub ceremony_power: u32,
    /// BLAKE2b-512 of the whole file (the hash snarkjs's README publishes).
    pub hash: [u8; 64],
}

impl Ptau {
    /// Parses a `.ptau` over BN254 and checks its section sizes against its power.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, CeremonyError> {
        let hash: [u8; 64] = Blake2b512::digest(&bytes).into();
        let file = BinFile::parse(KIND, bytes, 1)?;
        let mut h = Reader::new(KIND, "header (section 1)", file.section(1)?);
        if h.u32()? != 32 || limbs_le(h.take(32)?) != Fq::MODULUS {
            return Err(CeremonyError::malformed(KIND, "the curve is not BN254"));
        }
        let power = h.u32()?;
        let ceremony_power = h.u32()?;
        h.finish()?;
        if !(1..=27).contains(&power) {
            return Err(CeremonyError::malformed(
                KIND,
                format!("power {power} is not in 1..=27"),
            ));
        }
        let ptau = Self {
            file,
            power,
            ceremony_power,
            hash,
        };
        let n = 1usize << power;
        for (id, points, size) in [
            (section::TAU_G1, 2 * n - 1, G1_SIZE),
            (section::TAU_G2, n, G2_SIZE),
            (section::ALPHA_TAU_G1, n, G1_SIZE),
            (section::BETA_TAU_G1, n, G1_SIZE),
            (section::BETA_G2, 1, G2_SIZE),
        ] {
            ptau.expect_len(id, points * size)?;
        }
        if ptau.is_prepared() {
            ptau.expect_len(section::LAGRANGE_G1, (4 * n - 1) * G1_SIZE)?;
            ptau.expect_len(section::LAGRANGE_G2, (2 * n - 1) * G2_SIZE)?;
            ptau.expect_len(section::LAGRANGE_ALPHA_G1, (2 * n - 1) * G1_SIZE)?;
            ptau.expect_len(section::LAGRANGE_BETA_G1, (2 * n - 1) * G1_SIZE)?;
        }
        Ok(ptau)
    }

    /// Reads and parses a `.ptau` file.
    pub fn load(path: &std::path::Path) -> Result<Self, CeremonyError> {
        let bytes = std::fs::read(path).map_err(|source| CeremonyError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(bytes)
    }

    fn expect_len(&self, id: u32, len: usize) -> Result<(), CeremonyError> {
        let found = self.file.section(id)?.len();
        if found == len {
            Ok(())
        } else {
            Err(CeremonyError::malformed(
                KIND,
                format!(
                    "section {id} has {found} bytes, a power-{} file has {len}",
                    self.power
                ),
            ))
        }
    }

    /// Whether the Lagrange sections 12–15 are present (`snarkjs powersoftau prepare phase2`).
    pub fn is_prepared(&self) -> bool {
        [12, 13, 14, 15]
            .iter()
            .all(|&id| self.file.range(id).is_some())
    }

    /// The whole file.
    pub fn bytes(&self) -> &[u8] {
        self.file.bytes()
    }

    /// Section `id`'s body.
    pub fn section_bytes(&self, id: u32) -> Result<&[u8], CeremonyError> {
        self.file.section(id)
    }

    /// Where section `id`'s body starts in [`Self::bytes`].
    pub fn section_start(&self, id: u32) -> Result<usize, CeremonyError> {
        self.file
            .range(id)
            .map(|r| r.start)
            .ok_or_else(|| CeremonyError::malformed(KIND, format!("section {id} is missing")))
    }

    /// Points `range` of a G1 section (parsed and checked).
    pub fn g1(
        &self,
        id: u32,
        range: std::ops::Range<usize>,
    ) -> Result<Vec<G1Affine>, CeremonyError> {
        let body = self.file.section(id)?;
        let bytes = body
            .get(range.start * G1_SIZE..range.end * G1_SIZE)
            .ok_or_else(|| {
                CeremonyError::malformed(KIND, format!("section {id} has no points {range:?}"))
            })?;
        g1_section(bytes, &format!("ptau section {id}"))
    }

    /// Points `range` of a G2 section (parsed and checked).
    pub fn g2(
        &self,
        id: u32,
        range: std::ops::Range<usize>,
    ) -> Result<Vec<G2Affine>, CeremonyError> {
        let body = self.file.section(id)?;
        let bytes = body
            .get(range.start * G2_SIZE..range.end * G2_SIZE)
            .ok_or_else(|| {
                CeremonyError::malformed(KIND, format!("section {id} has no points {range:?}"))
            })?;
        g2_section(bytes, &format!("ptau section {id}"))
    }

    /// The raw LEM bytes of the first point of G1 section `id`.
    pub fn first_g1_lem(&self, id: u32) -> Result<&[u8], CeremonyError> {
        let body = self.file.section(id)?;
        Ok(&body[..G1_SIZE])
    }

    /// `[α]₁`.
    pub fn alpha_g1(&self) -> Result<G1Affine, CeremonyError> {
        self.single_g1(section::ALPHA_TAU_G1)
    }

    /// `[β]₁`.
    pub fn beta_g1(&self) -> Result<G1Affine, CeremonyError> {
        self.single_g1(section::BETA_TAU_G1)
    }

    /// `[β]₂`.
    pub fn beta_g2(&self) -> Result<G2Affine, CeremonyError> {
        let body = self.file.section(section::BETA_G2)?;
        g2_from_lem(&body[..G2_SIZE]).map_err(|problem| CeremonyError::BadPoint {
            what: "ptau [β]₂".into(),
            problem,
        })
    }

    fn single_g1(&self, id: u32) -> Result<G1Affine, CeremonyError> {
        g1_from_lem(self.first_g1_lem(id)?).map_err(|problem| CeremonyError::BadPoint {
            what: format!("ptau section {id} point 0"),
            problem,
        })
    }

    /// The Lagrange block of size `2^p` of prepared G1 section `id` (12, 14 or 15).
    pub fn lagrange_g1(&self, id: u32, p: u32) -> Result<Vec<G1Affine>, CeremonyError> {
        self.require_prepared()?;
        let n = 1usize << p;
        self.g1(id, n - 1..2 * n - 1)
    }

    /// The Lagrange block of size `2^p` of section 13 (`[τ^i]₂`).
    pub fn lagrange_g2(&self, p: u32) -> Result<Vec<G2Affine>, CeremonyError> {
        self.require_prepared()?;
        let n = 1usize << p;
        self.g2(section::LAGRANGE_G2, n - 1..2 * n - 1)
    }

    fn require_prepared(&self) -> Result<(), CeremonyError> {
        if self.is_prepared() {
            Ok(())
        } else {
            Err(CeremonyError::Unsupported(
                "the .ptau is not prepared for phase 2 (no Lagrange sections 12–15): run \
                 `zkinfer ptau prepare` or `snarkjs powersoftau prepare phase2`"
                    .into(),
            ))
        }
    }

    /// The phase-1 contributions recorded in section 7.
    pub fn contributions(&self) -> Result<Vec<Phase1Contribution>, CeremonyError> {
        contributions::read(self.file.section(section::CONTRIBUTIONS)?)
    }

    /// Checks the file's internal consistency with random linear combinations: the powers
    /// of τ in G1 and G2 agree, `[ατ^i]₁` and `[βτ^i]₁` are powers of the same τ, `[β]₁` and
    /// `[β]₂` agree, and every Lagrange block is the inverse FFT of its powers. The chain of
    /// contributions in section 7 is [`verify_transcript`]'s.
    pub fn check_consistency(&self) -> Result<(), CeremonyError> {
        lagrange::check_consistency(self)
    }
}
