//! `zkinfer export-verifier`: everything needed to deploy and audit a model's on-chain
//! verifier without zkinfer — the Solidity it was compiled from, its ABI and bytecode, the init
//! code ready to send as-is, and the `publishKey` calldata that stores the model's key in it
//! (or in an escrow, which is a verifier too) under the key's hash.

use std::path::{Path, PathBuf};

use alloy::primitives::hex;
use serde_json::json;
use zkinfer_verifier::VerifyingKeyFile;

use crate::bindings::artifact_json;
use crate::deploy::{publish_key_calldata, verifier_init_code};
use crate::encode::{key_hash, verifying_key_bytes};
use crate::EvmError;

/// The verifier's Solidity source (compiled into `contracts/out/Groth16Verifier.json`).
pub const GROTH16_VERIFIER_SOL: &str = include_str!("../../../contracts/src/Groth16Verifier.sol");
/// The interface the escrow calls.
pub const IZKINFER_VERIFIER_SOL: &str = include_str!("../../../contracts/src/IZkinferVerifier.sol");
/// Version of the `verifier.json` manifest.
/// (3: the key's encoding starts with its mode word; the manifest names the mode.)
pub const VERIFIER_MANIFEST_VERSION: u32 = 3;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, EvmError> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|source| EvmError::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(path)
}

/// Writes the verifier for `key` into `dir` (created if missing) and returns the files written:
/// `Groth16Verifier.sol`, `IZkinferVerifier.sol`, `Groth16Verifier.json` (ABI, bytecode and
/// the solc version), `Groth16Verifier.abi.json`, `init_code.hex` (deploy by sending it as a
/// creation transaction), `publish_key.calldata.hex` (send to the verifier or an escrow to
/// publish the key), `verifying_key.hex` (the `vk` argument) and `verifier.json` (model id,
/// key hash, mode, the number of public inputs a caller passes (a lookup key's challenge is
/// computed on chain), checksums).
pub fn export_verifier(key: &VerifyingKeyFile, dir: &Path) -> Result<Vec<PathBuf>, EvmError> {
    std::fs::create_dir_all(dir).map_err(|source| EvmError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let artifact: serde_json::Value = serde_json::from_str(artifact_json::GROTH16_VERIFIER)
        .map_err(|e| EvmError::Artifact {
            name: "Groth16Verifier",
            reason: e.to_string(),
        })?;
    let abi = serde_json::to_string_pretty(&artifact["abi"]).map_err(|e| EvmError::Artifact {
        name: "Groth16Verifier",
        reason: e.to_string(),
    })?;
    let init_code = verifier_init_code();
    let vk = verifying_key_bytes(key);
    let publish = publish_key_calldata(key);
    let manifest = json!({
        "version": VERIFIER_MANIFEST_VERSION,
        "contract": "Groth16Verifier",
        "model_id": hex::encode(key.model_id),
        "key_hash": key_hash(key).to_string(),
        "mode": key.mode().name(),
        "num_public_inputs": key.layout.num_public(),
        "solc_version": artifact["solcVersion"],
        "init_code_blake3": blake3_hex(&init_code),
        "verifying_key_blake3": blake3_hex(&vk),
        "deploy": "send init_code.hex as the data of a contract-creation transaction, then \
                   publish_key.calldata.hex as the data of a call to it (or to an escrow)",
    });
    let mut files = vec![
        write(dir, "Groth16Verifier.sol", GROTH16_VERIFIER_SOL.as_bytes())?,
        write(
            dir,
            "IZkinferVerifier.sol",
            IZKINFER_VERIFIER_SOL.as_bytes(),
        )?,
        write(
            dir,
            "Groth16Verifier.json",
            artifact_json::GROTH16_VERIFIER.as_bytes(),
        )?,
        write(
            dir,
            "Groth16Verifier.abi.json",
            format!("{abi}\n").as_bytes(),
        )?,
        write(
            dir,
            "init_code.hex",
            format!("0x{}\n", hex::encode(&init_code)).as_bytes(),
        )?,
        write(
            dir,
            "publish_key.calldata.hex",
            format!("0x{}\n", hex::encode(&publish)).as_bytes(),
        )?,
        write(
            dir,
            "verifying_key.hex",
            format!("0x{}\n", hex::encode(&vk)).as_bytes(),
        )?,
    ];
    let manifest = serde_json::to_string_pretty(&manifest).map_err(|e| EvmError::Artifact {
        name: "Groth16Verifier",
        reason: e.to_string(),
    })?;
    files.push(write(
        dir,
        "verifier.json",
        format!("{manifest}\n").as_bytes(),
    )?);
    Ok(files)
}

fn blake3_hex(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}
