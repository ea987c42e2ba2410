//! Per-model Groth16 setup. Run by the requester or the model registry, never by the prover
//! whose proofs the key will check (shared/DESIGN.md, trust).

use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef};
use ark_snark::SNARK;
use rand::{CryptoRng, RngCore};
use zkinfer_ir::CompiledModel;
use zkinfer_r1cs::{ModelCircuit, ProofBinding};
use zkinfer_verifier::{KeyProvenance, VerifyingKeyFile};

use crate::groth16::{
    two_round_setup, Groth16Error, HBasis, OddCosetReduction, PowersReduction, QapReduction,
};
use crate::{public_layout, ProveError, ProvingKeyFile};

/// The circuit in setup mode (shape only).
struct SetupCircuit<'a>(&'a CompiledModel);

impl ConstraintSynthesizer<zkinfer_r1cs::Fr> for SetupCircuit<'_> {
    fn generate_constraints(
        self,
        cs: ConstraintSystemRef<zkinfer_r1cs::Fr>,
    ) -> Result<(), ark_relations::gr1cs::SynthesisError> {
        ModelCircuit {
            model: self.0,
            witness: None,
            binding: ProofBinding::default(),
        }
        .generate_constraints(cs)
    }
}

/// Generates the proving and verifying keys of `model` (`h_query` in the coset's Lagrange
/// basis: proving key format version 2), in the model's proof mode: plain Groth16, or the
/// two-round setup of lookup mode (the round-1 wires get their own `δ₁`).
pub fn setup(
    model: &CompiledModel,
    rng: &mut (impl RngCore + CryptoRng),
    provenance: KeyProvenance,
) -> Result<(ProvingKeyFile, VerifyingKeyFile), ProveError> {
    let Some(trace) = crate::prove::lookup_trace(model)? else {
        return setup_with_basis(model, rng, provenance, HBasis::CosetLagrange);
    };
    let (pk, round1) =
        two_round_setup(SetupCircuit(model), &trace.round1, rng).map_err(ProveError::Groth16)?;
    let model_id = model.model_id.0;
    let vk_file = VerifyingKeyFile {
        model_id,
        vk: pk.vk.clone(),
        layout: public_layout(model),
        provenance,
        round1: Some(zkinfer_verifier::Round1Key {
            delta1_g2: round1.delta1_g2,
        }),
    };
    let pk_file = ProvingKeyFile {
        model_id,
        pk,
        h_basis: HBasis::CosetLagrange,
        round1: Some(round1),
    };
    Ok((pk_file, vk_file))
}

/// Plain-mode [`setup`] with the proving key's `h_query` in the chosen basis:
/// [`HBasis::Powers`] makes keys as format version 1 did (ark-groth16's libsnark layout),
/// which the prover still reads; [`HBasis::OddCoset`] makes keys shaped as a ceremony's
/// (snarkjs's layout, power-of-two domain) from one local secret, for tests.
pub fn setup_with_basis(
    model: &CompiledModel,
    rng: &mut (impl RngCore + CryptoRng),
    provenance: KeyProvenance,
    h_basis: HBasis,
) -> Result<(ProvingKeyFile, VerifyingKeyFile), ProveError> {
    if crate::prove::lookup_trace(model)?.is_some() {
        return Err(ProveError::KeyMismatch {
            model: model.model_id.to_hex(),
            what: "the model is compiled for lookup mode, which needs the two-round setup of \
                   `setup`, not a plain-mode key"
                .into(),
        });
    }
    let circuit = SetupCircuit(model);
    let (pk, vk) = match h_basis {
        HBasis::CosetLagrange => {
            Groth16::<ark_bn254::Bn254, QapReduction>::circuit_specific_setup(circuit, rng)
        }
        HBasis::Powers => {
            Groth16::<ark_bn254::Bn254, PowersReduction>::circuit_specific_setup(circuit, rng)
        }
        HBasis::OddCoset => {
            Groth16::<ark_bn254::Bn254, OddCosetReduction>::circuit_specific_setup(circuit, rng)
        }
    }
    .map_err(|e| ProveError::Groth16(Groth16Error::from(e)))?;
    let model_id = model.model_id.0;
    let vk_file = VerifyingKeyFile {
        model_id,
        vk,
        layout: public_layout(model),
        provenance,
        round1: None,
    };
    Ok((
        ProvingKeyFile {
            model_id,
            pk,
            h_basis,
            round1: None,
        },
        vk_file,
    ))
}
