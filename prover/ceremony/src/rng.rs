//! snarkjs's deterministic randomness, reimplemented from its description so that our
//! contributions and beacons verify in snarkjs and theirs in ours:
//!
//! - a ChaCha20 stream whose key is eight big-endian u32 words of a hash, with a 128-bit block
//!   counter in words 12–15 and output words in order;
//! - field elements from four `u64`s (`hi << 32 | lo`) as little-endian limbs, masked to 254
//!   bits and rejected if not reduced, **taken as the Montgomery form** (value `v·2^-256`);
//! - curve points from a random `x` and a sign bit, retried until `x³ + b` is a square; G2
//!   points are then multiplied by the cofactor;
//! - `hashToG2(h)` = the G2 point of the stream keyed by `h`; a beacon keys the stream with
//!   `SHA-256` iterated `2^exp` times.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine, G2Projective};
use ark_ec::{short_weierstrass::SWCurveConfig, CurveGroup};
use ark_ff::{AdditiveGroup, BigInt, BitIteratorBE, Field, PrimeField, Zero};
use blake2::{Blake2b512, Digest};
use rand::RngCore;
use sha2::Sha256;

use crate::points::{fq2_is_negative, fq_is_negative};

/// The ChaCha20 stream snarkjs draws from (`ffjavascript`'s `ChaCha`).
pub struct ChaCha {
    state: [u32; 16],
    block: [u32; 16],
    used: usize,
}

impl ChaCha {
    /// A stream keyed by eight words.
    pub fn new(key: [u32; 8]) -> Self {
        let mut state = [0u32; 16];
        state[..4].copy_from_slice(&[0x6170_7865, 0x3320_646E, 0x7962_2D32, 0x6B20_6574]);
        state[4..12].copy_from_slice(&key);
        Self {
            state,
            block: [0; 16],
            used: 16,
        }
    }

    /// A stream keyed by the first 32 bytes of `hash`, read as big-endian words.
    pub fn from_hash(hash: &[u8]) -> Self {
        let mut key = [0u32; 8];
        for (i, k) in key.iter_mut().enumerate() {
            *k = u32::from_be_bytes(hash[4 * i..4 * i + 4].try_into().unwrap_or_default());
        }
        Self::new(key)
    }

    fn refill(&mut self) {
        let mut x = self.state;
        for _ in 0..10 {
            for (a, b, c, d) in [
                (0, 4, 8, 12),
                (1, 5, 9, 13),
                (2, 6, 10, 14),
                (3, 7, 11, 15),
                (0, 5, 10, 15),
                (1, 6, 11, 12),
                (2, 7, 8, 13),
                (3, 4, 9, 14),
            ] {
                quarter_round(&mut x, a, b, c, d);
            }
        }
        for (out, (x, s)) in self.block.iter_mut().zip(x.iter().zip(&self.state)) {
            *out = x.wrapping_add(*s);
        }
        for w in 12..16 {
            self.state[w] = self.state[w].wrapping_add(1);
            if self.state[w] != 0 {
                break;
            }
        }
        self.used = 0;
    }

    /// The next word.
    pub fn next_u32(&mut self) -> u32 {
        if self.used == 16 {
            self.refill();
        }
        self.used += 1;
        self.block[self.used - 1]
    }

    /// The next two words as `hi << 32 | lo`.
    pub fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        (hi << 32) | u64::from(self.next_u32())
    }

    /// The low bit of the next word.
    pub fn next_bool(&mut self) -> bool {
        self.next_u32() & 1 == 1
    }

    /// Four limbs masked to 254 bits, redrawn until below `modulus`.
    fn limbs_below(&mut self, modulus: BigInt<4>) -> BigInt<4> {
        loop {
            let mut l = [0u64; 4];
            for limb in l.iter_mut() {
                *limb = self.next_u64();
            }
            l[3] &= (1u64 << 62) - 1;
            if BigInt(l) < modulus {
                return BigInt(l);
            }
        }
    }

    /// snarkjs's `Fr.fromRng`.
    pub fn fr(&mut self) -> Fr {
        Fr::new_unchecked(self.limbs_below(Fr::MODULUS))
    }

    fn fq(&mut self) -> Fq {
        Fq::new_unchecked(self.limbs_below(Fq::MODULUS))
    }

    /// snarkjs's `G1.fromRng`.
    pub fn g1(&mut self) -> G1Affine {
        loop {
            let x = self.fq();
            let greatest = self.next_bool();
            let rhs = x.square() * x + ark_bn254::g1::Config::COEFF_B;
            if let Some(mut y) = rhs.sqrt() {
                if fq_is_negative(&y) != greatest {
                    y = -y;
                }
                return G1Affine::new_unchecked(x, y);
            }
        }
    }

    /// snarkjs's `G2.fromRng`: a point of the twist times the cofactor.
    pub fn g2(&mut self) -> G2Affine {
        loop {
            let x = Fq2::new(self.fq(), self.fq());
            let greatest = self.next_bool();
            let rhs = x.square() * x + ark_bn254::g2::Config::COEFF_B;
            if let Some(mut y) = rhs.sqrt() {
                if fq2_is_negative(&y) != greatest {
                    y = -y;
                }
                return times_cofactor(&G2Affine::new_unchecked(x, y));
            }
        }
    }
}

impl Drop for ChaCha {
    /// Overwrites the key and the buffered output: a contribution's stream determines its
    /// secret (best effort; the compiler may keep copies in registers).
    fn drop(&mut self) {
        self.state = [0; 16];
        self.block = [0; 16];
    }
}

/// The cofactor snarkjs multiplies random G2 points by (`2q − r`).
const G2_COFACTOR: BigInt<4> = BigInt([
    0x345f_2299_c0f9_fa8d,
    0x06ce_ecda_572a_2489,
    0xb850_45b6_8181_585e,
    0x3064_4e72_e131_a029,
]);

/// `G2_COFACTOR·p` by plain double-and-add: `p` is not in the prime-order subgroup yet, so
/// no endomorphism or reduction of the scalar modulo `r` may be used.
fn times_cofactor(p: &G2Affine) -> G2Affine {
    let mut acc = G2Projective::zero();
    for bit in BitIteratorBE::without_leading_zeros(G2_COFACTOR.0) {
        acc.double_in_place();
        if bit {
            acc += p;
        }
    }
    acc.into_affine()
}

fn quarter_round(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(16);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(12);
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(8);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(7);
}

/// snarkjs's `hashToG2`: the G2 point drawn from the stream keyed by `hash`.
pub fn hash_to_g2(hash: &[u8]) -> G2Affine {
    ChaCha::from_hash(hash).g2()
}

/// The stream of a beacon: keyed by `SHA-256` applied `2^exp` times to `beacon`.
pub fn beacon_stream(beacon: &[u8], exp: u32) -> ChaCha {
    let mut h = Sha256::digest(beacon);
    for _ in 1..(1u64 << exp) {
        h = Sha256::digest(h);
    }
    ChaCha::from_hash(&h)
}

/// The stream of a contribution: keyed by `BLAKE2b-512(64 bytes of OS randomness ‖
/// entropy)`, as snarkjs does, so typed entropy only adds to the OS's.
pub fn contribution_stream(entropy: &[u8]) -> ChaCha {
    let mut os = [0u8; 64];
    rand::rngs::OsRng.fill_bytes(&mut os);
    let mut h = Blake2b512::new();
    h.update(os);
    h.update(entropy);
    ChaCha::from_hash(&h.finalize())
}

/// BLAKE2b-512 of `bytes` (what `b2sum` prints for a file).
pub fn blake2b(bytes: &[u8]) -> [u8; 64] {
    Blake2b512::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn chacha_matches_rfc_7539_block_function() {
        // RFC 7539 §2.3.2 with the key 00..1f; snarkjs's stream has nonce 0 and starts at
        // counter 0, so compare against the RFC's function at counter 1 via one discarded
        // block, checking the keystream words' structure on the RFC's own vector instead.
        let key: [u32; 8] = std::array::from_fn(|i| {
            u32::from_le_bytes([
                4 * i as u8,
                4 * i as u8 + 1,
                4 * i as u8 + 2,
                4 * i as u8 + 3,
            ])
        });
        let mut c = ChaCha::new(key);
        // RFC 7539 §2.3.2 uses counter 1 and nonce (0x09000000, 0x4a000000, 0): set them.
        c.state[12] = 1;
        c.state[13] = 0x0900_0000;
        c.state[14] = 0x4a00_0000;
        assert_eq!(c.next_u32(), 0xe4e7_f110);
        assert_eq!(c.next_u32(), 0x1559_3bd1);
        for _ in 2..15 {
            c.next_u32();
        }
        assert_eq!(c.next_u32(), 0x4e3c_50a2);
    }

    #[test]
    fn drawn_points_are_in_the_groups() {
        let mut c = ChaCha::new([1, 2, 3, 4, 5, 6, 7, 8]);
        for _ in 0..4 {
            let p = c.g1();
            assert!(p.is_on_curve());
            let q = c.g2();
            assert!(q.is_on_curve() && q.is_in_correct_subgroup_assuming_on_curve());
        }
    }
}
