//! The QAP evaluation domain: the smallest multiplicative subgroup that holds the constraints.
//!
//! arkworks' `GeneralEvaluationDomain` always picks a power of two when one exists. BN254's
//! scalar field also has subgroups of order `2^k·3` and `2^k·9`, so for, e.g., LeNet-5's
//! 186k constraints a domain of `3·2^16 = 196,608` points replaces `2^18 = 262,144`: the `h`
//! MSM and every NTT shrink by a quarter. [`QapDomain`] picks the smaller of the two and
//! [`QapReduction`] is ark-groth16's libsnark reduction over it, with `h` committed in the
//! Lagrange basis of the coset (see there), used for setup and proving.

use ark_ff::{batch_inversion, FftField, PrimeField};
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_poly::domain::general::GeneralElements;
use ark_poly::domain::DomainCoeff;
use ark_poly::{
    EvaluationDomain, GeneralEvaluationDomain, MixedRadixEvaluationDomain, Radix2EvaluationDomain,
};
use ark_relations::gr1cs::{ConstraintSystemRef, Matrix, SynthesisError};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};

/// The smallest radix-2 or mixed-radix (`2^k·3^j`) domain of at least the requested size.
#[derive(Copy, Clone, Hash, Eq, PartialEq, Debug, CanonicalSerialize, CanonicalDeserialize)]
pub struct QapDomain<F: FftField>(pub GeneralEvaluationDomain<F>);

impl<F: FftField> QapDomain<F> {
    fn choose(n: usize) -> Option<GeneralEvaluationDomain<F>> {
        let radix2 = Radix2EvaluationDomain::<F>::new(n);
        let mixed = F::SMALL_SUBGROUP_BASE.and_then(|_| MixedRadixEvaluationDomain::<F>::new(n));
        match (radix2, mixed) {
            (Some(r), Some(m)) if m.size() < r.size() => {
                Some(GeneralEvaluationDomain::MixedRadix(m))
            }
            (Some(r), _) => Some(GeneralEvaluationDomain::Radix2(r)),
            (None, m) => m.map(GeneralEvaluationDomain::MixedRadix),
        }
    }
}

impl<F: FftField> EvaluationDomain<F> for QapDomain<F> {
    type Elements = GeneralElements<F>;

    fn new(num_coeffs: usize) -> Option<Self> {
        Self::choose(num_coeffs).map(Self)
    }

    fn get_coset(&self, offset: F) -> Option<Self> {
        self.0.get_coset(offset).map(Self)
    }

    fn compute_size_of_domain(num_coeffs: usize) -> Option<usize> {
        Self::choose(num_coeffs).map(|d| d.size())
    }

    fn size(&self) -> usize {
        self.0.size()
    }

    fn log_size_of_group(&self) -> u64 {
        self.0.log_size_of_group()
    }

    fn size_inv(&self) -> F {
        self.0.size_inv()
    }

    fn group_gen(&self) -> F {
        self.0.group_gen()
    }

    fn group_gen_inv(&self) -> F {
        self.0.group_gen_inv()
    }

    fn coset_offset(&self) -> F {
        self.0.coset_offset()
    }

    fn coset_offset_inv(&self) -> F {
        self.0.coset_offset_inv()
    }

    fn coset_offset_pow_size(&self) -> F {
        self.0.coset_offset_pow_size()
    }

    fn fft_in_place<T: DomainCoeff<F>>(&self, coeffs: &mut Vec<T>) {
        self.0.fft_in_place(coeffs)
    }

    fn ifft_in_place<T: DomainCoeff<F>>(&self, evals: &mut Vec<T>) {
        self.0.ifft_in_place(evals)
    }

    fn evaluate_all_lagrange_coefficients(&self, tau: F) -> Vec<F> {
        self.0.evaluate_all_lagrange_coefficients(tau)
    }

    fn evaluate_vanishing_polynomial(&self, tau: F) -> F {
        self.0.evaluate_vanishing_polynomial(tau)
    }

    fn elements(&self) -> Self::Elements {
        self.0.elements()
    }
}

/// ark-groth16's libsnark R1CS-to-QAP reduction over [`QapDomain`] (whatever domain type the
/// caller names), with the quotient `h` in the Lagrange basis of the coset `gH`. Setup and
/// proving must both use it.
///
/// The libsnark reduction evaluates `A·B − C` on the coset, divides by `Z_H(g·ω^i) = g^n − 1`,
/// interpolates back to the coefficients of `h` and commits to `Σ h_i·τ^i·Z_H(τ)/δ`. Here the
/// key's `h_query` holds `L_i(τ)·Z_H(τ)/(δ·(g^n − 1))` for the Lagrange polynomials `L_i` of
/// the coset (`n` bases), and the witness map is `(A·B − C)(g·ω^i)` itself: the same group
/// element, without the last inverse NTT or the division (snarkjs's and rapidsnark's layout).
pub struct QapReduction;

/// ark-groth16's libsnark reduction over [`QapDomain`] unchanged (`h_query` in powers of τ):
/// the layout of proving keys of format version 1 ([`super::HBasis::Powers`]), still proved
/// with; [`crate::setup_with_basis`] can make such keys.
pub struct PowersReduction;

impl R1CSToQAP for PowersReduction {
    #[allow(clippy::type_complexity)]
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        cs: ConstraintSystemRef<F>,
        t: &F,
    ) -> Result<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize), SynthesisError> {
        LibsnarkReduction::instance_map_with_evaluation::<F, QapDomain<F>>(cs, t)
    }

    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &[Matrix<F>],
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> Result<Vec<F>, SynthesisError> {
        LibsnarkReduction::witness_map_from_matrices::<F, QapDomain<F>>(
            matrices,
            num_inputs,
            num_constraints,
            full_assignment,
        )
    }

    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        max_power: usize,
        t: F,
        zt: F,
        delta_inverse: F,
    ) -> Result<Vec<F>, SynthesisError> {
        LibsnarkReduction::h_query_scalars::<F, QapDomain<F>>(max_power, t, zt, delta_inverse)
    }
}

/// `L_i(t)` for the Lagrange polynomials of the coset `g·H` of `domain` (size `n`, points
/// `x_i = g·ω^i`): `L_i(t) = (t^n − g^n)·x_i / (n·g^n·(t − x_i))`. Fails if `t` is a point of
/// the coset (probability `n/|F|` for a random `t`).
fn coset_lagrange<F: PrimeField, D: EvaluationDomain<F>>(
    domain: &D,
    g: F,
    t: F,
) -> Result<Vec<F>, SynthesisError> {
    let n = domain.size();
    let g_n = g.pow([n as u64]);
    let points: Vec<F> = domain.elements().map(|w| g * w).collect();
    let mut denominators: Vec<F> = points.iter().map(|&x| t - x).collect();
    if denominators.iter().any(|d| d.is_zero()) {
        return Err(SynthesisError::DivisionByZero);
    }
    batch_inversion(&mut denominators);
    let scale = (t.pow([n as u64]) - g_n)
        * (F::from(n as u64) * g_n)
            .inverse()
            .ok_or(SynthesisError::DivisionByZero)?;
    Ok(points
        .iter()
        .zip(denominators)
        .map(|(&x, inv)| scale * x * inv)
        .collect())
}

impl R1CSToQAP for QapReduction {
    /// The same QAP as [`PowersReduction`]: only `h`'s basis differs.
    #[allow(clippy::type_complexity)]
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        cs: ConstraintSystemRef<F>,
        t: &F,
    ) -> Result<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize), SynthesisError> {
        PowersReduction::instance_map_with_evaluation::<F, D>(cs, t)
    }

    /// `(A·B − C)(g·ω^i)` for every point of the coset: libsnark's coefficients of `h`,
    /// evaluated on the coset and multiplied back by `g^n − 1`. (Only ark-groth16's own prover
    /// calls this, in tests; zkinfer's prover computes it with the engine in `qap.rs`.)
    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &[Matrix<F>],
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> Result<Vec<F>, SynthesisError> {
        let coefficients = PowersReduction::witness_map_from_matrices::<F, D>(
            matrices,
            num_inputs,
            num_constraints,
            full_assignment,
        )?;
        let domain = QapDomain::<F>::new(num_constraints + num_inputs)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let coset = domain
            .get_coset(F::GENERATOR)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let z_coset = F::GENERATOR.pow([domain.size() as u64]) - F::one();
        Ok(coset
            .fft(&coefficients)
            .into_iter()
            .map(|v| v * z_coset)
            .collect())
    }

    /// `L_i(τ)·Z_H(τ)/(δ·(g^n − 1))` for the `n = max_power + 1` points of the coset.
    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        max_power: usize,
        t: F,
        zt: F,
        delta_inverse: F,
    ) -> Result<Vec<F>, SynthesisError> {
        let n = max_power + 1;
        let domain = QapDomain::<F>::new(n)
            .filter(|d| d.size() == n)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let z_coset_inv = (F::GENERATOR.pow([n as u64]) - F::one())
            .inverse()
            .ok_or(SynthesisError::DivisionByZero)?;
        let factor = zt * delta_inverse * z_coset_inv;
        Ok(coset_lagrange(&domain, F::GENERATOR, t)?
            .into_iter()
            .map(|l| l * factor)
            .collect())
    }
}

/// The QAP of snarkjs's keys ([`super::HBasis::OddCoset`]): libsnark's reduction over the
/// power-of-two domain `H` of `n` points, with `h` committed in the Lagrange basis of the
/// odd `2n`-th roots `ω_{2n}·H`, `L^{(2n)}_{2i+1}(τ)/δ`, which a `.ptau` provides. Used by
/// development setups of ceremony-shaped keys and in tests; ceremony keys come from a `.zkey`.
pub struct OddCosetReduction;

impl OddCosetReduction {
    /// The radix-2 domain for `num_coeffs` and its coset shift `ω_{2n}`.
    fn domain<F: PrimeField>(
        num_coeffs: usize,
    ) -> Result<(Radix2EvaluationDomain<F>, F), SynthesisError> {
        let domain = Radix2EvaluationDomain::<F>::new(num_coeffs)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let g = F::get_root_of_unity(2 * domain.size() as u64)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        Ok((domain, g))
    }
}

impl R1CSToQAP for OddCosetReduction {
    #[allow(clippy::type_complexity)]
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        cs: ConstraintSystemRef<F>,
        t: &F,
    ) -> Result<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize), SynthesisError> {
        LibsnarkReduction::instance_map_with_evaluation::<F, Radix2EvaluationDomain<F>>(cs, t)
    }

    /// `(A·B − C)(ω_{2n}·ω^i)`: libsnark's coefficients of `h` on the odd coset, times
    /// `Z_H(ω_{2n}·ω^i) = −2`.
    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &[Matrix<F>],
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> Result<Vec<F>, SynthesisError> {
        let coefficients = LibsnarkReduction::witness_map_from_matrices::<
            F,
            Radix2EvaluationDomain<F>,
        >(matrices, num_inputs, num_constraints, full_assignment)?;
        let (domain, g) = Self::domain::<F>(num_constraints + num_inputs)?;
        let coset = domain
            .get_coset(g)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let z_coset = g.pow([domain.size() as u64]) - F::one();
        Ok(coset
            .fft(&coefficients)
            .into_iter()
            .map(|v| v * z_coset)
            .collect())
    }

    /// `L^{(2n)}_{2i+1}(τ)/δ = L^{coset}_i(τ)·Z_H(τ)/(δ·(ω_{2n}^n − 1))`.
    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        max_power: usize,
        t: F,
        zt: F,
        delta_inverse: F,
    ) -> Result<Vec<F>, SynthesisError> {
        let n = max_power + 1;
        let (domain, g) = Self::domain::<F>(n)?;
        if domain.size() != n {
            return Err(SynthesisError::PolynomialDegreeTooLarge);
        }
        let z_coset_inv = (g.pow([n as u64]) - F::one())
            .inverse()
            .ok_or(SynthesisError::DivisionByZero)?;
        let factor = zt * delta_inverse * z_coset_inv;
        Ok(coset_lagrange(&domain, g, t)?
            .into_iter()
            .map(|l| l * factor)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;

    #[test]
    fn coset_lagrange_basis_interpolates() {
        use ark_ff::UniformRand;
        use ark_poly::{univariate::DensePolynomial, DenseUVPolynomial, Polynomial};
        let mut rng = ark_std::test_rng();
        for n in [8usize, 12, 96] {
            let domain = QapDomain::<Fr>::new(n).unwrap();
            assert_eq!(domain.size(), n);
            let p = DensePolynomial::<Fr>::rand(n - 1, &mut rng);
            let t = Fr::rand(&mut rng);
            let basis = coset_lagrange(&domain, Fr::GENERATOR, t).unwrap();
            let via_basis: Fr = domain
                .elements()
                .zip(&basis)
                .map(|(w, l)| p.evaluate(&(Fr::GENERATOR * w)) * l)
                .sum();
            assert_eq!(via_basis, p.evaluate(&t), "n = {n}");
        }
        let domain = QapDomain::<Fr>::new(8).unwrap();
        let on_coset = Fr::GENERATOR * domain.group_gen();
        assert!(coset_lagrange(&domain, Fr::GENERATOR, on_coset).is_err());
    }

    #[test]
    fn picks_the_smaller_domain() {
        assert_eq!(
            QapDomain::<Fr>::compute_size_of_domain(186_079),
            Some(3 << 16)
        );
        assert_eq!(
            QapDomain::<Fr>::compute_size_of_domain(1 << 16),
            Some(1 << 16)
        );
        assert_eq!(
            QapDomain::<Fr>::compute_size_of_domain(33_000),
            Some(9 << 12)
        );
        assert_eq!(QapDomain::<Fr>::compute_size_of_domain(3), Some(3));
    }
}
