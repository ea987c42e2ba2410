//! The engine conformance suite (`zkinfer_accel::conformance`) against [`CudaEngine`] on a GPU.
//!
//! `cuda_engine_conforms` needs a GPU, so it is ignored by default; the device script
//! (`scripts/gpu-check.sh`) runs the prebuilt test binary with `--ignored` on the GPU
//! machine, where a missing device is a failure. `ZKINFER_CUDA_CONFORMANCE_MAX_LOG` bounds the
//! sizes (`2^0..=2^max`, default 20 as STYLE.md asks of every engine). The other test runs
//! everywhere: without a usable GPU the engine must refuse to start with a reason, not panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use zkinfer_accel::{AccelError, Accelerator};
use zkinfer_accel_cuda::CudaEngine;

#[test]
#[ignore = "needs an NVIDIA GPU (driver >= 580) and --features cuda; scripts/gpu-check.sh runs it there"]
fn cuda_engine_conforms() {
    let max_log: u32 = std::env::var("ZKINFER_CUDA_CONFORMANCE_MAX_LOG")
        .map(|v| {
            v.parse()
                .expect("ZKINFER_CUDA_CONFORMANCE_MAX_LOG is a number")
        })
        .unwrap_or(20);
    let engine = CudaEngine::new().unwrap_or_else(|e| panic!("CUDA engine failed to start: {e}"));
    let info = engine.check().unwrap();
    eprintln!("device: {} ({})", info.name, info.detail);
    // One size at a time (the edge cases rerun each time; they are cheap), so a run cut short by
    // a time limit still says how far it got.
    for k in 0..=max_log {
        let start = std::time::Instant::now();
        zkinfer_accel::conformance::check_engine(&engine, k..=k).unwrap();
        eprintln!("2^{k}: conforms ({:.1} s)", start.elapsed().as_secs_f64());
    }
}

#[test]
fn without_a_usable_gpu_the_engine_says_why() {
    match CudaEngine::new() {
        Ok(engine) => {
            let info = engine.check().unwrap();
            eprintln!("a GPU is present: {} ({})", info.name, info.detail);
        }
        Err(AccelError::Unavailable { engine, reason }) => {
            assert_eq!(engine, "cuda");
            assert!(!reason.is_empty() && !reason.contains('\n'), "{reason}");
            eprintln!("cuda engine unavailable (expected without a GPU): {reason}");
        }
        Err(e) => panic!("expected AccelError::Unavailable without a GPU, got {e}"),
    }
}
