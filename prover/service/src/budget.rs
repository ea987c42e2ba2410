//! Resource budgets checked before a model's setup starts: [`check`] takes a model's figures
//! ([`ModelStats`]) and the service's [`Limits`] and refuses, naming the figure and the limit,
//! a model whose constraint count, public inputs or estimated memory is above them.
//!
//! The figures come from `zkinfer_r1cs::estimate` today (a setup-mode synthesis, run off the
//! async executor); an analytic, allocation-free estimator can feed the same [`ModelStats`].
//!
//! # Estimated memory
//!
//! `estimated_memory_bytes = 64 MiB + 4 KiB × (constraints + public inputs)`, the peak
//! resident memory of setup and proving, from these measurements (release build, CPU engine;
//! BENCHMARKS.md and the security review):
//! * proving keys take 380–385 bytes per constraint on disk (mlp784 11.1 MiB for 30,242
//!   constraints, cnn 11.1 MiB / 30,632, resnet_tiny 41.8 MiB / 114,438, lenet5 67.4 MiB /
//!   186,076);
//! * the peak while proving is 2.3–3.3 KiB per constraint (lenet5 421 MiB, resnet_tiny
//!   265 MiB, mlp784 96 MiB including a ~20 MiB base);
//! * registering and setting up a dense 3000×3000 Gemm (162,919 constraints, a 36 MB ONNX
//!   file) peaked at 745 MB, 4.6 KB per constraint including the import;
//! * `zkinfer setup` alone (2026-12-01, `/usr/bin/time -f %M`, dev build with optimized
//!   dependencies) peaked at 70 MiB for mlp784 and 300 MiB for lenet5 (1.6 KiB per
//!   constraint): proving, not setup, sets the per-constraint peak.
//!
//! 4 KiB per constraint (plus a 64 MiB base for the process, the store and the import) covers
//! all of them; the QAP domain (and so the `h` query and the NTTs) grows with constraints plus
//! public inputs, hence their sum.

/// Fixed memory the estimate adds for the process, the store and the model's import.
pub const BASE_MEMORY_BYTES: u64 = 64 << 20;
/// Memory the estimate adds per constraint (and per public input).
pub const BYTES_PER_CONSTRAINT: u64 = 4 << 10;

/// What a model costs, as far as the budget is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelStats {
    /// R1CS constraints.
    pub constraints: usize,
    /// Public inputs of a proof.
    pub public_inputs: usize,
    /// Estimated peak memory of setup and proving (see the module documentation).
    pub estimated_memory_bytes: u64,
}

impl ModelStats {
    /// Figures with the memory estimated from the counts by the documented formula.
    pub fn from_counts(constraints: usize, public_inputs: usize) -> Self {
        let units = (constraints as u64).saturating_add(public_inputs as u64);
        ModelStats {
            constraints,
            public_inputs,
            estimated_memory_bytes: BASE_MEMORY_BYTES
                .saturating_add(units.saturating_mul(BYTES_PER_CONSTRAINT)),
        }
    }
}

/// The largest model the service sets up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most constraints.
    pub max_constraints: usize,
    /// Most public inputs (each costs the on-chain verifier an elliptic-curve multiplication).
    pub max_public_inputs: usize,
    /// Most estimated memory, bytes.
    pub max_memory_bytes: u64,
}

/// Default [`Limits::max_constraints`].
pub const DEFAULT_MAX_CONSTRAINTS: usize = 4_000_000;
/// Default [`Limits::max_public_inputs`]: an on-chain verifier pays about 7,000 gas per public
/// input, so a few thousand already fill a block.
pub const DEFAULT_MAX_PUBLIC_INPUTS: usize = 4_096;

impl Limits {
    /// The defaults, with the memory budget from [`default_memory_budget`].
    pub fn defaults() -> Self {
        Limits {
            max_constraints: DEFAULT_MAX_CONSTRAINTS,
            max_public_inputs: DEFAULT_MAX_PUBLIC_INPUTS,
            max_memory_bytes: default_memory_budget(),
        }
    }
}

/// A model over budget: which figure, its value and the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    /// Too many constraints.
    #[error("the model has {found} constraints; this service sets up at most {limit} (--max-constraints)")]
    Constraints {
        /// The model's count.
        found: usize,
        /// The limit.
        limit: usize,
    },
    /// Too many public inputs.
    #[error("the model has {found} public inputs; this service sets up at most {limit} (--max-public-inputs)")]
    PublicInputs {
        /// The model's count.
        found: usize,
        /// The limit.
        limit: usize,
    },
    /// Estimated memory above the budget.
    #[error(
        "setting up and proving the model needs an estimated {} MiB; this service's budget is {} MiB (--max-memory-mib)",
        estimated >> 20,
        limit >> 20
    )]
    Memory {
        /// The estimate, bytes.
        estimated: u64,
        /// The budget, bytes.
        limit: u64,
    },
}

impl BudgetError {
    /// A stable machine-readable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            BudgetError::Constraints { .. } => "too_many_constraints",
            BudgetError::PublicInputs { .. } => "too_many_public_inputs",
            BudgetError::Memory { .. } => "over_memory_budget",
        }
    }
}

/// Refuses a model above any limit (constraints first, then public inputs, then memory).
pub fn check(stats: &ModelStats, limits: &Limits) -> Result<(), BudgetError> {
    if stats.constraints > limits.max_constraints {
        return Err(BudgetError::Constraints {
            found: stats.constraints,
            limit: limits.max_constraints,
        });
    }
    if stats.public_inputs > limits.max_public_inputs {
        return Err(BudgetError::PublicInputs {
            found: stats.public_inputs,
            limit: limits.max_public_inputs,
        });
    }
    if stats.estimated_memory_bytes > limits.max_memory_bytes {
        return Err(BudgetError::Memory {
            estimated: stats.estimated_memory_bytes,
            limit: limits.max_memory_bytes,
        });
    }
    Ok(())
}

/// Memory budget used when none is configured: half of `MemAvailable` in `/proc/meminfo`
/// (4 GiB where that cannot be read).
pub fn default_memory_budget() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| mem_available_bytes(&t))
        .map_or(4 << 30, |b| b / 2)
}

/// `MemAvailable` of a `/proc/meminfo` text, bytes.
pub fn mem_available_bytes(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let mut parts = line.split_whitespace().skip(1);
    let value: u64 = parts.next()?.parse().ok()?;
    match parts.next() {
        Some("kB") | None => value.checked_mul(1024),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_constraints: 1_000,
        max_public_inputs: 10,
        max_memory_bytes: 100 << 20,
    };

    #[test]
    fn each_limit_is_enforced_and_named() {
        assert_eq!(check(&ModelStats::from_counts(1_000, 10), &LIMITS), Ok(()));
        let e = check(&ModelStats::from_counts(1_001, 1), &LIMITS).unwrap_err();
        assert_eq!(e.code(), "too_many_constraints");
        assert!(
            e.to_string().contains("1001") && e.to_string().contains("1000"),
            "{e}"
        );
        let e = check(&ModelStats::from_counts(5, 11), &LIMITS).unwrap_err();
        assert_eq!(e.code(), "too_many_public_inputs");
        let big = ModelStats {
            constraints: 1,
            public_inputs: 1,
            estimated_memory_bytes: 200 << 20,
        };
        let e = check(&big, &LIMITS).unwrap_err();
        assert_eq!(e.code(), "over_memory_budget");
        assert!(
            e.to_string().contains("200 MiB") && e.to_string().contains("100 MiB"),
            "{e}"
        );
    }

    #[test]
    fn the_memory_formula_matches_its_documentation() {
        // lenet5: 186,076 constraints → 64 MiB + 4 KiB each ≈ 791 MiB (measured peak 421 MiB
        // proving; setup more)
        let s = ModelStats::from_counts(186_076, 12);
        assert_eq!(s.estimated_memory_bytes, (64 << 20) + 186_088 * 4096);
        assert_eq!(s.estimated_memory_bytes >> 20, 790);
        let huge = ModelStats::from_counts(usize::MAX, usize::MAX);
        assert_eq!(huge.estimated_memory_bytes, u64::MAX);
    }

    #[test]
    fn mem_available_is_read_from_meminfo() {
        let text = "MemTotal:       24000000 kB\nMemFree:  1 kB\nMemAvailable:   16000000 kB\n";
        assert_eq!(mem_available_bytes(text), Some(16_000_000 * 1024));
        assert_eq!(mem_available_bytes("MemTotal: 5 kB\n"), None);
        assert!(default_memory_budget() > 0);
    }
}
