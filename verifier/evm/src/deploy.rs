//! Deploying zkinfer's contracts and publishing keys: the escrow (which is also a verifier), a
//! standalone verifier, and the test token. Keys are published with `publishKey`, which
//! validates them and names them by their hash; no Solidity compiler is needed at run time.

use alloy::primitives::{Address, Bytes, FixedBytes, B256};
use alloy::sol_types::{SolCall, SolConstructor};
use zkinfer_verifier::VerifyingKeyFile;

use crate::bindings::{Groth16Verifier, InferenceEscrow, TestToken};
use crate::chain::{Chain, Receipt, Tx};
use crate::encode::{key_hash, verifying_key_bytes};
use crate::revert::revert_reason;
use crate::EvmError;

/// Init code of the standalone verifier (no arguments: keys are published afterwards).
pub fn verifier_init_code() -> Bytes {
    Groth16Verifier::BYTECODE.clone()
}

/// Init code of the escrow (no arguments: it verifies with its own code and published keys).
pub fn escrow_init_code() -> Bytes {
    InferenceEscrow::BYTECODE.clone()
}

/// How a [`TestToken`] transfers (its `Mode`): a plain token, one returning nothing (USDT-like),
/// one that takes a fee on transfer, and one that returns `false`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenMode {
    /// Returns `true`.
    Standard = 0,
    /// Returns no value.
    NoReturn = 1,
    /// Burns 1% of every transfer.
    FeeOnTransfer = 2,
    /// Moves nothing and returns `false`.
    ReturnsFalse = 3,
}

/// Init code of a test ERC-20 (6 decimals, anyone may mint).
pub fn test_token_init_code(name: &str, symbol: &str, mode: TokenMode) -> Bytes {
    let args = TestToken::constructorCall {
        name_: name.into(),
        symbol_: symbol.into(),
        mode_: mode as u8,
    }
    .abi_encode();
    [TestToken::BYTECODE.as_ref(), &args].concat().into()
}

/// Calldata of `publishKey(modelId, transcriptHash, vk)` for `key`, in either mode (what
/// `export-verifier` writes out).
pub fn publish_key_calldata(key: &VerifyingKeyFile) -> Bytes {
    Groth16Verifier::publishKeyCall {
        modelId: FixedBytes(key.model_id),
        transcriptHash: FixedBytes(key.transcript_hash()),
        vk: verifying_key_bytes(key).into(),
    }
    .abi_encode()
    .into()
}

/// A deployed contract and the receipt of its creation.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// Where it lives.
    pub address: Address,
    /// The creation transaction.
    pub receipt: Receipt,
}

/// Sends a creation transaction and insists that it created a contract.
pub async fn deploy<C: Chain>(
    chain: &mut C,
    from: Address,
    what: &str,
    init_code: Bytes,
) -> Result<Deployment, EvmError> {
    let receipt = chain.send(Tx::create(from, init_code)).await?;
    let address = match (receipt.success, receipt.contract_address) {
        (true, Some(a)) => a,
        _ => {
            return Err(EvmError::Reverted {
                call: format!("deploying {what}"),
                reason: revert_reason(&receipt.output),
            })
        }
    };
    Ok(Deployment { address, receipt })
}

/// Sends a call that must succeed (deployment steps, publication), returning its receipt.
pub async fn send_ok<C: Chain>(chain: &mut C, tx: Tx, what: &str) -> Result<Receipt, EvmError> {
    let receipt = chain.send(tx).await?;
    if !receipt.success {
        return Err(EvmError::Reverted {
            call: what.into(),
            reason: revert_reason(&receipt.output),
        });
    }
    Ok(receipt)
}

/// Runs a read-only call that must succeed, returning its output.
pub async fn view<C: Chain, Call: SolCall>(
    chain: &mut C,
    to: Address,
    call: &Call,
) -> Result<Call::Return, EvmError> {
    let r = chain
        .call(Tx::call(Address::ZERO, to, call.abi_encode()))
        .await?;
    if !r.success {
        return Err(EvmError::Reverted {
            call: Call::SIGNATURE.into(),
            reason: revert_reason(&r.output),
        });
    }
    Call::abi_decode_returns(&r.output).map_err(|e| EvmError::Abi {
        what: Call::SIGNATURE.into(),
        reason: e.to_string(),
    })
}

/// A published key: its hash and the publication's receipt (`None` when it was published
/// already, by anyone: publication is idempotent and gives no rights).
#[derive(Clone, Debug)]
pub struct Publication {
    /// `keccak256(model_id ‖ transcript_hash ‖ vk)`, computed locally and equal to what the
    /// contract computed.
    pub key_hash: B256,
    /// The `publishKey` transaction, when one was needed.
    pub receipt: Option<Receipt>,
}

/// Publishes `key` at `verifier` (an escrow or a standalone verifier) unless it is there already.
pub async fn publish_key<C: Chain>(
    chain: &mut C,
    from: Address,
    verifier: Address,
    key: &VerifyingKeyFile,
) -> Result<Publication, EvmError> {
    let hash = key_hash(key);
    let info = view(
        chain,
        verifier,
        &Groth16Verifier::keyInfoCall { keyHash: hash },
    )
    .await?;
    if info.data != Address::ZERO {
        return Ok(Publication {
            key_hash: hash,
            receipt: None,
        });
    }
    let tx = Tx::call(from, verifier, publish_key_calldata(key));
    let receipt = send_ok(chain, tx, "Groth16Verifier.publishKey").await?;
    Ok(Publication {
        key_hash: hash,
        receipt: Some(receipt),
    })
}

/// An escrow with a model's key published in it.
#[derive(Clone, Debug)]
pub struct Stack {
    /// The escrow.
    pub escrow: Deployment,
    /// The model's key.
    pub key: Publication,
}

/// Deploys an escrow from `from` and publishes `key` in it.
pub async fn deploy_stack<C: Chain>(
    chain: &mut C,
    from: Address,
    key: &VerifyingKeyFile,
) -> Result<Stack, EvmError> {
    let escrow = deploy(chain, from, "InferenceEscrow", escrow_init_code()).await?;
    let key = publish_key(chain, from, escrow.address, key).await?;
    Ok(Stack { escrow, key })
}
