//! Cross-checks zkinfer's proofs with an independent verifier: compile, setup, prove and
//! `export-snarkjs` with the real `zkinfer` binary, then `snarkjs groth16 verify` (pinned in
//! `contracts/package.json`, installed by `scripts/test.sh` with `npm ci --prefix contracts`)
//! must accept the export and reject it once tampered with.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `zkinfer` and requires success.
fn zkinfer(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_zkinfer"))
        .args(args)
        .output()
        .expect("the zkinfer binary runs");
    assert!(
        out.status.success(),
        "zkinfer {args:?} failed: {}",
        text(&out)
    );
    out
}

/// The pinned snarkjs CLI; fails (never skips) when it is not installed.
fn snarkjs_bin() -> PathBuf {
    let bin = repo().join("contracts/node_modules/.bin/snarkjs");
    assert!(
        bin.exists(),
        "snarkjs is not installed at {}: run `npm ci --prefix contracts` from the repository root \
         (scripts/test.sh does this)",
        bin.display()
    );
    bin
}

/// `snarkjs groth16 verify` on the three files; `Ok` when it accepts.
fn snarkjs_verify(vk: &Path, public: &Path, proof: &Path) -> Result<String, String> {
    let out = Command::new(snarkjs_bin())
        .args(["groth16", "verify", s(vk), s(public), s(proof)])
        .env("NO_COLOR", "1")
        .output()
        .expect("snarkjs runs (is node installed?)");
    let all = text(&out);
    if out.status.success() && all.contains("OK!") {
        Ok(all)
    } else {
        Err(all)
    }
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn write_json(p: &Path, v: &Value) {
    std::fs::write(p, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

/// Adds one to a decimal string (the values here are far from any modulus).
fn plus_one(v: &Value) -> Value {
    let digits = v.as_str().unwrap();
    let mut bytes = digits.as_bytes().to_vec();
    let mut i = bytes.len();
    loop {
        i -= 1;
        if bytes[i] == b'9' {
            bytes[i] = b'0';
            if i == 0 {
                bytes.insert(0, b'1');
                break;
            }
        } else {
            bytes[i] += 1;
            break;
        }
    }
    Value::String(String::from_utf8(bytes).unwrap())
}

#[test]
fn snarkjs_accepts_exported_proof_and_rejects_tampering() {
    let snarkjs = snarkjs_bin(); // fail fast, before the slow steps
    assert!(snarkjs.exists());
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let mlp = repo().join("models/mlp");
    zkinfer(&[
        "compile",
        s(&mlp.join("model.onnx")),
        "--calibration",
        s(&mlp.join("calibration.json")),
        "--out",
        s(t),
    ]);
    zkinfer(&["setup", s(t), "--insecure-seed", "1"]);
    let proof_path = t.join("proof.json");
    zkinfer(&[
        "prove",
        s(t),
        "--input",
        s(&mlp.join("input.json")),
        "--job-id",
        "5",
        "--provider",
        "0x00000000000000000000000000000000000000aa",
        "--out",
        s(&proof_path),
    ]);
    let out_dir = t.join("snarkjs");
    zkinfer(&["export-snarkjs", s(t), s(&proof_path), "--out", s(&out_dir)]);

    let vk = out_dir.join("verification_key.json");
    let public = out_dir.join("public.json");
    let proof = out_dir.join("proof.json");
    let key = read_json(&vk);
    let signals = read_json(&public);
    let n = signals.as_array().unwrap().len();
    assert_eq!(key["nPublic"], n, "{key}");
    assert_eq!(key["IC"].as_array().unwrap().len(), n + 1);
    // The public signals are the proof file's stated public inputs, in order.
    let stated = read_json(&proof_path)["public_inputs"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(stated, n);
    if let Err(e) = snarkjs_verify(&vk, &public, &proof) {
        panic!("snarkjs rejects a valid exported proof:\n{e}");
    }

    // Job id / provider binding changed: the proof is for job 5 and provider 0xaa only.
    let mut bad = signals.clone();
    bad[1] = plus_one(&bad[1]);
    let bad_public = t.join("public_tampered.json");
    write_json(&bad_public, &bad);
    let err =
        snarkjs_verify(&vk, &bad_public, &proof).expect_err("tampered public signal accepted");
    assert!(err.contains("Invalid proof"), "{err}");

    // pi_a moved off the curve: snarkjs refuses it before pairing.
    let mut bad = read_json(&proof);
    bad["pi_a"][0] = plus_one(&bad["pi_a"][0]);
    let bad_proof = t.join("proof_tampered.json");
    write_json(&bad_proof, &bad);
    let err = snarkjs_verify(&vk, &public, &bad_proof).expect_err("tampered pi_a accepted");
    assert!(err.contains("Proof commitments are not valid"), "{err}");

    // pi_a replaced by another valid curve point (its negation): fails the pairing check.
    let mut bad = read_json(&proof);
    let p = "21888242871839275222246405745257275088696311157297823662689037894645226208583";
    let y = bad["pi_a"][1].as_str().unwrap().to_string();
    bad["pi_a"][1] = Value::String(sub_decimal(p, &y));
    write_json(&bad_proof, &bad);
    let err = snarkjs_verify(&vk, &public, &bad_proof).expect_err("negated pi_a accepted");
    assert!(err.contains("Invalid proof"), "{err}");
}

/// `a − b` for decimal strings with `a ≥ b`.
fn sub_decimal(a: &str, b: &str) -> String {
    let a: Vec<u8> = a.bytes().rev().map(|c| c - b'0').collect();
    let b: Vec<u8> = b.bytes().rev().map(|c| c - b'0').collect();
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0i16;
    for (i, &d) in a.iter().enumerate() {
        let mut v = i16::from(d) - borrow - i16::from(b.get(i).copied().unwrap_or(0));
        borrow = i16::from(v < 0);
        if v < 0 {
            v += 10;
        }
        out.push(b'0' + v as u8);
    }
    assert_eq!(borrow, 0, "a < b");
    while out.len() > 1 && out.last() == Some(&b'0') {
        out.pop();
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}

#[test]
fn export_snarkjs_refuses_unreadable_input_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let out = Command::new(env!("CARGO_BIN_EXE_zkinfer"))
        .args([
            "export-snarkjs",
            s(t),
            s(&t.join("missing.json")),
            "--out",
            s(&t.join("o")),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("verifying_key.bin") && err.contains("zkinfer setup"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
