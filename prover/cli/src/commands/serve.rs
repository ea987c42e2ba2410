//! `zkinfer serve --data DIR --listen 127.0.0.1:PORT`: the prover service (HTTP API, sled store,
//! worker pool). Every route but `/healthz` needs a token from `zkinfer token create`. Stops on
//! Ctrl-C, finishing in-flight requests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use zkinfer_service::budget::{self, Limits};
use zkinfer_service::{serve, AppState, ServiceConfig};

use super::chain_args::block_on_multi;

/// Arguments of `zkinfer serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The data directory (the sled store, its API tokens, and the models' directories).
    #[arg(long)]
    pub data: PathBuf,
    /// Address to listen on. Keep it on 127.0.0.1 and put a TLS reverse proxy in front (README).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Proofs computed at once (each already uses every core).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub workers: u64,
    /// Jobs queued or proving beyond which submissions get 429.
    #[arg(long, default_value_t = 64)]
    pub max_queue: usize,
    /// Jobs one token may have waiting in the queue (beyond: 429), so no client monopolises it.
    #[arg(long, default_value_t = zkinfer_service::DEFAULT_MAX_QUEUE_PER_TOKEN)]
    pub max_queue_per_token: usize,
    /// Largest model (R1CS constraints) registration accepts (beyond: 422).
    #[arg(long, default_value_t = budget::DEFAULT_MAX_CONSTRAINTS)]
    pub max_constraints: usize,
    /// Most public inputs of a model registration accepts (beyond: 422).
    #[arg(long, default_value_t = budget::DEFAULT_MAX_PUBLIC_INPUTS)]
    pub max_public_inputs: usize,
    /// Memory budget of one model's setup and proving, MiB (beyond the estimate: 422).
    /// Default: half of MemAvailable at startup.
    #[arg(long)]
    pub max_memory_mib: Option<u64>,
    /// Model registrations pending (compiling or setting up; setups run one at a time) in the
    /// whole service (beyond: 429).
    #[arg(long, default_value_t = zkinfer_service::DEFAULT_MAX_PENDING_SETUPS)]
    pub max_pending_setups: usize,
    /// Model registrations one token may have pending (beyond: 429).
    #[arg(long, default_value_t = zkinfer_service::DEFAULT_MAX_SETUPS_PER_TOKEN)]
    pub max_setups_per_token: usize,
    /// Models one token may register (beyond: 429).
    #[arg(long, default_value_t = zkinfer_service::DEFAULT_MAX_MODELS_PER_TOKEN)]
    pub max_models_per_token: usize,
    /// Finished jobs are deleted this many seconds after they finished.
    #[arg(long, default_value_t = zkinfer_service::DEFAULT_JOB_RETENTION_SECS)]
    pub job_retention_secs: u64,
    /// Provers kept loaded in memory (least recently used ones are dropped).
    #[arg(long, default_value_t = zkinfer_service::DEFAULT_MAX_CACHED_PROVERS)]
    pub max_cached_provers: usize,
    /// A Host header value to accept besides the listen address (repeatable): `name` (any port)
    /// or `name:port`, e.g. the public name a reverse proxy forwards.
    #[arg(long = "allowed-host")]
    pub allowed_hosts: Vec<String>,
    /// A browser origin allowed to call the API (repeatable), e.g. `https://app.example`.
    /// Requests carrying any other Origin header are refused (403).
    #[arg(long = "cors-origin")]
    pub cors_origins: Vec<String>,
    /// A prepared phase-1 file: every registration runs a trusted-setup ceremony on it (the
    /// service contributes first, the model's owners may add theirs, and the model is provable
    /// only after `POST /v1/models/{id}/ceremony/finalize` verified the transcript). Without
    /// it, registrations get development keys the service made alone.
    #[arg(long)]
    pub ptau: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub engine: super::engine_arg::EngineArg,
}

/// Runs `zkinfer serve`.
pub fn run(a: ServeArgs) -> anyhow::Result<ExitCode> {
    block_on_multi(async move {
        let mut limits = Limits::defaults();
        limits.max_constraints = a.max_constraints;
        limits.max_public_inputs = a.max_public_inputs;
        if let Some(mib) = a.max_memory_mib {
            limits.max_memory_bytes = mib.saturating_mul(1 << 20);
        }
        let config = ServiceConfig {
            workers: usize::try_from(a.workers).context("--workers")?,
            max_queue: a.max_queue,
            max_queue_per_token: a.max_queue_per_token,
            limits,
            max_pending_setups: a.max_pending_setups,
            max_setups_per_token: a.max_setups_per_token,
            max_models_per_token: a.max_models_per_token,
            job_retention_secs: a.job_retention_secs,
            max_cached_provers: a.max_cached_provers,
            allowed_hosts: a.allowed_hosts.clone(),
            cors_origins: a.cors_origins.clone(),
            ptau: a.ptau.clone(),
            engine: a.engine.engine,
            ..ServiceConfig::new(
                a.data.clone(),
                format!("zkinfer service at {}", a.data.display()),
            )
        };
        match &a.ptau {
            Some(p) => eprintln!("ceremonies on {} (one per registered model)", p.display()),
            None => eprintln!(
                "no --ptau: registered models get development keys (the service alone knows \
                 their setup randomness; not for money)"
            ),
        }
        eprintln!(
            "limits: {} constraints, {} public inputs, {} MiB estimated memory per model",
            limits.max_constraints,
            limits.max_public_inputs,
            limits.max_memory_bytes >> 20
        );
        let state = AppState::open(config)
            .await
            .with_context(|| format!("opening {}", a.data.display()))?;
        eprintln!("{}", state.models.engine_note());
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let (addr, server) = serve(state, a.listen, shutdown).await?;
        println!("listening on http://{addr}");
        server.await.context("the server task")?;
        Ok(ExitCode::SUCCESS)
    })?
}
