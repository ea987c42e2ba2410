//! Deploying zkinfer's contracts and registering models: the registry, the escrow, and one
//! verifier per model (the compiled generic verifier with the model's key as constructor
//! argument, so no Solidity compiler is needed at run time).

use alloy::primitives::{Address, Bytes, FixedBytes};
use alloy::sol_types::{SolCall, SolConstructor};
use zkinfer_verifier::VerifyingKeyFile;

use crate::bindings::{Groth16Verifier, InferenceEscrow, ModelRegistry};
use crate::chain::{Chain, Receipt, Tx};
use crate::encode::verifying_key_bytes;
use crate::revert::revert_reason;
use crate::EvmError;

/// Init code deploying the verifier for `key`: the compiled `Groth16Verifier` followed by its
/// ABI-encoded constructor arguments `(modelId, vk)`.
pub fn verifier_init_code(key: &VerifyingKeyFile) -> Bytes {
    let args = Groth16Verifier::constructorCall {
        modelId_: FixedBytes(key.model_id),
        vk: verifying_key_bytes(&key.vk).into(),
    }
    .abi_encode();
    [Groth16Verifier::BYTECODE.as_ref(), &args].concat().into()
}

/// Init code of the model registry.
pub fn registry_init_code() -> Bytes {
    ModelRegistry::BYTECODE.clone()
}

/// Init code of the escrow bound to `registry`.
pub fn escrow_init_code(registry: Address) -> Bytes {
    let args = InferenceEscrow::constructorCall {
        registry_: registry,
    }
    .abi_encode();
    [InferenceEscrow::BYTECODE.as_ref(), &args].concat().into()
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

/// Sends a call that must succeed (deployment steps, registration), returning its receipt.
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

/// Registers `key`'s model in the registry under its model id, pointing at `verifier`.
pub async fn register_model<C: Chain>(
    chain: &mut C,
    from: Address,
    registry: Address,
    key: &VerifyingKeyFile,
    verifier: Address,
    metadata: &str,
) -> Result<Receipt, EvmError> {
    let call = ModelRegistry::registerCall {
        modelId: FixedBytes(key.model_id),
        verifier,
        metadata: metadata.into(),
    };
    send_ok(
        chain,
        Tx::call(from, registry, call.abi_encode()),
        "ModelRegistry.register",
    )
    .await
}

/// The registry, the escrow, and one model's verifier, deployed and registered.
#[derive(Clone, Debug)]
pub struct Stack {
    /// The model registry.
    pub registry: Deployment,
    /// The escrow.
    pub escrow: Deployment,
    /// The model's verifier.
    pub verifier: Deployment,
    /// The registration transaction.
    pub registration: Receipt,
}

/// Deploys registry, escrow and `key`'s verifier from `from`, and registers the model.
pub async fn deploy_stack<C: Chain>(
    chain: &mut C,
    from: Address,
    key: &VerifyingKeyFile,
    metadata: &str,
) -> Result<Stack, EvmError> {
    let registry = deploy(chain, from, "ModelRegistry", registry_init_code()).await?;
    let escrow = deploy(
        chain,
        from,
        "InferenceEscrow",
        escrow_init_code(registry.address),
    )
    .await?;
    let verifier = deploy(chain, from, "Groth16Verifier", verifier_init_code(key)).await?;
    let registration = register_model(
        chain,
        from,
        registry.address,
        key,
        verifier.address,
        metadata,
    )
    .await?;
    Ok(Stack {
        registry,
        escrow,
        verifier,
        registration,
    })
}
