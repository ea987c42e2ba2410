//! zkinfer's prover service and provider node.
//!
//! * [`api`]: the HTTP API (warp) — models, jobs, verification, health and metrics; every route
//!   but `GET /healthz` needs a bearer token ([`auth`]), and the `Host` and `Origin` headers are
//!   checked against the configuration.
//! * [`store`]: the durable sled store; [`job`]: the job state machine.
//! * [`budget`]: the size and memory limits a model must fit before its setup is admitted;
//!   [`setups`]: the bounded registration queue (one setup at a time).
//! * [`worker`]: the bounded worker pool that proves queued jobs.
//! * [`provider`]: the provider node, which watches an escrow for jobs of the models it serves,
//!   proves them and submits the proofs.

pub mod api;
pub mod auth;
pub mod budget;
pub mod ceremony;
mod error;
pub mod job;
pub mod metrics;
pub mod models;
pub mod provider;
pub mod setups;
pub mod store;
pub mod worker;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use error::ServiceError;

/// Default [`ServiceConfig::max_queue_per_token`].
pub const DEFAULT_MAX_QUEUE_PER_TOKEN: usize = 16;
/// Default [`ServiceConfig::max_pending_setups`].
pub const DEFAULT_MAX_PENDING_SETUPS: usize = 8;
/// Default [`ServiceConfig::max_setups_per_token`].
pub const DEFAULT_MAX_SETUPS_PER_TOKEN: usize = 2;
/// Default [`ServiceConfig::max_models_per_token`].
pub const DEFAULT_MAX_MODELS_PER_TOKEN: usize = 32;
/// Default [`ServiceConfig::job_retention_secs`]: seven days.
pub const DEFAULT_JOB_RETENTION_SECS: u64 = 7 * 24 * 3600;
/// Default [`ServiceConfig::max_cached_provers`].
pub const DEFAULT_MAX_CACHED_PROVERS: usize = 4;

/// How the service runs.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// The data directory (sled store and model directories).
    pub data: PathBuf,
    /// Workers proving at once (each proof already uses every core). 0 starts none (jobs only
    /// queue: for tests).
    pub workers: usize,
    /// Jobs queued or proving beyond which submissions get 429.
    pub max_queue: usize,
    /// Jobs one token may have waiting in the queue; beyond, its submissions get 429.
    pub max_queue_per_token: usize,
    /// Recorded in the keys the service makes at model registration.
    pub made_by: String,
    /// The largest model registration accepts.
    pub limits: budget::Limits,
    /// Registrations pending (compiling, waiting to set up, setting up) in the whole service;
    /// beyond, registrations get 429. Setups run one at a time.
    pub max_pending_setups: usize,
    /// Registrations one token may have pending.
    pub max_setups_per_token: usize,
    /// Models one token may register.
    pub max_models_per_token: usize,
    /// Finished jobs are deleted this long after their last change.
    pub job_retention_secs: u64,
    /// Provers kept loaded (least recently used ones are dropped beyond this).
    pub max_cached_provers: usize,
    /// `Host` header values accepted besides the bound address (and, on a loopback or
    /// unspecified address, `localhost`/`127.0.0.1`/`[::1]` with its port): `name:port`
    /// exactly, or a bare `name` with any port.
    pub allowed_hosts: Vec<String>,
    /// Browser origins (`https://app.example`) allowed to call the API (CORS). A request with
    /// any other `Origin` header is refused with 403; with none configured, every request that
    /// carries an `Origin` is refused.
    pub cors_origins: Vec<String>,
    /// A prepared phase-1 file (`serve --ptau`): registrations run a ceremony on it (the
    /// service contributes first, owners may add theirs, a finalize verifies the transcript
    /// and makes the keys). Without one, registrations use a development setup whose keys the
    /// service made alone.
    pub ptau: Option<PathBuf>,
    /// The MSM/NTT engine the provers run on (`serve --engine`): `auto` takes the GPU when
    /// this build and machine can run it.
    pub engine: zkinfer_prover::EngineChoice,
}

impl ServiceConfig {
    /// A configuration with every limit at its default.
    pub fn new(data: PathBuf, made_by: impl Into<String>) -> Self {
        ServiceConfig {
            data,
            workers: 1,
            max_queue: 64,
            max_queue_per_token: DEFAULT_MAX_QUEUE_PER_TOKEN,
            made_by: made_by.into(),
            limits: budget::Limits::defaults(),
            max_pending_setups: DEFAULT_MAX_PENDING_SETUPS,
            max_setups_per_token: DEFAULT_MAX_SETUPS_PER_TOKEN,
            max_models_per_token: DEFAULT_MAX_MODELS_PER_TOKEN,
            job_retention_secs: DEFAULT_JOB_RETENTION_SECS,
            max_cached_provers: DEFAULT_MAX_CACHED_PROVERS,
            allowed_hosts: Vec::new(),
            cors_origins: Vec::new(),
            ptau: None,
            engine: zkinfer_prover::EngineChoice::Auto,
        }
    }
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
    /// Serialises the queue-bound checks with the insert.
    pub admission: Arc<tokio::sync::Mutex<()>>,
    /// Registration admission and the compile and setup slots.
    pub setups: Arc<setups::Setups>,
    /// Serialises read-modify-writes of model records (owners, state).
    pub model_lock: Arc<tokio::sync::Mutex<()>>,
    /// One ceremony contribution or finalize at a time (each verifies a whole key).
    pub ceremony_lock: Arc<tokio::sync::Mutex<()>>,
    /// The `.ptau` of [`ServiceConfig::ptau`], loaded once.
    pub ptau: Option<Arc<zkinfer_ceremony::ptau::Ptau>>,
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
        let (requeued, failed) = store.requeue_orphans(now_unix(), job::MAX_ATTEMPTS).await?;
        if !requeued.is_empty() {
            tracing::warn!(
                "resuming {} job(s) left proving: {requeued:?}",
                requeued.len()
            );
        }
        if !failed.is_empty() {
            tracing::error!(
                "failing {} job(s) left proving {} times: {failed:?}",
                failed.len(),
                job::MAX_ATTEMPTS
            );
        }
        if store.tokens()?.is_empty() {
            tracing::warn!(
                "no API tokens: every request but /healthz will get 401 (stop the service and \
                 run `zkinfer token create --data {}`)",
                config.data.display()
            );
        }
        let ptau = match &config.ptau {
            Some(path) => {
                let ptau = zkinfer_ceremony::ptau::Ptau::load(path)
                    .map_err(|e| ServiceError::Io(format!("--ptau {}: {e}", path.display())))?;
                if !ptau.is_prepared() {
                    return Err(ServiceError::Io(format!(
                        "--ptau {}: not prepared for phase 2 (run `zkinfer ptau prepare`)",
                        path.display()
                    )));
                }
                Some(Arc::new(ptau))
            }
            None => None,
        };
        let selected = zkinfer_prover::Engine::select(config.engine)
            .map_err(|e| ServiceError::Io(format!("--engine {}: {e}", config.engine)))?;
        tracing::info!("{}", selected.note);
        let state = AppState {
            ptau,
            store,
            models: Arc::new(models::Models::new(
                &config.data,
                config.max_cached_provers,
                selected,
            )),
            metrics: Arc::new(metrics::Metrics::default()),
            setups: Arc::new(setups::Setups::new(
                config.max_pending_setups,
                config.max_setups_per_token,
            )),
            config: Arc::new(config),
            wake: Arc::new(tokio::sync::Notify::new()),
            claim_lock: Arc::new(tokio::sync::Mutex::new(())),
            admission: Arc::new(tokio::sync::Mutex::new(())),
            model_lock: Arc::new(tokio::sync::Mutex::new(())),
            ceremony_lock: Arc::new(tokio::sync::Mutex::new(())),
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

/// Deletes expired finished jobs every so often (a tenth of the retention time, between one
/// second and a minute).
fn spawn_sweeper(state: &AppState) {
    let state = state.clone();
    let retention = state.config.job_retention_secs;
    let every = std::time::Duration::from_secs((retention / 10).clamp(1, 60));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            match state.store.sweep(now_unix(), retention).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("deleted {n} finished job(s) past their retention"),
                Err(e) => tracing::error!("sweeping expired jobs: {e}"),
            }
        }
    });
}

/// Binds `listen`, starts the workers and the sweeper of expired jobs, and serves until
/// `shutdown` resolves. Returns the bound address (useful with port 0) and the server task.
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
    spawn_sweeper(&state);
    let server = warp::serve(api::routes(state, addr))
        .incoming(listener)
        .graceful(shutdown)
        .run();
    Ok((addr, tokio::spawn(server)))
}
