//! What the escrow tests share: the accounts, a compiled model with its keys (plain or
//! lookup mode), an embedded chain with the escrow deployed and the model's key published, and
//! assertions on receipts. Each test file takes what it needs.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use alloy::primitives::{Address, B256, U256};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkinfer_e2e::{model_dir, read_input};
use zkinfer_evm::bindings::InferenceEscrow;
use zkinfer_evm::{
    deploy_stack, encode_input_blob, get_job, key_hash, open_job, refund, revert_reason,
    reverted_with, submit_result, withdraw, Chain, EmbeddedChain, JobRequest, JobStatus, Receipt,
    Stack, Tx, EMBEDDED_CHAIN_ID,
};
use zkinfer_ir::{CompiledModel, QuantizeSettings};
use zkinfer_onnx::compile;
use zkinfer_prover::{setup, Engine, Prover};
use zkinfer_r1cs::{ModeRequest, ProofBinding};
use zkinfer_verifier::{KeyProvenance, ProofFile};

pub const DEPLOYER: Address = Address::repeat_byte(0xd0);
pub const REQUESTER: Address = Address::repeat_byte(0xa1);
pub const PROVIDER: Address = Address::repeat_byte(0xb2);
pub const THIEF: Address = Address::repeat_byte(0xc3);
pub const PAYMENT: u64 = 1_000_000_000_000_000; // 0.001 ether
pub const HOUR: u64 = 3600;

/// A compiled model with keys and its sample input, quantized.
pub struct Fixture {
    pub prover: Prover<Engine>,
    pub input: Vec<Vec<i64>>,
}

pub fn fixture(name: &str, seed: u64) -> Fixture {
    fixture_in(name, seed, ModeRequest::Plain)
}

pub fn fixture_in(name: &str, seed: u64, mode: ModeRequest) -> Fixture {
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
        ceremony: None,
    };
    let (pk, vk) = setup(&model, &mut ChaCha20Rng::seed_from_u64(seed), provenance).unwrap();
    let prover = Prover::new(Engine::new(), model, pk, vk).unwrap();
    let input = prover.quantize_inputs(&sample).unwrap();
    Fixture { prover, input }
}

/// The 10-class MLP (fast to prove), shared by every test: the requester's key.
pub fn mlp() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| fixture("mlp", 7))
}

/// The same MLP compiled for lookup mode (two-round Groth16), with its own key.
pub fn mlp_lookup() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| fixture_in("mlp", 8, ModeRequest::Lookup))
}

impl Fixture {
    /// A proof for `job` of `escrow` on the embedded chain, payable to `provider`.
    pub fn prove(&self, escrow: Address, job_id: u64, provider: Address) -> ProofFile {
        self.prove_bound(EMBEDDED_CHAIN_ID, escrow, job_id, provider)
    }

    pub fn prove_bound(
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

    pub fn commitment(&self) -> zkinfer_verifier::Fr {
        zkinfer_verifier::commit_input(&self.prover.verifying_key().layout, &self.input).unwrap()
    }

    pub fn key_hash(&self) -> B256 {
        key_hash(self.prover.verifying_key())
    }
}

pub struct World {
    pub chain: EmbeddedChain,
    pub stack: Stack,
}

pub fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

pub fn start_balance() -> U256 {
    U256::from(10u64).pow(U256::from(20u64))
}

pub async fn world(fx: &Fixture) -> World {
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
    pub fn escrow(&self) -> Address {
        self.stack.escrow.address
    }

    /// The requester's ETH job for `fx`'s sample, pinned to `fx`'s key, with its input attached.
    pub async fn request(&mut self, fx: &Fixture, deadline_in: u64) -> JobRequest {
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

    pub async fn open_with(&mut self, request: &JobRequest) -> zkinfer_evm::OpenedJob {
        let escrow = self.escrow();
        open_job(&mut self.chain, REQUESTER, escrow, request)
            .await
            .unwrap()
    }

    pub async fn open(&mut self, fx: &Fixture, deadline_in: u64) -> u64 {
        let request = self.request(fx, deadline_in).await;
        self.open_with(&request).await.job_id
    }

    pub async fn submit(&mut self, from: Address, job: u64, proof: &ProofFile) -> Receipt {
        let escrow = self.escrow();
        submit_result(&mut self.chain, from, escrow, job, proof)
            .await
            .unwrap()
    }

    pub async fn withdraw(&mut self, from: Address, jobs: &[u64], to: Address) -> Receipt {
        let escrow = self.escrow();
        withdraw(&mut self.chain, from, escrow, jobs, to)
            .await
            .unwrap()
    }

    pub async fn refund(&mut self, from: Address, job: u64, to: Address) -> Receipt {
        let escrow = self.escrow();
        refund(&mut self.chain, from, escrow, job, to)
            .await
            .unwrap()
    }

    pub async fn job(&mut self, job: u64) -> InferenceEscrow::Job {
        let escrow = self.escrow();
        get_job(&mut self.chain, escrow, job).await.unwrap()
    }

    pub async fn status(&mut self, job: u64) -> JobStatus {
        JobStatus::of(&self.job(job).await)
    }

    pub async fn balance(&mut self, who: Address) -> U256 {
        self.chain.balance(who).await.unwrap()
    }

    /// Sends raw calldata to the escrow.
    pub async fn send(&mut self, from: Address, data: Vec<u8>) -> Receipt {
        let escrow = self.escrow();
        self.chain.send(Tx::call(from, escrow, data)).await.unwrap()
    }
}

pub fn assert_refused<E: alloy::sol_types::SolError>(r: &Receipt, what: &str) {
    assert!(!r.success, "{what}: accepted");
    assert!(
        reverted_with::<E>(&r.output),
        "{what}: expected {}, got {}",
        E::SIGNATURE,
        revert_reason(&r.output)
    );
}

pub fn assert_ok(r: &Receipt, what: &str) {
    assert!(r.success, "{what}: refused: {}", revert_reason(&r.output));
}
