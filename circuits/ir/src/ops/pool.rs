//! Pooling windows over NCHW tensors: sum pooling (the linear half of average pooling) and max
//! pooling.

use serde::{Deserialize, Serialize};

use super::narrow;
use crate::{Fact, IrError, QTensor};

/// Window geometry shared by [`super::Op::SumPool2d`] and [`super::Op::MaxPool2d`].
///
/// Sum pooling adds every cell of a window (padding counts as zero): free in R1CS. Max pooling
/// takes the largest non-padding cell: `kh·kw − 1` comparisons per output in R1CS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pool2d {
    /// Window `[height, width]`.
    pub kernel: [usize; 2],
    /// Strides `[height, width]`.
    pub strides: [usize; 2],
    /// Padding `[top, left, bottom, right]`; each must be smaller than the window.
    pub pads: [usize; 4],
}

impl Pool2d {
    /// Validates the geometry against an NCHW input shape and returns the output shape.
    pub fn output_shape(&self, op: &'static str, x: &[usize]) -> Result<Vec<usize>, IrError> {
        if self.kernel.contains(&0) || self.strides.contains(&0) {
            return Err(IrError::InvalidParameter {
                op,
                detail: "kernel and strides must be positive".into(),
            });
        }
        if self.kernel[0].checked_mul(self.kernel[1]).is_none() {
            return Err(IrError::Overflow {
                op,
                what: format!("the window size kernel_shape {:?}", self.kernel),
            });
        }
        if (0..4).any(|i| self.pads[i] >= self.kernel[i % 2]) {
            return Err(IrError::InvalidParameter {
                op,
                detail: format!(
                    "pads {:?} must be smaller than the window {:?}",
                    self.pads, self.kernel
                ),
            });
        }
        let [n, c, h, w] = x else {
            return Err(IrError::Shape {
                op,
                detail: format!("input must be NCHW, got {x:?}"),
            });
        };
        let dim = |len: usize, i: usize| -> Result<usize, IrError> {
            // Index arithmetic later runs in `isize`: every padded length must fit it.
            let padded = len
                .checked_add(self.pads[i])
                .and_then(|v| v.checked_add(self.pads[i + 2]))
                .filter(|&v| isize::try_from(v).is_ok())
                .ok_or_else(|| IrError::Overflow {
                    op,
                    what: format!(
                        "the padded length {len} + pads[{i}] {} + pads[{}] {}",
                        self.pads[i],
                        i + 2,
                        self.pads[i + 2]
                    ),
                })?;
            if padded < self.kernel[i] {
                return Err(IrError::Shape {
                    op,
                    detail: format!("input {x:?} is smaller than the window"),
                });
            }
            Ok((padded - self.kernel[i]) / self.strides[i] + 1)
        };
        Ok(vec![*n, *c, dim(*h, 0)?, dim(*w, 1)?])
    }

    /// Cells of the output window at `(oy, ox)` that fall inside an `h × w` plane, as flat
    /// plane offsets.
    pub fn window(&self, oy: usize, ox: usize, h: usize, w: usize) -> Vec<usize> {
        let mut cells = Vec::with_capacity(self.kernel[0] * self.kernel[1]);
        for ky in 0..self.kernel[0] {
            let iy = (oy * self.strides[0] + ky) as isize - self.pads[0] as isize;
            if iy < 0 || iy >= h as isize {
                continue;
            }
            for kx in 0..self.kernel[1] {
                let ix = (ox * self.strides[1] + kx) as isize - self.pads[1] as isize;
                if ix >= 0 && ix < w as isize {
                    cells.push(iy as usize * w + ix as usize);
                }
            }
        }
        cells
    }

    /// The in-bounds part of [`Self::window`] along one axis (`0`: height, `1`: width) for
    /// output position `o` over an input of length `len`: the first input index and the
    /// number of cells. The window is the product of the two axes' spans; computing it
    /// allocates nothing (the analytic circuit estimator uses it).
    pub fn window_span(&self, axis: usize, o: usize, len: usize) -> (usize, usize) {
        let base = (o * self.strides[axis]) as isize - self.pads[axis] as isize;
        let lo = base.max(0);
        let hi = (base + self.kernel[axis] as isize).min(len as isize);
        (lo as usize, (hi - lo).max(0) as usize)
    }

    /// Applies `f` to the in-bounds cells of every window of an NCHW tensor, over any value
    /// type. Returns the output shape and values.
    pub fn apply<T, R>(
        &self,
        op: &'static str,
        shape: &[usize],
        x: &[T],
        f: impl Fn(&[T], &[usize]) -> Result<R, IrError>,
    ) -> Result<(Vec<usize>, Vec<R>), IrError> {
        let out_shape = self.output_shape(op, shape)?;
        let (h, w) = (shape[2], shape[3]);
        let mut out = Vec::with_capacity(out_shape.iter().product());
        for plane in x.chunks(h * w) {
            for oy in 0..out_shape[2] {
                for ox in 0..out_shape[3] {
                    out.push(f(plane, &self.window(oy, ox, h, w))?);
                }
            }
        }
        Ok((out_shape, out))
    }

    /// Sum pooling's fact: same scale, bound `kh·kw · max_abs(x)`.
    pub fn infer_sum(&self, x: &Fact) -> Result<Fact, IrError> {
        let shape = self.output_shape("sum_pool2d", &x.shape)?;
        let cells = (self.kernel[0] as u128).saturating_mul(self.kernel[1] as u128);
        Fact::new(
            "sum_pool2d",
            shape,
            x.scale,
            cells.saturating_mul(x.max_abs as u128),
        )
    }

    /// Max pooling's fact: same scale and bound as the input.
    pub fn infer_max(&self, x: &Fact) -> Result<Fact, IrError> {
        let shape = self.output_shape("max_pool2d", &x.shape)?;
        Ok(Fact {
            shape,
            scale: x.scale,
            max_abs: x.max_abs,
        })
    }

    /// Exact sum over each window.
    pub fn eval_sum(&self, x: &QTensor) -> Result<QTensor, IrError> {
        let (shape, data) = self.apply("sum_pool2d", &x.shape, &x.data, |plane, cells| {
            narrow("sum_pool2d", cells.iter().map(|&i| plane[i] as i128).sum())
        })?;
        QTensor::new(shape, data)
    }

    /// Largest value in each window.
    pub fn eval_max(&self, x: &QTensor) -> Result<QTensor, IrError> {
        let (shape, data) = self.apply("max_pool2d", &x.shape, &x.data, |plane, cells| {
            cells
                .iter()
                .map(|&i| plane[i])
                .max()
                .ok_or(IrError::InvalidParameter {
                    op: "max_pool2d",
                    detail: "a window lies entirely in the padding".into(),
                })
        })?;
        QTensor::new(shape, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(k: usize, s: usize, p: usize) -> Pool2d {
        Pool2d {
            kernel: [k, k],
            strides: [s, s],
            pads: [p; 4],
        }
    }

    #[test]
    fn max_and_sum_of_2x2_windows() {
        let x = QTensor::new(vec![1, 1, 2, 4], vec![1, -2, 3, 4, -5, 6, -7, 8]).unwrap();
        assert_eq!(pool(2, 2, 0).eval_max(&x).unwrap().data, vec![6, 8]);
        assert_eq!(pool(2, 2, 0).eval_sum(&x).unwrap().data, vec![0, 8]);
    }

    #[test]
    fn max_ignores_padding_even_when_all_negative() {
        let x = QTensor::new(vec![1, 1, 2, 2], vec![-3, -1, -4, -2]).unwrap();
        let y = pool(3, 1, 1).eval_max(&x).unwrap();
        assert_eq!(y.data, vec![-1; 4]);
    }

    #[test]
    fn window_span_matches_window() {
        for (k, s, p) in [(2, 2, 0), (3, 1, 1), (3, 2, 2), (1, 1, 0), (4, 3, 1)] {
            let pool = Pool2d {
                kernel: [k, k + 1],
                strides: [s, s],
                pads: [p, p.min(k), p, p.min(k)],
            };
            let (h, w) = (5, 6);
            let out = pool.output_shape("max_pool2d", &[1, 1, h, w]).unwrap();
            for oy in 0..out[2] {
                for ox in 0..out[3] {
                    let cells = pool.window(oy, ox, h, w);
                    let ((y0, ny), (x0, nx)) =
                        (pool.window_span(0, oy, h), pool.window_span(1, ox, w));
                    assert_eq!(cells.len(), ny * nx);
                    if let Some(first) = cells.first() {
                        assert_eq!(*first, y0 * w + x0);
                    }
                }
            }
        }
    }

    #[test]
    fn refuses_padding_as_wide_as_the_window() {
        let f = Fact {
            shape: vec![1, 1, 4, 4],
            scale: 0,
            max_abs: 1,
        };
        assert!(pool(2, 2, 2).infer_max(&f).is_err());
    }
}
