//! The input commitment computed natively: what a requester publishes when opening a job, and
//! what the circuit recomputes from the private input. Must match `zkinfer_r1cs::gadgets::poseidon`
//! (parameters and packing), which a cross-crate test checks.

use ark_crypto_primitives::sponge::poseidon::{
    find_poseidon_ark_and_mds, PoseidonConfig, PoseidonSponge,
};
use ark_crypto_primitives::sponge::CryptographicSponge;

use crate::layout::PACK_BITS;
use crate::{FormatError, Fr, PublicLayout};

/// Poseidon over BN254's scalar field: width 9 (rate 8), `x^5`, 8 full and 63 partial rounds
/// (the Poseidon paper's 128-bit parameters for `t = 9`), Grain-LFSR constants. Derived once
/// per process.
pub fn poseidon_params() -> PoseidonConfig<Fr> {
    static PARAMS: std::sync::OnceLock<PoseidonConfig<Fr>> = std::sync::OnceLock::new();
    PARAMS
        .get_or_init(|| {
            let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(254, 8, 8, 63, 0);
            PoseidonConfig::new(8, 63, 5, mds, ark, 8, 1)
        })
        .clone()
}

/// Where each slot of a packed sequence goes: `(element, shift)` per slot, in order.
///
/// Greedy by accumulated width: a slot joins the current field element while
/// `shift + bits ≤ PACK_BITS` (248) and starts the next element otherwise, so no element ever
/// holds more than 248 bits (a single slot wider than that, which no model has, gets an
/// element of its own). The packing is therefore injective: distinct in-range slot values
/// give distinct integers below `2^248 < p`, hence distinct field elements. With one width
/// `b` for every slot this is exactly `⌊248 / b⌋` slots per element, the layout of every model
/// compiled so far. `zkinfer_r1cs`'s in-circuit packing implements the same rule (the e2e
/// test `circuit.rs` checks the two commitments agree on a mixed-width model).
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

/// Packs `(value, bits)` slots (each value offset by `2^(bits−1)`, so unsigned) into field
/// elements of at most 248 bits, the first slot least significant, as laid out by
/// [`pack_positions`].
pub(crate) fn pack(slots: &[(u128, u32)]) -> Vec<Fr> {
    let mut out: Vec<Fr> = Vec::new();
    for ((v, _), (element, shift)) in slots.iter().zip(pack_positions(slots.iter().map(|s| s.1))) {
        if element == out.len() {
            out.push(Fr::from(0u8));
        }
        out[element] += Fr::from(*v) * pow2(shift);
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use ark_ff::{BigInteger, PrimeField};

    use super::*;

    /// The packing before the fix: `248 / bits` slots of the chunk's *first* slot width.
    fn old_pack(slots: &[(u128, u32)]) -> Vec<Fr> {
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

    /// Input `a`: 2 bits × 1 value; input `b`: 40 bits × 130 values (the review's model).
    fn layout() -> PublicLayout {
        PublicLayout {
            input_bits: vec![2, 40],
            input_lens: vec![1, 130],
            input_scales: vec![0, 0],
            output_slot_bits: 8,
            output_per_element: 31,
            output_shapes: vec![vec![1]],
            output_scales: vec![0],
            binding_scheme: crate::layout::BINDING_SCHEME,
        }
    }

    fn slots(a: i64, b: &[i64]) -> Vec<(u128, u32)> {
        let mut s = vec![((a + 2) as u128, 2)];
        s.extend(b.iter().map(|&v| ((v + (1 << 39)) as u128, 40)));
        s
    }

    /// Two inputs whose old packings differ by exactly `p` as integers. The old first chunk
    /// holds `a` (bits 0–1) and `b[0..123]` (from bit 2, 40 bits each: `b[7]` starts at bit
    /// 282, far past 254). Input A is all minimum values (offset slots 0). Input B puts `p`'s
    /// low 2 bits in `a`'s slot and `(p − 1)/4` in base `2^40` into `b[0..7]`: its packed
    /// integer is A's plus `p`, the same field element.
    fn colliding_pair() -> ((i64, Vec<i64>), (i64, Vec<i64>)) {
        let half = 1i64 << 39;
        let a_input = (-2i64, vec![-half; 130]);
        let p = Fr::MODULUS.to_bits_le();
        let digit = |from: usize, len: usize| -> u64 {
            (0..len)
                .filter(|&i| from + i < p.len() && p[from + i])
                .map(|i| 1u64 << i)
                .sum()
        };
        let mut b = vec![-half; 130];
        for (j, v) in b.iter_mut().enumerate().take(7) {
            *v = digit(2 + 40 * j, 40) as i64 - half;
        }
        let b_input = (digit(0, 2) as i64 - 2, b);
        (a_input, b_input)
    }

    #[test]
    fn old_packing_collided_on_mixed_widths_and_new_packing_does_not() {
        let ((a1, b1), (a2, b2)) = colliding_pair();
        assert_ne!((a1, &b1), (a2, &b2), "the two inputs differ");
        let (s1, s2) = (slots(a1, &b1), slots(a2, &b2));
        // Under the old rule both inputs pack to the same field elements ...
        assert_eq!(old_pack(&s1), old_pack(&s2));
        // ... because the old first element needs far more than 254 bits.
        let widths: Vec<u32> = s1.iter().map(|s| s.1).collect();
        assert_eq!(2 + 123 * 40, 4922, "bits in the old first chunk");
        // The new packing keeps every element within 248 bits and separates them.
        assert_ne!(pack(&s1), pack(&s2));
        let pos = pack_positions(widths.iter().copied());
        for (w, (_, shift)) in widths.iter().zip(&pos) {
            assert!(shift + w <= PACK_BITS);
        }
        assert_eq!(pos[1], (0, 2));
        assert_eq!(
            pos[6],
            (0, 202),
            "b[5] (bits 202..242) is the last slot of element 0"
        );
        assert_eq!(
            pos[7],
            (1, 0),
            "b[6] starts element 1 instead of bit 242 of a 282-bit sum"
        );
        assert_eq!(
            pos[8],
            (1, 40),
            "b[7] is at bit 40 of element 1, not bit 282 of element 0"
        );
        // And the commitments differ.
        let l = layout();
        let c1 = commit_input(&l, &[vec![a1], b1]).unwrap();
        let c2 = commit_input(&l, &[vec![a2], b2]).unwrap();
        assert_ne!(c1, c2);
    }

    #[test]
    fn greedy_packing_equals_the_old_one_for_uniform_widths() {
        for bits in [2u32, 8, 12, 18, 31, 40, 62] {
            for n in [0usize, 1, 5, 30, 124, 125, 1000] {
                let s: Vec<(u128, u32)> = (0..n)
                    .map(|i| ((i as u128 * 7919) % (1u128 << bits), bits))
                    .collect();
                assert_eq!(pack(&s), old_pack(&s), "{n} slots of {bits} bits");
            }
        }
    }

    #[test]
    fn no_element_exceeds_248_bits_for_any_width_sequence() {
        // A deterministic pseudo-random walk over widths 2..=62.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200 {
            let widths: Vec<u32> = (0..300)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    2 + (x % 61) as u32
                })
                .collect();
            let pos = pack_positions(widths.iter().copied());
            let mut prev = (0usize, 0u32);
            for (i, (w, &(e, shift))) in widths.iter().zip(&pos).enumerate() {
                assert!(shift + w <= PACK_BITS, "slot {i} ends past 248 bits");
                if i > 0 {
                    // Slots are contiguous within an element and elements are consecutive.
                    assert!(e == prev.0 && shift == prev.1 || e == prev.0 + 1 && shift == 0);
                }
                prev = (e, shift + w);
            }
        }
    }
}
