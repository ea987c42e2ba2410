//! snarkjs (pinned in `contracts/package.json`, installed by `scripts/test.sh`) for the
//! cross-checks, and reading what it prints.

use std::process::{Command, Output};

use super::models;

/// Runs the pinned snarkjs with `args`.
pub fn snarkjs(args: &[&str]) -> Output {
    let bin = models().join("../contracts/node_modules/.bin/snarkjs");
    assert!(
        bin.exists(),
        "snarkjs is not installed at {}: run `npm ci --prefix contracts` (scripts/test.sh does)",
        bin.display()
    );
    Command::new(bin)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("snarkjs runs (is node installed?)")
}

/// Both output streams.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// snarkjs prints hashes as four lines of four 8-digit groups: join every hex group.
pub fn snarkjs_hashes(out: &str) -> String {
    out.split_whitespace()
        .filter(|w| w.len() == 8 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect()
}
