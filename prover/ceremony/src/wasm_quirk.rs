//! snarkjs's arithmetic on bytes that are not a point, reproduced to the bit.
//!
//! When a circuit's domain is as large as its `.ptau` (`2^P` points), `snarkjs zkey new`'s
//! circuit hash reads one "point" past the end of the `.ptau`'s section 2: the next section's
//! header and the start of `[1]₂`. It subtracts `[τ^(n−1)]₁` from those 64 bytes with
//! wasmcurves' affine addition and hashes the result. The bytes are usually not reduced field
//! elements, and wasmcurves' `add`, `sub` and Montgomery `mul` on unreduced 256-bit values
//! are not congruent modulo `q` (a carry past `2^256` is dropped), so the result can only be
//! matched by doing exactly what wasmcurves does: 256-bit limbs, its conditional
//! corrections, and its formulas. Only the circuit hash depends on this; the key's points do
//! not.

use ark_bn254::{Fq, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, Field, PrimeField};

use crate::points::{limbs_le, G1_SIZE};

type U256 = BigInt<4>;

const Q: U256 = Fq::MODULUS;

/// wasmcurves `f1m_add`: the 256-bit sum; on a carry or when `≥ q`, minus `q` (mod `2^256`).
fn add(x: U256, y: U256) -> U256 {
    let mut r = x;
    let carry = r.add_with_carry(&y);
    if carry || r >= Q {
        r.sub_with_borrow(&Q);
    }
    r
}

/// wasmcurves `f1m_sub`: the 256-bit difference; on a borrow, plus `q` (mod `2^256`).
fn sub(x: U256, y: U256) -> U256 {
    let mut r = x;
    if r.sub_with_borrow(&y) {
        r.add_with_carry(&Q);
    }
    r
}

/// wasmcurves `f1m_mul` (and `square`): `t = (x·y + m·q)/2^256` for the unique `m < 2^256`
/// making it exact, then `t − q` if `t ≥ q` (`t < 2^256 + q`, so that fits).
fn mul(x: U256, y: U256) -> U256 {
    // 512-bit product.
    let mut t = [0u64; 9];
    for i in 0..4 {
        let mut carry = 0u128;
        for j in 0..4 {
            let v = u128::from(t[i + j]) + u128::from(x.0[i]) * u128::from(y.0[j]) + carry;
            t[i + j] = v as u64;
            carry = v >> 64;
        }
        t[i + 4] = carry as u64;
    }
    // Montgomery reduction, one 64-bit digit of m at a time (the same m as any schedule).
    let inv = Q.0[0].wrapping_neg_inverse();
    for i in 0..4 {
        let m = t[i].wrapping_mul(inv);
        let mut carry = 0u128;
        for j in 0..4 {
            let v = u128::from(t[i + j]) + u128::from(m) * u128::from(Q.0[j]) + carry;
            t[i + j] = v as u64;
            carry = v >> 64;
        }
        let mut k = i + 4;
        while carry != 0 {
            let v = u128::from(t[k]) + carry;
            t[k] = v as u64;
            carry = v >> 64;
            k += 1;
        }
    }
    let mut r = BigInt([t[4], t[5], t[6], t[7]]);
    if t[8] != 0 || r >= Q {
        r.sub_with_borrow(&Q);
    }
    r
}

/// `−q⁻¹ mod 2^64` for the Montgomery reduction.
trait NegInverse {
    fn wrapping_neg_inverse(self) -> u64;
}

impl NegInverse for u64 {
    fn wrapping_neg_inverse(self) -> u64 {
        // Newton's iteration for the inverse modulo 2^64 (self is odd).
        let mut inv = 1u64;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(self.wrapping_mul(inv)));
        }
        inv.wrapping_neg()
    }
}

/// The Montgomery value of unreduced limbs, as an element (`v·2^-256 mod q`).
fn value(v: U256) -> Fq {
    let mut r = v;
    while r >= Q {
        r.sub_with_borrow(&Q);
    }
    Fq::new_unchecked(r)
}

/// `U(P − Q)` as wasmcurves computes `g1m_subAffine` then `batchToAffine` and `LEMtoU`, for
/// 64 raw LEM bytes `raw` (not necessarily a point) and a curve point `q`. `None` in the one
/// case not reproduced here (`P = −Q`'s doubling branch, which bytes from a section header
/// cannot reach).
pub(crate) fn sub_affine_u(raw: &[u8], q: &G1Affine) -> Option<[u8; G1_SIZE]> {
    let (x1, y1) = (limbs_le(&raw[..32]), limbs_le(&raw[32..64]));
    let (qx, qy) = q.xy()?;
    let (x2, y2) = (qx.0, sub(U256::zero(), qy.0));
    let (x3, y3, z3) = if x1.is_zero() && y1.is_zero() {
        // wasmcurves returns the other point with z = 1 (Montgomery one).
        (x2, y2, Fq::ONE.0)
    } else {
        if x1 == x2 && y1 == y2 {
            return None;
        }
        let h = sub(x2, x1);
        let y2_minus_y1 = sub(y2, y1);
        let hh = mul(h, h);
        let i = add(hh, hh);
        let i = add(i, i);
        let j = mul(h, i);
        let r = add(y2_minus_y1, y2_minus_y1);
        let v = mul(x1, i);
        let r2 = mul(r, r);
        let v2 = add(v, v);
        let x3 = sub(sub(r2, j), v2);
        let y1_j2 = mul(y1, j);
        let y1_j2 = add(y1_j2, y1_j2);
        let y3 = sub(mul(sub(v, x3), r), y1_j2);
        (x3, y3, add(h, h))
    };
    let mut out = [0u8; G1_SIZE];
    let z = value(z3);
    let Some(zi) = z.inverse() else {
        return Some(out);
    };
    let zi2 = zi.square();
    let (x, y) = (value(x3) * zi2, value(y3) * zi2 * zi);
    out[..32].copy_from_slice(&x.into_bigint().to_bytes_be());
    out[32..].copy_from_slice(&y.into_bigint().to_bytes_be());
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;

    use crate::points::{g1_to_lem, g1_to_u};

    #[test]
    fn on_real_points_it_is_the_group_law() {
        let mut rng = ark_std::test_rng();
        for _ in 0..20 {
            let p = ark_bn254::G1Projective::rand(&mut rng).into_affine();
            let q = ark_bn254::G1Projective::rand(&mut rng).into_affine();
            let expect = g1_to_u(&(p.into_group() - q).into_affine());
            assert_eq!(sub_affine_u(&g1_to_lem(&p), &q).unwrap(), expect);
        }
        let a = Fq::rand(&mut rng);
        let b = Fq::rand(&mut rng);
        assert_eq!(value(mul(a.0, b.0)), a * b);
        assert_eq!(value(add(a.0, b.0)), a + b);
        assert_eq!(value(sub(a.0, b.0)), a - b);
    }
}
