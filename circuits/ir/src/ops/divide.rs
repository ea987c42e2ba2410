//! `Div`: the quotient of two computed tensors, rounded half up (Softmax's normalisation,
//! gates, normalisation by a computed scale).

use serde::{Deserialize, Serialize};

use crate::{Fact, IrError, QTensor};

/// `y = ⌊(2^(shift+1)·a + s) / (2s)⌋` element-wise (the quotient `a·2^shift / s` rounded half
/// up), for a divisor `s > 0`; `y` must lie in `[−2^(bits−1), 2^(bits−1) − 1]`.
///
/// The output scale is `scale(a) + shift − scale(s)`. In R1CS the quotient and the remainder
/// `r` are witnesses with `2s·y = 2^(shift+1)·a + s − r`, `r ∈ [0, 2s)` and `y` range-checked,
/// which makes `y` unique and forces `s > 0`; the executor refuses a divisor `≤ 0` or a
/// quotient outside the range rather than produce a witness the circuit cannot accept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Div {
    /// Power of two the numerator is multiplied by (0..=60).
    pub shift: u32,
    /// Signed bit width of the quotient (2..=62).
    pub bits: u32,
}

impl Div {
    const NAME: &'static str = "div";

    fn check(&self, a: &[usize], s: &[usize]) -> Result<(), IrError> {
        if !(2..=62).contains(&self.bits) || self.shift > 60 {
            return Err(IrError::InvalidParameter {
                op: Self::NAME,
                detail: format!(
                    "bits {} must be in 2..=62 and shift {} at most 60",
                    self.bits, self.shift
                ),
            });
        }
        if a != s {
            return Err(IrError::Shape {
                op: Self::NAME,
                detail: format!("shapes {a:?} and {s:?} differ"),
            });
        }
        Ok(())
    }

    /// Output fact: scale `scale(a) + shift − scale(s)`, bound `2^(bits−1)`.
    pub fn infer(&self, a: &Fact, s: &Fact) -> Result<Fact, IrError> {
        self.check(&a.shape, &s.shape)?;
        Fact::new(
            Self::NAME,
            a.shape.clone(),
            a.scale + self.shift as i32 - s.scale,
            1u128 << (self.bits - 1),
        )
    }

    /// The quotient of one pair, `None` for a divisor `≤ 0`.
    pub fn quotient(&self, a: i64, s: i64) -> Option<i128> {
        if s <= 0 {
            return None;
        }
        let num = (i128::from(a) << (self.shift + 1)) + i128::from(s);
        Some(num.div_euclid(2 * i128::from(s)))
    }

    /// Exact evaluation, refusing divisors `≤ 0` and quotients outside the range.
    pub fn eval(&self, a: &QTensor, s: &QTensor) -> Result<QTensor, IrError> {
        self.check(&a.shape, &s.shape)?;
        let half = 1i128 << (self.bits - 1);
        let data = a
            .data
            .iter()
            .zip(&s.data)
            .enumerate()
            .map(|(index, (&a, &s))| {
                let q = self.quotient(a, s).ok_or(IrError::OutOfRange {
                    value: i128::from(s),
                    index,
                    min: 1,
                    max: i64::MAX,
                })?;
                if !(-half..half).contains(&q) {
                    return Err(IrError::OutOfRange {
                        value: q,
                        index,
                        min: -(half as i64),
                        max: (half - 1) as i64,
                    });
                }
                Ok(q as i64)
            })
            .collect::<Result<Vec<_>, _>>()?;
        QTensor::new(a.shape.clone(), data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_up_and_refuses_bad_divisors() {
        let d = Div { shift: 0, bits: 8 };
        let a = QTensor::new(vec![5], vec![7, 5, -5, -7, 1]).unwrap();
        let s = QTensor::new(vec![5], vec![2, 2, 2, 2, 3]).unwrap();
        // 3.5 → 4, 2.5 → 3, −2.5 → −2, −3.5 → −3, 0.33 → 0
        assert_eq!(d.eval(&a, &s).unwrap().data, vec![4, 3, -2, -3, 0]);
        let zero = QTensor::new(vec![5], vec![2, 2, 0, 2, 3]).unwrap();
        assert!(matches!(
            d.eval(&a, &zero),
            Err(IrError::OutOfRange { index: 2, .. })
        ));
        let wide = Div { shift: 6, bits: 8 };
        assert!(matches!(
            wide.eval(&a, &s),
            Err(IrError::OutOfRange { value: 224, .. })
        ));
    }

    #[test]
    fn scale_and_shape() {
        let f = |scale| Fact {
            shape: vec![2],
            scale,
            max_abs: 100,
        };
        let out = Div {
            shift: 10,
            bits: 12,
        }
        .infer(&f(8), &f(6))
        .unwrap();
        assert_eq!((out.scale, out.max_abs), (12, 2048));
        let other = Fact {
            shape: vec![3],
            ..f(6)
        };
        assert!(Div { shift: 0, bits: 8 }.infer(&f(8), &other).is_err());
    }
}
