//! BLAKE2b-512 (RFC 7693) whose running state can be saved and resumed, as snarkjs's phase-1
//! transcript needs: a contribution stores the state of its *response hash* after the
//! challenge and the compressed points (216 bytes), so that a verifier can finish that hash
//! with the contribution's public key without the points, which later contributions replace.
//!
//! The state keeps the last block unprocessed until more input arrives (BLAKE2's final-block
//! flag), and its buffer keeps what earlier blocks left past the current position, as the
//! hasher snarkjs uses does, so a saved state is the same bytes snarkjs would write.
//! Layout of a saved state: the 128-byte block buffer, the chaining value (eight `u64`, little
//! endian), the bytes compressed so far (`u64`), the bytes in the buffer (`u64`), 8 zero bytes.

const IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

const SIGMA: [[usize; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

const BLOCK: usize = 128;

/// Size of a saved state.
pub const PARTIAL_SIZE: usize = 216;

/// A BLAKE2b-512 hasher with a saveable state.
#[derive(Clone)]
pub struct Blake2bState {
    h: [u64; 8],
    buffer: [u8; BLOCK],
    /// Bytes in `buffer` not yet compressed.
    pos: usize,
    /// Bytes absorbed in all (compressed and buffered).
    length: u64,
}

impl Default for Blake2bState {
    fn default() -> Self {
        Self::new()
    }
}

impl Blake2bState {
    /// A fresh unkeyed hasher with a 64-byte output.
    pub fn new() -> Self {
        let mut h = IV;
        h[0] ^= 0x0101_0040;
        Self {
            h,
            buffer: [0; BLOCK],
            pos: 0,
            length: 0,
        }
    }

    /// Absorbs `data`. Whole blocks that are not the last input are compressed straight from
    /// `data`; the rest goes through the buffer.
    pub fn update(&mut self, data: &[u8]) {
        let mut i = 0;
        while i < data.len() {
            if self.pos == BLOCK {
                let block = self.buffer;
                self.compress(&block, false);
                self.pos = 0;
            }
            let take = (BLOCK - self.pos).min(data.len() - i);
            if take == BLOCK && i + take < data.len() {
                while i + BLOCK < data.len() {
                    self.length += BLOCK as u64;
                    let block: &[u8; BLOCK] = data[i..i + BLOCK].try_into().unwrap_or(&[0; BLOCK]);
                    self.compress(block, false);
                    i += BLOCK;
                }
                continue;
            }
            self.buffer[self.pos..self.pos + take].copy_from_slice(&data[i..i + take]);
            self.pos += take;
            self.length += take as u64;
            i += take;
        }
    }

    /// The 64-byte digest.
    pub fn finalize(mut self) -> [u8; 64] {
        self.buffer[self.pos..].fill(0);
        let block = self.buffer;
        self.compress(&block, true);
        let mut out = [0u8; 64];
        for (chunk, word) in out.chunks_exact_mut(8).zip(self.h) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        out
    }

    /// The saved state (snarkjs's `partialHash`).
    pub fn to_partial(&self) -> [u8; PARTIAL_SIZE] {
        let mut out = [0u8; PARTIAL_SIZE];
        out[..BLOCK].copy_from_slice(&self.buffer);
        for (i, word) in self.h.iter().enumerate() {
            out[BLOCK + 8 * i..BLOCK + 8 * i + 8].copy_from_slice(&word.to_le_bytes());
        }
        let compressed = self.length - self.pos as u64;
        out[192..200].copy_from_slice(&compressed.to_le_bytes());
        out[200..208].copy_from_slice(&(self.pos as u64).to_le_bytes());
        out
    }

    /// Resumes a saved state; `None` when its buffer position is impossible (over 128 bytes,
    /// or a partly filled buffer after compressed bytes that are not whole blocks).
    pub fn from_partial(saved: &[u8; PARTIAL_SIZE]) -> Option<Self> {
        let word = |at: usize| u64::from_le_bytes(saved[at..at + 8].try_into().unwrap_or([0; 8]));
        let compressed = word(192);
        let pos = word(200);
        if pos > BLOCK as u64 || compressed % BLOCK as u64 != 0 {
            return None;
        }
        let mut h = [0u64; 8];
        for (i, w) in h.iter_mut().enumerate() {
            *w = word(BLOCK + 8 * i);
        }
        let mut buffer = [0u8; BLOCK];
        buffer.copy_from_slice(&saved[..BLOCK]);
        Some(Self {
            h,
            buffer,
            pos: pos as usize,
            length: compressed.checked_add(pos)?,
        })
    }

    /// The compression function `F` with the byte counter at `self.length`.
    fn compress(&mut self, block: &[u8; BLOCK], last: bool) {
        let mut m = [0u64; 16];
        for (w, chunk) in m.iter_mut().zip(block.chunks_exact(8)) {
            *w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        }
        let mut v = [0u64; 16];
        v[..8].copy_from_slice(&self.h);
        v[8..].copy_from_slice(&IV);
        v[12] ^= self.length;
        if last {
            v[14] = !v[14];
        }
        for round in 0..12 {
            let s = &SIGMA[round % 10];
            mix(&mut v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            mix(&mut v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            mix(&mut v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            mix(&mut v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            mix(&mut v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            mix(&mut v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            mix(&mut v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            mix(&mut v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }
        for i in 0..8 {
            self.h[i] ^= v[i] ^ v[i + 8];
        }
    }
}

/// BLAKE2b's `G` mixing function.
fn mix(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use blake2::{Blake2b512, Digest};

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn equals_blake2b_512_for_every_split() {
        for n in [0, 1, 64, 127, 128, 129, 255, 256, 257, 1000, 4096] {
            let d = data(n);
            let want: [u8; 64] = Blake2b512::digest(&d).into();
            for split in [0, 1, 64, 128, n / 2, n] {
                let split = split.min(n);
                let mut h = Blake2bState::new();
                h.update(&d[..split]);
                h.update(&d[split..]);
                assert_eq!(h.finalize(), want, "n={n} split={split}");
            }
        }
    }

    #[test]
    fn a_saved_state_resumes_to_the_same_digest() {
        for (n, m) in [(64, 768), (128, 1), (256, 100), (1000, 768), (0, 5)] {
            let d = data(n + m);
            let mut h = Blake2bState::new();
            h.update(&d[..n]);
            let saved = h.to_partial();
            let mut resumed = Blake2bState::from_partial(&saved).unwrap();
            resumed.update(&d[n..]);
            let want: [u8; 64] = Blake2b512::digest(&d).into();
            assert_eq!(resumed.finalize(), want, "n={n} m={m}");
        }
    }

    #[test]
    fn an_impossible_saved_state_is_refused() {
        let mut saved = Blake2bState::new().to_partial();
        saved[200] = 129;
        assert!(Blake2bState::from_partial(&saved).is_none());
        let mut saved = Blake2bState::new().to_partial();
        saved[192] = 5;
        assert!(Blake2bState::from_partial(&saved).is_none());
    }
}
