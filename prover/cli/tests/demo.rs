//! The README's first command, `zkinfer demo`: the bundled model proved, verified natively and
//! paid by the escrow on the embedded EVM, with copied and tampered proofs refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{s, zkinfer};

#[test]
fn the_demo_pays_the_real_proof_and_refuses_the_copies() {
    let tmp = tempfile::tempdir().unwrap();
    let out = zkinfer(&["demo", "--out", s(tmp.path())]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "valid proof:                 accepted",
        "same proof, other provider:  rejected",
        "forged output:               rejected",
        "sent by 0xc3c3c3c3c3c3c3c3c3C3C3c3C3C3C3c3C3C3c3c3: refused: InvalidProof",
        "proof with a forged output:                 refused: InvalidProof",
        "the provider's proof:                       accepted",
        "the same proof again:                       refused: WrongStatus",
        "provider withdrew 0.010000 ETH (balance +0.010000 ETH",
        "proof for escrow 1 submitted to escrow 2:  refused: InvalidProof",
        "gas: verifyProof ",
        "proof mode lookup mode: ",
        "lookup proof of 160 bytes",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    assert!(tmp.path().join("proof.json").exists());
}
