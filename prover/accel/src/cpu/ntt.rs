//! CPU NTTs: arkworks' radix-2 FFT over `Radix2EvaluationDomain`, on a copy of the input.

use crate::{AccelError, Coset, Direction};
use ark_bn254::Fr;
use ark_ff::FftField;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

/// Transforms `values` in place over the (coset) domain of size `values.len()`.
pub(super) fn ntt(values: &mut [Fr], dir: Direction, coset: Coset) -> Result<(), AccelError> {
    let domain = domain(values.len(), coset)?;
    let out = match dir {
        Direction::Forward => domain.fft(values),
        Direction::Inverse => domain.ifft(values),
    };
    if out.len() != values.len() {
        return Err(AccelError::Device(format!(
            "arkworks FFT returned {} values for a domain of {}",
            out.len(),
            values.len()
        )));
    }
    values.copy_from_slice(&out);
    Ok(())
}

/// The arkworks domain of exactly `len` points, shifted to the standard coset if asked.
fn domain(len: usize, coset: Coset) -> Result<Radix2EvaluationDomain<Fr>, AccelError> {
    if !len.is_power_of_two() {
        return Err(AccelError::BadSize {
            len,
            detail: "NTT length must be a non-zero power of two".to_owned(),
        });
    }
    let domain = Radix2EvaluationDomain::<Fr>::new(len).ok_or_else(|| AccelError::BadSize {
        len,
        detail: format!("NTT length exceeds 2^{}", Fr::TWO_ADICITY),
    })?;
    match coset {
        Coset::None => Ok(domain),
        Coset::Standard => domain
            .get_coset(Fr::GENERATOR)
            .ok_or_else(|| AccelError::Device("arkworks refused the standard coset".to_owned())),
    }
}
