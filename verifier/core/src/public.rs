//! The public inputs of one proof, and their packing into field elements.

use ark_ff::PrimeField;

use crate::commitment::pack;
use crate::layout::PACK_BITS;
use crate::{FormatError, Fr, PublicLayout};

/// What a proof claims publicly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicInputs {
    /// Poseidon commitment of the quantized input.
    pub input_commitment: Fr,
    /// The EVM chain id the proof is for (0: none).
    pub chain_id: u64,
    /// The escrow contract the proof is for (zero: none).
    pub escrow: [u8; 20],
    /// The escrow job the proof is for.
    pub job_id: u64,
    /// The provider who may be paid (EVM address).
    pub provider: [u8; 20],
    /// Quantized outputs, one flat list per model output.
    pub outputs: Vec<Vec<i64>>,
}

/// The binding public input, as the escrow computes it:
/// `uint256(keccak256(abi.encode(block.chainid, address(this), jobId, msg.sender))) >> 8`.
/// A proof pays only on that chain, at that escrow, for that job, to that provider.
pub fn binding(chain_id: u64, escrow: [u8; 20], job_id: u64, provider: [u8; 20]) -> Fr {
    use sha3::{Digest, Keccak256};
    let mut words = [0u8; 128];
    words[24..32].copy_from_slice(&chain_id.to_be_bytes());
    words[44..64].copy_from_slice(&escrow);
    words[88..96].copy_from_slice(&job_id.to_be_bytes());
    words[108..128].copy_from_slice(&provider);
    let digest = Keccak256::digest(words);
    let keep = (256 - crate::BINDING_DROP_BITS) as usize / 8;
    Fr::from_be_bytes_mod_order(&digest[..keep])
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
        let bind = binding(self.chain_id, self.escrow, self.job_id, self.provider);
        let mut out = vec![self.input_commitment, bind];
        out.extend(pack(&slots));
        Ok(out)
    }
}

/// The inverse of the output packing of [`PublicInputs::to_field_elements`]: the quantized
/// outputs (one flat list per model output) held by the packed output elements (the public
/// inputs from `OUTPUTS_OFFSET` on, e.g. the `outputs` of the escrow's `JobCompleted` event).
///
/// Refuses a wrong number of elements and elements with bits set above their last slot, so
/// only what `to_field_elements` can produce unpacks (and repacks to the same elements).
pub fn unpack_outputs(
    layout: &PublicLayout,
    elements: &[Fr],
) -> Result<Vec<Vec<i64>>, FormatError> {
    let bits = layout.output_slot_bits;
    if !(1..=127).contains(&bits) {
        return Err(FormatError::Corrupt(format!(
            "output slot width {bits} bits (1..=127 supported)"
        )));
    }
    let count = layout.output_count();
    let per = (PACK_BITS / bits).max(1) as usize;
    let expected = count.div_ceil(per);
    if elements.len() != expected {
        return Err(FormatError::Corrupt(format!(
            "{} packed output elements, the model's {count} outputs take {expected}",
            elements.len()
        )));
    }
    let half = 1i128 << (bits - 1);
    let mut flat = Vec::with_capacity(count);
    for (i, e) in elements.iter().enumerate() {
        let limbs = e.into_bigint().0;
        let slots = per.min(count - i * per);
        for s in 0..slots {
            let u = bit_range(&limbs, s as u32 * bits, bits);
            // `u < 2^bits ≤ 2^127`: the difference fits an i128, not always an i64
            let v = u as i128 - half;
            flat.push(i64::try_from(v).map_err(|_| {
                FormatError::Corrupt(format!("packed output value {v} does not fit an i64"))
            })?);
        }
        let used = slots as u32 * bits;
        if (used..256).any(|b| bit_range(&limbs, b, 1) != 0) {
            return Err(FormatError::Corrupt(format!(
                "packed output element {i} has bits set above its {slots} slots"
            )));
        }
    }
    let mut values = flat.into_iter();
    Ok(layout
        .output_shapes
        .iter()
        .map(|s| values.by_ref().take(s.iter().product()).collect())
        .collect())
}

/// Bits `start .. start + len` (`len ≤ 128`) of a little-endian 256-bit integer.
fn bit_range(limbs: &[u64; 4], start: u32, len: u32) -> u128 {
    (0..len).fold(0u128, |acc, i| {
        let b = start + i;
        let bit = (limbs[(b / 64) as usize] >> (b % 64)) & 1;
        acc | (u128::from(bit) << i)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OUTPUTS_OFFSET;

    fn layout(slot_bits: u32, shapes: Vec<Vec<usize>>) -> PublicLayout {
        PublicLayout {
            input_bits: vec![8],
            input_lens: vec![1],
            input_scales: vec![0],
            output_slot_bits: slot_bits,
            output_per_element: (PACK_BITS / slot_bits) as usize,
            output_scales: vec![7; shapes.len()],
            output_shapes: shapes,
            binding_scheme: crate::BINDING_SCHEME,
        }
    }

    fn claims(outputs: Vec<Vec<i64>>) -> PublicInputs {
        PublicInputs {
            input_commitment: Fr::from(3u8),
            chain_id: 31337,
            escrow: [0xee; 20],
            job_id: 9,
            provider: [0xab; 20],
            outputs,
        }
    }

    fn packed(layout: &PublicLayout, outputs: &[Vec<i64>]) -> Vec<Fr> {
        let all = claims(outputs.to_vec()).to_field_elements(layout).unwrap();
        all[OUTPUTS_OFFSET..].to_vec()
    }

    #[test]
    fn unpacking_inverts_packing_with_negative_values_and_slot_extremes() {
        // 32-bit slots: 7 to an element, so 10 values spill into a second element
        let l = layout(32, vec![vec![1, 10], vec![3]]);
        let half = 1i64 << 31;
        let outputs = vec![
            vec![-9105, -13075, 0, 1, -1, half - 1, -half, 9144, -5671, 4239],
            vec![-7, 7, 0],
        ];
        let words = packed(&l, &outputs);
        assert_eq!(words.len(), 2);
        assert_eq!(unpack_outputs(&l, &words).unwrap(), outputs);

        // one value per element, and the widest slot
        let l = layout(64, vec![vec![5]]);
        let outputs = vec![vec![i64::MIN, i64::MAX, -1, 0, 1]];
        assert_eq!(unpack_outputs(&l, &packed(&l, &outputs)).unwrap(), outputs);
        let l = layout(100, vec![vec![4]]);
        let outputs = vec![vec![i64::MIN, -3, 3, i64::MAX]];
        assert_eq!(unpack_outputs(&l, &packed(&l, &outputs)).unwrap(), outputs);
        let l = layout(200, vec![vec![1]]);
        assert!(
            unpack_outputs(&l, &[Fr::from(1u8)]).is_err(),
            "slots over 127 bits"
        );
    }

    #[test]
    fn unpacking_refuses_what_packing_cannot_produce() {
        let l = layout(32, vec![vec![10]]);
        let words = packed(&l, &[vec![-1; 10]]);
        assert!(unpack_outputs(&l, &words[..1]).is_err(), "too few elements");
        let mut more = words.clone();
        more.push(Fr::from(0u8));
        assert!(unpack_outputs(&l, &more).is_err(), "too many elements");
        // the second element holds 3 slots (96 bits); a bit above them is not an output
        let mut high = words.clone();
        high[1] += Fr::from(1u128 << 100);
        let e = unpack_outputs(&l, &high).unwrap_err().to_string();
        assert!(e.contains("above its 3 slots"), "{e}");
        // a 100-bit slot holding more than an i64
        let l = layout(100, vec![vec![1]]);
        let big = Fr::from((1u128 << 99) + (1u128 << 70));
        assert!(unpack_outputs(&l, &[big]).is_err(), "value beyond i64");
    }
}
