//! `zkinfer deploy DIR --rpc-url URL --key KEY`: deploys the registry and the escrow (unless
//! given), the model's verifier, and registers the model.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use zkinfer_evm::bindings::InferenceEscrow;
use zkinfer_evm::{
    deploy, escrow_init_code, register_model, registry_init_code, verifier_init_code, view,
    Deployment, B256,
};

use super::chain_args::{block_on, parse_address, tx_hash, ChainArgs};
use super::prove::load_vk;

/// Arguments of `zkinfer deploy`.
#[derive(clap::Args)]
pub struct DeployArgs {
    /// A directory with the verifying key from `zkinfer setup`.
    pub dir: PathBuf,
    #[command(flatten)]
    pub chain: ChainArgs,
    /// Use this escrow (and its registry) instead of deploying new ones.
    #[arg(long)]
    pub escrow: Option<String>,
    /// Free-text metadata stored with the model in the registry.
    #[arg(long, default_value = "")]
    pub metadata: String,
}

fn show(what: &str, d: &Deployment) {
    println!(
        "{what:<9} {}  tx {}  gas {}",
        d.address,
        tx_hash(&d.receipt),
        d.receipt.gas_used
    );
}

/// Runs `zkinfer deploy`.
pub fn run(a: DeployArgs) -> anyhow::Result<ExitCode> {
    let vk = load_vk(&a.dir, None)?;
    block_on(async {
        let (mut chain, me) = a.chain.connect().await?;
        let (registry, escrow) = match &a.escrow {
            Some(e) => {
                let escrow = parse_address(e, "--escrow")?;
                let registry = view(&mut chain, escrow, &InferenceEscrow::registryCall {})
                    .await
                    .context("reading the escrow's registry")?;
                println!("registry  {registry}  (existing)");
                println!("escrow    {escrow}  (existing)");
                (registry, escrow)
            }
            None => {
                let registry =
                    deploy(&mut chain, me, "ModelRegistry", registry_init_code()).await?;
                show("registry", &registry);
                let escrow = deploy(
                    &mut chain,
                    me,
                    "InferenceEscrow",
                    escrow_init_code(registry.address),
                )
                .await?;
                show("escrow", &escrow);
                (registry.address, escrow.address)
            }
        };
        let verifier = deploy(&mut chain, me, "Groth16Verifier", verifier_init_code(&vk)).await?;
        show("verifier", &verifier);
        let r =
            register_model(&mut chain, me, registry, &vk, verifier.address, &a.metadata).await?;
        println!(
            "registered model {}  tx {}  gas {}",
            B256::from(vk.model_id),
            tx_hash(&r),
            r.gas_used
        );
        println!("escrow {escrow}");
        Ok(ExitCode::SUCCESS)
    })?
}
