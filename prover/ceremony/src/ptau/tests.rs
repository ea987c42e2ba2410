//! Phase 1 without snarkjs: the empty accumulator, contributions and a beacon, the one-step
//! file equal to the three steps, and one test per tampering, each with its own error. (The
//! snarkjs cross-checks are in the CLI's tests.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ark_bn254::{G1Affine, G2Affine};
use ark_ec::AffineRepr;

use super::contributions::{self, Phase1Contribution, Phase1Kind};
use super::{beacon, contribute, new_accumulator, new_ptau, prepare, verify_transcript, Ptau};
use crate::points::g1_to_lem;
use crate::rng::ChaCha;
use crate::CeremonyError;

const POWER: u32 = 4;
const BEACON: &[u8] = &[0xab; 32];

fn load(bytes: Vec<u8>) -> Ptau {
    Ptau::from_bytes(bytes).unwrap()
}

/// Two contributions and a beacon on the empty accumulator.
fn chain() -> Ptau {
    let p = load(new_accumulator(POWER).unwrap());
    let p = load(
        contribute(&p, Some("alice".into()), &mut ChaCha::new([1; 8]))
            .unwrap()
            .bytes,
    );
    let p = load(
        contribute(&p, None, &mut ChaCha::new([2; 8]))
            .unwrap()
            .bytes,
    );
    load(beacon(&p, Some("final".into()), BEACON, 10).unwrap().bytes)
}

/// The file with its section 7 (the last section of an unprepared file) replaced.
fn with_records(p: &Ptau, records: &[Phase1Contribution]) -> Ptau {
    let start = p.section_start(super::section::CONTRIBUTIONS).unwrap();
    let body = contributions::write(records);
    let mut bytes = p.bytes()[..start - 8].to_vec();
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&body);
    load(bytes)
}

fn invalid(p: &Ptau) -> String {
    match verify_transcript(p) {
        Err(CeremonyError::Invalid(why)) => why,
        other => panic!("expected a failed verification, got {other:?}"),
    }
}

#[test]
fn a_chain_verifies_and_lists_its_contributions() {
    let p = chain();
    let list = verify_transcript(&p).unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].name.as_deref(), Some("alice"));
    assert_eq!(list[1].name, None);
    assert!(matches!(&list[2].kind, Phase1Kind::Beacon { exp: 10, .. }));
    // Each contribution answers the previous one's next challenge, and the hashes differ.
    assert_ne!(list[0].response_hash, list[1].response_hash);
    let prepared = load(prepare(&p).unwrap());
    assert_eq!(verify_transcript(&prepared).unwrap().len(), 3);
    prepared.check_consistency().unwrap();
}

#[test]
fn the_empty_accumulator_is_refused() {
    let p = load(new_accumulator(POWER).unwrap());
    assert!(p.contributions().unwrap().is_empty());
    assert!(invalid(&p).contains("no contributions"));
}

#[test]
fn the_one_step_file_is_the_three_steps() {
    let quick = new_ptau(POWER, Some("dev".into()), &mut ChaCha::new([9; 8]))
        .unwrap()
        .bytes;
    let p = load(new_accumulator(POWER).unwrap());
    let p = load(
        contribute(&p, Some("dev".into()), &mut ChaCha::new([9; 8]))
            .unwrap()
            .bytes,
    );
    assert_eq!(prepare(&p).unwrap(), quick);
    assert_eq!(verify_transcript(&load(quick)).unwrap().len(), 1);
}

#[test]
fn a_forged_proof_of_knowledge_is_refused() {
    let p = chain();
    let mut records = p.contributions().unwrap();
    records[1].key.alpha.g1_sx = (records[1].key.alpha.g1_sx * ark_bn254::Fr::from(2u8)).into();
    assert!(invalid(&with_records(&p, &records)).contains("#2: the proof of knowledge of α"));
}

#[test]
fn reordered_contributions_are_refused() {
    let p = chain();
    let mut records = p.contributions().unwrap();
    records.swap(0, 1);
    let why = invalid(&with_records(&p, &records));
    assert!(
        why.starts_with("contribution #1: the proof of knowledge of τ"),
        "{why}"
    );
}

#[test]
fn a_record_that_does_not_follow_is_refused() {
    let p = chain();
    let mut records = p.contributions().unwrap();
    records[0].tau_g2 = G2Affine::generator();
    let why = invalid(&with_records(&p, &records));
    assert!(why.contains("#1: its [τ]₂ does not follow"), "{why}");
}

#[test]
fn a_changed_challenge_is_refused() {
    let p = chain();
    let mut records = p.contributions().unwrap();
    records[0].next_challenge[0] ^= 1;
    let why = invalid(&with_records(&p, &records));
    assert!(why.contains("#2: the proof of knowledge of τ"), "{why}");
}

#[test]
fn a_beacon_whose_key_is_not_its_value_is_refused() {
    let p = chain();
    let mut records = p.contributions().unwrap();
    records[2].kind = Phase1Kind::Beacon {
        hash: vec![0xcd; 32],
        exp: 10,
    };
    let why = invalid(&with_records(&p, &records));
    assert!(
        why.contains("#3: its key is not the one its beacon value gives"),
        "{why}"
    );
}

#[test]
fn file_points_that_are_not_the_last_contribution_are_refused() {
    let p = chain();
    let at = p.section_start(super::section::TAU_G1).unwrap();
    // Point 1 is recorded in the last contribution.
    let mut bytes = p.bytes().to_vec();
    bytes[at + 64..at + 128].copy_from_slice(&g1_to_lem(&G1Affine::generator()));
    assert!(invalid(&load(bytes)).contains("[τ]₁ is not the last contribution's"));
    // Point 5 is only in the hashes.
    let mut bytes = p.bytes().to_vec();
    bytes[at + 5 * 64..at + 6 * 64].copy_from_slice(&g1_to_lem(&G1Affine::generator()));
    let why = invalid(&load(bytes));
    assert!(
        why.contains("do not hash to the last contribution's next challenge"),
        "{why}"
    );
}

#[test]
fn a_response_hash_that_does_not_commit_to_the_points_is_refused() {
    let p = chain();
    let mut records = p.contributions().unwrap();
    let last = records.len() - 1;
    // Re-derive the next challenge from a changed response state: the chain stays
    // self-consistent, only the commitment to the points is wrong.
    records[last].partial_hash[130] ^= 1;
    let response = records[last].response_hash().unwrap();
    let s = super::write::Sections::load(&p).unwrap();
    records[last].next_challenge = super::contribute::next_challenge(&response, &s);
    let why = invalid(&with_records(&p, &records));
    assert!(
        why.contains("response hash does not commit to them"),
        "{why}"
    );
}

#[test]
fn a_point_outside_its_subgroup_is_refused_on_reading() {
    let p = chain();
    let mut records = p.contributions().unwrap();
    // A G2 point on the twist but not in the subgroup.
    let bad = (1u64..)
        .find_map(|i| {
            let x = ark_bn254::Fq2::new(ark_bn254::Fq::from(i), ark_bn254::Fq::from(1u8));
            G2Affine::get_point_from_x_unchecked(x, false)
                .filter(|p| !p.is_in_correct_subgroup_assuming_on_curve())
        })
        .unwrap();
    records[0].key.beta.g2_spx = bad;
    let err = with_records(&p, &records).contributions().unwrap_err();
    assert!(
        matches!(&err, CeremonyError::BadPoint { what, .. } if what.contains("#1 β x·r")),
        "{err}"
    );
}

#[test]
fn contributing_to_a_reduced_file_is_refused() {
    let p = chain();
    let mut bytes = p.bytes().to_vec();
    let header = p.section_start(1).unwrap();
    // The ceremony power (last u32 of the header) claims a larger ceremony.
    bytes[header + 40..header + 44].copy_from_slice(&(POWER + 1).to_le_bytes());
    let reduced = load(bytes);
    let Err(err) = contribute(&reduced, None, &mut ChaCha::new([5; 8])) else {
        panic!("a reduced file took a contribution");
    };
    assert!(err.to_string().contains("reduced"), "{err}");
}
