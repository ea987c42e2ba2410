#!/usr/bin/env bash
# Installs the CUDA compiler that `cargo build -p zkinfer-accel-cuda --features cuda` needs, from
# PyPI only (no system toolkit, no NVIDIA apt repository): a Python venv holding NVIDIA's pinned
# CUDA 13.5 wheels, which lay out nvcc, cicc, the headers and the static runtime under
# `<venv>/lib/python3.*/site-packages/nvidia/cu13` (shared/research/gpu.md §5).
#
# Usage:
#   scripts/cuda-toolchain.sh            install if needed, then print `export ...` lines
#   eval "$(scripts/cuda-toolchain.sh)"  the same, applied to the current shell
#   source scripts/cuda-toolchain.sh     the same, applied to the current shell
#
# The venv is `$ZKINFER_CUDA_VENV`, default `$HOME/.cache/zkinfer-cuda-venv`. Installing is
# skipped when the venv already holds exactly these pins (a stamp file records them), so the
# script is cheap to run on every CI job. Progress goes to stderr; stdout carries only the
# export lines. Wheels: ~130 MB to download, ~350 MB installed. A binary built with this toolkit
# needs an NVIDIA driver >= 580 (CUDA 13) on the machine that runs it.

# The pins: one CUDA release. nvidia-cuda-cccl moved to CCCL's own version numbers after 13.2;
# 13.3.5.0.6 is the one PyPI's `cuda-toolkit==13.5.0[all]` metapackage requires.
ZKINFER_CUDA_PINS="nvidia-cuda-nvcc==13.5.37 nvidia-cuda-crt==13.5.37 nvidia-nvvm==13.5.37 \
nvidia-cuda-runtime==13.5.37 nvidia-cuda-cccl==13.3.5.0.6"

zkinfer_cuda_toolchain() (
    set -euo pipefail
    venv="${ZKINFER_CUDA_VENV:-$HOME/.cache/zkinfer-cuda-venv}"
    stamp="$venv/.zkinfer-cuda-pins"
    if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$ZKINFER_CUDA_PINS" ]]; then
        echo "cuda-toolchain: $venv already holds the pinned wheels" >&2
    else
        echo "cuda-toolchain: installing into $venv: $ZKINFER_CUDA_PINS" >&2
        python3 -m venv "$venv" >&2
        # shellcheck disable=SC2086 # the pins are deliberately split into words
        "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q \
            $ZKINFER_CUDA_PINS >&2
        echo "$ZKINFER_CUDA_PINS" >"$stamp"
    fi
    purelib="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    cuda="$purelib/nvidia/cu13"
    if [[ ! -x "$cuda/bin/nvcc" ]]; then
        echo "cuda-toolchain: $cuda/bin/nvcc is missing; delete $venv and rerun" >&2
        exit 1
    fi
    "$cuda/bin/nvcc" --version | tail -n 2 >&2
    # CUDA_PATH is informational; the build script derives everything from NVCC.
    printf 'export NVCC=%q\n' "$cuda/bin/nvcc"
    printf 'export CUDA_PATH=%q\n' "$cuda"
    # Prepend to PATH only once, so sourcing twice leaves PATH (and cargo's fingerprints) alone.
    printf 'case ":$PATH:" in *:%q:*) ;; *) export PATH=%q:"$PATH" ;; esac\n' "$cuda/bin" "$cuda/bin"
)

if (return 0 2>/dev/null); then
    # Sourced: apply the exports to the caller's shell without changing its options.
    if zkinfer_cuda_exports="$(zkinfer_cuda_toolchain)"; then
        eval "$zkinfer_cuda_exports"
        unset zkinfer_cuda_exports
    else
        unset zkinfer_cuda_exports
        return 1
    fi
else
    zkinfer_cuda_toolchain
fi
