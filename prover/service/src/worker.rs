//! The bounded worker pool: each worker claims the oldest queued job from the store, proves it
//! on a blocking thread (proving uses every core through rayon, so one worker is the default on
//! small machines), and persists the result. A panicking proof fails its job, not the service.

use std::time::{Duration, Instant};

use zkinfer_r1cs::ProofBinding;
use zkinfer_verifier::address_from_hex;

use crate::job::{JobEvent, JobId, JobRecord, ProvedJob};
use crate::{now_unix, AppState, ServiceError};

/// Starts `n` workers on the current runtime (0: none, jobs only queue).
pub fn spawn_workers(state: &AppState, n: usize) {
    for w in 0..n {
        let state = state.clone();
        tokio::spawn(async move { worker(state, w).await });
    }
}

async fn worker(state: AppState, index: usize) {
    loop {
        let claimed = {
            let _one_at_a_time = state.claim_lock.lock().await;
            state.store.claim(now_unix()).await
        };
        match claimed {
            Ok(Some(job)) => run(&state, job).await,
            Ok(None) => {
                // woken by a submission, or every half second as a safety net
                let _ =
                    tokio::time::timeout(Duration::from_millis(500), state.wake.notified()).await;
            }
            Err(e) => {
                tracing::error!(worker = index, "claiming a job: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn run(state: &AppState, job: JobRecord) {
    let Some(id) = JobId::parse(&job.id) else {
        tracing::error!("job with a malformed id {}", job.id);
        return;
    };
    state.metrics.proving(1);
    let models = state.models.clone();
    let model_id = job.model_id.clone();
    let start = Instant::now();
    let result = tokio::task::spawn_blocking(move || prove(&models, &job)).await;
    state.metrics.proving(-1);
    let event = match result {
        Ok(Ok(proved)) => {
            state.metrics.proved(start.elapsed().as_secs_f64());
            state.metrics.record_prove_time(&model_id, proved.prove_ms);
            JobEvent::Finish(Box::new(proved))
        }
        Ok(Err(e)) => {
            state.metrics.failed();
            JobEvent::Fail(e.to_string())
        }
        Err(join) => {
            state.metrics.failed();
            JobEvent::Fail(if join.is_panic() {
                "the prover panicked".to_string()
            } else {
                format!("the proving task ended: {join}")
            })
        }
    };
    if let Err(e) = state.store.apply(&id, event, now_unix()).await {
        tracing::error!(job = %id, "storing the result: {e}");
    }
}

/// Proves one job (blocking).
fn prove(models: &crate::models::Models, job: &JobRecord) -> Result<ProvedJob, ServiceError> {
    let prover = models.prover(&job.model_id)?;
    let provider =
        address_from_hex(&job.provider).map_err(|e| ServiceError::Prove(e.to_string()))?;
    let escrow = address_from_hex(&job.escrow).map_err(|e| ServiceError::Prove(e.to_string()))?;
    let binding = ProofBinding {
        chain_id: job.chain_id,
        escrow,
        job_id: job.job_id,
        provider,
    };
    let start = Instant::now();
    let (file, _) = prover
        .prove_quantized(&job.input, binding, &mut rand::rngs::OsRng)
        .map_err(|e| ServiceError::Prove(e.to_string()))?;
    let prove_ms = start.elapsed().as_millis() as u64;
    let calldata = zkinfer_evm::submit_calldata(job.job_id, &file)
        .map_err(|e| ServiceError::Prove(e.to_string()))?;
    Ok(ProvedJob {
        outputs: file.outputs.clone(),
        outputs_int: file.outputs_int.clone(),
        public_inputs: file.public_inputs.clone(),
        proof: serde_json::to_value(&file).map_err(|e| ServiceError::Prove(e.to_string()))?,
        escrow_calldata: format!("0x{}", hex::encode(&calldata)),
        prove_ms,
    })
}
