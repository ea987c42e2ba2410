//! Proving one inference: quantize, run the reference executor, synthesize, prove through the
//! engine, and check the proof with the verifier before returning it.

use std::time::{Duration, Instant};

use ark_ff::UniformRand;
use ark_relations::gr1cs::{
    ConstraintSystem, ConstraintSystemRef, OptimizationGoal, SynthesisMode,
};
use rand::{CryptoRng, RngCore};
use zkinfer_accel::Accelerator;
use zkinfer_ir::{dequantize, CompiledModel, IrError, QTensor, Witness};
use zkinfer_r1cs::{Fr, LookupTrace, ModelCircuit, ProofBinding};
use zkinfer_verifier::{
    challenge, fr_to_hex, verify, ProofFile, ProofMode, Verdict, VerifyingKeyFile, PROOF_VERSION,
};

use std::sync::Arc;

use crate::groth16::{
    create_proof_with_offset, PreparedProvingKey, PreparedRound1, ProofTimings, R1csInstance,
    R1csMatrices,
};
use crate::{ProveError, ProvingKeyFile};

/// Where the time of one proof went.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProveTimings {
    /// Quantization and the reference executor.
    pub witness: Duration,
    /// Constraint synthesis (the assignment; the matrices are built once, in [`Prover::new`]).
    pub synthesis: Duration,
    /// The Groth16 step (witness map and MSMs; in lookup mode also the round-1 commitment).
    pub prove: Duration,
    /// The Groth16 step's parts (witness map, each MSM).
    pub parts: ProofTimings,
    /// Lookup mode: the round-1 commitment's MSM (`C₁`), inside `synthesis` (zero in plain mode).
    pub commit_round1: Duration,
    /// The self-check with the verifier.
    pub verify: Duration,
}

/// A model ready to prove: the model, its constraint matrices, its prepared proving key and
/// its verifying key (and, in lookup mode, its round-1 key and the circuit's lookup trace).
pub struct Prover<A: Accelerator> {
    engine: A,
    model: CompiledModel,
    matrices: Arc<R1csMatrices>,
    pk: PreparedProvingKey<A>,
    vk: VerifyingKeyFile,
    round1: Option<Round1State<A>>,
}

/// Lookup mode: the prepared round-1 key and where the circuit's round-1 wires, mask,
/// challenge and round-2 wires are.
struct Round1State<A: Accelerator> {
    key: PreparedRound1<A>,
    trace: LookupTrace,
}

/// When a soundness test's tampering runs (`Prover::prove_tampered` (feature `test-support`)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Round {
    /// After synthesis, before the round-1 commitment (the change is committed).
    One,
    /// After the challenge and round 2 were filled.
    Two,
}

/// A soundness test's change to an assignment: (round, trace, instance, witness).
pub type Tamper<'a> = &'a dyn Fn(Round, &LookupTrace, &mut [Fr], &mut [Fr]);

/// The assignment and round-1 commitment of one lookup-mode proof.
struct TwoRound {
    inst: R1csInstance,
    c1: ark_bn254::G1Affine,
    rho: Fr,
    /// Time of the `C₁` MSM.
    commit: Duration,
}

impl<A: Accelerator> Prover<A> {
    /// Builds the circuit's constraint matrices and prepares the proving key's bases on the
    /// engine, once: every proof reuses both and only computes its assignment.
    pub fn new(
        engine: A,
        model: CompiledModel,
        pk: ProvingKeyFile,
        vk: VerifyingKeyFile,
    ) -> Result<Self, ProveError> {
        crate::keys::check_key_pair(&pk, &vk)?;
        let (matrices, trace) = circuit_matrices(&model)?;
        let mismatch = |what: &str| ProveError::KeyMismatch {
            model: model.model_id.to_hex(),
            what: what.into(),
        };
        let round1 =
            match (trace, pk.round1) {
                (None, None) => None,
                (Some(trace), Some(key)) => {
                    let same = trace.round1.len() == key.indices.len()
                        && trace
                            .round1
                            .iter()
                            .zip(&key.indices)
                            .all(|(&a, &b)| a as u64 == b);
                    if !same {
                        return Err(mismatch(
                        "the proving key's round-1 wires are not the circuit's (another circuit)",
                    ));
                    }
                    Some(Round1State {
                        key: PreparedRound1::new(&engine, key)?,
                        trace,
                    })
                }
                (Some(_), None) => return Err(mismatch(
                    "the model is compiled for lookup mode, the proving key is a plain-mode key",
                )),
                (None, Some(_)) => return Err(mismatch(
                    "the model is compiled for plain mode, the proving key is a lookup-mode key",
                )),
            };
        let pk = PreparedProvingKey::with_basis(&engine, pk.pk, pk.h_basis)?;
        Ok(Prover {
            engine,
            model,
            matrices: Arc::new(matrices),
            pk,
            vk,
            round1,
        })
    }

    /// The proof mode of the model and its keys.
    pub fn mode(&self) -> ProofMode {
        self.vk.mode()
    }

    /// The circuit's constraint matrices (built once, shared by every proof).
    pub fn matrices(&self) -> &R1csMatrices {
        &self.matrices
    }

    /// The model being proved.
    pub fn model(&self) -> &CompiledModel {
        &self.model
    }

    /// The prepared proving key (for benchmarks of the Groth16 step alone).
    pub fn prepared_key(&self) -> &PreparedProvingKey<A> {
        &self.pk
    }

    /// The verifying key.
    pub fn verifying_key(&self) -> &VerifyingKeyFile {
        &self.vk
    }

    /// Quantizes float inputs (one flat list per model input) with the model's input scales.
    pub fn quantize_inputs(&self, inputs: &[Vec<f64>]) -> Result<Vec<Vec<i64>>, ProveError> {
        Ok(self.model.graph.quantize_inputs(inputs)?)
    }

    /// Quantizes float inputs (one flat list per model input) and runs the reference executor.
    pub fn witness(&self, inputs: &[Vec<f64>]) -> Result<Witness, ProveError> {
        self.witness_quantized(&self.quantize_inputs(inputs)?)
    }

    /// Runs the reference executor on already quantized inputs (as a job's input blob on chain
    /// carries them). Shapes and ranges are checked by the executor.
    pub fn witness_quantized(&self, inputs: &[Vec<i64>]) -> Result<Witness, ProveError> {
        let expected = self.model.graph.inputs.len();
        if inputs.len() != expected {
            return Err(IrError::InputCount {
                expected,
                found: inputs.len(),
            }
            .into());
        }
        let tensors = self
            .model
            .graph
            .inputs
            .iter()
            .zip(inputs)
            .map(|(spec, values)| Ok(QTensor::new(spec.fact.shape.clone(), values.clone())?))
            .collect::<Result<Vec<_>, ProveError>>()?;
        Ok(self.model.graph.eval(tensors)?)
    }

    /// Proves `model(inputs)` bound to `binding`, returning the checked proof file.
    pub fn prove(
        &self,
        inputs: &[Vec<f64>],
        binding: ProofBinding,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(ProofFile, ProveTimings), ProveError> {
        let start = Instant::now();
        let quantized = self.quantize_inputs(inputs)?;
        let quantizing = start.elapsed();
        let (file, mut t) = self.prove_quantized(&quantized, binding, rng)?;
        t.witness += quantizing;
        Ok((file, t))
    }

    /// Proves `model(inputs)` on already quantized inputs, bound to `binding`.
    pub fn prove_quantized(
        &self,
        inputs: &[Vec<i64>],
        binding: ProofBinding,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(ProofFile, ProveTimings), ProveError> {
        let mut t = ProveTimings::default();
        let start = Instant::now();
        let witness = self.witness_quantized(inputs)?;
        t.witness = start.elapsed();

        let (r, s) = (Fr::rand(rng), Fr::rand(rng));
        let file = if let Some(round1) = &self.round1 {
            let start = Instant::now();
            let two = self.synthesize_two_round(round1, &witness, binding, rng)?;
            t.synthesis = start.elapsed();
            t.commit_round1 = two.commit;
            let start = Instant::now();
            let (proof, parts) = create_proof_with_offset(
                &self.engine,
                &self.pk,
                &two.inst,
                r,
                s,
                round1.key.c_offset(two.rho),
            )?;
            t.prove = start.elapsed();
            t.parts = parts;
            let mut file = self.proof_file(&witness, binding, two.inst.public_inputs(), &proof)?;
            file.mode = ProofMode::Lookup;
            file.round1_commitment = Some(ProofFile::encode_round1(&two.c1)?);
            file
        } else {
            let start = Instant::now();
            let inst = self.synthesize(&witness, binding)?;
            t.synthesis = start.elapsed();
            let start = Instant::now();
            let (proof, parts) = create_proof_with_offset(
                &self.engine,
                &self.pk,
                &inst,
                r,
                s,
                ark_bn254::G1Projective::default(),
            )?;
            t.prove = start.elapsed();
            t.parts = parts;
            self.proof_file(&witness, binding, inst.public_inputs(), &proof)?
        };
        let start = Instant::now();
        match verify(&self.vk, &file)? {
            Verdict::Accepted => {}
            Verdict::Rejected(why) => return Err(ProveError::SelfCheck(why)),
        }
        t.verify = start.elapsed();
        Ok((file, t))
    }

    /// Synthesizes the circuit with the witness into an R1CS instance: the assignment, with
    /// the matrices built in [`Prover::new`] (this synthesis builds none). Plain mode only: a
    /// lookup-mode assignment needs its round-1 commitment first (see `prove_quantized`).
    pub fn synthesize(
        &self,
        witness: &Witness,
        binding: ProofBinding,
    ) -> Result<R1csInstance, ProveError> {
        let (cs, _) = synthesize_in(self.circuit(witness, binding), prove_mode())?;
        Ok(R1csInstance::with_matrices(self.matrices.clone(), &cs)?)
    }

    fn circuit<'a>(&'a self, witness: &'a Witness, binding: ProofBinding) -> ModelCircuit<'a> {
        ModelCircuit {
            model: &self.model,
            witness: Some(witness),
            binding,
        }
    }

    /// Soundness tests only: a lookup-mode proof of `inputs` whose assignment `tamper` changed
    /// (called once before the round-1 commitment with `Round::One`, once after round 2 was
    /// filled with `Round::Two`; it gets the trace, the instance with its leading 1, and the
    /// witness). Returns the proof file without the self-check, for the verifiers to judge.
    #[cfg(feature = "test-support")]
    pub fn prove_tampered(
        &self,
        inputs: &[Vec<i64>],
        binding: ProofBinding,
        rng: &mut (impl RngCore + CryptoRng),
        tamper: Tamper<'_>,
    ) -> Result<ProofFile, ProveError> {
        let round1 = self
            .round1
            .as_ref()
            .ok_or_else(|| ProveError::KeyMismatch {
                model: self.model.model_id.to_hex(),
                what: "prove_tampered needs a lookup-mode model".into(),
            })?;
        let witness = self.witness_quantized(inputs)?;
        let two = self.two_round(round1, &witness, binding, rng, Some(tamper))?;
        let (r, s) = (Fr::rand(rng), Fr::rand(rng));
        let (proof, _) = create_proof_with_offset(
            &self.engine,
            &self.pk,
            &two.inst,
            r,
            s,
            round1.key.c_offset(two.rho),
        )?;
        let mut file = self.proof_file(&witness, binding, two.inst.public_inputs(), &proof)?;
        file.mode = ProofMode::Lookup;
        file.round1_commitment = Some(ProofFile::encode_round1(&two.c1)?);
        Ok(file)
    }

    /// Lookup mode: synthesizes the assignment with placeholders, sets a random mask, commits
    /// the round-1 wires in `C₁ = Σ z_i·[L_i/δ₁]₁ + ρ·[δ]₁`, derives the challenge from `C₁`
    /// and the other public inputs, and fills the challenge and round 2.
    fn synthesize_two_round(
        &self,
        round1: &Round1State<A>,
        witness: &Witness,
        binding: ProofBinding,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<TwoRound, ProveError> {
        self.two_round(round1, witness, binding, rng, None)
    }

    fn two_round(
        &self,
        round1: &Round1State<A>,
        witness: &Witness,
        binding: ProofBinding,
        rng: &mut (impl RngCore + CryptoRng),
        tamper: Option<Tamper<'_>>,
    ) -> Result<TwoRound, ProveError> {
        let (cs, _) = synthesize_in(self.circuit(witness, binding), prove_mode())?;
        let mut instance = cs
            .instance_assignment()
            .map_err(|e| ProveError::Groth16(e.into()))?;
        let mut wires = cs
            .witness_assignment()
            .map_err(|e| ProveError::Groth16(e.into()))?;
        drop(cs);
        let trace = &round1.trace;
        if trace.challenge + 1 != instance.len() || trace.mask >= wires.len() {
            return Err(ProveError::Unsatisfied(
                "the lookup trace does not fit the assignment".into(),
            ));
        }
        let mask = Fr::rand(rng);
        wires[trace.mask] = mask;
        if let Some(t) = tamper {
            t(Round::One, trace, &mut instance, &mut wires);
        }
        let values = trace.round1_values(&wires);
        let rho = Fr::rand(rng);
        let start = Instant::now();
        let c1 = round1
            .key
            .commit(&self.engine, self.pk.pk(), &values, rho)?;
        let commit = start.elapsed();
        let c = challenge(&c1, &instance[1..trace.challenge]);
        trace.fill(&mut instance, &mut wires, c, mask)?;
        if let Some(t) = tamper {
            t(Round::Two, trace, &mut instance, &mut wires);
        }
        let inst = R1csInstance::from_parts(self.matrices.clone(), instance, wires)?;
        Ok(TwoRound {
            inst,
            c1,
            rho,
            commit,
        })
    }

    fn proof_file(
        &self,
        witness: &Witness,
        binding: ProofBinding,
        public: &[Fr],
        proof: &ark_groth16::Proof<ark_bn254::Bn254>,
    ) -> Result<ProofFile, ProveError> {
        let g = &self.model.graph;
        let outputs_int: Vec<Vec<i64>> =
            witness.outputs(g).iter().map(|t| t.data.clone()).collect();
        let outputs = outputs_int
            .iter()
            .zip(g.output_facts())
            .map(|(q, f)| q.iter().map(|&v| dequantize(v, f.scale)).collect())
            .collect();
        Ok(ProofFile {
            version: PROOF_VERSION,
            system: zkinfer_verifier::PROOF_SYSTEM.into(),
            model_id: self.model.model_id.to_hex(),
            outputs,
            outputs_int,
            input_commitment: public.first().map(fr_to_hex).unwrap_or_default(),
            chain_id: binding.chain_id,
            escrow: format!("0x{}", hex_lower(&binding.escrow)),
            job_id: binding.job_id,
            provider: format!("0x{}", hex_lower(&binding.provider)),
            public_inputs: public.iter().map(fr_to_hex).collect(),
            proof: ProofFile::encode_proof(proof)?,
            mode: zkinfer_verifier::ProofMode::Plain,
            round1_commitment: None,
        })
    }
}

/// The constraint matrices of `model`'s circuit, from a synthesis without a witness (the one
/// setup does, so they are the matrices the proving key was made for), and its lookup trace
/// in lookup mode (what a ceremony exports as `.r1cs`).
pub fn circuit_matrices(
    model: &CompiledModel,
) -> Result<(R1csMatrices, Option<LookupTrace>), ProveError> {
    let (cs, trace) = synthesize_in(setup_circuit(model), SynthesisMode::Setup)?;
    Ok((R1csMatrices::from_cs(&cs)?, trace))
}

/// The lookup trace of `model`'s circuit (`None` in plain mode), from a setup-mode synthesis.
pub(crate) fn lookup_trace(model: &CompiledModel) -> Result<Option<LookupTrace>, ProveError> {
    Ok(synthesize_in(setup_circuit(model), SynthesisMode::Setup)?.1)
}

fn setup_circuit(model: &CompiledModel) -> ModelCircuit<'_> {
    ModelCircuit {
        model,
        witness: None,
        binding: ProofBinding::default(),
    }
}

fn prove_mode() -> SynthesisMode {
    SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    }
}

/// A finalized constraint system of `circuit` synthesized in `mode`, optimized for constraint
/// count as ark-groth16's setup and prover do, with the circuit's lookup trace.
fn synthesize_in(
    circuit: ModelCircuit<'_>,
    mode: SynthesisMode,
) -> Result<(ConstraintSystemRef<Fr>, Option<LookupTrace>), ProveError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(mode);
    let trace = circuit.synthesize(&cs)?;
    cs.finalize();
    Ok((cs, trace))
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
