//! `ChannelAffine`: per-channel multiply-add by integer constants.

use serde::{Deserialize, Serialize};

use super::narrow;
use crate::{Fact, IrError, QTensor};

/// `y[.., c, ..] = x[.., c, ..] · mul[c] + add[c]` along `axis` (1 for NCHW and `[N, F]`).
///
/// `mul` and `add` hold either one value per channel or a single value for all. The multiplier
/// is at scale `mul_scale`, so the output scale is `input scale + mul_scale`; `add` is at the
/// output scale. Used for BatchNorm as an affine map, Mul/Add/Sub by constants, the `1/n` of
/// average pooling, and aligning scales by `2^d`. Free in R1CS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelAffine {
    /// The channel axis.
    pub axis: usize,
    /// Multipliers at `mul_scale` (length 1 or the channel count).
    pub mul: Vec<i64>,
    /// Addends at the output scale (length 1 or the channel count).
    pub add: Vec<i64>,
    /// Fractional bits of the multipliers.
    pub mul_scale: i32,
}

impl ChannelAffine {
    const NAME: &'static str = "channel_affine";

    /// A scalar `y = x · mul` with `mul` at scale `mul_scale`.
    pub fn scalar(mul: i64, mul_scale: i32) -> Self {
        ChannelAffine {
            axis: 0,
            mul: vec![mul],
            add: vec![0],
            mul_scale,
        }
    }

    fn channels(&self, shape: &[usize]) -> Result<usize, IrError> {
        let c = if self.mul.len() == 1 && self.add.len() == 1 {
            1
        } else {
            *shape.get(self.axis).ok_or_else(|| IrError::Shape {
                op: Self::NAME,
                detail: format!("axis {} out of range for shape {shape:?}", self.axis),
            })?
        };
        for (what, v) in [("mul", &self.mul), ("add", &self.add)] {
            if v.len() != 1 && v.len() != c {
                return Err(IrError::Shape {
                    op: Self::NAME,
                    detail: format!(
                        "{what} has {} values; axis {} of {shape:?} has {c}",
                        v.len(),
                        self.axis
                    ),
                });
            }
        }
        Ok(c)
    }

    fn at(v: &[i64], c: usize) -> i64 {
        if v.len() == 1 {
            v[0]
        } else {
            v[c]
        }
    }

    /// Output fact; bound `max_c |mul[c]|·max_abs(x) + |add[c]|`.
    pub fn infer(&self, x: &Fact) -> Result<Fact, IrError> {
        let c = self.channels(&x.shape)?;
        let bound = (0..c)
            .map(|i| {
                Self::at(&self.mul, i).unsigned_abs() as u128 * x.max_abs as u128
                    + Self::at(&self.add, i).unsigned_abs() as u128
            })
            .max()
            .unwrap_or(0);
        Fact::new(Self::NAME, x.shape.clone(), x.scale + self.mul_scale, bound)
    }

    /// Exact integer evaluation.
    pub fn eval(&self, x: &QTensor) -> Result<QTensor, IrError> {
        self.channels(&x.shape)?;
        let wide = |v: &[i64]| v.iter().map(|&a| a as i128).collect::<Vec<_>>();
        let out = channel_affine(
            self.axis,
            &x.shape,
            &wide(&x.data),
            &wide(&self.mul),
            &wide(&self.add),
        );
        let data = out
            .into_iter()
            .map(|v| narrow(Self::NAME, v))
            .collect::<Result<Vec<_>, _>>()?;
        QTensor::new(x.shape.clone(), data)
    }
}

/// `y = x · mul[c] + add[c]` with `c` the index along `axis` (or a single `mul`/`add` for every
/// element when its length is 1), over any number type. Lengths must already be checked.
pub fn channel_affine<T>(axis: usize, shape: &[usize], x: &[T], mul: &[T], add: &[T]) -> Vec<T>
where
    T: Copy + std::ops::Add<Output = T> + std::ops::Mul<Output = T>,
{
    let pick = |v: &[T], c: usize| if v.len() == 1 { v[0] } else { v[c] };
    x.iter()
        .enumerate()
        .map(|(i, &v)| {
            let c = channel_index(axis, shape, i);
            v * pick(mul, c) + pick(add, c)
        })
        .collect()
}

/// The index along `axis` of flat element `i` of a tensor of shape `shape` (0 when the axis
/// does not exist).
pub fn channel_index(axis: usize, shape: &[usize], i: usize) -> usize {
    let channels = shape.get(axis).copied().unwrap_or(1).max(1);
    let inner: usize = shape
        .get(axis + 1..)
        .map(|s| s.iter().product())
        .unwrap_or(1);
    (i / inner.max(1)) % channels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_channel_on_nchw() {
        let a = ChannelAffine {
            axis: 1,
            mul: vec![2, -1],
            add: vec![1, 0],
            mul_scale: 0,
        };
        let x = QTensor::new(vec![1, 2, 1, 2], vec![1, 2, 3, 4]).unwrap();
        assert_eq!(a.eval(&x).unwrap().data, vec![3, 5, -3, -4]);
    }

    #[test]
    fn scalar_applies_everywhere() {
        let x = QTensor::new(vec![3], vec![1, -2, 3]).unwrap();
        assert_eq!(
            ChannelAffine::scalar(4, 2).eval(&x).unwrap().data,
            vec![4, -8, 12]
        );
    }

    #[test]
    fn refuses_wrong_channel_count() {
        let a = ChannelAffine {
            axis: 1,
            mul: vec![1, 2, 3],
            add: vec![0],
            mul_scale: 0,
        };
        assert!(a
            .infer(&Fact {
                shape: vec![1, 2],
                scale: 0,
                max_abs: 1
            })
            .is_err());
    }
}
