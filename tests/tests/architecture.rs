//! The dependency rules of shared/STYLE.md §1.3, checked from `cargo metadata`, plus the
//! licence policy for every third-party crate.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

fn metadata() -> Value {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(zkinfer_e2e::repo_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Normal (non-dev) dependency names of each workspace crate.
fn workspace_deps(meta: &Value) -> BTreeMap<String, Vec<String>> {
    let members: Vec<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| members.contains(&p["id"].as_str().unwrap()))
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_string())
                .collect();
            (p["name"].as_str().unwrap().to_string(), deps)
        })
        .collect()
}

#[test]
fn ir_stays_pure() {
    let deps = workspace_deps(&metadata());
    let ir = &deps["zkinfer-ir"];
    for banned in [
        "ark-", "halo2", "tract", "tokio", "warp", "sled", "alloy", "zkinfer-",
    ] {
        assert!(
            !ir.iter().any(|d| d.starts_with(banned)),
            "zkinfer-ir must not depend on {banned}*: {ir:?}"
        );
    }
}

#[test]
fn data_moves_forward_only() {
    let deps = workspace_deps(&metadata());
    // Each crate may depend only on crates of earlier stages.
    let allowed: &[(&str, &[&str])] = &[
        ("zkinfer-ir", &[]),
        ("zkinfer-onnx", &["zkinfer-ir"]),
        ("zkinfer-r1cs", &["zkinfer-ir"]),
        ("zkinfer-accel", &[]),
        ("zkinfer-accel-cuda", &["zkinfer-accel"]),
        ("zkinfer-verifier", &[]),
        ("zkinfer-evm", &["zkinfer-verifier"]),
        (
            "zkinfer-ceremony",
            &[
                "zkinfer-ir",
                "zkinfer-accel",
                "zkinfer-prover",
                "zkinfer-verifier",
            ],
        ),
        (
            "zkinfer-service",
            &[
                "zkinfer-ir",
                "zkinfer-onnx",
                "zkinfer-r1cs",
                "zkinfer-prover",
                "zkinfer-ceremony",
                "zkinfer-verifier",
                "zkinfer-evm",
            ],
        ),
        (
            "zkinfer-prover",
            &[
                "zkinfer-ir",
                "zkinfer-r1cs",
                "zkinfer-accel",
                "zkinfer-accel-cuda",
                "zkinfer-verifier",
            ],
        ),
        (
            "zkinfer-cli",
            &[
                "zkinfer-ir",
                "zkinfer-onnx",
                "zkinfer-r1cs",
                "zkinfer-prover",
                "zkinfer-ceremony",
                "zkinfer-verifier",
                "zkinfer-evm",
                "zkinfer-service",
            ],
        ),
        (
            "zkinfer-e2e",
            &[
                "zkinfer-ir",
                "zkinfer-onnx",
                "zkinfer-r1cs",
                "zkinfer-prover",
                "zkinfer-verifier",
                "zkinfer-evm",
                "zkinfer-service",
            ],
        ),
    ];
    for (krate, ours) in &deps {
        let rule = allowed
            .iter()
            .find(|(k, _)| k == krate)
            .unwrap_or_else(|| panic!("no dependency rule for {krate}"));
        for d in ours.iter().filter(|d| d.starts_with("zkinfer-")) {
            assert!(
                rule.1.contains(&d.as_str()),
                "{krate} must not depend on {d}"
            );
        }
    }
}

#[test]
fn the_verifier_and_the_engine_seam_stay_small() {
    let deps = workspace_deps(&metadata());
    for banned in [
        "zkinfer-prover",
        "zkinfer-r1cs",
        "tokio",
        "warp",
        "alloy",
        "tract-onnx",
    ] {
        assert!(
            !deps["zkinfer-verifier"].iter().any(|d| d == banned),
            "zkinfer-verifier must not depend on {banned}"
        );
    }
    // the on-chain side stays out of the prover
    for banned in ["alloy", "revm", "zkinfer-evm"] {
        assert!(
            !deps["zkinfer-prover"].iter().any(|d| d == banned),
            "zkinfer-prover must not depend on {banned}"
        );
    }
    let allowed = [
        "ark-bn254",
        "ark-ec",
        "ark-ff",
        "ark-poly",
        "ark-std",
        "thiserror",
        "rayon",
    ];
    for d in &deps["zkinfer-accel"] {
        assert!(
            allowed.contains(&d.as_str()),
            "zkinfer-accel may not depend on {d}"
        );
    }
}

#[test]
fn only_edge_crates_use_anyhow() {
    for (krate, deps) in workspace_deps(&metadata()) {
        if !["zkinfer-cli", "zkinfer-e2e"].contains(&krate.as_str()) {
            assert!(
                !deps.contains(&"anyhow".to_string()),
                "{krate} is a library: use thiserror, not anyhow"
            );
        }
    }
}

/// Licences we accept (SPDX ids): permissive ones, plus MPL-2.0, whose copyleft is per file and
/// so only binds changes to the dependency's own files (alloy's `fastrlp` uses it).
const ALLOWED: &[&str] = &[
    "MPL-2.0",
    "MIT",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Zlib",
    "CC0-1.0",
    "0BSD",
    "BSL-1.0",
    "Unlicense",
    "MIT-0",
];

/// True when some `OR` alternative of an SPDX expression consists only of allowed licences.
fn licence_ok(expr: &str) -> bool {
    expr.replace('/', " OR ").split(" OR ").any(|alt| {
        alt.split(" AND ").all(|part| {
            let id = part.trim().trim_matches(|c| c == '(' || c == ')');
            let id = id.split(" WITH ").next().unwrap_or(id).trim();
            ALLOWED.contains(&id)
        })
    })
}

#[test]
fn every_dependency_has_an_allowed_licence() {
    assert!(licence_ok("MIT OR Apache-2.0") && licence_ok("(MIT OR Apache-2.0) AND Unicode-3.0"));
    assert!(
        licence_ok("Apache-2.0 WITH LLVM-exception OR MIT")
            && !licence_ok("GPL-3.0")
            && !licence_ok("MIT AND GPL-2.0")
    );
    for p in metadata()["packages"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        let licence = p["license"].as_str().unwrap_or("");
        assert!(
            licence_ok(licence),
            "{name}: licence `{licence}` is not on the allow list"
        );
    }
}
