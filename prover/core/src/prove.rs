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
use zkinfer_r1cs::{Fr, ModelCircuit, ProofBinding};
use zkinfer_verifier::{fr_to_hex, verify, ProofFile, Verdict, VerifyingKeyFile, PROOF_VERSION};

use std::sync::Arc;

use crate::groth16::{create_proof, PreparedProvingKey, R1csInstance, R1csMatrices};
use crate::{ProveError, ProvingKeyFile};

/// Where the time of one proof went.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProveTimings {
    /// Quantization and the reference executor.
    pub witness: Duration,
    /// Constraint synthesis (the assignment; the matrices are built once, in [`Prover::new`]).
    pub synthesis: Duration,
    /// The Groth16 step (witness map and MSMs).
    pub prove: Duration,
    /// The self-check with the verifier.
    pub verify: Duration,
}

/// A model ready to prove: the model, its constraint matrices, its prepared proving key and
/// its verifying key.
pub struct Prover<A: Accelerator> {
    engine: A,
    model: CompiledModel,
    matrices: Arc<R1csMatrices>,
    pk: PreparedProvingKey<A>,
    vk: VerifyingKeyFile,
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
        let matrices = Arc::new(circuit_matrices(&model)?);
        let pk = PreparedProvingKey::with_basis(&engine, pk.pk, pk.h_basis)?;
        Ok(Prover {
            engine,
            model,
            matrices,
            pk,
            vk,
        })
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

        let start = Instant::now();
        let inst = self.synthesize(&witness, binding)?;
        t.synthesis = start.elapsed();

        let start = Instant::now();
        let (r, s) = (Fr::rand(rng), Fr::rand(rng));
        let proof = create_proof(&self.engine, &self.pk, &inst, r, s)?;
        t.prove = start.elapsed();

        let file = self.proof_file(&witness, binding, inst.public_inputs(), &proof)?;
        let start = Instant::now();
        match verify(&self.vk, &file)? {
            Verdict::Accepted => {}
            Verdict::Rejected(why) => return Err(ProveError::SelfCheck(why)),
        }
        t.verify = start.elapsed();
        Ok((file, t))
    }

    /// Synthesizes the circuit with the witness into an R1CS instance: the assignment, with
    /// the matrices built in [`Prover::new`] (this synthesis builds none).
    pub fn synthesize(
        &self,
        witness: &Witness,
        binding: ProofBinding,
    ) -> Result<R1csInstance, ProveError> {
        let cs = synthesize_in(
            ModelCircuit {
                model: &self.model,
                witness: Some(witness),
                binding,
            },
            SynthesisMode::Prove {
                construct_matrices: false,
                generate_lc_assignments: false,
            },
        )?;
        Ok(R1csInstance::with_matrices(self.matrices.clone(), &cs)?)
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
/// setup does, so they are the matrices the proving key was made for).
fn circuit_matrices(model: &CompiledModel) -> Result<R1csMatrices, ProveError> {
    let cs = synthesize_in(
        ModelCircuit {
            model,
            witness: None,
            binding: ProofBinding::default(),
        },
        SynthesisMode::Setup,
    )?;
    Ok(R1csMatrices::from_cs(&cs)?)
}

/// A finalized constraint system of `circuit` synthesized in `mode`, optimized for constraint
/// count as ark-groth16's setup and prover do.
fn synthesize_in(
    circuit: ModelCircuit<'_>,
    mode: SynthesisMode,
) -> Result<ConstraintSystemRef<Fr>, ProveError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(mode);
    circuit.synthesize(&cs)?;
    cs.finalize();
    Ok(cs)
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
