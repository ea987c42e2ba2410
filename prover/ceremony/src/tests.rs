//! The ceremony end to end without snarkjs: a small circuit, our own `.ptau`, init, two
//! contributions and a beacon, verification, proving with the final key, and one test per
//! tampering, each with its own error. (The snarkjs cross-checks are in the CLI's tests.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use ark_bn254::{Bn254, Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::One;
use ark_groth16::Groth16;
use zkinfer_accel::CpuEngine;
use zkinfer_prover::groth16::{
    create_proof, HBasis, PreparedProvingKey, R1csInstance, R1csMatrices,
};

use crate::contribute::{beacon, contribute};
use crate::finalize::proving_key;
use crate::init::new_zkey;
use crate::points::{g1_to_lem, g2_to_lem};
use crate::ptau::{new_ptau, Ptau};
use crate::r1cs_file::R1cs;
use crate::rng::ChaCha;
use crate::verify::{verify, verify_step};
use crate::zkey::{section, Zkey, CONTRIBUTION_ORDER, INIT_ORDER};
use crate::CeremonyError;

const STEPS: usize = 40;

/// `y = x^(STEPS+1)`: public x (wire 1) and y (wire 2), witnesses `w_i = x^(i+1)`.
fn matrices() -> R1csMatrices {
    let one = Fr::one();
    let w = |i: usize| 3 + i;
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    a.push(vec![(one, 1)]);
    b.push(vec![(one, 1)]);
    c.push(vec![(one, w(0))]);
    for i in 1..STEPS {
        a.push(vec![(one, w(i - 1))]);
        b.push(vec![(one, 1)]);
        c.push(vec![(one, w(i))]);
    }
    // y = w_last · 1, written with a coefficient to exercise the sums: (2·w)·(1/2) = y.
    let two = Fr::from(2u8);
    a.push(vec![(two, w(STEPS - 1))]);
    b.push(vec![(two.inverse_or_zero(), 0)]);
    c.push(vec![(one, 2)]);
    R1csMatrices {
        num_constraints: a.len(),
        a,
        b,
        c,
        num_instance: 3,
        num_witness: STEPS,
    }
}

trait InverseOrZero {
    fn inverse_or_zero(&self) -> Fr;
}

impl InverseOrZero for Fr {
    fn inverse_or_zero(&self) -> Fr {
        ark_ff::Field::inverse(self).unwrap_or_default()
    }
}

fn assignment(x: Fr) -> Vec<Fr> {
    let mut w = Vec::new();
    let mut acc = x;
    for _ in 0..STEPS {
        acc *= x;
        w.push(acc);
    }
    let mut z = vec![Fr::one(), x, acc];
    z.extend(w);
    z
}

fn ptau(power: u32, seed: u32) -> Ptau {
    let file = new_ptau(power, None, &mut ChaCha::new([seed; 8])).unwrap();
    Ptau::from_bytes(file.bytes).unwrap()
}

struct Chain {
    r1cs: R1cs,
    ptau: Ptau,
    keys: Vec<Zkey>,
    hashes: Vec<[u8; 64]>,
}

/// init → two contributions → beacon, on a power-7 `.ptau` (the circuit needs 2^6).
fn chain() -> Chain {
    let r1cs = R1cs::from_matrices(&matrices()).unwrap();
    let ptau = ptau(7, 1);
    let init = new_zkey(&r1cs, &ptau).unwrap();
    let (k1, h1) = contribute(&init, &mut ChaCha::new([2; 8]), Some("alice".into())).unwrap();
    let (k2, h2) = contribute(&k1, &mut ChaCha::new([3; 8]), None).unwrap();
    let (k3, h3) = beacon(&k2, &[0xab; 32], 10, Some("beacon".into())).unwrap();
    Chain {
        r1cs,
        ptau,
        keys: vec![init, k1, k2, k3],
        hashes: vec![h1, h2, h3],
    }
}

fn invalid(r: Result<impl std::fmt::Debug, CeremonyError>) -> String {
    match r {
        Err(CeremonyError::Invalid(m)) => m,
        other => panic!("expected a failed check, got {other:?}"),
    }
}

#[test]
fn a_three_step_ceremony_verifies_and_its_key_proves() {
    let c = chain();
    let last = c.keys.last().unwrap();
    let report = verify(last, &c.r1cs, &c.ptau).unwrap();
    let listed: Vec<[u8; 64]> = report.contributions.iter().map(|s| s.hash).collect();
    assert_eq!(listed, c.hashes);
    assert_eq!(report.contributions[0].name.as_deref(), Some("alice"));
    assert_eq!(report.contributions[2].beacon, Some((10, vec![0xab; 32])));
    for k in 1..c.keys.len() {
        assert_eq!(
            verify_step(&c.keys[k - 1], &c.keys[k]).unwrap().hash,
            c.hashes[k - 1]
        );
    }
    // Files round-trip in both section orders.
    for order in [&INIT_ORDER, &CONTRIBUTION_ORDER] {
        assert_eq!(&Zkey::from_bytes(last.to_bytes(order)).unwrap(), last);
    }

    let pk = proving_key(last).unwrap();
    let engine = CpuEngine::new();
    let prepared = PreparedProvingKey::with_basis(&engine, pk.clone(), HBasis::OddCoset).unwrap();
    let matrices = Arc::new(matrices());
    let x = Fr::from(3u8);
    let z = assignment(x);
    let inst =
        R1csInstance::from_parts(matrices.clone(), z[..3].to_vec(), z[3..].to_vec()).unwrap();
    let proof = create_proof(&engine, &prepared, &inst, Fr::from(5u8), Fr::from(7u8)).unwrap();
    let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
    assert!(Groth16::<Bn254>::verify_proof(&pvk, &proof, &z[1..3]).unwrap());
    let wrong = [z[1], z[2] + Fr::one()];
    assert!(!Groth16::<Bn254>::verify_proof(&pvk, &proof, &wrong).unwrap());
    // A wrong witness gives no valid proof.
    let mut bad = z.clone();
    bad[5] += Fr::one();
    let inst = R1csInstance::from_parts(matrices, bad[..3].to_vec(), bad[3..].to_vec()).unwrap();
    let forged = create_proof(&engine, &prepared, &inst, Fr::from(5u8), Fr::from(7u8)).unwrap();
    assert!(!Groth16::<Bn254>::verify_proof(&pvk, &forged, &z[1..3]).unwrap());
}

/// The last key with `f` applied to a copy.
fn tampered(c: &Chain, f: impl FnOnce(&mut Zkey)) -> Zkey {
    let mut k = c.keys.last().unwrap().clone();
    f(&mut k);
    k
}

fn replace_g1(k: &mut Zkey, id: u32, index: usize, p: &G1Affine) {
    let body = k.sections.get_mut(&id).unwrap();
    body[64 * index..64 * index + 64].copy_from_slice(&g1_to_lem(p));
}

#[test]
fn every_tampering_is_caught_with_its_own_error() {
    let c = chain();
    let other = G1Affine::generator();
    let check = |k: &Zkey| invalid(verify(k, &c.r1cs, &c.ptau));

    let m = check(&tampered(&c, |k| replace_g1(k, section::L, 3, &other)));
    assert!(m.contains("section 8 (L)"), "{m}");
    let m = check(&tampered(&c, |k| replace_g1(k, section::H, 0, &other)));
    assert!(m.contains("section 9 (H)"), "{m}");
    let m = check(&tampered(&c, |k| replace_g1(k, section::A, 1, &other)));
    assert!(m.contains("section 5 (A)"), "{m}");
    let m = check(&tampered(&c, |k| {
        k.header.delta_g2 = (k.header.delta_g2 * Fr::from(2u8)).into_affine();
    }));
    assert!(m.contains("δ₂ does not match"), "{m}");
    let m = check(&tampered(&c, |k| {
        k.header.delta_g1 = (k.header.delta_g1 * Fr::from(2u8)).into_affine();
    }));
    assert!(m.contains("δ₁ is not the last"), "{m}");
    let m = check(&tampered(&c, |k| k.contributions.swap(0, 1)));
    assert!(m.contains("contribution 1: the transcript hash"), "{m}");
    let m = check(&tampered(&c, |k| {
        k.contributions.remove(1);
    }));
    assert!(m.contains("contribution 2: the transcript hash"), "{m}");
    let m = check(&tampered(&c, |k| {
        k.contributions[1].r_d = (k.contributions[1].r_d * Fr::from(2u8)).into_affine();
    }));
    assert!(m.contains("contribution 2: the proof of knowledge"), "{m}");
    let m = check(&tampered(&c, |k| {
        if let crate::transcript::ContributionKind::Beacon { hash, .. } =
            &mut k.contributions[2].kind
        {
            hash[0] ^= 1;
        }
    }));
    assert!(m.contains("contribution 3: the beacon's secret"), "{m}");
    let m = check(&tampered(&c, |k| k.cs_hash[0] ^= 1));
    assert!(m.contains("circuit hash"), "{m}");

    // Another .ptau: the init differs from the key's.
    let m = invalid(verify(c.keys.last().unwrap(), &c.r1cs, &ptau(7, 9)));
    assert!(m.contains("another .ptau"), "{m}");
    // Another circuit.
    let mut r1cs = c.r1cs.clone();
    r1cs.constraints[0][0][0].1 = Fr::from(2u8);
    let m = invalid(verify(c.keys.last().unwrap(), &r1cs, &c.ptau));
    assert!(m.contains("circuit hash"), "{m}");
    // verify-step refuses a contribution that did not divide L by its δ.
    let bad = tampered(&c, |k| replace_g1(k, section::L, 0, &other));
    let m = invalid(verify_step(&c.keys[2], &bad));
    assert!(m.contains("section 8 (L)"), "{m}");
}

#[test]
fn points_outside_the_subgroup_or_the_identity_are_refused_on_parsing() {
    let c = chain();
    let last = c.keys.last().unwrap();
    let outside = (1u64..)
        .find_map(|i| {
            let x = ark_bn254::Fq2::new(ark_bn254::Fq::from(i), ark_bn254::Fq::one());
            G2Affine::get_point_from_x_unchecked(x, false)
                .filter(|p| !p.is_in_correct_subgroup_assuming_on_curve())
        })
        .unwrap();
    let mut bytes = last.to_bytes(&CONTRIBUTION_ORDER);
    // r·d of the first record: section 10 starts after csHash (64) and the count (4).
    let r_d = g2_to_lem(&last.contributions[0].r_d);
    let at = bytes.windows(128).position(|w| w == r_d).unwrap();
    bytes[at..at + 128].copy_from_slice(&g2_to_lem(&outside));
    let err = Zkey::from_bytes(bytes).unwrap_err();
    assert!(
        matches!(
            err,
            CeremonyError::BadPoint {
                problem: "not in the prime-order subgroup",
                ..
            }
        ),
        "{err}"
    );

    let m = invalid(verify(
        &tampered(&c, |k| k.contributions[0].s = G1Affine::zero()),
        &c.r1cs,
        &c.ptau,
    ));
    assert!(m.contains("contribution 1"), "{m}");
    // A truncated file says so.
    let mut cut = last.to_bytes(&CONTRIBUTION_ORDER);
    cut.truncate(cut.len() - 10);
    assert!(matches!(
        Zkey::from_bytes(cut),
        Err(CeremonyError::Malformed { .. })
    ));
}

#[test]
fn init_refuses_a_ptau_too_small_or_unprepared() {
    let r1cs = R1cs::from_matrices(&matrices()).unwrap();
    let err = new_zkey(&r1cs, &ptau(5, 1)).unwrap_err();
    assert!(err.to_string().contains("2^6"), "{err}");
    assert!(ptau(6, 1).check_consistency().is_ok());
    // A Lagrange point changed is caught by the consistency check.
    let mut bytes = new_ptau(4, None, &mut ChaCha::new([4; 8])).unwrap().bytes;
    let p = Ptau::from_bytes(bytes.clone()).unwrap();
    let at = p
        .section_start(crate::ptau::section::LAGRANGE_BETA_G1)
        .unwrap()
        + 64 * 5;
    bytes[at..at + 64].copy_from_slice(&g1_to_lem(&G1Affine::generator()));
    let err = Ptau::from_bytes(bytes)
        .unwrap()
        .check_consistency()
        .unwrap_err();
    assert!(err.to_string().contains("section 15"), "{err}");
}

/// Known answers captured once from snarkjs 0.7.6 (`hashToG2` of `keypair.js`, the beacon
/// stream of `misc.js`, and `snarkjs zkey beacon` on this test's init key): our derivations are
/// snarkjs's bit for bit, so each side's contributions verify in the other.
#[test]
fn hash_to_g2_beacon_and_contribution_hash_match_snarkjs() {
    use blake2::{Blake2b512, Digest};
    let hash = Blake2b512::digest(b"zkinfer known answer");
    assert_eq!(
        hex::encode(crate::points::g2_to_u(&crate::rng::hash_to_g2(&hash))),
        "08b057510af4a272c85583a55695062f164f47533cbf89205424ed46bb2904bf082bc4f07ab92f6ae0d62\
         16f004208deb4995d999b0371f3c954bcd6784e91c226b9ecb7586ba5ab62b18402ce727197b169d7a1f\
         9bc4113a1b5380c7e130b470f47fabc161312018e0dcfe335057ed22fc3576387e587272ab01595ab585c38"
    );
    let beacon_value: Vec<u8> = (1..=31).collect();
    let (d, s) = crate::contribute::draw(&mut crate::rng::beacon_stream(&beacon_value, 10));
    assert_eq!(
        d,
        ark_ff::MontFp!("0x8ae70c3a45c92ad9c63de72a10cfee1d05d61cf5472f4bd3fb38ac464c658f")
    );
    assert_eq!(
        hex::encode(crate::points::g1_to_u(&s)),
        "09e723037c59f6b75ebf248acceed5e6ede9379de88709fa8ee01b868c4316e4226297780cd50e09ce89d\
         f14e4471e6294ad2ec5188217ce6974709bf4322e00"
    );
    let init = new_zkey(&R1cs::from_matrices(&matrices()).unwrap(), &ptau(7, 1)).unwrap();
    let (_, h) = beacon(&init, &[0xab; 32], 10, Some("beacon".into())).unwrap();
    assert_eq!(
        hex::encode(h),
        "3a92fb62b202f428018b8c95373f3ce69c404f0b43f2427391fa5dcede9d23a08151e374e660e6ad7034c\
         273b62080980e1a8f5fced35f5ebc388f17d8e8a357"
    );
}

/// Lookup mode: the `δ₁` chain verifies beside `δ`'s, and each of its tamperings is caught.
#[test]
fn a_lookup_mode_chain_verifies_and_delta1_tampering_is_caught() {
    use crate::init::new_zkey_with;
    use crate::verify::verify_circuit;
    let r1cs = R1cs::from_matrices(&matrices()).unwrap();
    let ptau = ptau(7, 1);
    let round1 = [0u32, 5, 7];
    let init = new_zkey_with(&r1cs, &ptau, &round1).unwrap();
    assert_ne!(init.cs_hash, new_zkey(&r1cs, &ptau).unwrap().cs_hash);
    let (k1, _) = contribute(&init, &mut ChaCha::new([2; 8]), None).unwrap();
    let (k2, _) = beacon(&k1, &[0xcd; 8], 10, None).unwrap();
    verify_circuit(&k2, &r1cs, &round1, &ptau).unwrap();
    verify_step(&k1, &k2).unwrap();
    assert_eq!(
        Zkey::from_bytes(k2.to_bytes(&CONTRIBUTION_ORDER)).unwrap(),
        k2
    );
    let r1 = crate::finalize::round1_key(&k2).unwrap().unwrap();
    assert_eq!(r1.indices, vec![0, 5, 7]);
    let check = |k: &Zkey| invalid(verify_circuit(k, &r1cs, &round1, &ptau));
    let ext = |f: &dyn Fn(&mut crate::lookup::LookupExt)| {
        let mut k = k2.clone();
        f(k.lookup.as_mut().unwrap());
        k
    };
    let m = check(&ext(&|e| {
        e.delta1_g2 = (e.delta1_g2 * Fr::from(3u8)).into_affine()
    }));
    assert!(m.contains("[δ₁]₂ does not match"), "{m}");
    let m = check(&ext(&|e| {
        e.k1[..64].copy_from_slice(&g1_to_lem(&G1Affine::generator()))
    }));
    assert!(m.contains("K1"), "{m}");
    let m = check(&ext(&|e| {
        e.records[0].r_d = (e.records[0].r_d * Fr::from(2u8)).into_affine()
    }));
    assert!(
        m.contains("contribution 1: the δ₁ proof of knowledge"),
        "{m}"
    );
    let m = check(&ext(&|e| {
        e.delta1_g1 = (e.delta1_g1 * Fr::from(2u8)).into_affine();
        e.delta1_g2 = (e.delta1_g2 * Fr::from(2u8)).into_affine();
    }));
    assert!(m.contains("δ₁ is not the last"), "{m}");
    // A round-1 wire's base put back into L (it would let a prover move committed values).
    let mut leak = k2.clone();
    replace_g1(&mut leak, section::L, 5, &G1Affine::generator());
    assert!(check(&leak).contains("section 8 (L)"));
    // The mode comes from the circuit, not the key.
    let m = invalid(verify_circuit(&k2, &r1cs, &[], &ptau));
    assert!(m.contains("lookup extension"), "{m}");
    let mut plain = k2.clone();
    plain.lookup = None;
    let m = check(&plain);
    assert!(m.contains("lookup extension"), "{m}");
}
