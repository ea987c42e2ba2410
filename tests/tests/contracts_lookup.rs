//! Lookup mode (two-round Groth16) on the embedded EVM with real proofs: paid once, every
//! forgery refused, natively and on chain.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

mod escrow;

#[allow(clippy::wildcard_imports)]
use escrow::*;

use alloy::primitives::U256;
use alloy::sol_types::SolCall;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkinfer_evm::bindings::{Groth16Verifier, InferenceEscrow};
use zkinfer_evm::{proof_words, JobStatus, EMBEDDED_CHAIN_ID};
use zkinfer_prover::Round;
use zkinfer_r1cs::LookupTrace;
use zkinfer_r1cs::ProofBinding;
use zkinfer_verifier::Fr;
use zkinfer_verifier::{verify, ProofFile, ProofMode, Verdict};

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
