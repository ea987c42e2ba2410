//! `zkinfer export-verifier`: the written init code deploys a verifier which, once the written
//! `publishKey` calldata is sent to it, accepts the model's proofs; the Solidity and ABI it
//! ships are the ones it was compiled from; keys made from a fixed seed need a flag.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{compile_mlp, models, ok, s, zkinfer};
use zkinfer_evm::bindings::Groth16Verifier;
use zkinfer_evm::{
    deploy, send_ok, verify_proof_call, view, Address, EmbeddedChain, SolCall, Tx, B256,
    GROTH16_VERIFIER_SOL,
};
use zkinfer_verifier::ProofFile;

#[test]
fn exported_init_code_deploys_a_verifier_that_accepts_the_models_proofs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let out = tmp.path().join("verifier");
    let m = models().join("mlp");
    compile_mlp(&dir, 4);
    let proof_path = tmp.path().join("proof.json");
    ok(&zkinfer(&[
        "prove",
        s(&dir),
        "--input",
        s(&m.join("input.json")),
        "--out",
        s(&proof_path),
    ]));
    // review finding #9: a key from `setup --insecure-seed` is refused without the flag
    let refused = zkinfer(&["export-verifier", s(&dir), "--out", s(&out)]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("--allow-insecure-key"), "{err}");
    assert!(!out.join("init_code.hex").exists());
    let printed = ok(&zkinfer(&[
        "export-verifier",
        s(&dir),
        "--out",
        s(&out),
        "--allow-insecure-key",
    ]));
    for f in [
        "Groth16Verifier.sol",
        "IZkinferVerifier.sol",
        "Groth16Verifier.json",
        "Groth16Verifier.abi.json",
        "init_code.hex",
        "publish_key.calldata.hex",
        "verifying_key.hex",
        "verifier.json",
    ] {
        assert!(out.join(f).exists(), "{f} missing; printed:\n{printed}");
    }
    assert_eq!(
        std::fs::read_to_string(out.join("Groth16Verifier.sol")).unwrap(),
        GROTH16_VERIFIER_SOL
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("verifier.json")).unwrap()).unwrap();
    assert_eq!(manifest["num_public_inputs"], 3);
    assert_eq!(manifest["mode"], "plain");

    let init = std::fs::read_to_string(out.join("init_code.hex")).unwrap();
    let init = zkinfer_evm::Bytes::from(hex_decode(init.trim().trim_start_matches("0x")));
    let publish = std::fs::read_to_string(out.join("publish_key.calldata.hex")).unwrap();
    let publish = hex_decode(publish.trim().trim_start_matches("0x"));
    let key_hash: B256 = manifest["key_hash"].as_str().unwrap().parse().unwrap();
    let proof = ProofFile::from_json(&std::fs::read_to_string(&proof_path).unwrap()).unwrap();
    let call = verify_proof_call(key_hash, &proof).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            let mut chain = EmbeddedChain::new();
            let deployer = Address::repeat_byte(7);
            let verifier = deploy(&mut chain, deployer, "exported verifier", init)
                .await
                .unwrap()
                .address;
            // before the key is published the verifier refuses to answer
            assert!(view(&mut chain, verifier, &call).await.is_err());
            send_ok(
                &mut chain,
                Tx::call(deployer, verifier, publish),
                "publishKey",
            )
            .await
            .unwrap();
            assert!(view(&mut chain, verifier, &call).await.unwrap());
            let mut bad = call.clone();
            bad.publicInputs[2] ^= zkinfer_evm::U256::from(1u8);
            assert!(!view(&mut chain, verifier, &bad).await.unwrap());
            assert_eq!(
                call.abi_encode()[..4],
                Groth16Verifier::verifyProofCall::SELECTOR
            );
        });
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
