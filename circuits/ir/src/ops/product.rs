//! Products of two computed tensors: element-wise `Mul` (gates, squares) and batched `MatMul`
//! (attention's `Q·Kᵀ` and `A·V`). Each scalar product is one constraint in R1CS; the result
//! is exact, at the sum of the operands' scales, and is rounded by a following `Rescale`.

use serde::{Deserialize, Serialize};

use super::narrow;
use crate::{Fact, IrError, QTensor};

/// Output fact of `a ⊙ b`: same shape, scale `scale(a) + scale(b)`, bound the product of the
/// bounds.
pub(super) fn infer_mul(a: &Fact, b: &Fact) -> Result<Fact, IrError> {
    if a.shape != b.shape {
        return Err(IrError::Shape {
            op: "mul",
            detail: format!("shapes {:?} and {:?} differ", a.shape, b.shape),
        });
    }
    Fact::new(
        "mul",
        a.shape.clone(),
        a.scale + b.scale,
        u128::from(a.max_abs) * u128::from(b.max_abs),
    )
}

/// Exact element-wise product.
pub(super) fn eval_mul(a: &QTensor, b: &QTensor) -> Result<QTensor, IrError> {
    if a.shape != b.shape {
        return Err(IrError::Shape {
            op: "mul",
            detail: format!("shapes {:?} and {:?} differ", a.shape, b.shape),
        });
    }
    let data = a
        .data
        .iter()
        .zip(&b.data)
        .map(|(&x, &y)| narrow("mul", i128::from(x) * i128::from(y)))
        .collect::<Result<Vec<_>, _>>()?;
    QTensor::new(a.shape.clone(), data)
}

/// `y[.., i, j] = Σ_t a[.., i, t] · b[.., t, j]` over equal leading (batch) dimensions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatMul;

/// The dimensions of a batched product: `batch` matrices of `m × k` times `k × n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatMulDims {
    /// Number of matrix pairs (the product of the leading dimensions).
    pub batch: usize,
    /// Rows of `a`.
    pub m: usize,
    /// Columns of `a`, rows of `b`.
    pub k: usize,
    /// Columns of `b`.
    pub n: usize,
}

impl MatMul {
    /// The dimensions, refusing operands that are not matrices with equal batch dimensions
    /// and matching inner sizes.
    pub fn dims(a: &[usize], b: &[usize]) -> Result<MatMulDims, IrError> {
        let bad = || IrError::Shape {
            op: "matmul",
            detail: format!(
                "cannot multiply {a:?} by {b:?} (equal batch dimensions and a[-1] = b[-2] needed)"
            ),
        };
        let (ra, rb) = (a.len(), b.len());
        if ra < 2 || ra != rb || a[..ra - 2] != b[..rb - 2] || a[ra - 1] != b[rb - 2] {
            return Err(bad());
        }
        Ok(MatMulDims {
            batch: a[..ra - 2].iter().product(),
            m: a[ra - 2],
            k: a[ra - 1],
            n: b[rb - 1],
        })
    }

    /// Output fact: shape `[.., m, n]`, scale the sum of the scales, bound `k·|a|·|b|`.
    pub fn infer(a: &Fact, b: &Fact) -> Result<Fact, IrError> {
        let d = Self::dims(&a.shape, &b.shape)?;
        let mut shape = a.shape.clone();
        let last = shape.len() - 1;
        shape[last] = d.n;
        Fact::new(
            "matmul",
            shape,
            a.scale + b.scale,
            (d.k as u128)
                .saturating_mul(u128::from(a.max_abs))
                .saturating_mul(u128::from(b.max_abs)),
        )
    }

    /// For output `o` (row-major), the pairs of flat indices `(into a, into b)` it sums over.
    pub fn terms(d: &MatMulDims, o: usize) -> impl Iterator<Item = (usize, usize)> {
        let (p, i, j) = (o / (d.m * d.n), (o / d.n) % d.m, o % d.n);
        let (a0, b0) = (p * d.m * d.k + i * d.k, p * d.k * d.n + j);
        let (k, n) = (d.k, d.n);
        (0..k).map(move |t| (a0 + t, b0 + t * n))
    }

    /// Exact evaluation.
    pub fn eval(a: &QTensor, b: &QTensor) -> Result<QTensor, IrError> {
        let d = Self::dims(&a.shape, &b.shape)?;
        let mut shape = a.shape.clone();
        let last = shape.len() - 1;
        shape[last] = d.n;
        let data = (0..d.batch * d.m * d.n)
            .map(|o| {
                let sum: i128 = Self::terms(&d, o)
                    .map(|(x, y)| i128::from(a.data[x]) * i128::from(b.data[y]))
                    .sum();
                narrow("matmul", sum)
            })
            .collect::<Result<Vec<_>, _>>()?;
        QTensor::new(shape, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batched_products() {
        // two batches of [2×2]·[2×1]
        let a = QTensor::new(vec![2, 2, 2], vec![1, 2, 3, 4, -1, 0, 2, 5]).unwrap();
        let b = QTensor::new(vec![2, 2, 1], vec![1, -1, 3, 2]).unwrap();
        let y = MatMul::eval(&a, &b).unwrap();
        assert_eq!(y.shape, vec![2, 2, 1]);
        assert_eq!(y.data, vec![-1, -1, -3, 16]);
        assert!(MatMul::dims(&[2, 3], &[2, 3]).is_err());
        assert!(MatMul::dims(&[1, 2, 3], &[2, 3, 1]).is_err());
        let m = eval_mul(&b, &b).unwrap();
        assert_eq!(m.data, vec![1, 1, 9, 4]);
    }

    #[test]
    fn facts() {
        let f = |shape: Vec<usize>, scale| Fact {
            shape,
            scale,
            max_abs: 100,
        };
        let y = MatMul::infer(&f(vec![4, 8], 3), &f(vec![8, 2], 5)).unwrap();
        assert_eq!((y.shape, y.scale, y.max_abs), (vec![4, 2], 8, 80_000));
        assert!(infer_mul(&f(vec![2], 1), &f(vec![3], 1)).is_err());
    }
}
