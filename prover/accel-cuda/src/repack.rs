//! The `#[repr(C)]` mirrors of what crosses the FFI boundary, and the conversions from and to
//! arkworks types.
//!
//! Arkworks' types are not `repr(C)` (field order and padding are the compiler's choice), so
//! points are repacked once, when a proving-key query is prepared, into exactly the layout of
//! sppark's host `Affine_inf_t` (`{ X, Y; bool inf }`), and results come back as sppark's
//! `jacobian_t` (`{ X, Y, Z }`, `Z = 0` at infinity). Coordinates stay in Montgomery form with
//! `R = 2^256`, which arkworks and sppark share, so repacking copies limbs and converts nothing.
//! The sizes are asserted here and, for the C++ types, by `static_assert`s in
//! `cuda/zkinfer_cuda.cu`.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, Zero};

/// A field element as four little-endian 64-bit limbs in Montgomery form (`fp_t`, `fr_t`).
pub(crate) type RawLimbs = [u64; 4];

/// A scalar as sppark's `fr_t` reads it with `mont = true`.
pub(crate) type RawFr = RawLimbs;

/// An `Fq2` element as sppark's host `fp2_t`: `c0`, then `c1`.
pub(crate) type RawFq2 = [RawLimbs; 2];

/// A G1 base as sppark's host `Affine_inf_t<fp_t>`: 72 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RawG1Affine {
    x: RawLimbs,
    y: RawLimbs,
    /// C++ `bool`: one byte, 0 or 1.
    infinity: bool,
    /// Explicit (zeroed) padding, so no uninitialised byte is copied to the device.
    _pad: [u8; 7],
}

/// A G2 base as sppark's host `Affine_inf_t<fp2_t>`: 136 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RawG2Affine {
    x: RawFq2,
    y: RawFq2,
    /// C++ `bool`: one byte, 0 or 1.
    infinity: bool,
    /// Explicit (zeroed) padding.
    _pad: [u8; 7],
}

/// A G1 result as sppark's host `jacobian_t<fp_t>`: 96 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RawG1Jacobian {
    x: RawLimbs,
    y: RawLimbs,
    z: RawLimbs,
}

/// A G2 result as sppark's host `jacobian_t<fp2_t>`: 192 bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RawG2Jacobian {
    x: RawFq2,
    y: RawFq2,
    z: RawFq2,
}

const _: () = assert!(size_of::<RawFr>() == 32);
const _: () = assert!(size_of::<RawG1Affine>() == 72);
const _: () = assert!(size_of::<RawG2Affine>() == 136);
const _: () = assert!(size_of::<RawG1Jacobian>() == 96);
const _: () = assert!(size_of::<RawG2Jacobian>() == 192);

fn fq(limbs: RawLimbs) -> Fq {
    Fq::new_unchecked(BigInt(limbs))
}

fn fq2(raw: RawFq2) -> Fq2 {
    Fq2::new(fq(raw[0]), fq(raw[1]))
}

fn raw_fq2(v: &Fq2) -> RawFq2 {
    [v.c0.0 .0, v.c1.0 .0]
}

impl RawG1Affine {
    /// Repacks an arkworks point; the identity becomes `{0, 0, inf = true}`.
    pub(crate) fn from_ark(p: &G1Affine) -> Self {
        if p.is_zero() {
            return Self {
                infinity: true,
                ..Self::default()
            };
        }
        Self {
            x: p.x.0 .0,
            y: p.y.0 .0,
            ..Self::default()
        }
    }
}

impl RawG2Affine {
    /// Repacks an arkworks point; the identity becomes `{0, 0, inf = true}`.
    pub(crate) fn from_ark(p: &G2Affine) -> Self {
        if p.is_zero() {
            return Self {
                infinity: true,
                ..Self::default()
            };
        }
        Self {
            x: raw_fq2(&p.x),
            y: raw_fq2(&p.y),
            ..Self::default()
        }
    }
}

impl RawG1Jacobian {
    /// The arkworks point (ark-ec's short Weierstrass `Projective` is Jacobian too).
    pub(crate) fn to_ark(self) -> G1Projective {
        let z = fq(self.z);
        if z.is_zero() {
            return G1Projective::zero();
        }
        G1Projective::new_unchecked(fq(self.x), fq(self.y), z)
    }
}

impl RawG2Jacobian {
    /// The arkworks point.
    pub(crate) fn to_ark(self) -> G2Projective {
        let z = fq2(self.z);
        if z.is_zero() {
            return G2Projective::zero();
        }
        G2Projective::new_unchecked(fq2(self.x), fq2(self.y), z)
    }
}

/// A scalar's Montgomery limbs, as arkworks holds them.
pub(crate) fn raw_fr(s: &Fr) -> RawFr {
    s.0 .0
}

/// The scalar with these Montgomery limbs. The device returns reduced values (the conformance
/// suite compares them limb for limb with arkworks').
pub(crate) fn fr_from_raw(limbs: RawFr) -> Fr {
    Fr::new_unchecked(BigInt(limbs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AdditiveGroup, CurveGroup};
    use ark_ff::{One, UniformRand};
    use ark_std::rand::{rngs::StdRng, SeedableRng};

    impl RawG1Affine {
        fn to_ark(self) -> G1Affine {
            if self.infinity {
                return G1Affine::identity();
            }
            G1Affine::new_unchecked(fq(self.x), fq(self.y))
        }
    }

    impl RawG2Affine {
        fn to_ark(self) -> G2Affine {
            if self.infinity {
                return G2Affine::identity();
            }
            G2Affine::new_unchecked(fq2(self.x), fq2(self.y))
        }
    }

    /// `R mod p` and `R mod r` as sppark's `alt_bn128.hpp` spells them (`ALT_BN128_ONE`,
    /// `ALT_BN128_rONE`): arkworks' Montgomery form must be sppark's.
    const SPPARK_FP_ONE: RawLimbs = [
        0xd35d_438d_c58f_0d9d,
        0x0a78_eb28_f5c7_0b3d,
        0x666e_a36f_7879_462c,
        0x0e0a_77c1_9a07_df2f,
    ];
    const SPPARK_FR_ONE: RawLimbs = [
        0xac96_341c_4fff_fffb,
        0x36fc_7695_9f60_cd29,
        0x666e_a36f_7879_462e,
        0x0e0a_77c1_9a07_df2f,
    ];

    #[test]
    fn montgomery_forms_agree_with_sppark() {
        assert_eq!(Fq::one().0 .0, SPPARK_FP_ONE);
        assert_eq!(raw_fr(&Fr::one()), SPPARK_FR_ONE);
        // The generator of G1 is (1, 2): its x limbs are R mod p.
        assert_eq!(
            RawG1Affine::from_ark(&G1Affine::generator()).x,
            SPPARK_FP_ONE
        );
    }

    #[test]
    fn affine_points_round_trip() {
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..16 {
            let p = G1Projective::rand(&mut rng).into_affine();
            let raw = RawG1Affine::from_ark(&p);
            assert!(!raw.infinity);
            assert_eq!(raw.to_ark(), p);
            let q = G2Projective::rand(&mut rng).into_affine();
            let raw = RawG2Affine::from_ark(&q);
            assert_eq!(raw.x, [q.x.c0.0 .0, q.x.c1.0 .0]);
            assert_eq!(raw.to_ark(), q);
        }
    }

    #[test]
    fn the_identity_is_flagged_with_zero_coordinates() {
        let raw = RawG1Affine::from_ark(&G1Affine::identity());
        assert_eq!((raw.x, raw.y, raw.infinity), ([0; 4], [0; 4], true));
        assert_eq!(raw.to_ark(), G1Affine::identity());
        let raw = RawG2Affine::from_ark(&G2Affine::identity());
        assert_eq!(
            (raw.x, raw.y, raw.infinity),
            ([[0; 4]; 2], [[0; 4]; 2], true)
        );
        assert_eq!(raw.to_ark(), G2Affine::identity());
    }

    #[test]
    fn the_infinity_flag_sits_where_sppark_reads_it() {
        // sppark's device code reads the low bit of the 32-bit word after Y.
        let raw = RawG1Affine::from_ark(&G1Affine::identity());
        assert_eq!(core::mem::offset_of!(RawG1Affine, infinity), 64);
        assert_eq!(core::mem::offset_of!(RawG2Affine, infinity), 128);
        assert_eq!(u8::from(raw.infinity), 1);
    }

    #[test]
    fn jacobian_results_convert_to_arkworks() {
        let mut rng = StdRng::seed_from_u64(2);
        // A Jacobian point with Z ≠ 1, as a device result would be.
        let p = G1Projective::rand(&mut rng).double();
        let raw = RawG1Jacobian {
            x: p.x.0 .0,
            y: p.y.0 .0,
            z: p.z.0 .0,
        };
        assert_eq!(raw.to_ark(), p);
        let q = G2Projective::rand(&mut rng).double();
        let raw = RawG2Jacobian {
            x: raw_fq2(&q.x),
            y: raw_fq2(&q.y),
            z: raw_fq2(&q.z),
        };
        assert_eq!(raw.to_ark(), q);
        // Z = 0 is the identity whatever X and Y hold (sppark's `inf()` clears only Z).
        let inf = RawG1Jacobian {
            x: [7; 4],
            y: [9; 4],
            z: [0; 4],
        };
        assert_eq!(inf.to_ark(), G1Projective::zero());
        assert_eq!(RawG2Jacobian::default().to_ark(), G2Projective::zero());
    }

    #[test]
    fn scalars_round_trip() {
        let mut rng = StdRng::seed_from_u64(3);
        for s in [Fr::zero(), Fr::one(), -Fr::one(), Fr::rand(&mut rng)] {
            assert_eq!(fr_from_raw(raw_fr(&s)), s);
        }
    }
}
