//! Build script: with the `cuda` feature, compiles `cuda/zkinfer_cuda.cu` against sppark's
//! headers with nvcc and links it (and the static CUDA runtime); without it, does nothing, so
//! the default build needs no CUDA toolkit.
//!
//! nvcc is found the way sppark's own build script finds it (`NVCC`, else `nvcc` on `PATH`),
//! e.g. the pip toolkit that `scripts/cuda-toolchain.sh` installs. GPU targets:
//! `ZKINFER_CUDA_ARCHS` is a comma-separated list of compute capabilities (default `80,90`:
//! A100 and H100/H200 machine code, plus PTX of the highest for newer GPUs to JIT), or
//! `sppark` for `sppark::build::ccmd()`'s own list (sm_80 and its PTX, sm_75, compute_100 PTX,
//! sm_120) plus sm_90: a broader binary for about twice the compile time (1m52s against
//! 1m00s for the default, 2 cores).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "cuda")]
    cuda::compile();
}

#[cfg(feature = "cuda")]
mod cuda {
    use std::env;
    use std::path::{Path, PathBuf};

    const SOURCE: &str = "cuda/zkinfer_cuda.cu";
    const DEFAULT_ARCHS: &str = "80,90";

    pub(crate) fn compile() {
        println!("cargo:rerun-if-changed={SOURCE}");
        println!("cargo:rerun-if-env-changed=NVCC");
        println!("cargo:rerun-if-env-changed=ZKINFER_CUDA_ARCHS");
        let nvcc = find_nvcc().unwrap_or_else(|| {
            fail(
                "nvcc not found: set NVCC or put nvcc on PATH (`source scripts/cuda-toolchain.sh`)",
            )
        });
        // sppark's build script (our `sppark` dependency's) must have found nvcc too: it
        // exports DEP_SPPARK_TARGET=cuda and the header root only then.
        if env::var("DEP_SPPARK_TARGET").as_deref() != Ok("cuda") {
            fail("sppark's build did not find nvcc (DEP_SPPARK_TARGET is not `cuda`); set NVCC or PATH before building");
        }
        let root =
            env::var("DEP_SPPARK_ROOT").unwrap_or_else(|_| fail("DEP_SPPARK_ROOT is not set"));
        // For the unit test that checks sppark's NTT constants against arkworks'.
        println!("cargo:rustc-env=ZKINFER_SPPARK_ROOT={root}");

        let archs = env::var("ZKINFER_CUDA_ARCHS").unwrap_or_else(|_| DEFAULT_ARCHS.to_owned());
        let mut build = if archs.trim() == "sppark" {
            let mut b = sppark::build::ccmd();
            b.flag("-gencode").flag("arch=compute_90,code=sm_90");
            b
        } else {
            own_build(&root, &archs)
        };
        if blst_uses_adx() {
            // sppark's host-side field code calls blst's assembly, which is built either with
            // the ADX (`mulx_*`) entry points only or without them; the header must agree.
            build.define("__ADX__", None);
        }
        build
            // Cargo's dev profile sets DEBUG, for which cc passes nvcc `-G`: unoptimised device
            // code (and a slower build). Kernels are always built optimised.
            .debug(false)
            .opt_level(3)
            .define("FEATURE_BN254", None)
            .file(SOURCE)
            .compile("zkinfer_cuda");
        for dir in cuda_lib_dirs(&nvcc) {
            println!("cargo:rustc-link-search=native={}", dir.display());
        }
    }

    /// What `sppark::build::ccmd()` sets up (nvcc, static cudart, the error-message define,
    /// blst's and sppark's include directories), with our GPU targets instead of its five: a
    /// `cc::Build` cannot drop flags once added.
    fn own_build(sppark_root: &str, archs: &str) -> cc::Build {
        // cc finds nvcc as `find_nvcc` does (`NVCC`, else `nvcc` on PATH); naming it with
        // `.compiler()` would make cc pass it gcc flags.
        let mut b = cc::Build::new();
        b.cuda(true);
        let archs: Vec<u32> = archs
            .split(',')
            .map(|a| {
                a.trim().parse().unwrap_or_else(|_| {
                    fail(&format!(
                        "ZKINFER_CUDA_ARCHS: `{a}` is not a number like 90"
                    ))
                })
            })
            .collect();
        let Some(&newest) = archs.iter().max() else {
            fail("ZKINFER_CUDA_ARCHS is empty");
        };
        for a in &archs {
            let code = if *a == newest {
                format!("[sm_{a},compute_{a}]")
            } else {
                format!("sm_{a}")
            };
            b.flag("-gencode")
                .flag(format!("arch=compute_{a},code={code}"));
        }
        b.flag("-t0");
        b.flag("-Xcompiler").flag("-Wno-unused-function");
        b.define("TAKE_RESPONSIBILITY_FOR_ERROR_MESSAGE", None);
        if let Some(blst) = env::var_os("DEP_BLST_C_SRC") {
            b.include(blst);
        }
        b.include(sppark_root);
        b
    }

    /// Whether the blst crate (default features) compiled its ADX code paths: its build
    /// script's rule, repeated here. (If another crate turns on blst's `portable` or
    /// `force-adx` feature, the link fails loudly with undefined `mul_mont_sparse_256` or
    /// `mulx_mont_sparse_256`.)
    fn blst_uses_adx() -> bool {
        if env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("x86_64") {
            return false;
        }
        if env::var("CARGO_ENCODED_RUSTFLAGS")
            .unwrap_or_default()
            .contains("target-cpu=")
        {
            let features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
            let has = |f: &str| features.split(',').any(|x| x == f);
            return has("ssse3") && has("adx");
        }
        host_has_adx()
    }

    #[cfg(target_arch = "x86_64")]
    fn host_has_adx() -> bool {
        std::is_x86_feature_detected!("adx")
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn host_has_adx() -> bool {
        false
    }

    /// `NVCC` (a path, or a name looked up on `PATH`), else `nvcc` on `PATH`.
    fn find_nvcc() -> Option<PathBuf> {
        let name = env::var_os("NVCC").unwrap_or_else(|| "nvcc".into());
        let candidate = PathBuf::from(&name);
        if candidate.components().count() > 1 {
            return candidate.is_file().then_some(candidate);
        }
        env::split_paths(&env::var_os("PATH")?)
            .map(|dir| dir.join(&name))
            .find(|p| p.is_file())
    }

    /// Where `libcudart_static.a` lives relative to nvcc: `../lib` in the pip toolkit
    /// (`nvidia/cu13/{bin,lib}`), `../lib64` or `../targets/<arch>-linux/lib` in NVIDIA's
    /// installers. (cc only tries the last one.)
    fn cuda_lib_dirs(nvcc: &Path) -> Vec<PathBuf> {
        let nvcc = nvcc.canonicalize().unwrap_or_else(|_| nvcc.to_path_buf());
        let Some(root) = nvcc.parent().and_then(Path::parent) else {
            return Vec::new();
        };
        let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
        [
            root.join("lib"),
            root.join("lib64"),
            root.join("targets")
                .join(format!("{arch}-linux"))
                .join("lib"),
        ]
        .into_iter()
        .filter(|d| d.join("libcudart_static.a").is_file())
        .collect()
    }

    fn fail(msg: &str) -> ! {
        eprintln!("zkinfer-accel-cuda: {msg}");
        panic!("zkinfer-accel-cuda: {msg}");
    }
}
