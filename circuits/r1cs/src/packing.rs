//! How values are packed into field elements: the input (before hashing) and the public outputs.
//! The verifier's `PublicInputs` implements the same layout natively.

use ark_ff::PrimeField;
use zkinfer_ir::Graph;

use crate::Fr;

/// Bits used per field element when packing (the BN254 field has 254; 248 leaves margin).
pub const PACK_BITS: u32 = 248;

/// The packed layout of the model's outputs as public inputs: every output value `q` (all
/// outputs flattened in order) is stored as `q + 2^(slot_bits−1)` in a `slot_bits`-bit slot,
/// `per_element` slots per field element, the first slot least significant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputPacking {
    /// Bits per value (the widest output's bound).
    pub slot_bits: u32,
    /// Values per field element.
    pub per_element: usize,
    /// Number of output values.
    pub count: usize,
}

impl OutputPacking {
    /// The layout for a model's outputs.
    pub fn for_graph(graph: &Graph) -> Self {
        let facts = graph.output_facts();
        let slot_bits = facts.iter().map(|f| f.bits()).max().unwrap_or(2);
        let count = facts.iter().map(|f| f.len()).sum();
        OutputPacking {
            slot_bits,
            per_element: (PACK_BITS / slot_bits) as usize,
            count,
        }
    }

    /// Number of field elements the outputs take.
    pub fn elements(&self) -> usize {
        self.count.div_ceil(self.per_element.max(1))
    }
}

/// Where each slot of a packed sequence goes: `(element, shift)` per slot, in order.
///
/// Greedy by accumulated width: a slot joins the current field element while
/// `shift + bits ≤ PACK_BITS` and starts the next element otherwise, so no element holds more
/// than 248 bits (a lone slot wider than that gets an element of its own) and the packing is
/// injective. With one width `b` for every slot (all outputs; the inputs of every model
/// `zkinfer compile` makes) this is exactly `⌊248 / b⌋` slots per element, the layout used
/// before mixed widths were handled. The verifier's native `zkinfer_verifier::pack_positions`
/// implements the same rule; the two crates may not depend on each other, so the e2e tests
/// check they agree.
pub fn pack_positions(widths: impl IntoIterator<Item = u32>) -> Vec<(usize, u32)> {
    let mut out = Vec::new();
    let (mut element, mut shift) = (0usize, 0u32);
    for (i, bits) in widths.into_iter().enumerate() {
        if i > 0 && shift.saturating_add(bits) > PACK_BITS {
            element += 1;
            shift = 0;
        }
        out.push((element, shift));
        shift = shift.saturating_add(bits);
    }
    out
}

/// The binding public input: `keccak256(abi.encode(chain_id, escrow, job_id, provider)) >> 8`,
/// as the escrow computes it from `block.chainid`, `address(this)`, the job and `msg.sender`.
/// Dropping the low 8 bits leaves 248 bits, below the field modulus, so no reduction happens.
pub fn binding_value(chain_id: u64, escrow: [u8; 20], job_id: u64, provider: [u8; 20]) -> Fr {
    use sha3::{Digest, Keccak256};
    let mut words = [0u8; 128];
    words[24..32].copy_from_slice(&chain_id.to_be_bytes());
    words[44..64].copy_from_slice(&escrow);
    words[88..96].copy_from_slice(&job_id.to_be_bytes());
    words[108..128].copy_from_slice(&provider);
    let digest = Keccak256::digest(words);
    Fr::from_be_bytes_mod_order(&digest[..31])
}
