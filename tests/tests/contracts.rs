//! The contracts on the embedded EVM (revm) with real proofs: the escrow pays a valid proof
//! exactly once and refuses every forgery, refunds after the deadline, resists re-entry, and
//! stays within the gas budget. The same contracts run on anvil in `anvil.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::sync::OnceLock;

use alloy::primitives::{Address, FixedBytes, U256};
use alloy::sol_types::{SolCall, SolValue};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkinfer_e2e::{model_dir, read_input};
use zkinfer_evm::bindings::{
    GasLimitedCaller, Groth16Verifier, InferenceEscrow, ModelRegistry, ReentrantAgent,
};
use zkinfer_evm::{
    completed_proof_file, deploy, deploy_stack, encode_input_blob, fr_word, get_job, open_job,
    proof_words, refund, revert_reason, reverted_with, send_ok, submit_result, verifier_init_code,
    view, Chain, EmbeddedChain, JobRequest, JobStatus, Receipt, Stack, Tx,
};
use zkinfer_ir::{CompiledModel, QuantizeSettings};
use zkinfer_onnx::compile;
use zkinfer_prover::{setup, Engine, Prover};
use zkinfer_r1cs::ProofBinding;
use zkinfer_verifier::{verify, KeyProvenance, ProofFile, Verdict};

const DEPLOYER: Address = Address::repeat_byte(0xd0);
const REQUESTER: Address = Address::repeat_byte(0xa1);
const PROVIDER: Address = Address::repeat_byte(0xb2);
const THIEF: Address = Address::repeat_byte(0xc3);
const PAYMENT: u64 = 1_000_000_000_000_000; // 0.001 ether
const HOUR: u64 = 3600;

/// A compiled model with keys and its sample input, quantized.
struct Fixture {
    prover: Prover<Engine>,
    input: Vec<Vec<i64>>,
}

fn fixture(name: &str, seed: u64) -> Fixture {
    let dir = model_dir(name);
    let model: CompiledModel = compile(
        &dir.join("model.onnx"),
        &read_input(&dir.join("calibration.json")),
        QuantizeSettings::default(),
    )
    .unwrap()
    .model;
    let shapes = model.graph.input_shapes();
    let sample = read_input(&dir.join("input.json")).single(&shapes).unwrap();
    let provenance = KeyProvenance {
        made_by: "contracts test".into(),
        insecure_seed: Some(seed),
        created_unix: 0,
    };
    let (pk, vk) = setup(&model, &mut ChaCha20Rng::seed_from_u64(seed), provenance).unwrap();
    let prover = Prover::new(Engine::new(), model, pk, vk).unwrap();
    let input = prover.quantize_inputs(&sample).unwrap();
    Fixture { prover, input }
}

/// The 10-class MLP (fast to prove), shared by every test.
fn mlp() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| fixture("mlp", 7))
}

impl Fixture {
    fn prove(&self, job_id: u64, provider: Address) -> ProofFile {
        let binding = ProofBinding {
            job_id,
            provider: provider.into_array(),
        };
        let mut rng = ChaCha20Rng::seed_from_u64(job_id);
        self.prover
            .prove_quantized(&self.input, binding, &mut rng)
            .unwrap()
            .0
    }

    fn commitment(&self) -> zkinfer_verifier::Fr {
        self.prove(0, Address::ZERO)
            .claims()
            .unwrap()
            .input_commitment
    }
}

struct World {
    chain: EmbeddedChain,
    stack: Stack,
}

fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

async fn world(fx: &Fixture) -> World {
    let mut chain = EmbeddedChain::new();
    for who in [DEPLOYER, REQUESTER, PROVIDER, THIEF] {
        chain.fund(who, U256::from(10u64).pow(U256::from(20u64)));
    }
    let stack = deploy_stack(&mut chain, DEPLOYER, fx.prover.verifying_key(), "mlp")
        .await
        .unwrap();
    World { chain, stack }
}

impl World {
    fn escrow(&self) -> Address {
        self.stack.escrow.address
    }

    /// The requester's job for `fx`'s sample, with its input attached.
    async fn request(&mut self, fx: &Fixture, deadline_in: u64) -> JobRequest {
        let now = self.chain.timestamp().await.unwrap();
        JobRequest {
            model_id: fx.prover.verifying_key().model_id,
            verifier: self.stack.verifier.address,
            input_commitment: fx.commitment(),
            deadline: now + deadline_in,
            input_blob: encode_input_blob(&fx.input).unwrap(),
            payment: U256::from(PAYMENT),
        }
    }

    async fn open_with(&mut self, request: &JobRequest) -> zkinfer_evm::OpenedJob {
        let escrow = self.escrow();
        open_job(&mut self.chain, REQUESTER, escrow, request)
            .await
            .unwrap()
    }

    async fn open(&mut self, fx: &Fixture, deadline_in: u64) -> u64 {
        let request = self.request(fx, deadline_in).await;
        self.open_with(&request).await.job_id
    }

    async fn submit(&mut self, from: Address, job: u64, proof: &ProofFile) -> Receipt {
        let escrow = self.escrow();
        submit_result(&mut self.chain, from, escrow, job, proof)
            .await
            .unwrap()
    }

    async fn status(&mut self, job: u64) -> JobStatus {
        let escrow = self.escrow();
        JobStatus::of(&get_job(&mut self.chain, escrow, job).await.unwrap())
    }

    async fn balance(&mut self, who: Address) -> U256 {
        self.chain.balance(who).await.unwrap()
    }
}

const OPEN: JobStatus = JobStatus::Open;
const PAID: JobStatus = JobStatus::Paid;
const REFUNDED: JobStatus = JobStatus::Refunded;

fn assert_refused<E: alloy::sol_types::SolError>(r: &Receipt, what: &str) {
    assert!(!r.success, "{what}: accepted");
    assert!(
        reverted_with::<E>(&r.output),
        "{what}: expected {}, got {}",
        E::SIGNATURE,
        revert_reason(&r.output)
    );
}

#[test]
fn a_valid_proof_pays_the_provider_exactly_once() {
    let fx = mlp();
    run(async {
        let mut w = world(fx).await;
        let job = w.open(fx, HOUR).await;
        assert_eq!(w.status(job).await, OPEN);
        let escrow_before = w.balance(w.escrow()).await;
        assert_eq!(escrow_before, U256::from(PAYMENT));

        let proof = fx.prove(job, PROVIDER);
        let before = w.balance(PROVIDER).await;
        let r = w.submit(PROVIDER, job, &proof).await;
        assert!(r.success, "refused: {}", revert_reason(&r.output));
        assert_eq!(w.balance(PROVIDER).await - before, U256::from(PAYMENT));
        assert_eq!(w.balance(w.escrow()).await, U256::ZERO);
        assert_eq!(w.status(job).await, PAID);

        // the event carries the outputs the proof states
        let done: InferenceEscrow::JobCompleted =
            zkinfer_evm::find_event(&r.logs, w.escrow()).unwrap();
        let stated = proof.stated_public_inputs().unwrap();
        let words: Vec<U256> = stated[2..].iter().map(fr_word).collect();
        assert_eq!(done.outputs, words);
        assert_eq!(done.provider, PROVIDER);
        assert_eq!(done.proof, proof_words(&proof.groth16().unwrap()));

        // a requester rebuilds the proof file from the event alone and verifies it natively
        let vk = fx.prover.verifying_key();
        let rebuilt = completed_proof_file(vk, fx.commitment(), &done).unwrap();
        assert_eq!(rebuilt, proof);
        assert_eq!(verify(vk, &rebuilt).unwrap(), Verdict::Accepted);
        let mut tampered = done.clone();
        tampered.outputs[0] += U256::from(1u8);
        let forged = completed_proof_file(vk, fx.commitment(), &tampered).unwrap();
        assert!(matches!(verify(vk, &forged).unwrap(), Verdict::Rejected(_)));

        // the same proof again, by anyone: nothing more is paid
        let again = w.submit(PROVIDER, job, &proof).await;
        assert_refused::<InferenceEscrow::JobNotOpen>(&again, "second submission");
        assert_eq!(w.balance(PROVIDER).await - before, U256::from(PAYMENT));
        let late_refund = refund(&mut w.chain, REQUESTER, w.stack.escrow.address, job)
            .await
            .unwrap();
        assert_refused::<InferenceEscrow::JobNotOpen>(&late_refund, "refund after payment");
    });
}

#[test]
fn forged_or_misdirected_proofs_are_refused_and_nothing_is_paid() {
    let fx = mlp();
    run(async {
        let mut w = world(fx).await;
        let job = w.open(fx, HOUR).await;
        let other_job = w.open(fx, HOUR).await;
        let proof = fx.prove(job, PROVIDER);
        let layout = &fx.prover.verifying_key().layout;
        let before = w.balance(PROVIDER).await;

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

        // every proof word changed: off-curve points make a precompile fail (the verifier
        // reverts), valid-but-wrong points fail the pairing
        let escrow = w.escrow();
        let calldata = zkinfer_evm::submit_calldata(job, &proof).unwrap();
        let call = InferenceEscrow::submitResultCall::abi_decode(&calldata).unwrap();
        for i in 0..8 {
            let mut bad = call.clone();
            bad.proof[i] += U256::from(1u8);
            let r = w
                .chain
                .send(Tx::call(PROVIDER, escrow, bad.abi_encode()))
                .await
                .unwrap();
            assert!(!r.success, "proof word {i} tampered: accepted");
        }
        // A replaced by −A (a valid point, wrong proof)
        let mut bad = call.clone();
        let q = U256::from_limbs(<ark_bn254::Fq as ark_ff::PrimeField>::MODULUS.0);
        bad.proof[1] = q - bad.proof[1];
        let r = w
            .chain
            .send(Tx::call(PROVIDER, escrow, bad.abi_encode()))
            .await
            .unwrap();
        assert_refused::<InferenceEscrow::InvalidProof>(&r, "A negated");
        // an output word not below the field modulus
        let mut bad = call.clone();
        bad.outputs[0] += U256::from_limbs(<zkinfer_verifier::Fr as ark_ff::PrimeField>::MODULUS.0);
        let r = w
            .chain
            .send(Tx::call(PROVIDER, escrow, bad.abi_encode()))
            .await
            .unwrap();
        assert_refused::<Groth16Verifier::PublicInputNotInField>(&r, "output ≥ r");
        // a missing output word
        let mut bad = call;
        bad.outputs.pop();
        let r = w
            .chain
            .send(Tx::call(PROVIDER, escrow, bad.abi_encode()))
            .await
            .unwrap();
        assert_refused::<Groth16Verifier::WrongPublicInputCount>(&r, "missing output");

        assert_eq!(w.balance(PROVIDER).await, before);
        assert_eq!(
            w.balance(THIEF).await,
            U256::from(10u64).pow(U256::from(20u64))
        );
        assert_eq!(w.status(job).await, OPEN);
        assert_eq!(w.balance(w.escrow()).await, U256::from(2 * PAYMENT));

        // and the genuine proof still pays
        let r = w.submit(PROVIDER, job, &proof).await;
        assert!(r.success, "{}", revert_reason(&r.output));
    });
}

#[test]
fn a_proof_for_another_model_is_refused() {
    let fx = mlp();
    let other = fixture("cnn", 8);
    run(async {
        let mut w = world(fx).await;
        let job = w.open(fx, HOUR).await;
        // cnn's proof bound to this job and provider: the job's (mlp) verifier refuses it
        let foreign = other.prove(job, PROVIDER);
        let r = w.submit(PROVIDER, job, &foreign).await;
        assert!(!r.success, "a cnn proof was accepted for an mlp job");
        assert_eq!(w.status(job).await, OPEN);

        // the registry refuses cnn's verifier under mlp's model id
        let cnn_verifier = deploy(
            &mut w.chain,
            DEPLOYER,
            "cnn verifier",
            verifier_init_code(other.prover.verifying_key()),
        )
        .await
        .unwrap();
        let call = ModelRegistry::setVerifierCall {
            modelId: FixedBytes(fx.prover.verifying_key().model_id),
            verifier: cnn_verifier.address,
        };
        let registry = w.stack.registry.address;
        let r = w
            .chain
            .send(Tx::call(DEPLOYER, registry, call.abi_encode()))
            .await
            .unwrap();
        assert_refused::<ModelRegistry::VerifierModelMismatch>(&r, "swapped verifier");
        // only the model's owner may change its entry
        let call = ModelRegistry::setMetadataCall {
            modelId: FixedBytes(fx.prover.verifying_key().model_id),
            metadata: "mine now".into(),
        };
        let r = w
            .chain
            .send(Tx::call(THIEF, registry, call.abi_encode()))
            .await
            .unwrap();
        assert_refused::<ModelRegistry::NotOwner>(&r, "metadata by a stranger");
        // an unregistered model cannot get a job
        let request = JobRequest {
            model_id: other.prover.verifying_key().model_id,
            verifier: cnn_verifier.address,
            input_commitment: other.commitment(),
            deadline: w.chain.timestamp().await.unwrap() + HOUR,
            input_blob: vec![],
            payment: U256::from(PAYMENT),
        };
        let escrow = w.escrow();
        let err = open_job(&mut w.chain, REQUESTER, escrow, &request)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("UnknownModel"), "{err}");
        // a requester who checked another verifier than the registry's gets no job
        let request = JobRequest {
            verifier: cnn_verifier.address,
            ..w.request(fx, HOUR).await
        };
        let err = open_job(&mut w.chain, REQUESTER, escrow, &request)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("VerifierChanged"), "{err}");
    });
}

#[test]
fn refund_after_the_deadline_and_never_twice() {
    let fx = mlp();
    run(async {
        let mut w = world(fx).await;
        let escrow = w.escrow();
        let job = w.open(fx, HOUR).await;
        let early = refund(&mut w.chain, THIEF, escrow, job).await.unwrap();
        assert_refused::<InferenceEscrow::DeadlineNotReached>(&early, "refund before deadline");

        let proof = fx.prove(job, PROVIDER);
        w.chain.advance_time(HOUR + 1);
        let late = w.submit(PROVIDER, job, &proof).await;
        assert_refused::<InferenceEscrow::DeadlinePassed>(&late, "submit after deadline");

        let before = w.balance(REQUESTER).await;
        // anyone may trigger it; the money goes to the requester
        let r = refund(&mut w.chain, THIEF, escrow, job).await.unwrap();
        assert!(r.success, "{}", revert_reason(&r.output));
        assert_eq!(w.balance(REQUESTER).await - before, U256::from(PAYMENT));
        assert_eq!(w.status(job).await, REFUNDED);

        let again = refund(&mut w.chain, REQUESTER, escrow, job).await.unwrap();
        assert_refused::<InferenceEscrow::JobNotOpen>(&again, "second refund");
        let after = w.submit(PROVIDER, job, &proof).await;
        assert_refused::<InferenceEscrow::JobNotOpen>(&after, "submit after refund");
        assert_eq!(w.balance(REQUESTER).await - before, U256::from(PAYMENT));
    });
}

#[test]
fn reentrancy_through_the_payment_fails() {
    let fx = mlp();
    run(async {
        let mut w = world(fx).await;
        let escrow = w.escrow();
        let init = [ReentrantAgent::BYTECODE.as_ref(), &escrow.abi_encode()].concat();
        let agent = deploy(&mut w.chain, DEPLOYER, "ReentrantAgent", init.into())
            .await
            .unwrap()
            .address;

        // the agent as provider re-enters submitResult and refund when paid
        let job = w.open(fx, HOUR).await;
        let proof = fx.prove(job, agent);
        let calldata = zkinfer_evm::submit_calldata(job, &proof).unwrap();
        let call = InferenceEscrow::submitResultCall::abi_decode(&calldata).unwrap();
        let submit = ReentrantAgent::submitCall {
            jobId: job,
            proof: call.proof,
            outputs: call.outputs,
        };
        send_ok(
            &mut w.chain,
            Tx::call(PROVIDER, agent, submit.abi_encode()),
            "agent.submit",
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
        assert_eq!(w.status(job).await, PAID);

        // the agent as requester re-enters when refunded
        let now = w.chain.timestamp().await.unwrap();
        let open = ReentrantAgent::openJobCall {
            modelId: FixedBytes(fx.prover.verifying_key().model_id),
            verifier: w.stack.verifier.address,
            commitment: fr_word(&fx.commitment()),
            deadline: now + HOUR,
        };
        let r = send_ok(
            &mut w.chain,
            Tx::call(REQUESTER, agent, open.abi_encode()).with_value(U256::from(PAYMENT)),
            "agent.openJob",
        )
        .await
        .unwrap();
        let opened: InferenceEscrow::JobOpened = zkinfer_evm::find_event(&r.logs, escrow).unwrap();
        w.chain.advance_time(HOUR + 1);
        let r = refund(&mut w.chain, THIEF, escrow, opened.jobId)
            .await
            .unwrap();
        assert!(r.success, "{}", revert_reason(&r.output));
        assert_eq!(w.balance(agent).await, U256::from(2 * PAYMENT));
        assert_eq!(w.status(opened.jobId).await, REFUNDED);
        assert_eq!(w.balance(escrow).await, U256::ZERO);
    });
}

#[test]
fn the_verifier_contract_agrees_with_the_native_verifier() {
    let fx = mlp();
    run(async {
        let mut w = world(fx).await;
        let verifier = w.stack.verifier.address;
        let proof = fx.prove(5, PROVIDER);
        let publics: Vec<U256> = proof
            .stated_public_inputs()
            .unwrap()
            .iter()
            .map(fr_word)
            .collect();
        let words = proof_words(&proof.groth16().unwrap());
        let call = |inputs: Vec<U256>| Groth16Verifier::verifyProofCall {
            proof: words,
            publicInputs: inputs,
        };
        assert!(view(&mut w.chain, verifier, &call(publics.clone()))
            .await
            .unwrap());
        for i in 0..publics.len() {
            let mut bad = publics.clone();
            bad[i] ^= U256::from(1u8);
            let ok = view(&mut w.chain, verifier, &call(bad)).await.unwrap();
            assert!(!ok, "public input {i} tampered: accepted");
        }
        let id = view(&mut w.chain, verifier, &Groth16Verifier::modelIdCall {})
            .await
            .unwrap();
        assert_eq!(id.0, fx.prover.verifying_key().model_id);
        let n = view(
            &mut w.chain,
            verifier,
            &Groth16Verifier::numPublicInputsCall {},
        )
        .await
        .unwrap();
        assert_eq!(n, U256::from(publics.len()));
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
        let proof = fx.prove(9, PROVIDER);
        let probe = |gas: u64| GasLimitedCaller::probeCall {
            verifier: w.stack.verifier.address,
            gasLimit: U256::from(gas),
            proof: proof_words(&proof.groth16().unwrap()),
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

#[test]
fn gas_of_verify_and_submit_for_a_ten_class_model() {
    for (name, fx) in [("mlp", mlp()), ("lenet5", &fixture("lenet5", 9))] {
        run(async {
            let mut w = world(fx).await;
            let request = w.request(fx, HOUR).await;
            let opened = w.open_with(&request).await;
            let job = opened.job_id;
            let proof = fx.prove(job, PROVIDER);
            // the verifier called on its own, as a transaction (21,000 intrinsic gas included)
            let verify = zkinfer_evm::verify_proof_call(&proof).unwrap();
            let verifier = w.stack.verifier.address;
            let v = w
                .chain
                .send(Tx::call(PROVIDER, verifier, verify.abi_encode()))
                .await
                .unwrap();
            assert!(v.success);
            let s = w.submit(PROVIDER, job, &proof).await;
            assert!(s.success, "{}", revert_reason(&s.output));
            println!(
                "gas {name}: {} public inputs, verifyProof tx {} gas, submitResult tx {} gas, \
                 openJob tx {} gas ({} input bytes), verifier deployment {} gas",
                verify.publicInputs.len(),
                v.gas_used,
                s.gas_used,
                opened.receipt.gas_used,
                request.input_blob.len(),
                w.stack.verifier.receipt.gas_used
            );
            assert!(
                v.gas_used <= 240_000,
                "{name}: verify costs {} gas",
                v.gas_used
            );
            assert!(
                s.gas_used <= 280_000,
                "{name}: submit costs {} gas",
                s.gas_used
            );
        });
    }
}
