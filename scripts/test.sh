#!/usr/bin/env bash
# The test command from the README: installs what the tests need, then runs every test in the
# workspace (unit, doc, end-to-end, CLI, architecture). Works on a fresh machine with only the
# Rust toolchain and access to the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."

# Nothing outside cargo is needed yet: models/ ships the ONNX files, inputs and test sets
# (models/make_models.py regenerates them; it is not run here).
cargo test --workspace --all-targets
cargo test --workspace --doc
