//! Prometheus metrics: proofs, failures, refusals for a full queue, and a prove-time histogram.
//! Queue depth and job counts are read from the store when scraped.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds (seconds) of the prove-time histogram buckets.
pub const PROVE_BUCKETS: [f64; 9] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];

/// Counters updated by the workers and the API.
#[derive(Default)]
pub struct Metrics {
    /// The last proof time of each model (hex id → milliseconds), for progress estimates.
    last_prove_ms: std::sync::Mutex<std::collections::HashMap<String, u64>>,
    proofs: AtomicU64,
    failures: AtomicU64,
    rejected_full: AtomicU64,
    proving: AtomicU64,
    buckets: [AtomicU64; PROVE_BUCKETS.len()],
    prove_ms_sum: AtomicU64,
}

impl Metrics {
    /// A proof finished in `seconds`.
    pub fn proved(&self, seconds: f64) {
        self.proofs.fetch_add(1, Ordering::Relaxed);
        self.prove_ms_sum
            .fetch_add((seconds * 1000.0) as u64, Ordering::Relaxed);
        for (b, le) in self.buckets.iter().zip(PROVE_BUCKETS) {
            if seconds <= le {
                b.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Remembers how long a proof of `model` took.
    pub fn record_prove_time(&self, model: &str, ms: u64) {
        self.last_prove_ms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(model.to_string(), ms);
    }

    /// How long the last proof of `model` took, if one was made since the service started.
    pub fn expected_prove_ms(&self, model: &str) -> Option<u64> {
        self.last_prove_ms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(model)
            .copied()
    }

    /// A job failed.
    pub fn failed(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }

    /// A submission was refused because the queue was full.
    pub fn rejected_full(&self) {
        self.rejected_full.fetch_add(1, Ordering::Relaxed);
    }

    /// A worker started (`+1`) or stopped (`-1`) proving.
    pub fn proving(&self, delta: i64) {
        if delta >= 0 {
            self.proving.fetch_add(delta as u64, Ordering::Relaxed);
        } else {
            self.proving
                .fetch_sub(delta.unsigned_abs(), Ordering::Relaxed);
        }
    }

    /// Jobs being proved now.
    pub fn proving_now(&self) -> u64 {
        self.proving.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition, with the queue depth read by the caller and the name
    /// of the engine the provers run on.
    pub fn render(&self, queue_depth: usize, engine: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP zkinfer_engine_info The MSM/NTT engine the provers run on.\n\
             # TYPE zkinfer_engine_info gauge\nzkinfer_engine_info{{engine=\"{engine}\"}} 1"
        );
        let proofs = self.proofs.load(Ordering::Relaxed);
        let gauge = |out: &mut String, name: &str, help: &str, kind: &str, v: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}"
            );
        };
        gauge(
            &mut out,
            "zkinfer_queue_depth",
            "Jobs waiting for a worker.",
            "gauge",
            queue_depth as u64,
        );
        gauge(
            &mut out,
            "zkinfer_jobs_proving",
            "Jobs being proved now.",
            "gauge",
            self.proving.load(Ordering::Relaxed),
        );
        gauge(
            &mut out,
            "zkinfer_proofs_total",
            "Jobs proved.",
            "counter",
            proofs,
        );
        gauge(
            &mut out,
            "zkinfer_job_failures_total",
            "Jobs that failed.",
            "counter",
            self.failures.load(Ordering::Relaxed),
        );
        gauge(
            &mut out,
            "zkinfer_jobs_rejected_queue_full_total",
            "Submissions refused with 429.",
            "counter",
            self.rejected_full.load(Ordering::Relaxed),
        );
        let name = "zkinfer_prove_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Wall time of one proof.\n# TYPE {name} histogram"
        );
        for (b, le) in self.buckets.iter().zip(PROVE_BUCKETS) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{le}\"}} {}",
                b.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {proofs}");
        let sum = self.prove_ms_sum.load(Ordering::Relaxed) as f64 / 1000.0;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {proofs}");
        out
    }
}
