//! The public-input layout of a model: what the verifier needs to rebuild the public inputs
//! from a proof's stated input commitment, job, provider and outputs.

use serde::{Deserialize, Serialize};

/// Bits used per field element when packing (must equal the circuit's `PACK_BITS`).
pub const PACK_BITS: u32 = 248;

/// Index of the input commitment among the public inputs (the escrow's
/// `INPUT_COMMITMENT_INDEX`, cross-checked by zkinfer-evm's tests).
pub const INPUT_COMMITMENT_INDEX: usize = 0;
/// Index of the binding (`keccak256(chain id, escrow, job id, provider) >> 8`) among the public
/// inputs.
pub const BINDING_INDEX: usize = 1;
/// Index of the first packed output element.
pub const OUTPUTS_OFFSET: usize = 2;
/// Low bits of the keccak256 digest dropped to make the binding input (248 bits remain, below
/// the scalar field modulus).
pub const BINDING_DROP_BITS: u32 = 8;
/// The binding scheme of circuits made by this version: 2 = keccak256 of (chain id, escrow,
/// job id, provider). Scheme 1 (`job_id · 2^160 + provider`, range-checked in the circuit) had
/// another circuit, so keys made for it cannot prove or verify scheme-2 proofs.
pub const BINDING_SCHEME: u32 = 2;

fn legacy_binding_scheme() -> u32 {
    1
}

/// Public inputs, in order: the input commitment, the binding ([`crate::binding`]), then the
/// outputs packed `output_per_element` to a field element, each value `q` stored as
/// `q + 2^(output_slot_bits − 1)`, first value least significant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicLayout {
    /// Bit width each input value is range-checked to, per model input.
    pub input_bits: Vec<u32>,
    /// Number of values per model input.
    pub input_lens: Vec<usize>,
    /// Fixed-point scale of each input.
    pub input_scales: Vec<i32>,
    /// Slot width of an output value.
    pub output_slot_bits: u32,
    /// Output values per field element.
    pub output_per_element: usize,
    /// Shape of each output.
    pub output_shapes: Vec<Vec<usize>>,
    /// Fixed-point scale of each output.
    pub output_scales: Vec<i32>,
    /// The binding scheme the circuit was made for ([`BINDING_SCHEME`]; absent in keys made
    /// before it existed, which are scheme 1).
    #[serde(default = "legacy_binding_scheme")]
    pub binding_scheme: u32,
}

impl PublicLayout {
    /// Refuses a layout made for another binding scheme than this version's circuits use.
    pub fn check_binding_scheme(&self) -> Result<(), crate::FormatError> {
        if self.binding_scheme == BINDING_SCHEME {
            return Ok(());
        }
        Err(crate::FormatError::Corrupt(format!(
            "key made for binding scheme {} (this zkinfer binds proofs to chain, escrow, job \
             and provider: scheme {BINDING_SCHEME}, another circuit); run setup again",
            self.binding_scheme
        )))
    }

    /// Number of output values (all outputs flattened).
    pub fn output_count(&self) -> usize {
        self.output_shapes
            .iter()
            .map(|s| s.iter().product::<usize>())
            .sum()
    }

    /// Field elements the outputs take.
    pub fn output_elements(&self) -> usize {
        self.output_count().div_ceil(self.output_per_element.max(1))
    }

    /// Total public inputs (without the constant 1).
    pub fn num_public(&self) -> usize {
        OUTPUTS_OFFSET + self.output_elements()
    }
}
