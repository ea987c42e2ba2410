//! From a verified `.zkey` to zkinfer's key files: the proving key in snarkjs's H basis
//! ([`zkinfer_prover::groth16::HBasis::OddCoset`]) and the verifying key, with the
//! ceremony's provenance.

use ark_bn254::Bn254;
use ark_groth16::{ProvingKey, VerifyingKey};
use blake2::{Blake2b512, Digest};
use zkinfer_ir::CompiledModel;
use zkinfer_prover::groth16::{HBasis, Round1ProvingKey};
use zkinfer_prover::{public_layout, ProvingKeyFile};
use zkinfer_verifier::{CeremonyRecord, ContributionRecord, KeyProvenance, VerifyingKeyFile};

use crate::points::{g1_section, g2_section};
use crate::ptau::{known_ptau, Ptau};
use crate::r1cs_file::R1cs;
use crate::verify::{verify_circuit, Report};
use crate::zkey::{section, Zkey};
use crate::CeremonyError;

/// The model's circuit as a `.r1cs` and its round-1 wires (witness indices; empty in plain
/// mode). A lookup-mode ceremony extends the `.zkey` with a `δ₁` chain ([`crate::lookup`]).
pub fn model_circuit(model: &CompiledModel) -> Result<(R1cs, Vec<u32>), CeremonyError> {
    let (matrices, trace) = zkinfer_prover::circuit_matrices(model).map_err(|e| {
        CeremonyError::Unsupported(format!("synthesizing the model's circuit: {e}"))
    })?;
    let round1 = trace
        .map(|t| t.round1.iter().map(|&i| i as u32).collect())
        .unwrap_or_default();
    Ok((R1cs::from_matrices(&matrices)?, round1))
}

/// Lookup mode's round-1 proving key from the extension (`None` in plain mode).
pub fn round1_key(zkey: &Zkey) -> Result<Option<Round1ProvingKey>, CeremonyError> {
    let Some(ext) = &zkey.lookup else {
        return Ok(None);
    };
    Ok(Some(Round1ProvingKey {
        indices: ext.indices.iter().map(|&i| u64::from(i)).collect(),
        k1_query: ext.k1_points()?,
        delta1_g1: ext.delta1_g1,
        delta1_g2: ext.delta1_g2,
    }))
}

/// The file name of a model's final `.zkey` in its directory (written by `finalize`, read by
/// whoever checks the model's keys against their ceremony).
pub const ZKEY_FILE: &str = "ceremony.zkey";

/// Checks that `pk` and `vk` are the keys of the verified transcript `zkey` for `model` on
/// `ptau`: the transcript verifies (see [`verify_circuit`]) and both keys equal the ones it holds. What
/// a key file's provenance says is not trusted; this is the check that replaces it.
pub fn check_keys(
    model: &CompiledModel,
    ptau: &Ptau,
    zkey: &Zkey,
    pk: &ProvingKeyFile,
    vk: &VerifyingKeyFile,
) -> Result<Report, CeremonyError> {
    let (r1cs, round1) = model_circuit(model)?;
    let report = verify_circuit(zkey, &r1cs, &round1, ptau)?;
    let key = proving_key(zkey)?;
    let r1 = round1_key(zkey)?;
    let vk_r1 = r1.as_ref().map(|r| r.delta1_g2);
    if vk.vk != key.vk || vk.round1.as_ref().map(|r| r.delta1_g2) != vk_r1 {
        return Err(CeremonyError::Invalid(
            "the verifying key is not the one the transcript holds".into(),
        ));
    }
    if pk.pk != key || pk.h_basis != HBasis::OddCoset || pk.round1 != r1 {
        return Err(CeremonyError::Invalid(
            "the proving key is not the one the transcript holds".into(),
        ));
    }
    Ok(report)
}

/// The arkworks proving key a `.zkey` holds (sections mapped as ark-circom does: A → a_query,
/// B₁ → b_g1_query, B₂ → b_g2_query, L → l_query, H → h_query, IC → γ_abc).
pub fn proving_key(zkey: &Zkey) -> Result<ProvingKey<Bn254>, CeremonyError> {
    let h = &zkey.header;
    let g1 = |id: u32, name: &str| g1_section(zkey.section(id), &format!("zkey {name}"));
    Ok(ProvingKey {
        vk: VerifyingKey {
            alpha_g1: h.alpha_g1,
            beta_g2: h.beta_g2,
            gamma_g2: h.gamma_g2,
            delta_g2: h.delta_g2,
            gamma_abc_g1: g1(section::IC, "IC")?,
        },
        beta_g1: h.beta_g1,
        delta_g1: h.delta_g1,
        a_query: g1(section::A, "A")?,
        b_g1_query: g1(section::B1, "B1")?,
        b_g2_query: g2_section(zkey.section(section::B2), "zkey B2")?,
        h_query: g1(section::H, "H")?,
        l_query: g1(section::L, "L")?,
    })
}

/// Verifies `zkey` (see [`verify_circuit`]) for `model` on `ptau` and turns it into the model's key
/// files, recording the ceremony in the verifying key's provenance. `zkey_bytes` is the
/// file as read, for its hash.
pub fn finalize(
    model: &CompiledModel,
    ptau: &Ptau,
    zkey: &Zkey,
    zkey_bytes: &[u8],
    made_by: &str,
    created_unix: u64,
) -> Result<(ProvingKeyFile, VerifyingKeyFile, Report), CeremonyError> {
    let (r1cs, round1) = model_circuit(model)?;
    let report = verify_circuit(zkey, &r1cs, &round1, ptau)?;
    let pk = proving_key(zkey)?;
    let round1 = round1_key(zkey)?;
    let record = CeremonyRecord {
        circuit_hash: hex::encode(report.cs_hash),
        zkey_hash: hex::encode(Blake2b512::digest(zkey_bytes)),
        transcript_hash: hex::encode(<sha3::Keccak256 as sha3::Digest>::digest(zkey_bytes)),
        ptau_hash: hex::encode(ptau.hash),
        ptau_name: known_ptau(&ptau.hash).map(str::to_owned),
        contributions: report
            .contributions
            .iter()
            .map(|c| ContributionRecord {
                name: c.name.clone(),
                hash: hex::encode(c.hash),
                beacon: c
                    .beacon
                    .as_ref()
                    .map(|(e, h)| format!("{e}:{}", hex::encode(h))),
            })
            .collect(),
    };
    let model_id = model.model_id.0;
    let vk = VerifyingKeyFile {
        model_id,
        vk: pk.vk.clone(),
        layout: public_layout(model),
        provenance: KeyProvenance {
            made_by: made_by.to_owned(),
            insecure_seed: None,
            created_unix,
            ceremony: Some(record),
        },
        round1: round1.as_ref().map(|r| zkinfer_verifier::Round1Key {
            delta1_g2: r.delta1_g2,
        }),
    };
    let pk = ProvingKeyFile {
        model_id,
        pk,
        h_basis: HBasis::OddCoset,
        round1,
    };
    Ok((pk, vk, report))
}
