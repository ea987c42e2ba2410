//! `Add` and `Sub` of two tensors with the same shape and scale.

use super::narrow;
use crate::{Fact, IrError, QTensor};

/// Output fact of `a ± b`: same shape and scale, bound `max_abs(a) + max_abs(b)`.
pub(super) fn infer(op: &'static str, a: &Fact, b: &Fact) -> Result<Fact, IrError> {
    if a.shape != b.shape {
        return Err(IrError::Shape {
            op,
            detail: format!("shapes {:?} and {:?} differ", a.shape, b.shape),
        });
    }
    if a.scale != b.scale {
        return Err(IrError::ScaleMismatch {
            op,
            left: a.scale,
            right: b.scale,
        });
    }
    Fact::new(
        op,
        a.shape.clone(),
        a.scale,
        a.max_abs as u128 + b.max_abs as u128,
    )
}

/// Exact element-wise evaluation of `f(a, b)`.
pub(super) fn eval(
    op: &'static str,
    a: &QTensor,
    b: &QTensor,
    f: fn(i128, i128) -> i128,
) -> Result<QTensor, IrError> {
    if a.shape != b.shape {
        return Err(IrError::Shape {
            op,
            detail: format!("shapes {:?} and {:?} differ", a.shape, b.shape),
        });
    }
    let data = a
        .data
        .iter()
        .zip(&b.data)
        .map(|(&x, &y)| narrow(op, f(x as i128, y as i128)))
        .collect::<Result<Vec<_>, _>>()?;
    QTensor::new(a.shape.clone(), data)
}

#[cfg(test)]
mod tests {
    use crate::{Fact, Op, QTensor};

    #[test]
    fn add_and_sub() {
        let a = QTensor::new(vec![2], vec![5, -3]).unwrap();
        let b = QTensor::new(vec![2], vec![2, 4]).unwrap();
        assert_eq!(Op::Add.eval(&[&a, &b]).unwrap().data, vec![7, 1]);
        assert_eq!(Op::Sub.eval(&[&a, &b]).unwrap().data, vec![3, -7]);
    }

    #[test]
    fn refuses_mismatched_scales() {
        let a = Fact {
            shape: vec![2],
            scale: 3,
            max_abs: 1,
        };
        let b = Fact {
            shape: vec![2],
            scale: 4,
            max_abs: 1,
        };
        assert!(Op::Add.infer(&[&a, &b]).is_err());
    }
}
