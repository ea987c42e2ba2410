//! Phase 1 (`zkinfer ptau`) against snarkjs, with the real binary on power-8 files it makes:
//!
//! - `ptau new --empty` is byte for byte `snarkjs powersoftau new`;
//! - a chain ours → snarkjs → ours → our beacon passes `snarkjs powersoftau verify` (which
//!   lists our printed response hashes) and our `ptau verify`, which also checks that
//!   snarkjs's contribution's response hash commits to its points;
//! - our beacon and our `prepare` are byte for byte snarkjs's;
//! - a changed point is refused by both, ours with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::snarkjs::{snarkjs, snarkjs_hashes, text};
use common::{hash_after, ok, s, zkinfer};

const BEACON: &str = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn same_file(a: &Path, b: &Path) {
    let (x, y) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(
        x == y,
        "{} and {} differ ({} and {} bytes)",
        a.display(),
        b.display(),
        x.len(),
        y.len()
    );
}

fn snarkjs_ok(args: &[&str]) -> String {
    let out = snarkjs(args);
    let t = text(&out);
    assert!(out.status.success(), "snarkjs {args:?} failed:\n{t}");
    t
}

#[test]
fn a_phase_1_chain_interoperates_with_snarkjs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let p = |n: &str| t.join(n);

    ok(&zkinfer(&["ptau", "new", "8", s(&p("0.ptau")), "--empty"]));
    snarkjs_ok(&["powersoftau", "new", "bn128", "8", s(&p("0js.ptau"))]);
    same_file(&p("0.ptau"), &p("0js.ptau"));

    let ours1 = contribute(t, "0.ptau", "1.ptau", "first", "one");
    assert!(p("1.ptau.attestation.txt").exists());
    snarkjs_ok(&[
        "powersoftau",
        "contribute",
        s(&p("1.ptau")),
        s(&p("2.ptau")),
        "--name=snarkjs",
        "-e=two",
    ]);
    // snarkjs's contribution is last: our verify checks its response hash against its points
    // (our compressed encoding and hasher state are snarkjs's).
    let v2 = ok(&zkinfer(&["ptau", "verify", s(&p("2.ptau"))]));
    assert!(v2.contains("#2 contribution snarkjs"), "{v2}");
    let ours3 = contribute(t, "2.ptau", "3.ptau", "third", "three");
    let beacon = ok(&zkinfer(&[
        "ptau",
        "beacon",
        s(&p("3.ptau")),
        s(&p("4.ptau")),
        BEACON,
        "10",
        "--name",
        "final",
    ]));
    snarkjs_ok(&[
        "powersoftau",
        "beacon",
        s(&p("3.ptau")),
        s(&p("4js.ptau")),
        BEACON,
        "10",
        "-n=final",
    ]);
    same_file(&p("4.ptau"), &p("4js.ptau"));

    let checked = snarkjs_hashes(&snarkjs_ok(&["powersoftau", "verify", s(&p("4.ptau"))]));
    for out in [&ours1, &ours3, &beacon] {
        let h = hash_after(out, "contribution (response) hash");
        assert!(checked.contains(&h), "snarkjs does not list {h}");
    }
    let v4 = ok(&zkinfer(&["ptau", "verify", s(&p("4.ptau"))]));
    assert!(v4.contains("the transcript (4 contributions)"), "{v4}");
    assert!(v4.contains("#4 beacon 2^10"), "{v4}");

    prepare_matches_snarkjs(t);
    tampered_is_refused(t);
}

/// `zkinfer ptau contribute` from `t/from` to `t/to`; returns its output.
fn contribute(t: &Path, from: &str, to: &str, name: &str, entropy: &str) -> String {
    ok(&zkinfer(&[
        "ptau",
        "contribute",
        s(&t.join(from)),
        s(&t.join(to)),
        "--name",
        name,
        "--entropy",
        entropy,
    ]))
}

/// Our `prepare` of the chain is snarkjs's byte for byte, and verifies.
fn prepare_matches_snarkjs(t: &Path) {
    let p = |n: &str| t.join(n);
    ok(&zkinfer(&[
        "ptau",
        "prepare",
        s(&p("4.ptau")),
        s(&p("4p.ptau")),
    ]));
    snarkjs_ok(&[
        "powersoftau",
        "prepare",
        "phase2",
        s(&p("4.ptau")),
        s(&p("4pjs.ptau")),
    ]);
    same_file(&p("4p.ptau"), &p("4pjs.ptau"));
    let v4p = ok(&zkinfer(&["ptau", "verify", s(&p("4p.ptau"))]));
    assert!(
        v4p.contains("the powers and the Lagrange sections"),
        "{v4p}"
    );
}

/// A point of section 2 that only the hashes cover, changed: both verifiers refuse it.
fn tampered_is_refused(t: &Path) {
    let mut bytes = std::fs::read(t.join("4.ptau")).unwrap();
    // Section 1 is 12 + 44 bytes after the 12-byte file header; section 2's body follows its
    // own 12-byte header. Point 5 becomes point 6.
    let body = 12 + 12 + 44 + 12;
    let (from, to) = (body + 6 * 64, body + 5 * 64);
    let six = bytes[from..from + 64].to_vec();
    bytes[to..to + 64].copy_from_slice(&six);
    let bad = t.join("bad.ptau");
    std::fs::write(&bad, bytes).unwrap();
    let out = zkinfer(&["ptau", "verify", s(&bad)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let why = String::from_utf8_lossy(&out.stderr);
    assert!(
        why.contains("do not hash to the last contribution's next challenge"),
        "{why}"
    );
    assert!(!snarkjs(&["powersoftau", "verify", s(&bad)])
        .status
        .success());
}
