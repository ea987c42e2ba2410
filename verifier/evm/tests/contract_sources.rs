//! The committed contract artifacts are what the pinned solc makes of the committed sources,
//! and the escrow's public-input constants are the ones zkinfer-verifier's layout uses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use zkinfer_verifier::{BINDING_DROP_BITS, BINDING_INDEX, INPUT_COMMITMENT_INDEX, OUTPUTS_OFFSET};

fn contracts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts")
}

/// `uint256 internal constant NAME = VALUE;` in a Solidity source.
fn constant(source: &str, name: &str) -> u64 {
    constant_with(source, "internal", name)
}

/// `uint256 VISIBILITY constant NAME = VALUE;` in a Solidity source.
fn constant_with(source: &str, visibility: &str, name: &str) -> u64 {
    let needle = format!("uint256 {visibility} constant {name} = ");
    let line = source
        .lines()
        .find_map(|l| l.trim().strip_prefix(needle.as_str()))
        .unwrap_or_else(|| panic!("{name} is not declared as `{needle}…;`"));
    line.trim_end_matches(';').trim().parse().unwrap()
}

#[test]
fn verifier_proof_lengths_and_key_modes_match_the_rust_encoding() {
    let source = std::fs::read_to_string(contracts().join("src/Groth16Verifier.sol")).unwrap();
    assert_eq!(
        constant_with(&source, "private", "PLAIN_PROOF_WORDS"),
        zkinfer_evm::PLAIN_PROOF_WORDS as u64
    );
    assert_eq!(
        constant_with(&source, "private", "LOOKUP_PROOF_WORDS"),
        zkinfer_evm::LOOKUP_PROOF_WORDS as u64
    );
    // `enum ProofMode { Plain, Lookup }`: the key's mode word is the variant's index
    let compact: String = source.split_whitespace().collect();
    assert!(compact.contains("enumProofMode{Plain,Lookup}"));
    assert_eq!(
        (zkinfer_evm::KEY_MODE_PLAIN, zkinfer_evm::KEY_MODE_LOOKUP),
        (0, 1)
    );
}

#[test]
fn escrow_layout_constants_match_the_verifier_layout() {
    let source = std::fs::read_to_string(contracts().join("src/InferenceEscrow.sol")).unwrap();
    assert_eq!(
        constant(&source, "INPUT_COMMITMENT_INDEX"),
        INPUT_COMMITMENT_INDEX as u64
    );
    assert_eq!(constant(&source, "BINDING_INDEX"), BINDING_INDEX as u64);
    assert_eq!(constant(&source, "OUTPUTS_OFFSET"), OUTPUTS_OFFSET as u64);
    assert_eq!(
        constant(&source, "BINDING_DROP_BITS"),
        u64::from(BINDING_DROP_BITS)
    );
}

#[test]
fn committed_artifacts_match_a_fresh_compile_with_the_pinned_solc() {
    let dir = contracts();
    assert!(
        dir.join("node_modules/solc").exists(),
        "contracts/node_modules/solc is missing: run `npm ci --prefix contracts` (scripts/test.sh does)"
    );
    let out = Command::new("node")
        .arg("build.mjs")
        .arg("--check")
        .current_dir(&dir)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "contracts/out is stale (run `npm run build --prefix contracts`):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
