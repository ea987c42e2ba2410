//! The contracts on the embedded EVM (revm) with real proofs: a job pays only for a proof
//! valid under the key its requester pinned, once, to the provider it is bound to, on that
//! escrow and chain; payments and refunds are pulled; ERC-20 payments work and awkward tokens
//! are handled or refused; re-entry fails; gas stays within budget. Every attack of the
//! security review's on-chain findings (#1 squatted or swapped verifier, #2 cross-model key,
//! #10 replay on another escrow or chain, #11 locked refunds) is a test here. The same
//! contracts run on anvil in `prover/cli/tests/anvil.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::sync::OnceLock;

use alloy::primitives::{Address, B256, U256};
use alloy::sol_types::{SolCall, SolValue};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkinfer_e2e::{model_dir, read_input};
use zkinfer_evm::bindings::{
    GasLimitedCaller, Groth16Verifier, InferenceEscrow, ReentrantAgent, TestToken,
};
use zkinfer_evm::test_support::SyntheticModel;
use zkinfer_evm::{
    balance_of, cancel, check_escrow_code, completed_proof_file, deploy, deploy_stack,
    encode_input_blob, escrow_init_code, fr_word, get_job, key_hash, key_published, open_job,
    proof_words, publish_key, refund, revert_reason, reverted_with, send_ok, submit_result,
    test_token_init_code, verifier_init_code, view, withdraw, Chain, EmbeddedChain, JobRequest,
    JobStatus, Receipt, Stack, TokenMode, Tx, EMBEDDED_CHAIN_ID,
};
use zkinfer_ir::{CompiledModel, QuantizeSettings};
use zkinfer_onnx::compile;
use zkinfer_prover::{setup, Engine, Prover, Round};
use zkinfer_r1cs::LookupTrace;
use zkinfer_r1cs::{ModeRequest, ProofBinding};
use zkinfer_verifier::Fr;
use zkinfer_verifier::{verify, KeyProvenance, ProofFile, ProofMode, Verdict, VerifyingKeyFile};

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
    fixture_in(name, seed, ModeRequest::Plain)
}

fn fixture_in(name: &str, seed: u64, mode: ModeRequest) -> Fixture {
    let dir = model_dir(name);
    let model: CompiledModel = compile(
        &dir.join("model.onnx"),
        &read_input(&dir.join("calibration.json")),
        QuantizeSettings::default(),
    )
    .unwrap()
    .model;
    let mode = zkinfer_r1cs::choose_mode(&model.graph, mode).unwrap().mode;
    let model = model.with_proof_mode(mode);
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

/// The 10-class MLP (fast to prove), shared by every test: the requester's key.
fn mlp() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| fixture("mlp", 7))
}

/// The same MLP compiled for lookup mode (two-round Groth16), with its own key.
fn mlp_lookup() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| fixture_in("mlp", 8, ModeRequest::Lookup))
}

impl Fixture {
    /// A proof for `job` of `escrow` on the embedded chain, payable to `provider`.
    fn prove(&self, escrow: Address, job_id: u64, provider: Address) -> ProofFile {
        self.prove_bound(EMBEDDED_CHAIN_ID, escrow, job_id, provider)
    }

    fn prove_bound(
        &self,
        chain_id: u64,
        escrow: Address,
        job_id: u64,
        provider: Address,
    ) -> ProofFile {
        let binding = ProofBinding {
            chain_id,
            escrow: escrow.into_array(),
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
        zkinfer_verifier::commit_input(&self.prover.verifying_key().layout, &self.input).unwrap()
    }

    fn key_hash(&self) -> B256 {
        key_hash(self.prover.verifying_key())
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

fn start_balance() -> U256 {
    U256::from(10u64).pow(U256::from(20u64))
}

async fn world(fx: &Fixture) -> World {
    let mut chain = EmbeddedChain::new();
    for who in [DEPLOYER, REQUESTER, PROVIDER, THIEF] {
        chain.fund(who, start_balance());
    }
    let stack = deploy_stack(&mut chain, DEPLOYER, fx.prover.verifying_key())
        .await
        .unwrap();
    World { chain, stack }
}

impl World {
    fn escrow(&self) -> Address {
        self.stack.escrow.address
    }

    /// The requester's ETH job for `fx`'s sample, pinned to `fx`'s key, with its input attached.
    async fn request(&mut self, fx: &Fixture, deadline_in: u64) -> JobRequest {
        let now = self.chain.timestamp().await.unwrap();
        JobRequest {
            key_hash: fx.key_hash(),
            input_commitment: fx.commitment(),
            deadline: now + deadline_in,
            input_blob: encode_input_blob(&fx.input).unwrap(),
            token: Address::ZERO,
            amount: U256::from(PAYMENT),
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

    async fn withdraw(&mut self, from: Address, jobs: &[u64], to: Address) -> Receipt {
        let escrow = self.escrow();
        withdraw(&mut self.chain, from, escrow, jobs, to)
            .await
            .unwrap()
    }

    async fn refund(&mut self, from: Address, job: u64, to: Address) -> Receipt {
        let escrow = self.escrow();
        refund(&mut self.chain, from, escrow, job, to)
            .await
            .unwrap()
    }

    async fn job(&mut self, job: u64) -> InferenceEscrow::Job {
        let escrow = self.escrow();
        get_job(&mut self.chain, escrow, job).await.unwrap()
    }

    async fn status(&mut self, job: u64) -> JobStatus {
        JobStatus::of(&self.job(job).await)
    }

    async fn balance(&mut self, who: Address) -> U256 {
        self.chain.balance(who).await.unwrap()
    }

    /// Sends raw calldata to the escrow.
    async fn send(&mut self, from: Address, data: Vec<u8>) -> Receipt {
        let escrow = self.escrow();
        self.chain.send(Tx::call(from, escrow, data)).await.unwrap()
    }
}

fn assert_refused<E: alloy::sol_types::SolError>(r: &Receipt, what: &str) {
    assert!(!r.success, "{what}: accepted");
    assert!(
        reverted_with::<E>(&r.output),
        "{what}: expected {}, got {}",
        E::SIGNATURE,
        revert_reason(&r.output)
    );
}

fn assert_ok(r: &Receipt, what: &str) {
    assert!(r.success, "{what}: refused: {}", revert_reason(&r.output));
}

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
/// --test contracts gas_of_a_key_and_proof_file -- --nocapture`. `submitResult` pays only a
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

/// Lookup mode on chain with real proofs (the mlp compiled for lookup mode): a valid
/// two-round proof is paid; a copied one, one with another proof's `C₁`, a re-blinded `C₁`
/// whose challenge no longer matches, a tampered `C₂`, other outputs (the challenge is over
/// other public inputs), a plain-length proof, and proofs of wrong witnesses (a committed
/// round-1 value, a multiplicity, a round-2 inverse changed) are all refused, and the native
/// verifier agrees on each.
#[test]
fn lookup_mode_proofs_are_paid_and_every_forgery_is_refused() {
    let fx = mlp_lookup();
    let vk = fx.prover.verifying_key();
    assert_eq!(vk.mode(), ProofMode::Lookup);
    run(async {
        let mut w = world(fx).await;
        let escrow = w.escrow();
        let job = w.open(fx, HOUR).await;
        let other_job = w.open(fx, HOUR).await;
        let proof = fx.prove(escrow, job, PROVIDER);
        let other = fx.prove(escrow, other_job, PROVIDER);
        assert_eq!(proof_words(&proof).unwrap().len(), 10);
        assert_eq!(verify(vk, &proof).unwrap(), Verdict::Accepted);
        let native_rejects = |f: &ProofFile, what: &str| {
            assert!(
                matches!(verify(vk, f).unwrap(), Verdict::Rejected(_)),
                "{what}: accepted natively"
            );
        };

        let r = w.submit(THIEF, job, &proof).await;
        assert_refused::<InferenceEscrow::InvalidProof>(&r, "copied lookup proof");

        // C₁ swapped for another proof's (of the same model, another job)
        let mut swapped = proof.clone();
        swapped.round1_commitment = other.round1_commitment.clone();
        let layout = &vk.layout;
        let swapped = swapped
            .restated(&swapped.claims().unwrap(), layout)
            .unwrap();
        native_rejects(&swapped, "swapped C₁");
        let r = w.submit(PROVIDER, job, &swapped).await;
        assert_refused::<InferenceEscrow::InvalidProof>(&r, "swapped C₁");

        // other outputs: the on-chain challenge is over the new public inputs
        let mut claims = proof.claims().unwrap();
        claims.outputs[0][0] += 1;
        let lying = proof.restated(&claims, layout).unwrap();
        native_rejects(&lying, "other outputs");
        let r = w.submit(PROVIDER, job, &lying).await;
        assert_refused::<InferenceEscrow::InvalidProof>(&r, "other outputs");

        // raw words: C₂ or C₁ changed; C₁ replaced by −C₁; a plain-length proof
        let calldata = zkinfer_evm::submit_calldata(job, &proof).unwrap();
        let call = InferenceEscrow::submitResultCall::abi_decode(&calldata).unwrap();
        let q = U256::from_limbs(<ark_bn254::Fq as ark_ff::PrimeField>::MODULUS.0);
        for i in [6usize, 7, 8, 9] {
            let mut bad = call.clone();
            bad.proof[i] += U256::from(1u8);
            let r = w.send(PROVIDER, bad.abi_encode()).await;
            assert!(!r.success, "proof word {i} tampered: accepted");
        }
        let mut bad = call.clone();
        bad.proof[9] = q - bad.proof[9];
        let r = w.send(PROVIDER, bad.abi_encode()).await;
        assert_refused::<InferenceEscrow::InvalidProof>(&r, "C₁ negated");
        // the dynamic proof array, as an attacker may shape it: too short, too long, empty,
        // or a C₁ coordinate not below q (a non-canonical encoding of the same point)
        for (len, what) in [(8usize, "8 words"), (11, "11 words"), (0, "no words")] {
            let mut bad = call.clone();
            bad.proof.resize(len, U256::from(1u8));
            let r = w.send(PROVIDER, bad.abi_encode()).await;
            assert_refused::<Groth16Verifier::WrongProofLength>(&r, what);
        }
        let mut bad = call.clone();
        bad.proof[8] += q;
        let r = w.send(PROVIDER, bad.abi_encode()).await;
        assert_refused::<Groth16Verifier::ProofCoordinateNotInField>(&r, "C₁.x + q");

        // wrong witnesses, proved anyway (bypassing the prover's self-check)
        let binding = ProofBinding {
            chain_id: EMBEDDED_CHAIN_ID,
            escrow: escrow.into_array(),
            job_id: job,
            provider: PROVIDER.into_array(),
        };
        type Tamper = Box<dyn Fn(Round, &LookupTrace, &mut [Fr], &mut [Fr])>;
        let one = zkinfer_verifier::Fr::from(1u8);
        let cases: Vec<(&str, Tamper)> = vec![
            (
                "a committed round-1 value changed",
                Box::new(move |r, t, _, w| {
                    if r == Round::One {
                        w[t.round1.len() / 2] += one;
                    }
                }),
            ),
            (
                "a multiplicity changed",
                Box::new(move |r, t, _, w| {
                    if r == Round::One {
                        w[t.multiplicity_wires()[0].start] += one;
                    }
                }),
            ),
            (
                "a round-2 inverse changed",
                Box::new(move |r, t, _, w| {
                    if r == Round::Two {
                        w[t.inverse_wires()[0]] += one;
                    }
                }),
            ),
        ];
        for (what, tamper) in &cases {
            let mut rng = ChaCha20Rng::seed_from_u64(5);
            let bad = fx
                .prover
                .prove_tampered(&fx.input, binding, &mut rng, tamper.as_ref())
                .unwrap();
            native_rejects(&bad, what);
            let r = w.submit(PROVIDER, job, &bad).await;
            assert_refused::<InferenceEscrow::InvalidProof>(&r, what);
        }

        assert_eq!(w.status(job).await, JobStatus::Open);
        let r = w.submit(PROVIDER, job, &proof).await;
        assert_ok(&r, "genuine lookup proof");
        assert_eq!(w.status(job).await, JobStatus::Paid);
    });
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
