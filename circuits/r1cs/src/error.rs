//! Errors of circuit synthesis.

use ark_relations::gr1cs::SynthesisError;

/// Why a circuit could not be built.
#[derive(Debug, thiserror::Error)]
pub enum R1csError {
    /// arkworks refused a constraint or variable.
    #[error("constraint synthesis failed: {0}")]
    Synthesis(#[from] SynthesisError),
    /// The witness does not belong to this model (tensor count or shape differs).
    #[error("the witness does not match the model: {0}")]
    WitnessMismatch(String),
    /// The graph is malformed (a node reads a tensor that does not exist).
    #[error("the graph is malformed")]
    Graph(#[source] zkinfer_ir::IrError),
    /// A lookup-mode model's limb width is outside the supported range.
    #[error("limb width {limb_bits} is not supported: lookup mode needs 2..=20 bits")]
    UnsupportedLimbBits {
        /// The limb width asked for.
        limb_bits: u32,
    },
    /// A function-table lookup was asked of a plain-mode circuit.
    #[error("function tables need lookup mode")]
    NeedsLookupMode,
    /// A plain-mode circuit was asked of a graph with a table op.
    #[error("node `{node}` ({op}) is a function table, which only lookup mode proves; compile with `--mode lookup` or `auto`")]
    TableNeedsLookupMode {
        /// The node.
        node: String,
        /// Its op.
        op: &'static str,
    },
    /// Two different function tables were given the same tag.
    #[error("two different function tables share the tag {tag}")]
    TableTagReused {
        /// The tag.
        tag: u32,
    },
    /// The challenge equals a query or a table entry (probability about `#queries / 2^254`):
    /// the prover must start round 1 again with a new mask.
    #[error("the challenge hit a lookup query or table entry; retry with a new mask")]
    ChallengeHitsLookup,
    /// An assignment handed to a lookup trace does not belong to its circuit.
    #[error("the assignment does not match the lookup trace: {0}")]
    TraceMismatch(String),
    /// The model needs a range check wider than the field allows.
    #[error("node `{node}` needs a {bits}-bit range check; at most 200 bits are supported")]
    TooWide {
        /// Node name.
        node: String,
        /// Bits needed.
        bits: u32,
    },
}
