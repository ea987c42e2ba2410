//! `Rescale`: the one rounding step of fixed-point arithmetic.

use serde::{Deserialize, Serialize};

use crate::{Fact, IrError, QTensor};

/// `y = ⌊(x + 2^(shift−1)) / 2^shift⌋` (division by `2^shift`, rounding half up; `y = x` when
/// `shift = 0`), and `y` must lie in `[−2^(bits−1), 2^(bits−1) − 1]`.
///
/// The output scale is the input scale minus `shift`. In R1CS the remainder
/// `r = x + 2^(shift−1) − y·2^shift ∈ [0, 2^shift)` and `y` are range-checked, so the result is
/// unique; the executor refuses any `y` outside the range rather than produce a witness the
/// circuit cannot accept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rescale {
    /// Power of two to divide by.
    pub shift: u32,
    /// Signed bit width of the result (2..=62).
    pub bits: u32,
}

impl Rescale {
    const NAME: &'static str = "rescale";

    fn check(&self) -> Result<(), IrError> {
        if !(2..=62).contains(&self.bits) || self.shift > 62 {
            return Err(IrError::InvalidParameter {
                op: Self::NAME,
                detail: format!(
                    "bits {} must be in 2..=62 and shift {} at most 62",
                    self.bits, self.shift
                ),
            });
        }
        Ok(())
    }

    /// Smallest and largest allowed result.
    pub fn range(&self) -> (i64, i64) {
        let half = 1i64 << (self.bits - 1);
        (-half, half - 1)
    }

    /// Output fact: scale `x.scale − shift`, bound `2^(bits−1)`.
    pub fn infer(&self, x: &Fact) -> Result<Fact, IrError> {
        self.check()?;
        Fact::new(
            Self::NAME,
            x.shape.clone(),
            x.scale - self.shift as i32,
            1u128 << (self.bits - 1),
        )
    }

    /// The rounded value of one element (no range check).
    pub fn round(&self, v: i64) -> i64 {
        if self.shift == 0 {
            return v;
        }
        let half = 1i128 << (self.shift - 1);
        // Arithmetic shift right is floor division by 2^shift for negative values too.
        ((v as i128 + half) >> self.shift) as i64
    }

    /// Exact evaluation, refusing results outside the range.
    pub fn eval(&self, x: &QTensor) -> Result<QTensor, IrError> {
        self.check()?;
        let (min, max) = self.range();
        let data = x
            .data
            .iter()
            .enumerate()
            .map(|(index, &v)| {
                let y = self.round(v);
                if y < min || y > max {
                    Err(IrError::OutOfRange {
                        value: y as i128,
                        index,
                        min,
                        max,
                    })
                } else {
                    Ok(y)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        QTensor::new(x.shape.clone(), data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_up_for_both_signs() {
        let r = Rescale { shift: 2, bits: 8 };
        let x = QTensor::new(vec![8], vec![5, 6, 7, -5, -6, -7, 2, -2]).unwrap();
        // 5/4=1.25→1, 6/4=1.5→2, 7/4=1.75→2, -1.25→-1, -1.5→-1 (half up), -1.75→-2, 0.5→1, -0.5→0
        assert_eq!(r.eval(&x).unwrap().data, vec![1, 2, 2, -1, -1, -2, 1, 0]);
    }

    #[test]
    fn refuses_results_outside_the_range() {
        let r = Rescale { shift: 0, bits: 4 };
        assert!(r.eval(&QTensor::new(vec![1], vec![7]).unwrap()).is_ok());
        assert!(r.eval(&QTensor::new(vec![1], vec![-8]).unwrap()).is_ok());
        let e = r
            .eval(&QTensor::new(vec![2], vec![0, 8]).unwrap())
            .unwrap_err();
        assert_eq!(
            e,
            IrError::OutOfRange {
                value: 8,
                index: 1,
                min: -8,
                max: 7
            }
        );
    }

    #[test]
    fn infers_lower_scale() {
        let f = Rescale { shift: 3, bits: 10 }
            .infer(&Fact {
                shape: vec![2],
                scale: 12,
                max_abs: 1 << 40,
            })
            .unwrap();
        assert_eq!((f.scale, f.max_abs), (9, 512));
    }
}
