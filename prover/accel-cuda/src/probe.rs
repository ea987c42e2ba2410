//! Whether this machine can run the CUDA engine: the decision, kept apart from the device calls
//! so that it is tested without a GPU.
//!
//! The kernels are built with CUDA 13 (`scripts/cuda-toolchain.sh`), so the driver must
//! support CUDA 13.0 or later (NVIDIA driver 580 or newer), and sppark must find at least one
//! GPU it accepts (compute capability 7.0 or higher, with cooperative launch).

/// The oldest driver API version the kernels run on: CUDA 13.0, as `cudaDriverGetVersion`
/// reports it (`1000·major + 10·minor`).
pub(crate) const MIN_DRIVER_VERSION: i32 = 13_000;

/// What the device probes report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Probe {
    /// `cudaDriverGetVersion`: 0 when no driver is installed (`libcuda.so.1` not loadable).
    pub(crate) driver_version: i32,
    /// GPUs sppark accepts.
    pub(crate) gpus: usize,
}

/// `major.minor` of a CUDA version number such as 13000 or 12080.
pub(crate) fn cuda_version(v: i32) -> String {
    format!("{}.{}", v / 1000, (v % 1000) / 10)
}

/// `Ok` when the engine can run; otherwise one line saying what is missing.
pub(crate) fn assess(p: Probe) -> Result<(), String> {
    if p.driver_version <= 0 {
        return Err(
            "no NVIDIA driver found (libcuda.so.1 could not be loaded; is this a GPU machine?)"
                .to_owned(),
        );
    }
    if p.driver_version < MIN_DRIVER_VERSION {
        return Err(format!(
            "the NVIDIA driver supports CUDA {} but these kernels need CUDA {} or later \
             (driver 580 or newer)",
            cuda_version(p.driver_version),
            cuda_version(MIN_DRIVER_VERSION)
        ));
    }
    if p.gpus == 0 {
        return Err(
            "no usable CUDA device found (sppark needs compute capability 7.0 or higher with \
             cooperative launch)"
                .to_owned(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_machine_without_a_driver_is_refused_with_the_reason() {
        let e = assess(Probe {
            driver_version: 0,
            gpus: 0,
        })
        .unwrap_err();
        assert!(e.contains("no NVIDIA driver"), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn an_old_driver_is_refused_with_both_versions() {
        let e = assess(Probe {
            driver_version: 12_080,
            gpus: 1,
        })
        .unwrap_err();
        assert!(e.contains("CUDA 12.8") && e.contains("CUDA 13.0"), "{e}");
    }

    #[test]
    fn a_driver_without_a_device_is_refused() {
        let e = assess(Probe {
            driver_version: 13_000,
            gpus: 0,
        })
        .unwrap_err();
        assert!(e.contains("no usable CUDA device"), "{e}");
    }

    #[test]
    fn a_cuda_13_driver_with_a_device_is_accepted() {
        for driver_version in [13_000, 13_050, 14_000] {
            assert_eq!(
                assess(Probe {
                    driver_version,
                    gpus: 1
                }),
                Ok(())
            );
        }
        assert_eq!(cuda_version(13_050), "13.5");
    }
}
