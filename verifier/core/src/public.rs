//! The public inputs of one proof, and their packing into field elements.

use ark_ff::PrimeField;

use crate::commitment::pack;
use crate::{FormatError, Fr, PublicLayout};

/// What a proof claims publicly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicInputs {
    /// Poseidon commitment of the quantized input.
    pub input_commitment: Fr,
    /// The escrow job the proof is for.
    pub job_id: u64,
    /// The provider who may be paid (EVM address).
    pub provider: [u8; 20],
    /// Quantized outputs, one flat list per model output.
    pub outputs: Vec<Vec<i64>>,
}

/// `job_id · 2^160 + provider` as a field element (as the escrow computes it from the job and
/// `msg.sender`).
pub fn binding(job_id: u64, provider: [u8; 20]) -> Fr {
    let mut be = [0u8; 32];
    be[4..12].copy_from_slice(&job_id.to_be_bytes());
    be[12..].copy_from_slice(&provider);
    Fr::from_be_bytes_mod_order(&be)
}

impl PublicInputs {
    /// The field elements the verifier checks, in the circuit's order.
    pub fn to_field_elements(&self, layout: &PublicLayout) -> Result<Vec<Fr>, FormatError> {
        let shapes_ok = self.outputs.len() == layout.output_shapes.len()
            && self
                .outputs
                .iter()
                .zip(&layout.output_shapes)
                .all(|(o, s)| o.len() == s.iter().product::<usize>());
        if !shapes_ok {
            return Err(FormatError::Corrupt(format!(
                "outputs have lengths {:?}, the model's outputs have shapes {:?}",
                self.outputs.iter().map(Vec::len).collect::<Vec<_>>(),
                layout.output_shapes
            )));
        }
        let bits = layout.output_slot_bits;
        let half = 1i128 << (bits - 1);
        let mut slots = Vec::with_capacity(layout.output_count());
        for &v in self.outputs.iter().flatten() {
            let u = v as i128 + half;
            if u < 0 || u >= 2 * half {
                return Err(FormatError::Corrupt(format!(
                    "output value {v} does not fit the {bits}-bit output slot"
                )));
            }
            slots.push((u as u128, bits));
        }
        let mut out = vec![self.input_commitment, binding(self.job_id, self.provider)];
        out.extend(pack(&slots));
        Ok(out)
    }
}
