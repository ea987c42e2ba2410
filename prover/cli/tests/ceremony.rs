//! The trusted-setup ceremony against snarkjs (pinned in `contracts/package.json`, installed
//! by `scripts/test.sh`), with the real `zkinfer` binary on a bundled model and a `.ptau` the
//! test makes itself:
//!
//! - our `ceremony init` is byte-identical to `snarkjs zkey new`, and our `ptau new` to
//!   `snarkjs powersoftau prepare phase2` of the same powers;
//! - a chain ours → snarkjs → ours → our beacon passes `snarkjs zkey verify`, which lists our
//!   printed hashes, and our `ceremony verify`; our beacon equals snarkjs's byte for byte;
//! - a chain made by snarkjs alone passes our `ceremony verify`;
//! - the finalized key proves; our verifier and `snarkjs groth16 verify` accept the proof, and
//!   snarkjs's verification key of the final `.zkey` is ours;
//! - a tampered key is refused by `verify` and `finalize` with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::snarkjs::{snarkjs, snarkjs_hashes, text};
use common::{hash_after, models, ok, s, zkinfer};
use serde_json::Value;

/// `zkinfer ceremony contribute` from `t/from` to `t/to`; returns its output.
fn contribute(t: &Path, from: &str, to: &str, name: &str, entropy: &str) -> String {
    ok(&zkinfer(&[
        "ceremony",
        "contribute",
        s(&t.join(from)),
        s(&t.join(to)),
        "--name",
        name,
        "--entropy",
        entropy,
    ]))
}

/// `models/ops/add_const` compiled in plain mode into `dir`, its `.r1cs` and a power-10 ptau.
fn setup(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let m = models().join("ops/add_const");
    let model = dir.join("model");
    ok(&zkinfer(&[
        "compile",
        s(&m.join("model.onnx")),
        "--calibration",
        s(&m.join("calibration.json")),
        "--out",
        s(&model),
        "--proof-mode",
        "plain",
    ]));
    let r1cs = dir.join("c.r1cs");
    ok(&zkinfer(&["ceremony", "r1cs", s(&model), "-o", s(&r1cs)]));
    let ptau = dir.join("p.ptau");
    ok(&zkinfer(&[
        "ptau",
        "new",
        "10",
        s(&ptau),
        "--entropy",
        "test",
    ]));
    (model, r1cs, ptau)
}

const BEACON: &str = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

#[test]
fn our_files_and_chains_interoperate_with_snarkjs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (model, r1cs, ptau) = setup(t);
    mixed_chain(t, &model, &r1cs, &ptau);
    snarkjs_chain(t, &r1cs, &ptau);
    finalize_and_prove(t, &model, &ptau);
}

/// Our init is byte for byte `snarkjs zkey new` and prints the same circuit hash.
fn init_matches_snarkjs(t: &Path, model: &Path, r1cs: &Path, ptau: &Path) {
    let p = |n: &str| t.join(n);
    let init_out = ok(&zkinfer(&[
        "ceremony",
        "init",
        s(model),
        "--ptau",
        s(ptau),
        "-o",
        s(&p("0.zkey")),
    ]));
    let sj = snarkjs(&["zkey", "new", s(r1cs), s(ptau), s(&p("sj0.zkey"))]);
    assert!(sj.status.success(), "{}", text(&sj));
    assert!(
        std::fs::read(p("0.zkey")).unwrap() == std::fs::read(p("sj0.zkey")).unwrap(),
        "our init differs from snarkjs zkey new"
    );
    assert!(snarkjs_hashes(&text(&sj)).contains(&hash_after(&init_out, "circuit hash")));
}

/// Init (against `snarkjs zkey new`), then ours → snarkjs → ours → our beacon, checked by
/// both tools; leaves `0.zkey` … `4.zkey` and snarkjs's init `sj0.zkey` in `t`.
fn mixed_chain(t: &Path, model: &Path, r1cs: &Path, ptau: &Path) {
    let p = |n: &str| t.join(n);
    init_matches_snarkjs(t, model, r1cs, ptau);

    // ours → snarkjs → ours → our beacon.
    let c1 = contribute(t, "0.zkey", "1.zkey", "alice", "a");
    assert!(p("1.zkey.attestation.txt").exists());
    let sj = snarkjs(&[
        "zkey",
        "contribute",
        s(&p("1.zkey")),
        s(&p("2.zkey")),
        "--name=bob",
        "-e=b",
    ]);
    assert!(sj.status.success(), "{}", text(&sj));
    let c3 = contribute(t, "2.zkey", "3.zkey", "carol", "c");
    let c4 = ok(&zkinfer(&[
        "ceremony",
        "beacon",
        s(&p("3.zkey")),
        s(&p("4.zkey")),
        BEACON,
        "10",
        "--name",
        "beacon",
    ]));
    let sj = snarkjs(&[
        "zkey",
        "beacon",
        s(&p("3.zkey")),
        s(&p("sj4.zkey")),
        BEACON,
        "10",
        "-n=beacon",
    ]);
    assert!(sj.status.success(), "{}", text(&sj));
    assert!(
        std::fs::read(p("4.zkey")).unwrap() == std::fs::read(p("sj4.zkey")).unwrap(),
        "our beacon differs from snarkjs's"
    );
    for k in 1..=4 {
        let step = ok(&zkinfer(&[
            "ceremony",
            "verify-step",
            s(&p(&format!("{}.zkey", k - 1))),
            s(&p(&format!("{k}.zkey"))),
        ]));
        assert!(step.contains(&format!("contribution #{k} OK")), "{step}");
    }
    let sj = snarkjs(&["zkey", "verify", s(r1cs), s(ptau), s(&p("4.zkey"))]);
    let sj_text = text(&sj);
    assert!(
        sj.status.success() && sj_text.contains("ZKey Ok!"),
        "{sj_text}"
    );
    let listed = snarkjs_hashes(&sj_text);
    for out in [&c1, &c3, &c4] {
        assert!(
            listed.contains(&hash_after(out, "contribution hash")),
            "{sj_text}"
        );
    }
    let ours = ok(&zkinfer(&[
        "ceremony",
        "verify",
        s(model),
        "--ptau",
        s(ptau),
        s(&p("4.zkey")),
    ]));
    assert!(ours.contains("transcript OK"), "{ours}");
    assert!(ours.contains("#2 contribution bob"), "{ours}");
}

/// A chain made by snarkjs alone, from snarkjs's init, passes our verify.
fn snarkjs_chain(t: &Path, r1cs: &Path, ptau: &Path) {
    let p = |n: &str| t.join(n);
    let sj = snarkjs(&[
        "zkey",
        "contribute",
        s(&p("sj0.zkey")),
        s(&p("sj1.zkey")),
        "--name=x",
        "-e=1",
    ]);
    assert!(sj.status.success(), "{}", text(&sj));
    let sj = snarkjs(&[
        "zkey",
        "beacon",
        s(&p("sj1.zkey")),
        s(&p("sj2.zkey")),
        BEACON,
        "11",
    ]);
    assert!(sj.status.success(), "{}", text(&sj));
    let ours = ok(&zkinfer(&[
        "ceremony",
        "verify",
        s(r1cs),
        "--ptau",
        s(ptau),
        s(&p("sj2.zkey")),
    ]));
    assert!(
        ours.contains("transcript OK") && ours.contains("beacon 2^11"),
        "{ours}"
    );
}

/// Finalize `4.zkey`, prove, and both verifiers accept; snarkjs's VK of the `.zkey` is ours.
fn finalize_and_prove(t: &Path, model: &Path, ptau: &Path) {
    let p = |n: &str| t.join(n);
    ok(&zkinfer(&[
        "ceremony",
        "finalize",
        s(&p("4.zkey")),
        s(model),
        "--ptau",
        s(ptau),
    ]));
    let input = models().join("ops/add_const/input.json");
    let proof = p("proof.json");
    ok(&zkinfer(&[
        "prove",
        s(model),
        "--input",
        s(&input),
        "--out",
        s(&proof),
    ]));
    assert!(ok(&zkinfer(&["verify", s(model), s(&proof)])).contains("valid"));
    let export = p("export");
    ok(&zkinfer(&[
        "export-snarkjs",
        s(model),
        s(&proof),
        "--out",
        s(&export),
    ]));
    let e = |n: &str| export.join(n);
    let sj = snarkjs(&[
        "groth16",
        "verify",
        s(&e("verification_key.json")),
        s(&e("public.json")),
        s(&e("proof.json")),
    ]);
    assert!(
        sj.status.success() && text(&sj).contains("OK!"),
        "{}",
        text(&sj)
    );
    let sj = snarkjs(&[
        "zkey",
        "export",
        "verificationkey",
        s(&p("4.zkey")),
        s(&p("vk.json")),
    ]);
    assert!(sj.status.success(), "{}", text(&sj));
    let read =
        |f: &Path| -> Value { serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap() };
    let (theirs, ours) = (read(&p("vk.json")), read(&e("verification_key.json")));
    for field in [
        "vk_alpha_1",
        "vk_beta_2",
        "vk_gamma_2",
        "vk_delta_2",
        "IC",
        "nPublic",
    ] {
        assert_eq!(theirs[field], ours[field], "{field}");
    }
}

#[test]
fn our_ptau_is_what_snarkjs_prepares_and_tampered_keys_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let p = |n: &str| t.join(n);
    ok(&zkinfer(&["ptau", "new", "6", s(&p("6.ptau"))]));
    let sj = snarkjs(&[
        "powersoftau",
        "prepare",
        "phase2",
        s(&p("6.ptau")),
        s(&p("sj6.ptau")),
    ]);
    assert!(sj.status.success(), "{}", text(&sj));
    assert!(std::fs::read(p("6.ptau")).unwrap() == std::fs::read(p("sj6.ptau")).unwrap());
    // snarkjs's own unprepared phase 1, prepared by us: the same bytes as snarkjs's prepare.
    for args in [
        vec!["powersoftau", "new", "bn128", "5", s(&p("a.ptau"))],
        vec![
            "powersoftau",
            "contribute",
            s(&p("a.ptau")),
            s(&p("b.ptau")),
            "--name=x",
            "-e=y",
        ],
        vec![
            "powersoftau",
            "prepare",
            "phase2",
            s(&p("b.ptau")),
            s(&p("sjb.ptau")),
        ],
    ] {
        let out = snarkjs(&args);
        assert!(out.status.success(), "{}", text(&out));
    }
    ok(&zkinfer(&[
        "ptau",
        "prepare",
        s(&p("b.ptau")),
        s(&p("ourb.ptau")),
    ]));
    assert!(std::fs::read(p("ourb.ptau")).unwrap() == std::fs::read(p("sjb.ptau")).unwrap());
    let verified = ok(&zkinfer(&["ptau", "verify", s(&p("ourb.ptau"))]));
    assert!(
        verified.contains("the transcript (1 contributions)"),
        "{verified}"
    );
    tampered_keys_are_refused(t);
}

/// A key with one H point changed: verify and finalize both refuse it, naming section 9; a
/// `.ptau` other than the key's is recognised.
fn tampered_keys_are_refused(t: &Path) {
    let p = |n: &str| t.join(n);
    let (model, _, ptau) = setup(t);
    ok(&zkinfer(&[
        "ceremony",
        "init",
        s(&model),
        "--ptau",
        s(&ptau),
        "-o",
        s(&p("0.zkey")),
    ]));
    ok(&zkinfer(&[
        "ceremony",
        "contribute",
        s(&p("0.zkey")),
        s(&p("1.zkey")),
        "--entropy",
        "z",
    ]));
    let mut bytes = std::fs::read(p("1.zkey")).unwrap();
    let h_at = find_section(&bytes, 9);
    let (a, b) = (h_at, h_at + 64);
    let first: Vec<u8> = bytes[a..b].to_vec();
    bytes.copy_within(b..b + 64, a);
    bytes[b..b + 64].copy_from_slice(&first);
    std::fs::write(p("bad.zkey"), &bytes).unwrap();
    let out = zkinfer(&[
        "ceremony",
        "verify",
        s(&model),
        "--ptau",
        s(&ptau),
        s(&p("bad.zkey")),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("section 9 (H)"), "{}", text(&out));
    let out = zkinfer(&[
        "ceremony",
        "finalize",
        s(&p("bad.zkey")),
        s(&model),
        "--ptau",
        s(&ptau),
    ]);
    assert!(
        !out.status.success() && text(&out).contains("section 9 (H)"),
        "{}",
        text(&out)
    );
    assert!(
        !model.join("proving_key.bin").exists(),
        "no key may be written from a bad transcript"
    );
    // And the other .ptau (made afresh) is recognised as not the one the key was made from.
    ok(&zkinfer(&["ptau", "new", "10", s(&p("other.ptau"))]));
    let out = zkinfer(&[
        "ceremony",
        "verify",
        s(&model),
        "--ptau",
        s(&p("other.ptau")),
        s(&p("1.zkey")),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("another .ptau"), "{}", text(&out));
}

/// Where section `id`'s body starts in an iden3 binary file.
fn find_section(bytes: &[u8], id: u32) -> usize {
    let mut pos = 12;
    loop {
        let sid = u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap());
        let size = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().unwrap()) as usize;
        if sid == id {
            return pos + 12;
        }
        pos += 12 + size;
    }
}

/// A lookup-mode model's ceremony (the `δ₁` chain in section 11): contributions, beacon,
/// verify, finalize, a two-round proof our verifier accepts; snarkjs does not read the key.
#[test]
fn a_lookup_mode_ceremony_makes_keys_that_prove() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let p = |n: &str| t.join(n);
    let m = models().join("ops/add_const");
    let model = p("lookup");
    ok(&zkinfer(&[
        "compile",
        s(&m.join("model.onnx")),
        "--calibration",
        s(&m.join("calibration.json")),
        "--out",
        s(&model),
        "--proof-mode",
        "lookup",
    ]));
    let ptau = p("p.ptau");
    ok(&zkinfer(&["ptau", "new", "10", s(&ptau)]));
    ok(&zkinfer(&[
        "ceremony",
        "init",
        s(&model),
        "--ptau",
        s(&ptau),
        "-o",
        s(&p("0.zkey")),
    ]));
    contribute(t, "0.zkey", "1.zkey", "a", "a");
    ok(&zkinfer(&[
        "ceremony",
        "beacon",
        s(&p("1.zkey")),
        s(&p("2.zkey")),
        BEACON,
        "10",
    ]));
    assert!(ok(&zkinfer(&[
        "ceremony",
        "verify-step",
        s(&p("1.zkey")),
        s(&p("2.zkey"))
    ]))
    .contains("OK"));
    ok(&zkinfer(&[
        "ceremony",
        "finalize",
        s(&p("2.zkey")),
        s(&model),
        "--ptau",
        s(&ptau),
    ]));
    let proof = p("proof.json");
    ok(&zkinfer(&[
        "prove",
        s(&model),
        "--input",
        s(&m.join("input.json")),
        "--out",
        s(&proof),
    ]));
    assert!(ok(&zkinfer(&["verify", s(&model), s(&proof)])).contains("valid"));
    let r1cs = p("c.r1cs");
    let note = zkinfer(&["ceremony", "r1cs", s(&model), "-o", s(&r1cs)]);
    assert!(
        text(&note).contains("snarkjs does not read"),
        "{}",
        text(&note)
    );
    let sj = snarkjs(&["zkey", "verify", s(&r1cs), s(&ptau), s(&p("2.zkey"))]);
    assert!(!text(&sj).contains("ZKey Ok!"), "{}", text(&sj));
    // The same key verified as a plain-mode circuit (its .r1cs alone) is refused.
    let out = zkinfer(&[
        "ceremony",
        "verify",
        s(&r1cs),
        "--ptau",
        s(&ptau),
        s(&p("2.zkey")),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("lookup extension"), "{}", text(&out));
}

#[test]
fn the_provider_serves_only_keys_whose_ceremony_it_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (model, _, ptau) = setup(t);
    let provider = |extra: &[&str]| {
        let mut args = vec![
            "provider",
            "--rpc-url",
            "http://127.0.0.1:9",
            "--key",
            "0x0000000000000000000000000000000000000000000000000000000000000001",
            "--escrow",
            "0x0000000000000000000000000000000000000001",
            "--model",
            s(&model),
            "--once",
        ];
        args.extend_from_slice(extra);
        text(&zkinfer(&args))
    };
    // A development key: refused unless allowed.
    ok(&zkinfer(&["setup", s(&model)]));
    let out = provider(&[]);
    assert!(out.contains("--allow-dev-key"), "{out}");
    let out = provider(&["--allow-dev-key"]);
    assert!(out.contains("serving the development keys"), "{out}");
    // A ceremony's keys, checked against their transcript: accepted (the node then fails on
    // the unreachable chain, past the key check).
    let p = |n: &str| t.join(n);
    ok(&zkinfer(&[
        "ceremony",
        "init",
        s(&model),
        "--ptau",
        s(&ptau),
        "-o",
        s(&p("0.zkey")),
    ]));
    contribute(t, "0.zkey", "1.zkey", "x", "y");
    ok(&zkinfer(&[
        "ceremony",
        "finalize",
        s(&p("1.zkey")),
        s(&model),
        "--ptau",
        s(&ptau),
    ]));
    let out = provider(&["--ptau", s(&ptau)]);
    assert!(
        out.contains("ceremony of 1 contributions verified"),
        "{out}"
    );
    assert!(!out.contains("refusing"), "{out}");
    // Keys replaced by a development setup's, the transcript left beside them: refused.
    ok(&zkinfer(&["setup", s(&model)]));
    let out = provider(&["--ptau", s(&ptau)]);
    assert!(out.contains("not the one the transcript holds"), "{out}");
}
