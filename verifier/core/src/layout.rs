//! The public-input layout of a model: what the verifier needs to rebuild the public inputs
//! from a proof's stated input commitment, job, provider and outputs.

use serde::{Deserialize, Serialize};

/// Bits used per field element when packing (must equal the circuit's `PACK_BITS`).
pub const PACK_BITS: u32 = 248;

/// Index of the input commitment among the public inputs (the escrow's
/// `INPUT_COMMITMENT_INDEX`, cross-checked by zkinfer-evm's tests).
pub const INPUT_COMMITMENT_INDEX: usize = 0;
/// Index of `job_id · 2^JOB_ID_SHIFT + provider` among the public inputs.
pub const BINDING_INDEX: usize = 1;
/// Index of the first packed output element.
pub const OUTPUTS_OFFSET: usize = 2;
/// The job id sits above the 160-bit provider address in the binding input.
pub const JOB_ID_SHIFT: u32 = 160;

/// Public inputs, in order: the input commitment, `job_id · 2^160 + provider`, then the
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
}

impl PublicLayout {
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
