//! iden3's `.r1cs` format, version 1 (`iden3/r1csfile`'s `doc/r1cs_bin_format.md`): section 1
//! the header (`n8`, the prime, wire counts, label count, constraint count), section 2 the
//! constraints (for each of A, B, C a term count, then `u32 wire, Fr` little-endian in normal
//! form), section 3 the wire-to-label map.
//!
//! Our circuit's wire order is arkworks': wire 0 is the constant 1, wires `1..=nPub` the
//! instance variables (written as public inputs, no outputs), then the witness.

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use zkinfer_prover::groth16::R1csMatrices;

use crate::binfile::{BinFile, BinWriter, Reader};
use crate::points::limbs_le;
use crate::CeremonyError;

/// One linear combination: `(wire, coefficient)` terms in file order.
pub type Lc = Vec<(u32, Fr)>;

/// A circuit as a `.r1cs` file holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct R1cs {
    /// Wires, the constant 1 included.
    pub num_vars: usize,
    /// Public wires (outputs and public inputs), the constant 1 excluded.
    pub num_public: usize,
    /// `⟨a, z⟩·⟨b, z⟩ = ⟨c, z⟩` for each constraint.
    pub constraints: Vec<[Lc; 3]>,
}

const KIND: &str = "r1cs";

impl R1cs {
    /// The circuit of `matrices` (arkworks' variable order is the file's wire order).
    pub fn from_matrices(m: &R1csMatrices) -> Result<Self, CeremonyError> {
        let num_vars = m.num_variables();
        if u32::try_from(num_vars).is_err() || u32::try_from(m.num_constraints).is_err() {
            return Err(CeremonyError::Unsupported(format!(
                "{num_vars} wires and {} constraints do not fit the .r1cs format's u32 counts",
                m.num_constraints
            )));
        }
        let lc = |row: &Vec<(Fr, usize)>| row.iter().map(|&(c, v)| (v as u32, c)).collect();
        let constraints = (0..m.num_constraints)
            .map(|i| [lc(&m.a[i]), lc(&m.b[i]), lc(&m.c[i])])
            .collect();
        Ok(Self {
            num_vars,
            num_public: m.num_instance - 1,
            constraints,
        })
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut header = Vec::with_capacity(64);
        header.extend_from_slice(&32u32.to_le_bytes());
        header.extend_from_slice(&Fr::MODULUS.to_bytes_le());
        for v in [self.num_vars, 0, self.num_public, 0] {
            header.extend_from_slice(&(v as u32).to_le_bytes());
        }
        header.extend_from_slice(&(self.num_vars as u64).to_le_bytes());
        header.extend_from_slice(&(self.constraints.len() as u32).to_le_bytes());
        let mut body = Vec::new();
        for lcs in &self.constraints {
            for lc in lcs {
                body.extend_from_slice(&(lc.len() as u32).to_le_bytes());
                for (wire, coeff) in lc {
                    body.extend_from_slice(&wire.to_le_bytes());
                    body.extend_from_slice(&coeff.into_bigint().to_bytes_le());
                }
            }
        }
        let labels: Vec<u8> = (0..self.num_vars as u64)
            .flat_map(u64::to_le_bytes)
            .collect();
        let mut w = BinWriter::new(KIND, 1, 3);
        w.section(1, &header);
        w.section(2, &body);
        w.section(3, &labels);
        w.finish()
    }

    /// Parses a `.r1cs` file over BN254's scalar field (custom gates are refused).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, CeremonyError> {
        let file = BinFile::parse(KIND, bytes, 1)?;
        let bad = |d: String| CeremonyError::malformed(KIND, d);
        let mut h = Reader::new(KIND, "header (section 1)", file.section(1)?);
        if h.u32()? != 32 || limbs_le(h.take(32)?) != Fr::MODULUS {
            return Err(bad("the prime is not BN254's scalar field".into()));
        }
        let num_vars = h.u32()? as usize;
        let outputs = h.u32()? as usize;
        let pub_inputs = h.u32()? as usize;
        let _private_inputs = h.u32()?;
        let _labels = h.u64()?;
        let count = h.u32()? as usize;
        h.finish()?;
        let num_public = outputs + pub_inputs;
        if num_public >= num_vars {
            return Err(bad(format!("{num_public} public wires of {num_vars}")));
        }
        if file.range(4).is_some() || file.range(5).is_some() {
            return Err(CeremonyError::Unsupported(
                "custom gates (PLONK-only) are not Groth16".into(),
            ));
        }
        let mut r = Reader::new(KIND, "constraints (section 2)", file.section(2)?);
        let mut constraints = Vec::with_capacity(count.min(1 << 24));
        for i in 0..count {
            let mut lcs: [Lc; 3] = Default::default();
            for lc in lcs.iter_mut() {
                let terms = r.u32()? as usize;
                for _ in 0..terms {
                    let wire = r.u32()?;
                    let coeff = Fr::from_bigint(limbs_le(r.take(32)?)).ok_or_else(|| {
                        bad(format!("constraint {i}: a coefficient is not reduced"))
                    })?;
                    if wire as usize >= num_vars {
                        return Err(bad(format!(
                            "constraint {i} uses wire {wire} of {num_vars}"
                        )));
                    }
                    lc.push((wire, coeff));
                }
            }
            constraints.push(lcs);
        }
        r.finish()?;
        Ok(Self {
            num_vars,
            num_public,
            constraints,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trips_and_refuses_bad_files() {
        let r1cs = R1cs {
            num_vars: 4,
            num_public: 1,
            constraints: vec![[
                vec![(1, Fr::from(3u8))],
                vec![(2, -Fr::from(1u8))],
                vec![(3, Fr::from(1u8)), (0, Fr::from(7u8))],
            ]],
        };
        let bytes = r1cs.to_bytes();
        assert_eq!(R1cs::from_bytes(bytes.clone()).unwrap(), r1cs);
        let mut cut = bytes.clone();
        cut.truncate(bytes.len() - 1);
        assert!(R1cs::from_bytes(cut).is_err());
        let mut wire = bytes;
        // The first term's wire of constraint 0 (after header section and counts).
        let at = 12 + 12 + 64 + 12 + 4;
        wire[at..at + 4].copy_from_slice(&9u32.to_le_bytes());
        let err = R1cs::from_bytes(wire).unwrap_err().to_string();
        assert!(err.contains("wire 9"), "{err}");
    }
}
