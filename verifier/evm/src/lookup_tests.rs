//! Lookup mode on the embedded EVM against the synthetic key: what verifies on chain
//! verifies natively, and every tampering is refused by both.

use alloy::primitives::{Bytes, B256, U256};
use alloy::sol_types::{SolCall, SolError};
use ark_ec::AffineRepr;
use zkinfer_verifier::{verify, verify_two_round, Verdict};

use crate::bindings::{Groth16Verifier, InferenceEscrow};
use alloy::primitives::Address;
use ark_bn254::G1Affine;
use ark_ec::CurveGroup;
use ark_groth16::Proof;
use zkinfer_verifier::{challenge, ProofFile, ProofMode, VerifyingKeyFile};

use crate::test_support::*;
use crate::{
    caller_public_inputs, completed_proof_file, deploy_stack, find_event, fr_word, g1_words,
    groth16_words, key_hash, key_published, open_job, proof_words, publish_key, revert_reason,
    reverted_with, submit_result, verify_proof_call, verifying_key_bytes, view, Chain,
    EmbeddedChain, JobRequest, Receipt, Tx, EMBEDDED_CHAIN_ID,
};

const DEPLOYER: Address = Address::repeat_byte(0xd0);
const REQUESTER: Address = Address::repeat_byte(0xa1);
const PROVIDER: Address = Address::repeat_byte(0xb2);

fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn lookup() -> SyntheticModel {
    SyntheticModel::ten_class(ProofMode::Lookup, 1)
}

fn plain() -> SyntheticModel {
    SyntheticModel::ten_class(ProofMode::Plain, 2)
}

/// An escrow on a fresh embedded chain with `model`'s key published.
async fn chain_with(model: &SyntheticModel) -> (EmbeddedChain, Address) {
    let mut chain = EmbeddedChain::new();
    for who in [DEPLOYER, REQUESTER, PROVIDER] {
        chain.fund(who, U256::from(10u64).pow(U256::from(20u64)));
    }
    let stack = deploy_stack(&mut chain, DEPLOYER, model.key())
        .await
        .unwrap();
    (chain, stack.escrow.address)
}

/// `verifyProof` as a read-only call: `Ok(answer)` or `Err(revert data)`.
async fn verify_on_chain(
    chain: &mut EmbeddedChain,
    escrow: Address,
    call: &Groth16Verifier::verifyProofCall,
) -> Result<bool, Bytes> {
    let r = chain
        .call(Tx::call(PROVIDER, escrow, call.abi_encode()))
        .await
        .unwrap();
    if r.success {
        Ok(Groth16Verifier::verifyProofCall::abi_decode_returns(&r.output).unwrap())
    } else {
        Err(r.output)
    }
}

fn assert_reverted<E: SolError>(r: &Result<bool, Bytes>, what: &str) {
    match r {
        Err(data) => assert!(
            reverted_with::<E>(data),
            "{what}: expected {}, got {}",
            E::SIGNATURE,
            revert_reason(data)
        ),
        Ok(v) => panic!("{what}: answered {v}, expected {}", E::SIGNATURE),
    }
}

fn native(model: &SyntheticModel, file: &ProofFile) -> Verdict {
    verify(model.key(), file).unwrap()
}

#[test]
fn a_lookup_proof_verifies_on_chain_and_natively_and_tampering_is_refused_by_both() {
    let model = lookup();
    let key = model.key();
    let r1 = key.round1.unwrap();
    run(async {
        let (mut chain, escrow) = chain_with(&model).await;
        let hash = key_hash(key);
        let claims = model.claims(EMBEDDED_CHAIN_ID, escrow, 4, PROVIDER);
        let file = model.prove(&claims, 1).unwrap();

        // valid: on chain, natively, and by the bare two-round equation
        let call = verify_proof_call(hash, &file).unwrap();
        assert_eq!(call.proof.len(), 10);
        assert_eq!(call.publicInputs.len(), 3, "the challenge is not passed");
        assert_eq!(verify_on_chain(&mut chain, escrow, &call).await, Ok(true));
        assert_eq!(native(&model, &file), Verdict::Accepted);
        let stated = file.stated_public_inputs().unwrap();
        let c1 = file.round1().unwrap().unwrap();
        let groth16 = file.groth16().unwrap();
        assert!(verify_two_round(&key.vk, &r1, &stated, &groth16, &c1).unwrap());
        // the contract's challenge is the native one: a proof solved for any other
        // challenge (here: over other public inputs, i.e. made for other claims) fails
        let mut other = claims.clone();
        other.outputs[0][0] += 1;
        let other_inputs = other.to_field_elements(&key.layout).unwrap();
        let mut inputs = caller_public_inputs(&file).unwrap();
        inputs.push(challenge(&c1, &other_inputs));
        let skewed = model.solve(&inputs, 1).unwrap();
        assert!(
            verify_two_round(&key.vk, &r1, &inputs, &skewed, &c1).unwrap(),
            "the skewed proof satisfies the equation for its own challenge"
        );
        let mut bad = call.clone();
        bad.proof[..8].copy_from_slice(&groth16_words(&skewed));
        assert_eq!(verify_on_chain(&mut chain, escrow, &bad).await, Ok(false));
        let skewed_file = model.file(&claims, &skewed, Some(&c1)).unwrap();
        assert!(matches!(native(&model, &skewed_file), Verdict::Rejected(_)));

        // C₁ swapped for another point on the curve
        let swapped = model.round1_commitment(99);
        let mut bad = call.clone();
        bad.proof[8..].copy_from_slice(&g1_words(&swapped));
        assert_eq!(verify_on_chain(&mut chain, escrow, &bad).await, Ok(false));
        let swapped_file = model.file(&claims, &groth16, Some(&swapped)).unwrap();
        assert!(matches!(
            native(&model, &swapped_file),
            Verdict::Rejected(_)
        ));
        // C₁ at infinity (the zero words)
        let mut bad = call.clone();
        bad.proof[8] = U256::ZERO;
        bad.proof[9] = U256::ZERO;
        assert_eq!(verify_on_chain(&mut chain, escrow, &bad).await, Ok(false));

        // C₂ tampered: another point on the curve, then a point off it
        let moved = (groth16.c + G1Affine::generator()).into_affine();
        let mut bad = call.clone();
        bad.proof[6..8].copy_from_slice(&g1_words(&moved));
        assert_eq!(verify_on_chain(&mut chain, escrow, &bad).await, Ok(false));
        let moved_file = model
            .file(
                &claims,
                &Proof {
                    c: moved,
                    ..groth16
                },
                Some(&c1),
            )
            .unwrap();
        assert!(matches!(native(&model, &moved_file), Verdict::Rejected(_)));
        let mut bad = call.clone();
        bad.proof[7] += U256::from(1u8);
        assert_reverted::<Groth16Verifier::PrecompileFailed>(
            &verify_on_chain(&mut chain, escrow, &bad).await,
            "C₂ off the curve",
        );

        // every public input tampered with in turn
        for i in 0..call.publicInputs.len() {
            let mut bad = call.clone();
            bad.publicInputs[i] ^= U256::from(1u8);
            assert_eq!(
                verify_on_chain(&mut chain, escrow, &bad).await,
                Ok(false),
                "public input {i} tampered"
            );
        }
        let mut lying = claims.clone();
        lying.outputs[0][3] -= 1;
        let lying = file.restated(&lying, &key.layout).unwrap();
        assert!(matches!(native(&model, &lying), Verdict::Rejected(_)));

        // the stated challenge is never taken: passing it as a fourth input is refused
        let mut bad = call.clone();
        bad.publicInputs.push(fr_word(stated.last().unwrap()));
        assert_reverted::<Groth16Verifier::WrongPublicInputCount>(
            &verify_on_chain(&mut chain, escrow, &bad).await,
            "challenge passed",
        );
        // a plain-length (8-word) proof against the lookup key
        let mut bad = call.clone();
        bad.proof.truncate(8);
        let r = verify_on_chain(&mut chain, escrow, &bad).await;
        assert_reverted::<Groth16Verifier::WrongProofLength>(&r, "8 words, lookup key");
        assert_eq!(
            revert_reason(&r.unwrap_err()),
            "WrongProofLength { expected: 10, got: 8 }"
        );
        // a word of C₁ not below q
        let mut bad = call.clone();
        bad.proof[9] = U256::MAX;
        assert_reverted::<Groth16Verifier::ProofCoordinateNotInField>(
            &verify_on_chain(&mut chain, escrow, &bad).await,
            "C₁.y ≥ q",
        );
    });
}

#[test]
fn a_proof_of_the_other_mode_is_refused_with_the_lengths_named() {
    let plain = plain();
    let lookup = lookup();
    run(async {
        let (mut chain, escrow) = chain_with(&plain).await;
        publish_key(&mut chain, DEPLOYER, escrow, lookup.key())
            .await
            .unwrap();
        let claims = plain.claims(EMBEDDED_CHAIN_ID, escrow, 1, PROVIDER);
        let plain_file = plain.prove(&claims, 3).unwrap();
        let call = verify_proof_call(key_hash(plain.key()), &plain_file).unwrap();
        assert_eq!(call.proof.len(), 8);
        assert_eq!(verify_on_chain(&mut chain, escrow, &call).await, Ok(true));
        assert_eq!(native(&plain, &plain_file), Verdict::Accepted);

        // a 10-word proof against the plain key
        let mut bad = call.clone();
        bad.proof.extend(g1_words(&lookup.round1_commitment(1)));
        let r = verify_on_chain(&mut chain, escrow, &bad).await;
        assert_reverted::<Groth16Verifier::WrongProofLength>(&r, "10 words, plain key");
        assert_eq!(
            revert_reason(&r.unwrap_err()),
            "WrongProofLength { expected: 8, got: 10 }"
        );
        // a lookup proof file against the plain key, natively
        let lookup_file = lookup.prove(&claims, 3).unwrap();
        assert!(matches!(
            native(&plain, &lookup_file),
            Verdict::Rejected(zkinfer_verifier::Rejection::WrongMode { .. })
        ));
        // a plain proof under the lookup key's hash
        let call = verify_proof_call(key_hash(lookup.key()), &plain_file).unwrap();
        assert_reverted::<Groth16Verifier::WrongProofLength>(
            &verify_on_chain(&mut chain, escrow, &call).await,
            "8 words, lookup key",
        );
    });
}

#[test]
fn publish_key_records_the_mode_and_refuses_malformed_lookup_keys() {
    let model = lookup();
    let key = model.key();
    let words = crate::vk_words(key);
    assert_eq!(words[0], U256::from(1u8), "mode word");
    assert_eq!(
        words.len(),
        1 + 18 + 2 * 5,
        "3 inputs + challenge: 5 IC points"
    );
    assert_eq!(
        crate::vk_words(plain().key()).len(),
        1 + 14 + 2 * 4,
        "plain: 4 IC points"
    );
    run(async {
        let (mut chain, escrow) = chain_with(&model).await;
        let hash = key_hash(key);
        let info = view(
            &mut chain,
            escrow,
            &Groth16Verifier::keyInfoCall { keyHash: hash },
        )
        .await
        .unwrap();
        assert_eq!(info.mode, crate::KEY_MODE_LOOKUP);
        assert_eq!(usize::try_from(info.numPublicInputs).unwrap(), 3);
        let stored = view(
            &mut chain,
            escrow,
            &Groth16Verifier::verifyingKeyCall { keyHash: hash },
        )
        .await
        .unwrap();
        assert_eq!(stored.as_ref(), verifying_key_bytes(key).as_slice());
        assert!(key_published(&mut chain, escrow, key).await.unwrap());

        async fn send(chain: &mut EmbeddedChain, escrow: Address, vk: Vec<u8>) -> Receipt {
            let call = Groth16Verifier::publishKeyCall {
                modelId: B256::ZERO,
                transcriptHash: B256::ZERO,
                vk: vk.into(),
            };
            let tx = Tx::call(DEPLOYER, escrow, call.abi_encode());
            chain.send(tx).await.unwrap()
        }
        let refused = |r: &Receipt, what: &str, want: &str| {
            assert!(!r.success, "{what}: accepted");
            let reason = revert_reason(&r.output);
            assert!(reason.starts_with(want), "{what}: {reason}");
        };
        let bytes = verifying_key_bytes(key);
        // δ₁ (words 15..19) moved off the twist
        let mut bad = bytes.clone();
        bad[15 * 32 + 31] ^= 1;
        let r = send(&mut chain, escrow, bad).await;
        refused(
            &r,
            "δ₁ off the curve",
            "KeyPointNotOnCurve { wordIndex: 15 }",
        );
        // the mode word flipped: the same bytes read as a plain key put δ₁ where IC[0] is
        let mut bad = bytes.clone();
        bad[31] = 0;
        let r = send(&mut chain, escrow, bad).await;
        refused(
            &r,
            "lookup key read as plain",
            "KeyPointNotOnCurve { wordIndex: 15 }",
        );
        // and a plain key read as a lookup key puts IC[0], IC[1] where δ₁ is
        let mut bad = verifying_key_bytes(plain().key());
        bad[31] = 1;
        let r = send(&mut chain, escrow, bad).await;
        refused(
            &r,
            "plain key read as lookup",
            "KeyPointNotOnCurve { wordIndex: 15 }",
        );
        // no third mode
        let mut bad = bytes.clone();
        bad[31] = 2;
        let r = send(&mut chain, escrow, bad).await;
        refused(&r, "mode 2", "UnsupportedKeyMode { mode: 2 }");
        // a lookup key without the challenge's IC point (IC[0] only)
        let short = bytes[..(19 + 2) * 32].to_vec();
        let r = send(&mut chain, escrow, short).await;
        refused(&r, "lookup key with one IC point", "MalformedKey");
        // an odd number of IC words
        let r = send(&mut chain, escrow, bytes[..bytes.len() - 32].to_vec()).await;
        refused(&r, "half an IC point", "MalformedKey");
        let r = send(&mut chain, escrow, Vec::new()).await;
        refused(&r, "empty key", "MalformedKey");
    });
}

#[test]
fn a_lookup_job_is_paid_for_a_ten_word_proof_and_its_event_rebuilds_the_proof_file() {
    let model = lookup();
    let key = model.key();
    run(async {
        let (mut chain, escrow) = chain_with(&model).await;
        let now = chain.timestamp().await.unwrap();
        let template = model.claims(0, Address::ZERO, 0, Address::ZERO);
        let request = JobRequest {
            key_hash: key_hash(key),
            input_commitment: template.input_commitment,
            deadline: now + 3600,
            input_blob: Vec::new(),
            token: Address::ZERO,
            amount: U256::from(1000u64),
        };
        let job = open_job(&mut chain, REQUESTER, escrow, &request)
            .await
            .unwrap()
            .job_id;
        let claims = model.claims(EMBEDDED_CHAIN_ID, escrow, job, PROVIDER);
        let file = model.prove(&claims, 7).unwrap();

        // the plain-length proof of the same file: refused, naming both lengths
        let calldata = crate::submit_calldata(job, &file).unwrap();
        let call = InferenceEscrow::submitResultCall::abi_decode(&calldata).unwrap();
        assert_eq!(call.outputs.len(), 1, "outputs only: no challenge");
        let mut short = call.clone();
        short.proof.truncate(8);
        let r = chain
            .send(Tx::call(PROVIDER, escrow, short.abi_encode()))
            .await
            .unwrap();
        assert!(!r.success);
        assert_eq!(
            revert_reason(&r.output),
            "WrongProofLength { expected: 10, got: 8 }"
        );
        // bound to another provider: refused
        let r = submit_result(&mut chain, REQUESTER, escrow, job, &file)
            .await
            .unwrap();
        assert!(reverted_with::<InferenceEscrow::InvalidProof>(&r.output));

        let r = submit_result(&mut chain, PROVIDER, escrow, job, &file)
            .await
            .unwrap();
        assert!(r.success, "{}", revert_reason(&r.output));
        let done: InferenceEscrow::JobCompleted = find_event(&r.logs, escrow).unwrap();
        assert_eq!(done.proof, proof_words(&file).unwrap());
        let rebuilt = completed_proof_file(
            key,
            claims.input_commitment,
            EMBEDDED_CHAIN_ID,
            escrow,
            &done,
        )
        .unwrap();
        assert_eq!(rebuilt, file);
        assert_eq!(native(&model, &rebuilt), Verdict::Accepted);
        // the event's words under the other mode's key are refused before verifying
        let mut eight = done.clone();
        eight.proof.truncate(8);
        let err = completed_proof_file(
            key,
            claims.input_commitment,
            EMBEDDED_CHAIN_ID,
            escrow,
            &eight,
        )
        .unwrap_err();
        assert!(err.to_string().contains("lookup-mode key"), "{err}");
        let mut tampered = done.clone();
        tampered.outputs[0] += U256::from(1u8);
        let forged = completed_proof_file(
            key,
            claims.input_commitment,
            EMBEDDED_CHAIN_ID,
            escrow,
            &tampered,
        )
        .unwrap();
        assert!(matches!(native(&model, &forged), Verdict::Rejected(_)));
    });
}

/// The lookup path's extra precompile calls (the challenge's ecMul and ecAdd, the fifth
/// pair) revert when starved of gas, like the plain path's: a valid proof is never
/// answered `false`.
#[test]
fn out_of_gas_makes_the_lookup_verifier_revert_never_answer_false() {
    use crate::bindings::GasLimitedCaller;
    let model = lookup();
    run(async {
        let (mut chain, escrow) = chain_with(&model).await;
        let caller = crate::deploy(
            &mut chain,
            DEPLOYER,
            "GasLimitedCaller",
            GasLimitedCaller::BYTECODE.clone(),
        )
        .await
        .unwrap()
        .address;
        let file = model
            .prove(&model.claims(EMBEDDED_CHAIN_ID, escrow, 1, PROVIDER), 2)
            .unwrap();
        let call = verify_proof_call(key_hash(model.key()), &file).unwrap();
        let mut completed_at = None;
        for gas in (5_000..=300_000).step_by(2_500) {
            let probe = GasLimitedCaller::probeCall {
                verifier: escrow,
                gasLimit: U256::from(gas),
                keyHash: call.keyHash,
                proof: call.proof.clone(),
                publicInputs: call.publicInputs.clone(),
            };
            let r = view(&mut chain, caller, &probe).await.unwrap();
            assert!(
                !r.completed || r.accepted,
                "with {gas} gas the verifier answered false for a valid proof"
            );
            if r.completed && completed_at.is_none() {
                completed_at = Some(gas);
            }
        }
        let needed = completed_at.expect("never completed with 300k gas");
        println!("lookup verifyProof completes with {needed} gas forwarded; below it, it reverts");
    });
}

#[test]
fn synthetic_proofs_verify_natively_in_both_modes() {
    for model in [plain(), lookup()] {
        let claims = model.claims(1, Address::repeat_byte(1), 2, PROVIDER);
        let file = model.prove(&claims, 5).unwrap();
        assert_eq!(file.mode, model.key().mode());
        assert_eq!(native(&model, &file), Verdict::Accepted);
        assert_eq!(
            file.stated_public_inputs().unwrap().len(),
            model.key().num_public()
        );
        // through JSON and back, as a proof file on disk
        let text = file.to_json().unwrap();
        assert_eq!(ProofFile::from_json(&text).unwrap(), file);
        let key = VerifyingKeyFile::from_bytes(&model.key().to_bytes().unwrap(), None).unwrap();
        assert_eq!(&key, model.key());
    }
}
