#!/usr/bin/env bash
# The test command from the README: installs what the tests need, then runs every test in the
# workspace (unit, doc, end-to-end, CLI, architecture) and prints one total line at the end.
# Works on a fresh machine with only the Rust toolchain and access to the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."

# models/ ships the ONNX files, inputs and test sets (models/make_models.py regenerates them;
# it is not run here).
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# snarkjs (pinned in contracts/package-lock.json) cross-checks exported proofs.
npm ci --prefix contracts --no-audit --no-fund
cargo test --workspace --no-fail-fast --lib --bins --tests 2>&1 | tee "$log"
cargo test --workspace --no-fail-fast --doc 2>&1 | tee -a "$log"
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "%d passed, %d failed\n", p, f }' "$log"
