//! The radix-2 core: an in-place, natural-order Cooley–Tukey NTT of `2^k` points.
//!
//! Bit-reversal, then decimation-in-time stages. The first stages run block by block (each
//! block of [`BLOCK`] points stays in L1 through all its stages); the later ones split each
//! butterfly group across threads.

use ark_bn254::Fr;
use rayon::prelude::*;

/// Points per block for the cache-resident early stages (32 KiB of `Fr`).
const BLOCK: usize = 1 << 10;

/// Butterflies per parallel task in the late stages.
const TASK: usize = 1 << 11;

/// Transforms `values` (length a power of two) in place with the stage twiddles `tw` of
/// [`super::plan::Plan::radix2`] for that length.
pub(super) fn ntt(values: &mut [Fr], tw: &[Fr]) {
    let n = values.len();
    if n <= 1 {
        return;
    }
    bit_reverse(values);
    let block = n.min(BLOCK);
    values.par_chunks_mut(block).for_each(|blk| {
        let mut h = 1;
        while h < block {
            stage(blk, h, &tw[h - 1..2 * h - 1]);
            h *= 2;
        }
    });
    let mut h = block;
    while h < n {
        let tw_h = &tw[h - 1..2 * h - 1];
        if n / (2 * h) >= 2 * rayon::current_num_threads() {
            values
                .par_chunks_mut(2 * h)
                .for_each(|group| stage(group, h, tw_h));
        } else {
            for group in values.chunks_mut(2 * h) {
                let (lo, hi) = group.split_at_mut(h);
                lo.par_chunks_mut(TASK)
                    .zip(hi.par_chunks_mut(TASK))
                    .zip(tw_h.par_chunks(TASK))
                    .for_each(|((lo, hi), w)| butterflies(lo, hi, w));
            }
        }
        h *= 2;
    }
}

/// One stage of half-width `h` over `block` (a multiple of `2h` points).
fn stage(block: &mut [Fr], h: usize, tw: &[Fr]) {
    for group in block.chunks_mut(2 * h) {
        let (lo, hi) = group.split_at_mut(h);
        if h == 1 {
            let t = hi[0];
            hi[0] = lo[0] - t;
            lo[0] += t;
        } else {
            butterflies(lo, hi, tw);
        }
    }
}

/// `(a, b) ← (a + w·b, a − w·b)` pairwise.
fn butterflies(lo: &mut [Fr], hi: &mut [Fr], tw: &[Fr]) {
    for ((a, b), w) in lo.iter_mut().zip(hi.iter_mut()).zip(tw) {
        let t = *b * w;
        *b = *a - t;
        *a += t;
    }
}

/// Permutes `values` (length `2^k`) into bit-reversed order.
fn bit_reverse(values: &mut [Fr]) {
    let n = values.len();
    let shift = usize::BITS - n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> shift;
        if i < j {
            values.swap(i, j);
        }
    }
}
