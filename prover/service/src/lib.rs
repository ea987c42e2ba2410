//! zkinfer's prover service and provider node.
//!
//! * [`api`]: the HTTP API (warp) — models, jobs, verification, health and metrics.
//! * [`store`]: the durable sled store; [`job`]: the job state machine.
//! * [`worker`]: the bounded worker pool that proves queued jobs.
//! * [`provider`]: the provider node, which watches an escrow for jobs of the models it serves,
//!   proves them and submits the proofs.

pub mod api;
mod error;
pub mod job;
pub mod metrics;
pub mod models;
pub mod provider;
pub mod store;
pub mod worker;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use error::ServiceError;

/// How the service runs.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// The data directory (sled store and model directories).
    pub data: PathBuf,
    /// Workers proving at once (each proof already uses every core).
    pub workers: usize,
    /// Jobs queued or proving beyond which submissions get 429.
    pub max_queue: usize,
    /// Recorded in the keys the service makes at model registration.
    pub made_by: String,
}

/// What every handler and worker shares.
#[derive(Clone)]
pub struct AppState {
    /// The durable store.
    pub store: store::Store,
    /// Models and their loaded provers.
    pub models: Arc<models::Models>,
    /// Counters for `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// The configuration.
    pub config: Arc<ServiceConfig>,
    /// Wakes a worker when a job is queued.
    pub wake: Arc<tokio::sync::Notify>,
    /// Serialises claims of queued jobs.
    pub claim_lock: Arc<tokio::sync::Mutex<()>>,
    /// Serialises the queue-bound check with the insert.
    pub admission: Arc<tokio::sync::Mutex<()>>,
}

/// Seconds since the Unix epoch.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl AppState {
    /// Opens the store under `config.data`, requeues jobs a previous process left half-proved,
    /// and restarts setups it left unfinished.
    pub async fn open(config: ServiceConfig) -> Result<Self, ServiceError> {
        std::fs::create_dir_all(&config.data).map_err(|e| ServiceError::Io(e.to_string()))?;
        let store = store::Store::open(&config.data)?;
        let requeued = store.requeue_orphans(now_unix()).await?;
        if !requeued.is_empty() {
            tracing::warn!(
                "resuming {} job(s) left proving: {requeued:?}",
                requeued.len()
            );
        }
        let state = AppState {
            store,
            models: Arc::new(models::Models::new(&config.data)),
            metrics: Arc::new(metrics::Metrics::default()),
            config: Arc::new(config),
            wake: Arc::new(tokio::sync::Notify::new()),
            claim_lock: Arc::new(tokio::sync::Mutex::new(())),
            admission: Arc::new(tokio::sync::Mutex::new(())),
        };
        state.fail_interrupted_setups().await?;
        Ok(state)
    }

    /// A model whose setup was interrupted by a crash is marked failed (registering it again
    /// restarts setup; its compiled model is kept).
    async fn fail_interrupted_setups(&self) -> Result<(), ServiceError> {
        for mut m in self.store.models()? {
            if m.state == models::ModelState::SettingUp {
                m.state = models::ModelState::Failed {
                    reason: "setup was interrupted (service restarted): register the model again"
                        .into(),
                };
                self.store.put_model(&m).await?;
            }
        }
        Ok(())
    }
}

/// Binds `listen`, starts the workers, and serves until `shutdown` resolves. Returns the bound
/// address (useful with port 0) and the server task.
pub async fn serve(
    state: AppState,
    listen: SocketAddr,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), ServiceError> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| ServiceError::Io(format!("binding {listen}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServiceError::Io(e.to_string()))?;
    worker::spawn_workers(&state, state.config.workers);
    let server = warp::serve(api::routes(state))
        .incoming(listener)
        .graceful(shutdown)
        .run();
    Ok((addr, tokio::spawn(server)))
}
