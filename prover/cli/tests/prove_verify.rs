//! `zkinfer setup`, `prove` and `verify` as a user runs them: outputs printed, exit codes
//! 0 (valid) / 1 (invalid, with the reason) / 2 (unreadable input), keys and proofs refused
//! clearly when truncated or for another model.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{compile_setup, models, ok, s, zkinfer};

/// Compiles and sets up `name` into `dir`.
fn prepared(name: &str, dir: &Path) {
    let setup = compile_setup(name, dir, 3);
    assert!(
        setup.contains("WARNING") && setup.contains("insecure"),
        "{setup}"
    );
}

#[test]
fn prove_prints_outputs_and_verify_answers_with_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mlp");
    prepared("mlp", &dir);
    let proof = tmp.path().join("proof.json");
    let input = models().join("mlp/input.json");
    let printed = ok(&zkinfer(&[
        "prove",
        s(&dir),
        "--input",
        s(&input),
        "--job-id",
        "9",
        "--provider",
        "0x00000000000000000000000000000000000000bb",
        "--out",
        s(&proof),
    ]));
    let v: serde_json::Value = serde_json::from_str(printed.trim()).unwrap();
    let run: serde_json::Value =
        serde_json::from_str(ok(&zkinfer(&["run", s(&dir), "--input", s(&input)])).trim()).unwrap();
    assert_eq!(
        v["outputs_int"], run["outputs_int"],
        "prove and run agree bit for bit"
    );

    let verdict = zkinfer(&["verify", s(&dir), s(&proof)]);
    assert_eq!(verdict.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&verdict.stdout).trim(), "valid");

    // Printed outputs that differ from what was proved: invalid, exit 1, with the reason.
    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    file["job_id"] = serde_json::json!(10);
    let tampered = tmp.path().join("tampered.json");
    std::fs::write(&tampered, file.to_string()).unwrap();
    let verdict = zkinfer(&["verify", s(&dir), s(&tampered)]);
    assert_eq!(verdict.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&verdict.stdout).starts_with("invalid: "),
        "{verdict:?}"
    );

    // Unreadable input: exit 2.
    let garbage = tmp.path().join("garbage.json");
    std::fs::write(&garbage, "{not json").unwrap();
    assert_eq!(
        zkinfer(&["verify", s(&dir), s(&garbage)]).status.code(),
        Some(2)
    );
    assert_eq!(
        zkinfer(&["verify", s(&dir), s(&tmp.path().join("missing.json"))])
            .status
            .code(),
        Some(2)
    );

    // Another model's key: invalid (exit 1), naming the models.
    let other = tmp.path().join("cnn");
    prepared("cnn", &other);
    let verdict = zkinfer(&["verify", s(&other), s(&proof)]);
    assert_eq!(verdict.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&verdict.stdout).contains("model"));
}

#[test]
fn truncated_or_foreign_keys_are_refused_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mlp");
    prepared("mlp", &dir);
    let input = models().join("mlp/input.json");
    let proof = tmp.path().join("p.json");
    let pk = dir.join("proving_key.bin");
    let bytes = std::fs::read(&pk).unwrap();
    std::fs::write(&pk, &bytes[..bytes.len() / 3]).unwrap();
    let out = zkinfer(&["prove", s(&dir), "--input", s(&input), "--out", s(&proof)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("truncated"),
        "{out:?}"
    );
    assert!(!proof.exists(), "no proof is written on failure");

    // A key of another model copied into the directory.
    let other = tmp.path().join("cnn");
    prepared("cnn", &other);
    std::fs::copy(other.join("proving_key.bin"), &pk).unwrap();
    let out = zkinfer(&["prove", s(&dir), "--input", s(&input), "--out", s(&proof)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("made for model"),
        "{out:?}"
    );
}
