//! How a model is proved: plain Groth16, or two-round Groth16 with lookups.
//!
//! The mode is part of the model: it changes the circuit (and so the keys), so a lookup-mode
//! model has its own [`crate::ModelId`], which covers the mode and its limb width. A plain
//! model's `model.json` does not mention the mode at all, and its id is the id it always had.
//!
//! In lookup mode the circuit's range checks are log-derivative lookups into constant tables
//! (`zkinfer_r1cs::lookup`). The tables a circuit uses are a function of the graph's ops and
//! this mode alone (range tables of the limb width and of the partial widths the ops need), so
//! the model id covers them. An op that brings tables of its own (a function table such as a
//! sigmoid) must carry everything that determines those tables in its IR parameters, so that
//! they too are covered by the id.

use serde::{Deserialize, Serialize};

use crate::IrError;

/// The proof system variant a model is compiled for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProofMode {
    /// One-round Groth16; range checks are bit decompositions.
    #[default]
    Plain,
    /// Two-round Groth16: round 1 commits to the lookup queries and multiplicities, a
    /// Fiat–Shamir challenge derived from that commitment lets round 2 prove a LogUp argument.
    /// Range checks split values into limbs of `limb_bits` bits looked up in tables.
    Lookup {
        /// Bits per limb: the full range table holds `2^limb_bits` entries.
        limb_bits: u32,
    },
}

impl ProofMode {
    /// Smallest limb width a lookup-mode model may use.
    pub const MIN_LIMB_BITS: u32 = 2;
    /// Largest limb width a lookup-mode model may use (a table of `2^20` entries already costs
    /// a million constraints).
    pub const MAX_LIMB_BITS: u32 = 20;

    /// True for [`ProofMode::Plain`] (serde skips the field then, so plain model files and their
    /// ids stay as they were).
    pub fn is_plain(&self) -> bool {
        matches!(self, ProofMode::Plain)
    }

    /// The limb width in lookup mode.
    pub fn limb_bits(&self) -> Option<u32> {
        match self {
            ProofMode::Plain => None,
            ProofMode::Lookup { limb_bits } => Some(*limb_bits),
        }
    }

    /// Refuses a limb width outside
    /// [`MIN_LIMB_BITS`](Self::MIN_LIMB_BITS)`..=`[`MAX_LIMB_BITS`](Self::MAX_LIMB_BITS).
    pub fn validate(&self) -> Result<(), IrError> {
        match self {
            ProofMode::Plain => Ok(()),
            ProofMode::Lookup { limb_bits }
                if (Self::MIN_LIMB_BITS..=Self::MAX_LIMB_BITS).contains(limb_bits) =>
            {
                Ok(())
            }
            ProofMode::Lookup { limb_bits } => Err(IrError::InvalidParameter {
                op: "proof_mode",
                detail: format!(
                    "limb_bits {limb_bits} must be in {}..={}",
                    Self::MIN_LIMB_BITS,
                    Self::MAX_LIMB_BITS
                ),
            }),
        }
    }
}

impl std::fmt::Display for ProofMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProofMode::Plain => f.write_str("plain"),
            ProofMode::Lookup { limb_bits } => write!(f, "lookup (limbs of {limb_bits} bits)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_with_a_kind_tag_and_validates_the_width() {
        let m = ProofMode::Lookup { limb_bits: 10 };
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"kind":"lookup","limb_bits":10}"#);
        assert_eq!(serde_json::from_str::<ProofMode>(&json).unwrap(), m);
        assert_eq!(ProofMode::default(), ProofMode::Plain);
        assert!(m.validate().is_ok() && ProofMode::Plain.validate().is_ok());
        assert!(ProofMode::Lookup { limb_bits: 1 }.validate().is_err());
        assert!(ProofMode::Lookup { limb_bits: 21 }.validate().is_err());
    }
}
