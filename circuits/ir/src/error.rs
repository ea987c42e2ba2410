//! Errors of the IR: shape and scale inference, and the reference executor.

/// Why an op, a graph or an evaluation was refused. Every variant names what and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IrError {
    /// An op got the wrong number of inputs.
    #[error("op `{op}` expects {expected} input(s), got {found}")]
    Arity {
        /// The op's name.
        op: &'static str,
        /// How many inputs it takes.
        expected: usize,
        /// How many it was given.
        found: usize,
    },
    /// An input's shape does not fit the op.
    #[error("op `{op}`: {detail}")]
    Shape {
        /// The op's name.
        op: &'static str,
        /// What is wrong, with the shapes involved.
        detail: String,
    },
    /// Two inputs that must share a fixed-point scale do not.
    #[error("op `{op}`: inputs have scales 2^-{left} and 2^-{right}; they must be equal")]
    ScaleMismatch {
        /// The op's name.
        op: &'static str,
        /// Scale of the first input.
        left: i32,
        /// Scale of the second input.
        right: i32,
    },
    /// An op's parameters are inconsistent (zero stride, bad bit width, ...).
    #[error("op `{op}`: invalid parameter: {detail}")]
    InvalidParameter {
        /// The op's name.
        op: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// A value bound grew past what the circuit field and the executor can hold.
    #[error(
        "op `{op}`: values may reach {bound}, beyond the supported bound 2^62; lower the scales"
    )]
    BoundOverflow {
        /// The op's name.
        op: &'static str,
        /// The bound that was too large (saturated).
        bound: u128,
    },
    /// A table op's domain has more entries than a table may have.
    #[error("op `{op}` needs a table of {entries} entries, more than the {max} a table may have; lower the table's input bits")]
    TableTooLarge {
        /// The op's name.
        op: &'static str,
        /// Entries the domain needs.
        entries: u128,
        /// Entries allowed.
        max: u128,
    },
    /// Shape or geometry arithmetic (an element count, a padded length, a dilated kernel)
    /// does not fit a machine word: the model is refused rather than computed on a wrapped
    /// value.
    #[error("op `{op}`: {what} overflows")]
    Overflow {
        /// The op's name.
        op: &'static str,
        /// The quantity and the attributes it was computed from.
        what: String,
    },
    /// A tensor holds more elements than the configured limit ([`crate::Limits`]).
    #[error("node `{node}`: tensor `{tensor}` of shape {shape:?} would hold {elements} elements, more than the limit of {limit}")]
    TensorTooLarge {
        /// The node (or graph input) producing the tensor.
        node: String,
        /// The tensor's name or id.
        tensor: String,
        /// Its shape.
        shape: Vec<usize>,
        /// Its element count (saturated at `u128::MAX`).
        elements: u128,
        /// The limit.
        limit: usize,
    },
    /// A value does not fit the range the circuit range-checks.
    #[error("value {value} at flat index {index} is outside the range [{min}, {max}] that the circuit checks; recalibrate with more headroom or more bits")]
    OutOfRange {
        /// The offending value.
        value: i128,
        /// Its flat index in the tensor.
        index: usize,
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// A tensor's data does not match its declared shape.
    #[error("tensor of shape {shape:?} needs {expected} values, got {found}")]
    DataLength {
        /// The declared shape.
        shape: Vec<usize>,
        /// Number of values the shape needs.
        expected: usize,
        /// Number of values present.
        found: usize,
    },
    /// A graph refers to a tensor that does not exist (yet).
    #[error("node `{node}` reads tensor {tensor}, which is not defined before it")]
    UnknownTensor {
        /// The node's name.
        node: String,
        /// The missing tensor id.
        tensor: usize,
    },
    /// The graph has the wrong number of input tensors for evaluation.
    #[error("the model takes {expected} input tensor(s), got {found}")]
    InputCount {
        /// Inputs declared by the graph.
        expected: usize,
        /// Inputs given.
        found: usize,
    },
    /// A recorded fact disagrees with the one inferred from the node's inputs.
    #[error("node `{node}`: stored fact {stored} disagrees with inferred fact {inferred}")]
    FactMismatch {
        /// The node's name.
        node: String,
        /// What the graph file states.
        stored: String,
        /// What inference computes.
        inferred: String,
    },
    /// An error inside a named node (wraps the op-level error).
    #[error("node `{node}` ({op}): {source}")]
    AtNode {
        /// The node's name.
        node: String,
        /// The op's name.
        op: &'static str,
        /// The op-level error.
        #[source]
        source: Box<IrError>,
    },
    /// A graph input was given a value outside its declared range.
    #[error("input `{input}`: {source}")]
    AtInput {
        /// The input's name.
        input: String,
        /// The range error.
        #[source]
        source: Box<IrError>,
    },
}

impl IrError {
    /// Wraps `self` with the node it happened in.
    pub fn at_node(self, node: &str, op: &'static str) -> Self {
        IrError::AtNode {
            node: node.to_string(),
            op,
            source: Box::new(self),
        }
    }
}
