//! The contracts on the embedded EVM (revm) with real proofs: a job pays only for a proof
//! valid under the key its requester pinned, once, to the provider it is bound to, on that
//! escrow and chain; payments and refunds are pulled; ERC-20 payments work and awkward tokens
//! are handled or refused; re-entry fails; gas stays within budget. Every attack of the
//! security review's on-chain findings (#1 squatted or swapped verifier, #2 cross-model key,
//! #10 replay on another escrow or chain, #11 locked refunds) is a test here. The same
//! contracts run on anvil in `prover/cli/tests/anvil.rs`.
//! Gas and verifier agreement: `contracts_gas.rs`; lookup mode: `contracts_lookup.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod escrow;

#[allow(clippy::wildcard_imports)]
use escrow::*;

use alloy::primitives::{Address, B256, U256};
use alloy::sol_types::{SolCall, SolValue};
use zkinfer_evm::bindings::{Groth16Verifier, InferenceEscrow, ReentrantAgent, TestToken};
use zkinfer_evm::{
    balance_of, cancel, check_escrow_code, completed_proof_file, deploy, deploy_stack,
    escrow_init_code, fr_word, key_published, open_job, proof_words, publish_key, send_ok,
    submit_result, test_token_init_code, verifier_init_code, view, Chain, JobRequest, JobStatus,
    TokenMode, Tx, EMBEDDED_CHAIN_ID,
};
use zkinfer_verifier::{verify, Verdict};

#[test]
fn a_valid_proof_earns_the_payment_once_and_the_provider_pulls_it() {
    let fx = mlp();
    run(async {
        let mut w = world(fx).await;
        let escrow = w.escrow();
        let job = w.open(fx, HOUR).await;
        assert_eq!(w.status(job).await, JobStatus::Open);
        assert_eq!(w.balance(escrow).await, U256::from(PAYMENT));
        let record = w.job(job).await;
        assert_eq!(record.keyHash, fx.key_hash());
        assert_eq!(record.requester, REQUESTER);

        let proof = fx.prove(escrow, job, PROVIDER);
        let r = w.submit(PROVIDER, job, &proof).await;
        assert_ok(&r, "genuine proof");
        assert_eq!(w.status(job).await, JobStatus::Paid);
        // nothing is pushed: the escrow still holds the payment until the provider pulls it
        assert_eq!(w.balance(escrow).await, U256::from(PAYMENT));

        // the event carries the outputs the proof states
        let done: InferenceEscrow::JobCompleted = zkinfer_evm::find_event(&r.logs, escrow).unwrap();
        let stated = proof.stated_public_inputs().unwrap();
        let words: Vec<U256> = stated[2..].iter().map(fr_word).collect();
        assert_eq!(done.outputs, words);
        assert_eq!(done.provider, PROVIDER);
        assert_eq!(done.proof, proof_words(&proof).unwrap());
        assert_eq!(done.proof.len(), 8, "a plain-mode proof");

        // a requester rebuilds the proof file from the event alone and verifies it natively
        let vk = fx.prover.verifying_key();
        let rebuilt =
            completed_proof_file(vk, fx.commitment(), EMBEDDED_CHAIN_ID, escrow, &done).unwrap();
        assert_eq!(rebuilt, proof);
        assert_eq!(verify(vk, &rebuilt).unwrap(), Verdict::Accepted);
        let mut tampered = done.clone();
        tampered.outputs[0] += U256::from(1u8);
        let forged =
            completed_proof_file(vk, fx.commitment(), EMBEDDED_CHAIN_ID, escrow, &tampered)
                .unwrap();
        assert!(matches!(verify(vk, &forged).unwrap(), Verdict::Rejected(_)));

        // the same proof again: refused
        let again = w.submit(PROVIDER, job, &proof).await;
        assert_refused::<InferenceEscrow::WrongStatus>(&again, "second submission");
        // only the provider may withdraw; it names the receiver
        let stolen = w.withdraw(THIEF, &[job], THIEF).await;
        assert_refused::<InferenceEscrow::NotAllowed>(&stolen, "withdraw by a stranger");
        let before = w.balance(THIEF).await;
        let pulled = w.withdraw(PROVIDER, &[job], THIEF).await;
        assert_ok(&pulled, "withdraw");
        assert_eq!(w.balance(THIEF).await - before, U256::from(PAYMENT));
        assert_eq!(w.balance(escrow).await, U256::ZERO);
        assert_eq!(w.status(job).await, JobStatus::Withdrawn);
        let twice = w.withdraw(PROVIDER, &[job], PROVIDER).await;
        assert_refused::<InferenceEscrow::WrongStatus>(&twice, "second withdrawal");
        w.chain.advance_time(HOUR + 1);
        let late_refund = w.refund(REQUESTER, job, REQUESTER).await;
        assert_refused::<InferenceEscrow::WrongStatus>(&late_refund, "refund after payment");
    });
}

#[test]
fn forged_or_misdirected_proofs_are_refused_and_nothing_is_paid() {
    let fx = mlp();
    run(async {
        let mut w = world(fx).await;
        let escrow = w.escrow();
        let job = w.open(fx, HOUR).await;
        let other_job = w.open(fx, HOUR).await;
        let proof = fx.prove(escrow, job, PROVIDER);
        let layout = &fx.prover.verifying_key().layout;

        // a proof copied from the mempool and sent by someone else
        let r = w.submit(THIEF, job, &proof).await;
        assert_refused::<InferenceEscrow::InvalidProof>(&r, "copied proof");
        // the proof for one job submitted for another
        let r = w.submit(PROVIDER, other_job, &proof).await;
        assert_refused::<InferenceEscrow::InvalidProof>(&r, "wrong job id");
        // other outputs
        let mut claims = proof.claims().unwrap();
        claims.outputs[0][0] += 1;
        let lying = proof.restated(&claims, layout).unwrap();
        let r = w.submit(PROVIDER, job, &lying).await;
        assert_refused::<InferenceEscrow::InvalidProof>(&r, "wrong outputs");

        // every proof word changed: off-curve points make a precompile fail (the escrow
        // reverts), valid-but-wrong points fail the pairing
        let calldata = zkinfer_evm::submit_calldata(job, &proof).unwrap();
        let call = InferenceEscrow::submitResultCall::abi_decode(&calldata).unwrap();
        for i in 0..8 {
            let mut bad = call.clone();
            bad.proof[i] += U256::from(1u8);
            let r = w.send(PROVIDER, bad.abi_encode()).await;
            assert!(!r.success, "proof word {i} tampered: accepted");
        }
        // the all-zero "proof" of the review's squatting attack
        let mut zero = call.clone();
        zero.proof = vec![U256::ZERO; 8];
        let r = w.send(PROVIDER, zero.abi_encode()).await;
        assert!(!r.success, "an all-zero proof was accepted");
        // A replaced by −A (a valid point, wrong proof)
        let mut bad = call.clone();
        let q = U256::from_limbs(<ark_bn254::Fq as ark_ff::PrimeField>::MODULUS.0);
        bad.proof[1] = q - bad.proof[1];
        let r = w.send(PROVIDER, bad.abi_encode()).await;
        assert_refused::<InferenceEscrow::InvalidProof>(&r, "A negated");
        // an output word not below the field modulus
        let mut bad = call.clone();
        bad.outputs[0] += U256::from_limbs(<zkinfer_verifier::Fr as ark_ff::PrimeField>::MODULUS.0);
        let r = w.send(PROVIDER, bad.abi_encode()).await;
        assert_refused::<Groth16Verifier::PublicInputNotInField>(&r, "output ≥ r");
        // a missing output word
        let mut bad = call;
        bad.outputs.pop();
        let r = w.send(PROVIDER, bad.abi_encode()).await;
        assert_refused::<Groth16Verifier::WrongPublicInputCount>(&r, "missing output");

        assert_eq!(w.status(job).await, JobStatus::Open);
        assert_eq!(w.balance(escrow).await, U256::from(2 * PAYMENT));
        // and the genuine proof still earns the payment
        let r = w.submit(PROVIDER, job, &proof).await;
        assert_ok(&r, "genuine proof after the forgeries");
    });
}

/// Review finding #1: a squatted model id or a swapped verifier paid an all-zero proof. Now a
/// job pins its requester's key hash: an attacker's own key for the same model (whose setup
/// randomness it knows, so it can forge anything under it), published first or later, never
/// changes what the job accepts.
#[test]
fn an_attackers_key_for_the_same_model_cannot_take_the_job() {
    let fx = mlp();
    let attacker = fixture("mlp", 99);
    run(async {
        let mut w = world(fx).await;
        let escrow = w.escrow();
        assert_eq!(
            attacker.prover.verifying_key().model_id,
            fx.prover.verifying_key().model_id,
            "same model, another setup"
        );
        assert_ne!(attacker.key_hash(), fx.key_hash());
        // anyone may publish a key: it gives no rights over other keys or jobs
        let p = publish_key(&mut w.chain, THIEF, escrow, attacker.prover.verifying_key())
            .await
            .unwrap();
        assert!(p.receipt.is_some());
        // publishing the requester's key again changes nothing (idempotent, no owner)
        let again = send_ok(
            &mut w.chain,
            Tx::call(
                THIEF,
                escrow,
                zkinfer_evm::publish_key_calldata(fx.prover.verifying_key()),
            ),
            "publishKey again",
        )
        .await
        .unwrap();
        assert!(
            again.logs.is_empty(),
            "a second publication emitted an event"
        );

        let job = w.open(fx, HOUR).await;
        // a real proof under the attacker's key, bound to this job and the attacker
        let forged = attacker.prove(escrow, job, THIEF);
        assert_eq!(
            verify(attacker.prover.verifying_key(), &forged).unwrap(),
            Verdict::Accepted
        );
        let r = w.submit(THIEF, job, &forged).await;
        assert_refused::<InferenceEscrow::InvalidProof>(&r, "proof under the attacker's key");
        assert_eq!(w.status(job).await, JobStatus::Open);

        // a job for a key nobody published cannot be opened
        let mut request = w.request(fx, HOUR).await;
        request.key_hash = B256::repeat_byte(0x66);
        let err = open_job(&mut w.chain, REQUESTER, escrow, &request)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("UnknownKey"), "{err}");

        // the requester's client compares the chain's key with its own before paying
        assert!(
            key_published(&mut w.chain, escrow, fx.prover.verifying_key())
                .await
                .unwrap()
        );
        let fresh = deploy(&mut w.chain, DEPLOYER, "escrow", escrow_init_code())
            .await
            .unwrap();
        assert!(
            !key_published(&mut w.chain, fresh.address, fx.prover.verifying_key())
                .await
                .unwrap()
        );
        // and refuses a contract that is not the audited escrow (here: a lone verifier)
        check_escrow_code(&mut w.chain, escrow).await.unwrap();
        let lone = deploy(&mut w.chain, DEPLOYER, "verifier", verifier_init_code())
            .await
            .unwrap();
        let err = check_escrow_code(&mut w.chain, lone.address)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("not the audited"), "{err}");
        let err = check_escrow_code(&mut w.chain, THIEF).await.unwrap_err();
        assert!(err.to_string().contains("no contract"), "{err}");
    });
}

/// Review finding #2: model A's key passed off as model B's. The key hash covers the model id
/// and the key bytes, so B's job pins B's key and a proof of A is refused.
#[test]
fn a_proof_of_another_model_or_key_is_refused() {
    let fx = mlp();
    let other = fixture("cnn", 8);
    run(async {
        let mut w = world(fx).await;
        let escrow = w.escrow();
        // the other model's key published in the same escrow, and its key under mlp's model id
        publish_key(&mut w.chain, THIEF, escrow, other.prover.verifying_key())
            .await
            .unwrap();
        let mut relabelled = other.prover.verifying_key().clone();
        relabelled.model_id = fx.prover.verifying_key().model_id;
        let p = publish_key(&mut w.chain, THIEF, escrow, &relabelled)
            .await
            .unwrap();
        assert_ne!(p.key_hash, fx.key_hash());
        let info = view(
            &mut w.chain,
            escrow,
            &Groth16Verifier::keyInfoCall {
                keyHash: p.key_hash,
            },
        )
        .await
        .unwrap();
        assert_eq!(info.modelId.0, fx.prover.verifying_key().model_id);

        let job = w.open(fx, HOUR).await;
        let foreign = other.prove(escrow, job, PROVIDER);
        let r = w.submit(PROVIDER, job, &foreign).await;
        assert!(!r.success, "a cnn proof was accepted for an mlp job");
        assert_eq!(w.status(job).await, JobStatus::Open);
    });
}

/// A ceremony key's transcript hash is recorded on chain beside the key and covered by its
/// hash: the same points published with another (or no) transcript are another key, so a job
/// pinned to the key whose transcript the requester verified cannot be moved to either.
#[test]
fn the_transcript_hash_is_recorded_and_covered_by_the_key_hash() {
    let fx = mlp();
    run(async {
        let mut w = world(fx).await;
        let escrow = w.escrow();
        let dev = fx.prover.verifying_key().clone();
        let mut ceremony = dev.clone();
        ceremony.provenance.ceremony = Some(zkinfer_verifier::CeremonyRecord {
            circuit_hash: "00".repeat(64),
            zkey_hash: "00".repeat(64),
            transcript_hash: "ab".repeat(32),
            ptau_hash: "00".repeat(64),
            ptau_name: None,
            contributions: Vec::new(),
        });
        assert_eq!(dev.transcript_hash(), [0; 32]);
        assert_eq!(ceremony.transcript_hash(), [0xab; 32]);
        let p = publish_key(&mut w.chain, THIEF, escrow, &ceremony)
            .await
            .unwrap();
        assert_ne!(
            p.key_hash,
            fx.key_hash(),
            "the transcript is part of the key hash"
        );
        let info = view(
            &mut w.chain,
            escrow,
            &Groth16Verifier::keyInfoCall {
                keyHash: p.key_hash,
            },
        )
        .await
        .unwrap();
        assert_eq!(info.transcriptHash.0, [0xab; 32]);
        let dev_info = view(
            &mut w.chain,
            escrow,
            &Groth16Verifier::keyInfoCall {
                keyHash: fx.key_hash(),
            },
        )
        .await
        .unwrap();
        assert_eq!(dev_info.transcriptHash.0, [0; 32]);
        // The requester's check of the published key holds for each key under its own hash.
        assert!(zkinfer_evm::key_published(&mut w.chain, escrow, &ceremony)
            .await
            .unwrap());
        assert!(zkinfer_evm::key_published(&mut w.chain, escrow, &dev)
            .await
            .unwrap());
        let mut other = ceremony.clone();
        if let Some(c) = other.provenance.ceremony.as_mut() {
            c.transcript_hash = "cd".repeat(32);
        }
        assert!(!zkinfer_evm::key_published(&mut w.chain, escrow, &other)
            .await
            .unwrap());
    });
}

/// Review finding #10: a proof for job N on escrow E1 was paid again on escrow E2. The binding
/// now names the chain and the escrow.
#[test]
fn a_proof_pays_on_one_escrow_and_one_chain_only() {
    let fx = mlp();
    run(async {
        let mut w = world(fx).await;
        let e1 = w.escrow();
        let e2 = deploy_stack(&mut w.chain, DEPLOYER, fx.prover.verifying_key())
            .await
            .unwrap()
            .escrow
            .address;
        let job = w.open(fx, HOUR).await;
        let request = w.request(fx, HOUR).await;
        let job2 = open_job(&mut w.chain, REQUESTER, e2, &request)
            .await
            .unwrap()
            .job_id;
        assert_eq!(job, job2, "same job id on both escrows");

        let proof = fx.prove(e1, job, PROVIDER);
        let r = submit_result(&mut w.chain, PROVIDER, e2, job, &proof)
            .await
            .unwrap();
        assert_refused::<InferenceEscrow::InvalidProof>(&r, "replay on a second escrow");
        // bound to another chain id: refused here
        let other_chain = fx.prove_bound(1, e1, job, PROVIDER);
        let r = w.submit(PROVIDER, job, &other_chain).await;
        assert_refused::<InferenceEscrow::InvalidProof>(&r, "proof for chain 1");
        // the escrow states the binding it expects, and it is the native one
        let expected = view(
            &mut w.chain,
            e1,
            &InferenceEscrow::bindingCall {
                jobId: job,
                provider: PROVIDER,
            },
        )
        .await
        .unwrap();
        let native = zkinfer_verifier::binding(
            EMBEDDED_CHAIN_ID,
            e1.into_array(),
            job,
            PROVIDER.into_array(),
        );
        assert_eq!(expected, fr_word(&native));

        let r = w.submit(PROVIDER, job, &proof).await;
        assert_ok(&r, "the proof on its own escrow");
    });
}

/// Review finding #11: a requester contract that cannot take ETH could never be refunded, and
/// there was no cancel and no bound on the deadline.
#[test]
fn refunds_are_pulled_by_the_requester_cancel_gives_notice_and_deadlines_are_bounded() {
    let fx = mlp();
    run(async {
        let mut w = world(fx).await;
        let escrow = w.escrow();
        let job = w.open(fx, HOUR).await;
        let early = w.refund(REQUESTER, job, REQUESTER).await;
        assert_refused::<InferenceEscrow::DeadlineNotReached>(&early, "refund before deadline");

        let proof = fx.prove(escrow, job, PROVIDER);
        w.chain.advance_time(HOUR + 1);
        let late = w.submit(PROVIDER, job, &proof).await;
        assert_refused::<InferenceEscrow::DeadlinePassed>(&late, "submit after deadline");
        let stranger = w.refund(THIEF, job, THIEF).await;
        assert_refused::<InferenceEscrow::NotAllowed>(&stranger, "refund by a stranger");

        let before = w.balance(THIEF).await;
        // the requester names the receiver
        let r = w.refund(REQUESTER, job, THIEF).await;
        assert_ok(&r, "refund");
        assert_eq!(w.balance(THIEF).await - before, U256::from(PAYMENT));
        assert_eq!(w.status(job).await, JobStatus::Refunded);
        let again = w.refund(REQUESTER, job, REQUESTER).await;
        assert_refused::<InferenceEscrow::WrongStatus>(&again, "second refund");

        // cancel: only the requester; results are still accepted for the notice period
        let job = w.open(fx, 6 * HOUR).await;
        let r = cancel(&mut w.chain, THIEF, escrow, job).await.unwrap();
        assert_refused::<InferenceEscrow::NotAllowed>(&r, "cancel by a stranger");
        let now = w.chain.timestamp().await.unwrap();
        let r = cancel(&mut w.chain, REQUESTER, escrow, job).await.unwrap();
        assert_ok(&r, "cancel");
        let notice = 600;
        assert_eq!(w.job(job).await.deadline, now + notice);
        let proof = fx.prove(escrow, job, PROVIDER);
        let r = w.submit(PROVIDER, job, &proof).await;
        assert_ok(&r, "a result within the cancel notice");
        // a cancelled job nobody proves is refunded after the notice
        let job = w.open(fx, 6 * HOUR).await;
        cancel(&mut w.chain, REQUESTER, escrow, job).await.unwrap();
        let r = w.refund(REQUESTER, job, REQUESTER).await;
        assert_refused::<InferenceEscrow::DeadlineNotReached>(&r, "refund during the notice");
        w.chain.advance_time(notice + 1);
        let r = w.refund(REQUESTER, job, REQUESTER).await;
        assert_ok(&r, "refund after the notice");

        // deadlines: in the future and at most 30 days away
        let mut request = w.request(fx, 30 * 24 * HOUR + 1).await;
        let err = open_job(&mut w.chain, REQUESTER, escrow, &request)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("BadDeadline"), "{err}");
        request.deadline = u64::MAX;
        assert!(open_job(&mut w.chain, REQUESTER, escrow, &request)
            .await
            .is_err());
        request.deadline = w.chain.timestamp().await.unwrap();
        assert!(open_job(&mut w.chain, REQUESTER, escrow, &request)
            .await
            .is_err());
        // a payment that does not match msg.value
        let call = InferenceEscrow::openJobCall {
            keyHash: fx.key_hash(),
            inputCommitment: fr_word(&fx.commitment()),
            deadline: w.chain.timestamp().await.unwrap() + HOUR,
            token: Address::ZERO,
            amount: 5u8.try_into().unwrap(),
            input: Vec::new().into(),
        };
        let r = w
            .chain
            .send(Tx::call(REQUESTER, escrow, call.abi_encode()).with_value(U256::from(4u8)))
            .await
            .unwrap();
        assert_refused::<InferenceEscrow::BadPayment>(&r, "amount ≠ msg.value");
    });
}

/// A requester contract that rejects ETH (the review's `NonPayableRequester`) and re-enters on
/// any payment: it is refunded to another address, and no re-entry succeeds.
#[test]
fn contract_requesters_and_providers_cannot_lock_or_reenter() {
    let fx = mlp();
    run(async {
        let mut w = world(fx).await;
        let escrow = w.escrow();
        let init = [ReentrantAgent::BYTECODE.as_ref(), &escrow.abi_encode()].concat();
        let agent = deploy(&mut w.chain, DEPLOYER, "ReentrantAgent", init.into())
            .await
            .unwrap()
            .address;
        let call_agent = |data: Vec<u8>| Tx::call(REQUESTER, agent, data);

        // the agent as provider: it withdraws to itself and re-enters withdraw and refund
        let job = w.open(fx, HOUR).await;
        let proof = fx.prove(escrow, job, agent);
        let calldata = zkinfer_evm::submit_calldata(job, &proof).unwrap();
        let call = InferenceEscrow::submitResultCall::abi_decode(&calldata).unwrap();
        let submit = ReentrantAgent::submitCall {
            jobId: job,
            proof: call.proof,
            outputs: call.outputs,
        };
        send_ok(
            &mut w.chain,
            call_agent(submit.abi_encode()),
            "agent.submit",
        )
        .await
        .unwrap();
        let pull = ReentrantAgent::withdrawCall { to: agent };
        send_ok(
            &mut w.chain,
            call_agent(pull.abi_encode()),
            "agent.withdraw",
        )
        .await
        .unwrap();
        let attempts = view(&mut w.chain, agent, &ReentrantAgent::reentryAttemptsCall {})
            .await
            .unwrap();
        let succeeded = view(
            &mut w.chain,
            agent,
            &ReentrantAgent::reentrySucceededCall {},
        )
        .await
        .unwrap();
        assert!(attempts > U256::ZERO, "the agent never tried to re-enter");
        assert!(!succeeded, "re-entry succeeded");
        assert_eq!(w.balance(agent).await, U256::from(PAYMENT));
        assert_eq!(w.status(job).await, JobStatus::Withdrawn);

        // the agent as a requester that rejects ETH: refunded to another address
        send_ok(
            &mut w.chain,
            call_agent(ReentrantAgent::setRejectPaymentsCall { reject: true }.abi_encode()),
            "agent.setRejectPayments",
        )
        .await
        .unwrap();
        let now = w.chain.timestamp().await.unwrap();
        let open = ReentrantAgent::openJobCall {
            keyHash: fx.key_hash(),
            commitment: fr_word(&fx.commitment()),
            deadline: now + HOUR,
        };
        let r = send_ok(
            &mut w.chain,
            call_agent(open.abi_encode()).with_value(U256::from(PAYMENT)),
            "agent.openJob",
        )
        .await
        .unwrap();
        let opened: InferenceEscrow::JobOpened = zkinfer_evm::find_event(&r.logs, escrow).unwrap();
        w.chain.advance_time(HOUR + 1);
        let to_self = w
            .chain
            .send(call_agent(
                ReentrantAgent::refundCall { to: agent }.abi_encode(),
            ))
            .await
            .unwrap();
        assert!(
            !to_self.success,
            "a refund into a rejecting contract went through"
        );
        assert_eq!(
            w.status(opened.jobId).await,
            JobStatus::Open,
            "nothing is lost"
        );
        let before = w.balance(DEPLOYER).await;
        let r = w
            .chain
            .send(call_agent(
                ReentrantAgent::refundCall { to: DEPLOYER }.abi_encode(),
            ))
            .await
            .unwrap();
        assert_ok(&r, "refund to another address");
        assert_eq!(w.balance(DEPLOYER).await - before, U256::from(PAYMENT));
        assert_eq!(w.status(opened.jobId).await, JobStatus::Refunded);
        assert_eq!(w.balance(escrow).await, U256::ZERO);
    });
}

async fn token(w: &mut World, mode: TokenMode) -> Address {
    let init = test_token_init_code("zkinfer test USD", "zUSD", mode);
    let t = deploy(&mut w.chain, DEPLOYER, "TestToken", init)
        .await
        .unwrap()
        .address;
    let mint = TestToken::mintCall {
        to: REQUESTER,
        amount: U256::from(1_000_000_000u64),
    };
    send_ok(
        &mut w.chain,
        Tx::call(DEPLOYER, t, mint.abi_encode()),
        "mint",
    )
    .await
    .unwrap();
    t
}

#[test]
fn erc20_payments_work_and_awkward_tokens_are_handled_or_refused() {
    let fx = mlp();
    run(async {
        let mut w = world(fx).await;
        let escrow = w.escrow();
        let amount = U256::from(2_500_000u64); // 2.5 zUSD
        for mode in [TokenMode::Standard, TokenMode::NoReturn] {
            let t = token(&mut w, mode).await;
            let request = JobRequest {
                token: t,
                amount,
                ..w.request(fx, HOUR).await
            };
            let opened = w.open_with(&request).await;
            assert!(opened.approval.is_some());
            assert_eq!(balance_of(&mut w.chain, t, escrow).await.unwrap(), amount);
            let job = opened.job_id;
            let proof = fx.prove(escrow, job, PROVIDER);
            let s = w.submit(PROVIDER, job, &proof).await;
            assert_ok(&s, "token job proof");
            let pulled = w.withdraw(PROVIDER, &[job], PROVIDER).await;
            assert_ok(&pulled, "token withdrawal");
            assert_eq!(balance_of(&mut w.chain, t, PROVIDER).await.unwrap(), amount);
            assert_eq!(
                balance_of(&mut w.chain, t, escrow).await.unwrap(),
                U256::ZERO
            );
            println!(
                "gas {mode:?} token: openJob {} (approve {}), submitResult {}, withdraw {}",
                opened.receipt.gas_used,
                opened.approval.map_or(0, |a| a.gas_used),
                s.gas_used,
                pulled.gas_used
            );
            assert!(
                s.gas_used <= 280_000,
                "token submit costs {} gas",
                s.gas_used
            );
        }
        // a fee-on-transfer token delivers less than promised: refused at open
        let fee = token(&mut w, TokenMode::FeeOnTransfer).await;
        let request = JobRequest {
            token: fee,
            amount,
            ..w.request(fx, HOUR).await
        };
        let err = open_job(&mut w.chain, REQUESTER, escrow, &request)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("TokenAmountMismatch"), "{err}");
        // a token answering false
        let liar = token(&mut w, TokenMode::ReturnsFalse).await;
        let request = JobRequest {
            token: liar,
            amount,
            ..w.request(fx, HOUR).await
        };
        let err = open_job(&mut w.chain, REQUESTER, escrow, &request)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("TokenTransferFailed"), "{err}");
        // an address without code is no token
        let request = JobRequest {
            token: THIEF,
            amount,
            ..w.request(fx, HOUR).await
        };
        let err = open_job(&mut w.chain, REQUESTER, escrow, &request)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("NotAToken"), "{err}");
        // ETH sent along with a token payment
        let t = token(&mut w, TokenMode::Standard).await;
        let call = InferenceEscrow::openJobCall {
            keyHash: fx.key_hash(),
            inputCommitment: fr_word(&fx.commitment()),
            deadline: w.chain.timestamp().await.unwrap() + HOUR,
            token: t,
            amount: 5u8.try_into().unwrap(),
            input: Vec::new().into(),
        };
        let r = w
            .chain
            .send(Tx::call(REQUESTER, escrow, call.abi_encode()).with_value(U256::from(5u8)))
            .await
            .unwrap();
        assert_refused::<InferenceEscrow::BadPayment>(&r, "ETH with a token payment");
        assert_eq!(w.balance(escrow).await, U256::ZERO);
    });
}
