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
    /// The model needs a range check wider than the field allows.
    #[error("node `{node}` needs a {bits}-bit range check; at most 200 bits are supported")]
    TooWide {
        /// Node name.
        node: String,
        /// Bits needed.
        bits: u32,
    },
}
