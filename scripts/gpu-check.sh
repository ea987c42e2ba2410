#!/usr/bin/env bash
# The CUDA engine's device check (issue "GPU proving"), prepared on a machine without a GPU and
# run in one go on a machine with one (CUDA driver present; no cargo, no network).
#
#   scripts/gpu-check.sh build   here: installs the pinned CUDA 13.5 wheels if needed
#                                (scripts/cuda-toolchain.sh), builds with `--features cuda` the
#                                conformance test, the MSM/NTT bench, the prover's GPU-proof test
#                                and the release `zkinfer`, and puts stripped copies in
#                                target/gpu-check/ (carry that path; the binaries link the CUDA
#                                runtime statically).
#   scripts/gpu-check.sh run     there (under 8 minutes): prints the driver version; runs the
#                                conformance suite (every MSM class and NTT size against the
#                                CPU engine / arkworks); MSM G1, G2 and NTT timings for
#                                2^16..2^22 with bases resident; the whole-proof check (a GPU
#                                proof equals the CPU proof byte for byte for the same r, s);
#                                and `zkinfer bench` of every bundled model with `--engine cuda`
#                                against `--engine cpu`. Logs also go to $OUT/ when OUT is set.
#
# Knobs for `run`: ZKINFER_CUDA_CONFORMANCE_MAX_LOG (default 20), ZKINFER_BENCH_MIN_LOG /
# _MAX_LOG (16 / 22), ZKINFER_BENCH_CPU_MAX_LOG (20), CONFORMANCE_TIMEOUT, BENCH_TIMEOUT,
# PROOF_TIMEOUT, MODELS_TIMEOUT in seconds (150 / 120 / 60 / 120 each engine). The kernels need
# an NVIDIA driver 580 or newer (CUDA 13); `run` stops early if it is older.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=target/gpu-check

# The test binary cargo built for `$@` (the last "Executable" line of its output).
test_binary() {
    local log bin
    log="$(mktemp)"
    cargo test "$@" --no-run 2>&1 | tee "$log" >&2
    bin="$(sed -n 's/.*Executable .* (\(.*\))$/\1/p' "$log" | tail -n 1)"
    rm -f "$log"
    [[ -x "$bin" ]] || { echo "no test binary for: cargo test $*" >&2; exit 1; }
    echo "$bin"
}

build() {
    # shellcheck source=scripts/cuda-toolchain.sh
    source scripts/cuda-toolchain.sh
    local target="${CARGO_TARGET_DIR:-target}"
    mkdir -p "$dest"
    strip -o "$dest/conformance" \
        "$(test_binary -p zkinfer-accel-cuda --features cuda --test conformance)"
    strip -o "$dest/prover-tests" "$(test_binary -p zkinfer-prover --features cuda --lib)"
    cargo build --release -p zkinfer-accel-cuda --features cuda --bin zkinfer-cuda-bench
    strip -o "$dest/zkinfer-cuda-bench" "$target/release/zkinfer-cuda-bench"
    cargo build --release -p zkinfer-cli --features cuda
    strip -o "$dest/zkinfer" "$target/release/zkinfer"
    ls -l "$dest"
    du -sh "$dest"
}

run() {
    local out="${OUT:-}" rc=0
    log() { if [[ -n "$out" ]]; then tee -a "$out/$1"; else cat; fi; }
    {
        nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv \
            || echo "nvidia-smi failed"
    } 2>&1 | log device.log
    local driver
    driver="$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -n 1 || true)"
    if [[ -z "$driver" || "${driver%%.*}" -lt 580 ]]; then
        echo "driver '${driver:-none}' is not 580 or newer: CUDA 13 kernels cannot run here" \
            | log device.log
        exit 2
    fi
    ZKINFER_CUDA_CONFORMANCE_MAX_LOG="${ZKINFER_CUDA_CONFORMANCE_MAX_LOG:-20}" \
        timeout "${CONFORMANCE_TIMEOUT:-150}" "$dest/conformance" --ignored --nocapture \
        --test-threads=1 2>&1 | log conformance.log || rc=1
    timeout "${BENCH_TIMEOUT:-120}" "$dest/zkinfer-cuda-bench" 2>&1 | log bench.log || rc=1
    timeout "${PROOF_TIMEOUT:-60}" "$dest/prover-tests" --ignored --nocapture \
        a_proof_on_the_gpu_is_the_cpu_proof 2>&1 | log proof.log || rc=1
    for engine in cuda cpu; do
        echo "== zkinfer bench --engine $engine" | log models.log
        timeout "${MODELS_TIMEOUT:-120}" "$dest/zkinfer" bench --models models --runs 3 \
            --proof-mode auto --engine "$engine" 2>&1 | log models.log || rc=1
    done
    return "$rc"
}

case "${1:-}" in
    build) build ;;
    run) run ;;
    *) echo "usage: $0 build|run" >&2; exit 64 ;;
esac
