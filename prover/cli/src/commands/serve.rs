//! `zkinfer serve --data DIR --listen 127.0.0.1:PORT`: the prover service (HTTP API, sled store,
//! worker pool). Stops on Ctrl-C, finishing in-flight requests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use zkinfer_service::{serve, AppState, ServiceConfig};

use super::chain_args::block_on_multi;

/// Arguments of `zkinfer serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The data directory (the sled store and the models' directories).
    #[arg(long)]
    pub data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Proofs computed at once (each already uses every core).
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    /// Jobs queued or proving beyond which submissions get 429.
    #[arg(long, default_value_t = 64)]
    pub max_queue: usize,
}

/// Runs `zkinfer serve`.
pub fn run(a: ServeArgs) -> anyhow::Result<ExitCode> {
    block_on_multi(async move {
        let config = ServiceConfig {
            made_by: format!("zkinfer service at {}", a.data.display()),
            data: a.data.clone(),
            workers: a.workers,
            max_queue: a.max_queue,
        };
        let state = AppState::open(config)
            .await
            .with_context(|| format!("opening {}", a.data.display()))?;
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let (addr, server) = serve(state, a.listen, shutdown).await?;
        println!("listening on http://{addr}");
        server.await.context("the server task")?;
        Ok(ExitCode::SUCCESS)
    })?
}
