//! CPU NTTs: arkworks' FFTs over a radix-2 domain (`2^k` points) or, for lengths `2^k·3` and
//! `2^k·9`, a mixed-radix one (BN254's scalar field has 3-subgroups), on a copy of the input.

use crate::{AccelError, Coset, Direction};
use ark_bn254::Fr;
use ark_ff::FftField;
use ark_poly::{
    EvaluationDomain, GeneralEvaluationDomain, MixedRadixEvaluationDomain, Radix2EvaluationDomain,
};

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
fn domain(len: usize, coset: Coset) -> Result<GeneralEvaluationDomain<Fr>, AccelError> {
    let bad = |detail: String| AccelError::BadSize { len, detail };
    let domain = if len.is_power_of_two() {
        Radix2EvaluationDomain::<Fr>::new(len)
            .map(GeneralEvaluationDomain::Radix2)
            .ok_or_else(|| bad(format!("NTT length exceeds 2^{}", Fr::TWO_ADICITY)))?
    } else {
        let odd = len.checked_shr(len.trailing_zeros()).unwrap_or(0);
        if !(odd == 3 || odd == 9) {
            return Err(bad("NTT length must be 2^k, 2^k·3 or 2^k·9".to_owned()));
        }
        MixedRadixEvaluationDomain::<Fr>::new(len)
            .filter(|d| d.size() == len)
            .map(GeneralEvaluationDomain::MixedRadix)
            .ok_or_else(|| bad("no mixed-radix domain of exactly this size".to_owned()))?
    };
    match coset {
        Coset::None => Ok(domain),
        Coset::Standard => domain
            .get_coset(Fr::GENERATOR)
            .ok_or_else(|| AccelError::Device("arkworks refused the standard coset".to_owned())),
    }
}
