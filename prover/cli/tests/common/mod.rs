//! Helpers shared by the CLI tests: run the real `zkinfer` binary on the bundled models.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod anvil;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `zkinfer` with `args`.
pub fn zkinfer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkinfer"))
        .args(args)
        .output()
        .expect("the zkinfer binary runs")
}

/// The repository's `models/`.
pub fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

/// A path as `&str` (test paths are UTF-8).
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
