//! The proof file: versioned JSON stating the model, the proof, the public inputs and what they
//! mean (input commitment, job, provider, outputs). Everything stated is what gets verified.

use ark_ff::{BigInteger, PrimeField};
use ark_groth16::Proof;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use serde::{Deserialize, Serialize};

use crate::{challenge, Curve, FormatError, Fr, ProofMode, PublicInputs, PublicLayout};

/// Format version of proof files (2: the binding covers the chain id and the escrow; 3: the
/// file names its mode and, in lookup mode, carries the round-1 commitment). Version 2 files
/// (plain mode) are still read.
pub const PROOF_VERSION: u32 = 3;

/// The proof system every proof file names.
pub const PROOF_SYSTEM: &str = "groth16-bn254";

/// A proof with its claims, as written by `zkinfer prove`. Unknown fields are refused, so
/// nothing in a file is silently ignored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofFile {
    /// [`PROOF_VERSION`].
    pub version: u32,
    /// `groth16-bn254`.
    pub system: String,
    /// How the proof was made (absent in version 2 files: plain).
    #[serde(default)]
    pub mode: ProofMode,
    /// The model id (hex blake3).
    pub model_id: String,
    /// Dequantized outputs, one flat list per output.
    pub outputs: Vec<Vec<f64>>,
    /// Quantized outputs, one flat list per output.
    pub outputs_int: Vec<Vec<i64>>,
    /// Poseidon commitment of the quantized input (0x-hex, big-endian).
    pub input_commitment: String,
    /// EVM chain id the proof is bound to (0: none).
    pub chain_id: u64,
    /// Escrow contract the proof is bound to (0x-hex, 20 bytes; zero: none).
    pub escrow: String,
    /// Escrow job id.
    pub job_id: u64,
    /// Provider address (0x-hex, 20 bytes).
    pub provider: String,
    /// The public inputs as field elements (0x-hex, big-endian), in circuit order; in lookup
    /// mode the last is the challenge.
    pub public_inputs: Vec<String>,
    /// The Groth16 proof `(A, B, C)`, arkworks compressed encoding, hex (in lookup mode `C` is
    /// the round-2 part `C₂`).
    pub proof: String,
    /// Lookup mode: the round-1 commitment `C₁`, arkworks compressed G1, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round1_commitment: Option<String>,
}

/// `0x` + 64 hex digits, big-endian.
pub fn fr_to_hex(v: &Fr) -> String {
    format!("0x{}", hex::encode(v.into_bigint().to_bytes_be()))
}

/// Parses [`fr_to_hex`]'s format, refusing values not below the field modulus.
pub fn fr_from_hex(s: &str) -> Result<Fr, FormatError> {
    let bytes = hex::decode(s.strip_prefix("0x").unwrap_or(s))
        .map_err(|e| FormatError::Corrupt(format!("`{s}`: {e}")))?;
    if bytes.len() != 32 {
        return Err(FormatError::Corrupt(format!("`{s}` is not 32 bytes")));
    }
    let v = Fr::from_be_bytes_mod_order(&bytes);
    if v.into_bigint().to_bytes_be() != bytes {
        return Err(FormatError::Corrupt(format!(
            "`{s}` is not below the field modulus"
        )));
    }
    Ok(v)
}

/// Parses a 0x-prefixed 20-byte address.
pub fn address_from_hex(s: &str) -> Result<[u8; 20], FormatError> {
    let bytes = hex::decode(s.strip_prefix("0x").unwrap_or(s))
        .map_err(|e| FormatError::Corrupt(format!("address `{s}`: {e}")))?;
    bytes
        .try_into()
        .map_err(|_| FormatError::Corrupt(format!("address `{s}` is not 20 bytes")))
}

impl ProofFile {
    /// Parses a proof file, checking its version.
    pub fn from_json(text: &str) -> Result<Self, FormatError> {
        #[derive(Deserialize)]
        struct V {
            version: u32,
        }
        let v: V = serde_json::from_str(text)?;
        if !(2..=PROOF_VERSION).contains(&v.version) {
            return Err(FormatError::UnsupportedVersion {
                found: v.version,
                supported: PROOF_VERSION,
            });
        }
        let file: ProofFile = serde_json::from_str(text)?;
        if file.system != PROOF_SYSTEM {
            return Err(FormatError::Corrupt(format!(
                "proof system `{}`, expected `{PROOF_SYSTEM}`",
                file.system
            )));
        }
        match (file.mode, &file.round1_commitment) {
            (ProofMode::Plain, None) | (ProofMode::Lookup, Some(_)) => Ok(file),
            (ProofMode::Plain, Some(_)) => Err(FormatError::Corrupt(
                "a plain-mode proof carries a round-1 commitment".into(),
            )),
            (ProofMode::Lookup, None) => Err(FormatError::Corrupt(
                "a lookup-mode proof without its round-1 commitment".into(),
            )),
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> Result<String, FormatError> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// The decoded Groth16 proof.
    pub fn groth16(&self) -> Result<Proof<Curve>, FormatError> {
        let bytes = hex::decode(&self.proof)
            .map_err(|e| FormatError::Corrupt(format!("proof hex: {e}")))?;
        Proof::deserialize_compressed(&bytes[..])
            .map_err(|e| FormatError::Corrupt(format!("proof: {e}")))
    }

    /// Encodes a Groth16 proof.
    pub fn encode_proof(proof: &Proof<Curve>) -> Result<String, FormatError> {
        let mut bytes = Vec::new();
        proof
            .serialize_compressed(&mut bytes)
            .map_err(|e| FormatError::Corrupt(e.to_string()))?;
        Ok(hex::encode(bytes))
    }

    /// Lookup mode: the decoded round-1 commitment `C₁` (`None` in plain mode).
    pub fn round1(&self) -> Result<Option<ark_bn254::G1Affine>, FormatError> {
        let Some(text) = &self.round1_commitment else {
            return Ok(None);
        };
        let bytes = hex::decode(text).map_err(|e| FormatError::Corrupt(format!("C₁ hex: {e}")))?;
        ark_bn254::G1Affine::deserialize_compressed(&bytes[..])
            .map(Some)
            .map_err(|e| FormatError::Corrupt(format!("C₁: {e}")))
    }

    /// Encodes a round-1 commitment as [`Self::round1_commitment`] holds it.
    pub fn encode_round1(c1: &ark_bn254::G1Affine) -> Result<String, FormatError> {
        let mut bytes = Vec::new();
        c1.serialize_compressed(&mut bytes)
            .map_err(|e| FormatError::Corrupt(e.to_string()))?;
        Ok(hex::encode(bytes))
    }

    /// The public inputs the file's claims imply: the layout's (commitment, binding, packed
    /// outputs) and, in lookup mode, the challenge recomputed from `C₁` and those.
    pub fn expected_public_inputs(&self, layout: &PublicLayout) -> Result<Vec<Fr>, FormatError> {
        let mut public = self.claims()?.to_field_elements(layout)?;
        if let Some(c1) = self.round1()? {
            public.push(challenge(&c1, &public));
        }
        Ok(public)
    }

    /// The stated public inputs, decoded.
    pub fn stated_public_inputs(&self) -> Result<Vec<Fr>, FormatError> {
        self.public_inputs.iter().map(|s| fr_from_hex(s)).collect()
    }

    /// The claims (commitment, chain, escrow, job, provider, quantized outputs).
    pub fn claims(&self) -> Result<PublicInputs, FormatError> {
        Ok(PublicInputs {
            input_commitment: fr_from_hex(&self.input_commitment)?,
            chain_id: self.chain_id,
            escrow: address_from_hex(&self.escrow)?,
            job_id: self.job_id,
            provider: address_from_hex(&self.provider)?,
            outputs: self.outputs_int.clone(),
        })
    }

    /// The same proof stating other claims, consistently: dequantized outputs and public inputs
    /// are derived from `claims`. (A proof restated this way verifies only if it proves them.)
    pub fn restated(
        &self,
        claims: &PublicInputs,
        layout: &PublicLayout,
    ) -> Result<ProofFile, FormatError> {
        let mut public = claims.to_field_elements(layout)?;
        if let Some(c1) = self.round1()? {
            public.push(challenge(&c1, &public));
        }
        let outputs = claims
            .outputs
            .iter()
            .zip(&layout.output_scales)
            .map(|(q, scale)| q.iter().map(|&v| v as f64 / 2f64.powi(*scale)).collect())
            .collect();
        Ok(ProofFile {
            outputs,
            outputs_int: claims.outputs.clone(),
            input_commitment: fr_to_hex(&claims.input_commitment),
            chain_id: claims.chain_id,
            escrow: format!("0x{}", hex::encode(claims.escrow)),
            job_id: claims.job_id,
            provider: format!("0x{}", hex::encode(claims.provider)),
            public_inputs: public.iter().map(fr_to_hex).collect(),
            ..self.clone()
        })
    }
}
