//! The R1CS instance handed to the prover: the circuit's matrices (fixed per model, built once)
//! and one proof's full assignment.

use super::Groth16Error;
use ark_bn254::Fr;
use ark_ff::One;
use ark_relations::gr1cs::{ConstraintSystemRef, Matrix, R1CS_PREDICATE_LABEL};
use std::sync::Arc;

/// The constraint matrices of a circuit and its variable counts: the same for every proof of
/// one model, so a prover builds them once (from a setup-mode synthesis) and shares them.
///
/// Row `i` of `a`, `b`, `c` is constraint `i`: `⟨a_i, z⟩·⟨b_i, z⟩ = ⟨c_i, z⟩` for the
/// assignment `z`. Entries are `(coefficient, variable index into the assignment)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct R1csMatrices {
    /// The A matrix, one row per constraint.
    pub a: Matrix<Fr>,
    /// The B matrix, one row per constraint.
    pub b: Matrix<Fr>,
    /// The C matrix, one row per constraint.
    pub c: Matrix<Fr>,
    /// Number of instance variables, including the leading constant 1.
    pub num_instance: usize,
    /// Number of witness variables.
    pub num_witness: usize,
    /// Number of constraints (rows of each matrix).
    pub num_constraints: usize,
}

impl R1csMatrices {
    /// Extracts the matrices from a finalized constraint system synthesized with matrices
    /// (setup mode, or prove mode with `construct_matrices: true`).
    pub fn from_cs(cs: &ConstraintSystemRef<Fr>) -> Result<Self, Groth16Error> {
        if !cs.should_construct_matrices() {
            return Err(Groth16Error::MalformedInstance {
                detail: "the constraint system was synthesized without matrices".to_owned(),
            });
        }
        let mut matrices = cs.to_matrices()?;
        let others: Vec<String> = matrices
            .keys()
            .filter(|label| label.as_str() != R1CS_PREDICATE_LABEL)
            .cloned()
            .collect();
        let r1cs = matrices.remove(R1CS_PREDICATE_LABEL);
        let [a, b, c]: [Matrix<Fr>; 3] = match r1cs {
            Some(m) if others.is_empty() => {
                m.try_into()
                    .map_err(|m: Vec<_>| Groth16Error::MalformedInstance {
                        detail: format!("R1CS predicate has {} matrices, expected 3", m.len()),
                    })?
            }
            _ => return Err(Groth16Error::NotR1cs { found: others }),
        };
        let matrices = Self {
            a,
            b,
            c,
            num_instance: cs.num_instance_variables(),
            num_witness: cs.num_witness_variables(),
            num_constraints: cs.num_constraints(),
        };
        matrices.validate()?;
        Ok(matrices)
    }

    /// Number of variables: instance (with the constant 1) plus witness.
    pub fn num_variables(&self) -> usize {
        self.num_instance + self.num_witness
    }

    /// Checks that each matrix has `num_constraints` rows and that there is an instance.
    /// Variable indices are checked when rows are evaluated.
    pub fn validate(&self) -> Result<(), Groth16Error> {
        for (name, m) in [("A", &self.a), ("B", &self.b), ("C", &self.c)] {
            if m.len() != self.num_constraints {
                return Err(Groth16Error::MalformedInstance {
                    detail: format!(
                        "matrix {name} has {} rows for {} constraints (were the matrices constructed?)",
                        m.len(),
                        self.num_constraints
                    ),
                });
            }
        }
        if self.num_instance == 0 {
            return Err(Groth16Error::MalformedInstance {
                detail: "no instance variables (not even the constant 1)".to_owned(),
            });
        }
        Ok(())
    }
}

/// An R1CS instance ready for proving: the circuit's matrices and the full assignment
/// `(1, instance..., witness...)` of one proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct R1csInstance {
    /// The circuit's matrices, shared by every proof of the model.
    pub matrices: Arc<R1csMatrices>,
    /// The full assignment: the constant 1, the public inputs, then the witness.
    pub assignment: Vec<Fr>,
}

impl R1csInstance {
    /// Extracts the instance from a constraint system that has been synthesized in prove mode
    /// with `construct_matrices: true` and then finalized (as ark-groth16's prover does).
    pub fn from_cs(cs: ConstraintSystemRef<Fr>) -> Result<Self, Groth16Error> {
        let matrices = Arc::new(R1csMatrices::from_cs(&cs)?);
        Self::with_matrices(matrices, &cs)
    }

    /// The assignment of a constraint system synthesized in prove mode (matrices not needed:
    /// `construct_matrices: false` skips building them), with the circuit's `matrices` built
    /// once before. The variable counts must agree, or the circuit is not the one the
    /// matrices came from.
    pub fn with_matrices(
        matrices: Arc<R1csMatrices>,
        cs: &ConstraintSystemRef<Fr>,
    ) -> Result<Self, Groth16Error> {
        let (instance, witness) = (cs.num_instance_variables(), cs.num_witness_variables());
        if (instance, witness) != (matrices.num_instance, matrices.num_witness) {
            return Err(Groth16Error::MalformedInstance {
                detail: format!(
                    "the witness has {instance} instance and {witness} witness variables, but the \
                     circuit's matrices have {} and {}",
                    matrices.num_instance, matrices.num_witness
                ),
            });
        }
        Self::from_parts(
            matrices,
            cs.instance_assignment()?,
            cs.witness_assignment()?,
        )
    }

    /// The instance of an assignment given as its instance part (with the leading 1) and its
    /// witness part, e.g. after the two-round prover filled in the challenge and round 2.
    pub fn from_parts(
        matrices: Arc<R1csMatrices>,
        instance: Vec<Fr>,
        witness: Vec<Fr>,
    ) -> Result<Self, Groth16Error> {
        if (instance.len(), witness.len()) != (matrices.num_instance, matrices.num_witness) {
            return Err(Groth16Error::MalformedInstance {
                detail: format!(
                    "the assignment has {} instance and {} witness variables, but the circuit's \
                     matrices have {} and {}",
                    instance.len(),
                    witness.len(),
                    matrices.num_instance,
                    matrices.num_witness
                ),
            });
        }
        let mut assignment = instance;
        assignment.extend(witness);
        let instance = Self {
            matrices,
            assignment,
        };
        instance.validate()?;
        Ok(instance)
    }

    /// Number of instance variables, including the leading constant 1.
    pub fn num_instance(&self) -> usize {
        self.matrices.num_instance
    }

    /// Number of constraints.
    pub fn num_constraints(&self) -> usize {
        self.matrices.num_constraints
    }

    /// The public inputs, without the leading 1: what the verifier is given.
    pub fn public_inputs(&self) -> &[Fr] {
        self.assignment
            .get(1..self.num_instance())
            .unwrap_or_default()
    }

    /// The witness part of the assignment (everything after the instance variables).
    pub fn witness(&self) -> &[Fr] {
        self.assignment
            .get(self.num_instance()..)
            .unwrap_or_default()
    }

    /// Checks that sizes fit together: the matrices are well formed, the assignment starts
    /// with 1 and holds at least the instance. Variable indices are checked when rows are
    /// evaluated. Satisfaction is not checked (an unsatisfied instance gives a proof that does
    /// not verify).
    pub fn validate(&self) -> Result<(), Groth16Error> {
        self.matrices.validate()?;
        let malformed = |detail: String| Err(Groth16Error::MalformedInstance { detail });
        if self.num_instance() > self.assignment.len() {
            return malformed(format!(
                "{} instance variables (including the constant 1) in an assignment of {}",
                self.num_instance(),
                self.assignment.len()
            ));
        }
        if !self.assignment.first().is_some_and(One::is_one) {
            return malformed("the assignment does not start with the constant 1".to_owned());
        }
        Ok(())
    }
}
