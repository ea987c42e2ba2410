//! `Gemm`: a dense layer with constant weights.

use serde::{Deserialize, Serialize};

use super::narrow;
use crate::{Fact, IrError, QTensor};

/// `y[.., n] = Σ_k x[.., k] · weight[n, k] + bias[n]`.
///
/// Weights are at scale `weight_scale`, so the output scale is `input scale + weight_scale`;
/// the bias must already be at that output scale. No rounding happens here: a following
/// [`super::Rescale`] brings the accumulator back down. Costs no multiplication constraints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gemm {
    /// Output features `N`.
    pub out_features: usize,
    /// Input features `K`.
    pub in_features: usize,
    /// `N × K` weights, row-major.
    pub weight: Vec<i64>,
    /// `N` biases at the output scale.
    pub bias: Vec<i64>,
    /// Fractional bits of the weights.
    pub weight_scale: i32,
}

impl Gemm {
    const NAME: &'static str = "gemm";

    fn check(&self, x: &[usize]) -> Result<(), IrError> {
        let (n, k) = (self.out_features, self.in_features);
        let weights = n.checked_mul(k).ok_or_else(|| IrError::Overflow {
            op: Self::NAME,
            what: format!("the weight count out_features {n} × in_features {k}"),
        })?;
        if self.weight.len() != weights || self.bias.len() != n {
            return Err(IrError::InvalidParameter {
                op: Self::NAME,
                detail: format!(
                    "weight has {} values and bias {}, expected {}×{} and {}",
                    self.weight.len(),
                    self.bias.len(),
                    n,
                    k,
                    n
                ),
            });
        }
        if x.last() != Some(&k) {
            return Err(IrError::Shape {
                op: Self::NAME,
                detail: format!("input shape {x:?} must end in {k} features"),
            });
        }
        Ok(())
    }

    /// `x`'s shape with the last axis replaced by the output features.
    fn output_shape(&self, x: &[usize]) -> Vec<usize> {
        let mut shape = x.to_vec();
        shape.pop();
        shape.push(self.out_features);
        shape
    }

    /// Output fact; the bound is `max_abs(x) · max_n Σ_k |w[n,k]| + |b[n]|`.
    pub fn infer(&self, x: &Fact) -> Result<Fact, IrError> {
        self.check(&x.shape)?;
        let k = self.in_features;
        let bound = (0..self.out_features)
            .map(|n| {
                // Saturating: a saturated bound is refused by `Fact::new` (it exceeds 2^62).
                let row: u128 = self.weight[n * k..(n + 1) * k]
                    .iter()
                    .fold(0u128, |acc, w| acc.saturating_add(w.unsigned_abs() as u128));
                row.saturating_mul(x.max_abs as u128)
                    .saturating_add(self.bias[n].unsigned_abs() as u128)
            })
            .max()
            .unwrap_or(0);
        Fact::new(
            Self::NAME,
            self.output_shape(&x.shape),
            x.scale + self.weight_scale,
            bound,
        )
    }

    /// Exact integer evaluation.
    pub fn eval(&self, x: &QTensor) -> Result<QTensor, IrError> {
        self.check(&x.shape)?;
        let wide = |v: &[i64]| v.iter().map(|&a| a as i128).collect::<Vec<_>>();
        let out = dense(
            &wide(&x.data),
            self.in_features,
            self.out_features,
            &wide(&self.weight),
            &wide(&self.bias),
        );
        let data = out
            .into_iter()
            .map(|v| narrow(Self::NAME, v))
            .collect::<Result<Vec<_>, _>>()?;
        QTensor::new(self.output_shape(&x.shape), data)
    }
}

/// `y[r, n] = Σ_k x[r, k] · w[n, k] + b[n]` for every row `r` of `x`, over any number type
/// (`i128` for the executor, `f64` for calibration). Lengths must already be checked.
pub fn dense<T>(x: &[T], k: usize, n: usize, weight: &[T], bias: &[T]) -> Vec<T>
where
    T: Copy + std::ops::Add<Output = T> + std::ops::Mul<Output = T>,
{
    let mut out = Vec::with_capacity(x.len() / k.max(1) * n);
    for row in x.chunks(k) {
        for (o, w) in weight.chunks(k).enumerate().take(n) {
            out.push(row.iter().zip(w).fold(bias[o], |acc, (a, b)| acc + *a * *b));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer() -> Gemm {
        Gemm {
            out_features: 2,
            in_features: 3,
            weight: vec![1, -2, 3, 0, 4, -1],
            bias: vec![10, -5],
            weight_scale: 2,
        }
    }

    /// Security review #13: `n · k` was unchecked; `2^33 · 2^31 = 2^64` wrapped to 0 and matched
    /// an empty weight vector.
    #[test]
    fn refuses_a_weight_count_that_overflows() {
        let g = Gemm {
            out_features: 1 << 33,
            in_features: 1 << 31,
            weight: vec![],
            bias: vec![],
            weight_scale: 0,
        };
        let x = Fact {
            shape: vec![1, 1 << 31],
            scale: 0,
            max_abs: 1,
        };
        let err = g.infer(&x).unwrap_err();
        assert!(matches!(err, IrError::Overflow { .. }), "{err}");
        assert!(err
            .to_string()
            .contains("out_features 8589934592 × in_features 2147483648"));
    }

    #[test]
    fn computes_dot_products_plus_bias() {
        let x = QTensor::new(vec![1, 3], vec![1, 2, 3]).unwrap();
        let y = layer().eval(&x).unwrap();
        assert_eq!(y.data, vec![1 - 4 + 9 + 10, 8 - 3 - 5]);
        assert_eq!(y.shape, vec![1, 2]);
    }

    #[test]
    fn infers_scale_and_a_sound_bound() {
        let f = layer()
            .infer(&Fact {
                shape: vec![1, 3],
                scale: 5,
                max_abs: 7,
            })
            .unwrap();
        assert_eq!(f.scale, 7);
        assert_eq!(f.max_abs, 6 * 7 + 10);
    }

    #[test]
    fn refuses_wrong_feature_count() {
        let x = QTensor::new(vec![1, 4], vec![0; 4]).unwrap();
        assert!(matches!(layer().eval(&x), Err(IrError::Shape { .. })));
    }
}
