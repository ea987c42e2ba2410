//! A proving key whose query bases (G1 and G2) have been prepared by an engine, once per key.

use super::sparse::SparseQuery;
use super::{error::at_step, Groth16Error, R1csInstance};
use ark_bn254::Bn254;
use ark_groth16::ProvingKey;
use zkinfer_accel::MsmEngine;

/// Which basis a proving key's `h_query` is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HBasis {
    /// `τ^i·Z_H(τ)/δ` for `i < n − 1`: ark-groth16's libsnark layout, proving keys of format
    /// version 1. Proving with it costs one more NTT (the coefficients of `h`).
    Powers,
    /// `L_i(τ)·Z_H(τ)/(δ·(g^n − 1))` for the `n` points of the coset: [`super::QapReduction`],
    /// what setup writes (format version 2).
    CosetLagrange,
    /// `L_{2i+1}(τ)/δ` for the odd-indexed Lagrange polynomials of the `2n`-th roots of unity,
    /// `n` bases over a power-of-two domain: snarkjs's layout (`.zkey` section 9), what a
    /// ceremony key has (format version 3). The witness map is `(A·B − C)` on the coset
    /// `ω_{2n}·H`.
    OddCoset,
}

impl HBasis {
    /// The QAP domain size for `wanted` = constraints + instance variables: the smallest
    /// radix-2 or `2^k·3^j` subgroup, or, for [`HBasis::OddCoset`], the smallest power of two
    /// (a `.ptau` holds no 3-subgroups).
    pub fn domain_size(self, wanted: usize) -> Option<usize> {
        use ark_poly::EvaluationDomain;
        match self {
            HBasis::OddCoset => wanted.checked_next_power_of_two().filter(|&n| n <= 1 << 28),
            HBasis::Powers | HBasis::CosetLagrange => {
                super::QapDomain::<ark_bn254::Fr>::compute_size_of_domain(wanted)
            }
        }
    }
}

/// A proving key with its query bases (G1 and G2) prepared by the engine once (reused across
/// proofs).
///
/// The A, B and L queries keep only their bases that are not the identity (`sparse.rs`):
/// a wire absent from every A column (B column; a lookup-mode key's round-1 wires in L) adds
/// nothing, and skipping it saves the MSM its scalar. The key is only reachable through
/// [`Self::pk`], so it cannot drift from the prepared bases.
pub struct PreparedProvingKey<A: MsmEngine> {
    pk: ProvingKey<Bn254>,
    pub(super) h_basis: HBasis,
    pub(super) a_query: SparseQuery<A::G1Bases>,
    pub(super) b_g1_query: SparseQuery<A::G1Bases>,
    pub(super) b_g2_query: SparseQuery<A::G2Bases>,
    pub(super) h_query: A::G1Bases,
    /// Over the witness variables (not the full assignment).
    pub(super) l_query: SparseQuery<A::G1Bases>,
}

impl<A: MsmEngine> PreparedProvingKey<A> {
    /// Prepares a key made by [`super::QapReduction`] (`h_query` in the coset basis, as setup
    /// writes it); see [`Self::with_basis`].
    pub fn new(engine: &A, pk: ProvingKey<Bn254>) -> Result<Self, Groth16Error> {
        Self::with_basis(engine, pk, HBasis::CosetLagrange)
    }

    /// Prepares `a_query`, `b_g1_query`, `b_g2_query`, `h_query` and `l_query` with `engine`
    /// (on a GPU: uploads them), after checking that the key's query lengths agree with each
    /// other.
    /// `h_basis` says how the key's `h_query` was made.
    pub fn with_basis(
        engine: &A,
        pk: ProvingKey<Bn254>,
        h_basis: HBasis,
    ) -> Result<Self, Groth16Error> {
        let vars = pk.a_query.len();
        let expect = |query, found| {
            if found == vars {
                Ok(())
            } else {
                Err(Groth16Error::KeyMismatch {
                    query,
                    expected: vars,
                    found,
                })
            }
        };
        expect("b_g1_query", pk.b_g1_query.len())?;
        expect("b_g2_query", pk.b_g2_query.len())?;
        expect(
            "gamma_abc_g1 + l_query",
            pk.vk.gamma_abc_g1.len() + pk.l_query.len(),
        )?;
        let g1 = |query: &[ark_bn254::G1Affine], step: &'static str| {
            SparseQuery::new(query, |b| engine.prepare_g1(b)).map_err(at_step(step))
        };
        Ok(Self {
            a_query: g1(&pk.a_query, "preparing a_query")?,
            b_g1_query: g1(&pk.b_g1_query, "preparing b_g1_query")?,
            b_g2_query: SparseQuery::new(&pk.b_g2_query, |b| engine.prepare_g2(b))
                .map_err(at_step("preparing b_g2_query"))?,
            h_query: engine
                .prepare_g1(&pk.h_query)
                .map_err(at_step("preparing h_query"))?,
            l_query: g1(&pk.l_query, "preparing l_query")?,
            pk,
            h_basis,
        })
    }

    /// The underlying ark-groth16 proving key (its `vk` is the verifying key).
    pub fn pk(&self) -> &ProvingKey<Bn254> {
        &self.pk
    }

    /// Gives the proving key back, dropping the prepared bases.
    pub fn into_pk(self) -> ProvingKey<Bn254> {
        self.pk
    }

    /// Checks that this key was made for an instance of `inst`'s shape, whose QAP domain has
    /// `domain_size` points.
    pub(super) fn check_instance(
        &self,
        inst: &R1csInstance,
        domain_size: usize,
    ) -> Result<(), Groth16Error> {
        let checks = [
            ("a_query", inst.assignment.len(), self.pk.a_query.len()),
            (
                "vk.gamma_abc_g1",
                inst.num_instance(),
                self.pk.vk.gamma_abc_g1.len(),
            ),
            (
                "h_query",
                match self.h_basis {
                    HBasis::Powers => domain_size - 1,
                    HBasis::CosetLagrange | HBasis::OddCoset => domain_size,
                },
                self.pk.h_query.len(),
            ),
        ];
        for (query, expected, found) in checks {
            if expected != found {
                return Err(Groth16Error::KeyMismatch {
                    query,
                    expected,
                    found,
                });
            }
        }
        Ok(())
    }
}
