//! The input commitment computed natively: what a requester publishes when opening a job, and
//! what the circuit recomputes from the private input. Must match `zkinfer_r1cs::gadgets::poseidon`
//! (parameters and packing), which a cross-crate test checks.

use ark_crypto_primitives::sponge::poseidon::{
    find_poseidon_ark_and_mds, PoseidonConfig, PoseidonSponge,
};
use ark_crypto_primitives::sponge::CryptographicSponge;

use crate::layout::PACK_BITS;
use crate::{FormatError, Fr, PublicLayout};

/// Poseidon over BN254's scalar field: width 3 (rate 2), `x^5`, 8 full and 57 partial rounds,
/// Grain-LFSR constants.
pub fn poseidon_params() -> PoseidonConfig<Fr> {
    let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(254, 2, 8, 57, 0);
    PoseidonConfig::new(8, 57, 5, mds, ark, 2, 1)
}

/// Packs `(value, bits)` slots into field elements of at most 248 bits (value offset by
/// `2^(bits−1)`), the first slot least significant; a chunk takes `248 / bits` slots of its
/// first slot's width.
pub(crate) fn pack(slots: &[(u128, u32)]) -> Vec<Fr> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < slots.len() {
        let per = (PACK_BITS / slots[i].1).max(1) as usize;
        let chunk = &slots[i..(i + per).min(slots.len())];
        let mut shift = 0u32;
        let mut acc = Fr::from(0u8);
        for (v, b) in chunk {
            acc += Fr::from(*v) * pow2(shift);
            shift += b;
        }
        out.push(acc);
        i += chunk.len();
    }
    out
}

fn pow2(e: u32) -> Fr {
    let mut p = Fr::from(1u8);
    for _ in 0..e {
        p += p;
    }
    p
}

/// The Poseidon commitment of a quantized input (one flat list per model input).
pub fn commit_input(layout: &PublicLayout, inputs: &[Vec<i64>]) -> Result<Fr, FormatError> {
    if inputs.len() != layout.input_bits.len()
        || inputs
            .iter()
            .zip(&layout.input_lens)
            .any(|(v, n)| v.len() != *n)
    {
        return Err(FormatError::Corrupt(format!(
            "input has lists of lengths {:?}, the model takes {:?}",
            inputs.iter().map(Vec::len).collect::<Vec<_>>(),
            layout.input_lens
        )));
    }
    let mut slots = Vec::new();
    for (values, &bits) in inputs.iter().zip(&layout.input_bits) {
        let half = 1i128 << (bits - 1);
        for &v in values {
            let u = v as i128 + half;
            if u < 0 || u >= 2 * half {
                return Err(FormatError::Corrupt(format!(
                    "input value {v} does not fit {bits} bits"
                )));
            }
            slots.push((u as u128, bits));
        }
    }
    let mut absorbed = vec![Fr::from(slots.len() as u64)];
    absorbed.extend(pack(&slots));
    let mut sponge = PoseidonSponge::new(&poseidon_params());
    sponge.absorb(&absorbed);
    Ok(sponge.squeeze_field_elements::<Fr>(1)[0])
}
