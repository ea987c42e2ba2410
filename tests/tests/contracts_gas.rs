//! The verifier contract against the native verifier (keys validated, out of gas never
//! `false`), and the gas of one job's life under a key, for plain and lookup mode:
//! `cargo test -p zkinfer-e2e --test contracts_gas -- --nocapture` prints the figures of
//! BENCHMARKS.md and contracts/README.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod escrow;

#[allow(clippy::wildcard_imports)]
use escrow::*;

use alloy::primitives::{Address, B256, U256};
use alloy::sol_types::SolCall;
use zkinfer_evm::bindings::{GasLimitedCaller, Groth16Verifier};
use zkinfer_evm::test_support::SyntheticModel;
use zkinfer_evm::{
    deploy, deploy_stack, encode_input_blob, fr_word, key_hash, open_job, proof_words,
    revert_reason, submit_result, view, withdraw, Chain, EmbeddedChain, JobRequest, Tx,
    EMBEDDED_CHAIN_ID,
};
use zkinfer_verifier::{verify, ProofFile, ProofMode, Verdict, VerifyingKeyFile};

#[test]
fn the_verifier_agrees_with_the_native_verifier_and_validates_keys() {
    let fx = mlp();
    run(async {
        let mut w = world(fx).await;
        let escrow = w.escrow();
        let proof = fx.prove(Address::ZERO, 5, PROVIDER);
        let publics: Vec<U256> = proof
            .stated_public_inputs()
            .unwrap()
            .iter()
            .map(fr_word)
            .collect();
        let words = proof_words(&proof).unwrap();
        let call = |inputs: Vec<U256>| Groth16Verifier::verifyProofCall {
            keyHash: fx.key_hash(),
            proof: words.clone(),
            publicInputs: inputs,
        };
        assert!(view(&mut w.chain, escrow, &call(publics.clone()))
            .await
            .unwrap());
        for i in 0..publics.len() {
            let mut bad = publics.clone();
            bad[i] ^= U256::from(1u8);
            let ok = view(&mut w.chain, escrow, &call(bad)).await.unwrap();
            assert!(!ok, "public input {i} tampered: accepted");
        }
        let info = view(
            &mut w.chain,
            escrow,
            &Groth16Verifier::keyInfoCall {
                keyHash: fx.key_hash(),
            },
        )
        .await
        .unwrap();
        assert_eq!(info.modelId.0, fx.prover.verifying_key().model_id);
        assert_eq!(
            usize::try_from(info.numPublicInputs).unwrap(),
            publics.len()
        );
        // an unknown key reverts rather than answering
        let unknown = Groth16Verifier::verifyProofCall {
            keyHash: B256::repeat_byte(1),
            proof: words.clone(),
            publicInputs: publics.clone(),
        };
        assert!(view(&mut w.chain, escrow, &unknown).await.is_err());
        assert_eq!(info.mode, zkinfer_evm::KEY_MODE_PLAIN);
        // a key with a point off its curve (alpha.x, after the mode word) is refused at
        // publication
        let mut vk = zkinfer_evm::verifying_key_bytes(fx.prover.verifying_key());
        vk[32 + 31] ^= 1;
        let bad = Groth16Verifier::publishKeyCall {
            modelId: B256::ZERO,
            transcriptHash: B256::ZERO,
            vk: vk.into(),
        };
        let r = w.send(THIEF, bad.abi_encode()).await;
        assert_refused::<Groth16Verifier::KeyPointNotOnCurve>(&r, "off-curve key");
        assert_eq!(
            revert_reason(&r.output),
            "KeyPointNotOnCurve { wordIndex: 1 }"
        );
        // a 10-word proof against this plain key
        let mut long = call(publics.clone());
        long.proof.extend([U256::from(1u8), U256::from(2u8)]);
        let r = w.send(PROVIDER, long.abi_encode()).await;
        assert_refused::<Groth16Verifier::WrongProofLength>(&r, "10 words, plain key");
    });
}

#[test]
fn out_of_gas_makes_the_verifier_revert_never_answer_false() {
    let fx = mlp();
    run(async {
        let mut w = world(fx).await;
        let caller = deploy(
            &mut w.chain,
            DEPLOYER,
            "GasLimitedCaller",
            GasLimitedCaller::BYTECODE.clone(),
        )
        .await
        .unwrap()
        .address;
        let proof = fx.prove(Address::ZERO, 9, PROVIDER);
        let probe = |gas: u64| GasLimitedCaller::probeCall {
            verifier: w.stack.escrow.address,
            gasLimit: U256::from(gas),
            keyHash: fx.key_hash(),
            proof: proof_words(&proof).unwrap(),
            publicInputs: proof
                .stated_public_inputs()
                .unwrap()
                .iter()
                .map(fr_word)
                .collect(),
        };
        let mut completed_at = None;
        for gas in (5_000..=260_000).step_by(5_000) {
            let r = view(&mut w.chain, caller, &probe(gas)).await.unwrap();
            assert!(
                !r.completed || r.accepted,
                "with {gas} gas the verifier answered false for a valid proof"
            );
            if r.completed && completed_at.is_none() {
                completed_at = Some(gas);
            }
        }
        let needed = completed_at.expect("the verifier never completed with 260k gas");
        println!("verifyProof completes with {needed} gas forwarded; below it, it reverts");
    });
}

/// The gas of one job's life under one key: publication, opening, the verifier alone and the
/// whole `submitResult`, then the withdrawal.
#[derive(Debug)]
struct GasReport {
    /// The public inputs the caller passes (a lookup-mode challenge is computed on chain).
    public_inputs: usize,
    /// Words of the proof (8 plain, 10 lookup).
    proof_words: usize,
    deploy: u64,
    publish_key: u64,
    open_job: u64,
    input_bytes: usize,
    verify: u64,
    submit: u64,
    withdraw: u64,
}

impl std::fmt::Display for GasReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} public inputs, {}-word proof, verifyProof tx {} gas, submitResult tx {} gas, \
             withdraw tx {} gas, openJob tx {} gas ({} input bytes), escrow deployment {} gas, \
             publishKey {} gas",
            self.public_inputs,
            self.proof_words,
            self.verify,
            self.submit,
            self.withdraw,
            self.open_job,
            self.input_bytes,
            self.deploy,
            self.publish_key
        )
    }
}

/// Measures [`GasReport`] for `key` on a fresh embedded chain: an escrow from `DEPLOYER`, `key`
/// published, an ETH job for `input_commitment` (with `input_blob` attached), and the proof
/// `prove(escrow, job_id, provider)` verified on its own and submitted by `PROVIDER`. Works for
/// any `VerifyingKeyFile` and any prover of either mode: point it at a real lookup-mode model
/// to fill the lookup row of contracts/README.md's gas table.
async fn measure_gas(
    key: &VerifyingKeyFile,
    input_commitment: zkinfer_verifier::Fr,
    input_blob: Vec<u8>,
    prove: impl FnOnce(Address, u64, Address) -> ProofFile,
) -> GasReport {
    let mut chain = EmbeddedChain::new();
    for who in [DEPLOYER, REQUESTER, PROVIDER] {
        chain.fund(who, start_balance());
    }
    let stack = deploy_stack(&mut chain, DEPLOYER, key).await.unwrap();
    let escrow = stack.escrow.address;
    let request = JobRequest {
        key_hash: key_hash(key),
        input_commitment,
        deadline: chain.timestamp().await.unwrap() + HOUR,
        input_blob,
        token: Address::ZERO,
        amount: U256::from(PAYMENT),
    };
    let opened = open_job(&mut chain, REQUESTER, escrow, &request)
        .await
        .unwrap();
    let job = opened.job_id;
    let proof = prove(escrow, job, PROVIDER);
    // the verifier called on its own, as a transaction (21,000 intrinsic gas included)
    let verify = zkinfer_evm::verify_proof_call(request.key_hash, &proof).unwrap();
    let v = chain
        .send(Tx::call(PROVIDER, escrow, verify.abi_encode()))
        .await
        .unwrap();
    assert_ok(&v, "verifyProof");
    let s = submit_result(&mut chain, PROVIDER, escrow, job, &proof)
        .await
        .unwrap();
    assert_ok(&s, "submitResult");
    let pulled = withdraw(&mut chain, PROVIDER, escrow, &[job], PROVIDER)
        .await
        .unwrap();
    assert_ok(&pulled, "withdraw");
    GasReport {
        public_inputs: verify.publicInputs.len(),
        proof_words: verify.proof.len(),
        deploy: stack.escrow.receipt.gas_used,
        publish_key: stack.key.receipt.as_ref().map_or(0, |r| r.gas_used),
        open_job: opened.receipt.gas_used,
        input_bytes: request.input_blob.len(),
        verify: v.gas_used,
        submit: s.gas_used,
        withdraw: pulled.gas_used,
    }
}

#[test]
fn gas_of_verify_and_submit_for_a_ten_class_model() {
    for (name, fx) in [("mlp", mlp()), ("lenet5", &fixture("lenet5", 9))] {
        let vk = fx.prover.verifying_key();
        let blob = encode_input_blob(&fx.input).unwrap();
        let gas = run(measure_gas(
            vk,
            fx.commitment(),
            blob,
            |escrow, job, provider| fx.prove(escrow, job, provider),
        ));
        println!("gas {name} ({} mode): {gas}", vk.mode());
        assert!(
            gas.verify <= 240_000,
            "{name}: verify costs {} gas",
            gas.verify
        );
        assert!(
            gas.submit <= 280_000,
            "{name}: submit costs {} gas",
            gas.submit
        );
    }
}

/// Lookup mode (two-round Groth16: 10-word proofs, the challenge hashed on chain, 5 pairings)
/// for a 10-class model's layout, with the synthetic key and proof of
/// `zkinfer_evm::test_support` (made from known scalars; the gas does not depend on them).
#[test]
fn gas_of_verify_and_submit_in_lookup_mode_for_a_ten_class_model() {
    let model = SyntheticModel::ten_class(ProofMode::Lookup, 11);
    let commitment = model
        .claims(0, Address::ZERO, 0, Address::ZERO)
        .input_commitment;
    let gas = run(measure_gas(
        model.key(),
        commitment,
        vec![0u8; 139],
        |escrow, job, provider| {
            model
                .prove(&model.claims(EMBEDDED_CHAIN_ID, escrow, job, provider), job)
                .unwrap()
        },
    ));
    println!("gas synthetic 10-class (lookup mode): {gas}");
    assert_eq!((gas.public_inputs, gas.proof_words), (3, 10));
    assert!(
        gas.verify <= 290_000,
        "lookup verify costs {} gas",
        gas.verify
    );
    assert!(
        gas.submit <= 310_000,
        "lookup submit costs {} gas",
        gas.submit
    );
}

/// The gas of a key and proof made elsewhere (e.g. a real lookup-mode model):
/// `ZKINFER_GAS_KEY=DIR/verifying_key.bin ZKINFER_GAS_PROOF=proof.json cargo test -p zkinfer-e2e
/// --test contracts_gas gas_of_a_key_and_proof_file -- --nocapture`. `submitResult` pays only a
/// proof bound to this test's job, so prove for the binding the test prints (`zkinfer prove
/// --chain-id --escrow --job-id --provider`); a proof bound elsewhere gets `verifyProof`
/// measured alone. Without the variables the test only says how to run it.
#[test]
fn gas_of_a_key_and_proof_file() {
    let (Some(key_path), Some(proof_path)) = (
        std::env::var_os("ZKINFER_GAS_KEY"),
        std::env::var_os("ZKINFER_GAS_PROOF"),
    ) else {
        println!("set ZKINFER_GAS_KEY and ZKINFER_GAS_PROOF to measure a key and proof file");
        return;
    };
    let key = VerifyingKeyFile::from_bytes(&std::fs::read(key_path).unwrap(), None).unwrap();
    let proof = ProofFile::from_json(&std::fs::read_to_string(proof_path).unwrap()).unwrap();
    assert_eq!(
        verify(&key, &proof).unwrap(),
        Verdict::Accepted,
        "the proof verifies"
    );
    let claims = proof.claims().unwrap();
    // the escrow `measure_gas` deploys (DEPLOYER's first creation) and its first job
    let escrow = DEPLOYER.create(0);
    let bound = (
        claims.chain_id,
        claims.escrow,
        claims.job_id,
        claims.provider,
    ) == (
        EMBEDDED_CHAIN_ID,
        escrow.into_array(),
        1,
        PROVIDER.into_array(),
    );
    println!(
        "this test's job: --chain-id {EMBEDDED_CHAIN_ID} --escrow {escrow} --job-id 1 \
         --provider {PROVIDER}"
    );
    if bound {
        let gas = run(measure_gas(
            &key,
            claims.input_commitment,
            Vec::new(),
            |e, job, provider| {
                assert_eq!((e, job, provider), (escrow, 1, PROVIDER));
                proof.clone()
            },
        ));
        println!("gas ({} mode): {gas}", key.mode());
    } else {
        run(async {
            let mut chain = EmbeddedChain::new();
            chain.fund(DEPLOYER, start_balance());
            let stack = deploy_stack(&mut chain, DEPLOYER, &key).await.unwrap();
            let call = zkinfer_evm::verify_proof_call(stack.key.key_hash, &proof).unwrap();
            let v = chain
                .send(Tx::call(DEPLOYER, stack.escrow.address, call.abi_encode()))
                .await
                .unwrap();
            assert_ok(&v, "verifyProof");
            println!(
                "gas ({} mode): {} public inputs, {}-word proof, verifyProof tx {} gas, \
                 publishKey {} gas (the proof is bound elsewhere: submitResult not measured)",
                key.mode(),
                call.publicInputs.len(),
                call.proof.len(),
                v.gas_used,
                stack.key.receipt.as_ref().map_or(0, |r| r.gas_used)
            );
        });
    }
}

/// Gas of a real lookup-mode 10-class model (the mlp): `submitResult` ≤ 310,000.
#[test]
fn gas_of_verify_and_submit_in_lookup_mode_for_a_real_model() {
    let fx = mlp_lookup();
    let gas = run(measure_gas(
        fx.prover.verifying_key(),
        fx.commitment(),
        encode_input_blob(&fx.input).unwrap(),
        |escrow, job, provider| fx.prove(escrow, job, provider),
    ));
    println!("gas mlp (lookup mode, real proof): {gas}");
    assert_eq!(gas.proof_words, 10);
    assert!(
        gas.submit <= 310_000,
        "lookup submit costs {} gas",
        gas.submit
    );
}
