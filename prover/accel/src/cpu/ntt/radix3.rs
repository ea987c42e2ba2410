//! Radix-3 levels: a length `3m` transform as three length-`m` transforms of the decimated
//! sequences `x[3i + r]`, combined with the twiddles `ω^k`, `ω^(2k)` and one multiplication by
//! a cube root of unity per output triple.

use super::plan::{Radix3Level, CHUNK};
use ark_bn254::Fr;
use rayon::prelude::*;

/// Splits `values` (length `3m`) into `scratch` as `[x[3i], x[3i+1], x[3i+2]]` thirds.
pub(super) fn decimate(values: &[Fr], scratch: &mut [Fr]) {
    let m = values.len() / 3;
    scratch
        .par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, out)| {
            for (t, o) in out.iter_mut().enumerate() {
                let idx = c * CHUNK + t;
                let (r, i) = (idx / m, idx % m);
                *o = values[3 * i + r];
            }
        });
}

/// Combines the transformed thirds `y = [Y0 | Y1 | Y2]` into `values`:
/// `X[k + s·m] = Σ_r ω3^(r·s)·ω^(r·k)·Y_r[k]`.
pub(super) fn combine(y: &[Fr], values: &mut [Fr], level: &Radix3Level) {
    let m = values.len() / 3;
    let (y0, y12) = y.split_at(m);
    let (y1, y2) = y12.split_at(m);
    let (x0, x12) = values.split_at_mut(m);
    let (x1, x2) = x12.split_at_mut(m);
    let w3 = level.w3;
    x0.par_chunks_mut(CHUNK)
        .zip(x1.par_chunks_mut(CHUNK))
        .zip(x2.par_chunks_mut(CHUNK))
        .enumerate()
        .for_each(|(c, ((x0, x1), x2))| {
            let off = c * CHUNK;
            for j in 0..x0.len() {
                let k = off + j;
                let a = y0[k];
                let b = y1[k] * level.tw1[k];
                let d = y2[k] * level.tw2[k];
                // a + ω3·b + ω3²·d = a − d + ω3·(b − d), and ω3² = −1 − ω3.
                let t = (b - d) * w3;
                x0[j] = a + b + d;
                x1[j] = a - d + t;
                x2[j] = a - b - t;
            }
        });
}
