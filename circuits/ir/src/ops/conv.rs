//! `Conv2d`: 2-D convolution with constant weights (NCHW).

use serde::{Deserialize, Serialize};

use super::narrow;
use crate::{Fact, IrError, QTensor};

/// Geometry of a 2-D convolution, shared by the integer op and the float importer (one
/// implementation of the index arithmetic for both).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvGeometry {
    /// Output channels.
    pub out_channels: usize,
    /// Input channels.
    pub in_channels: usize,
    /// Kernel `[height, width]`.
    pub kernel: [usize; 2],
    /// Strides `[height, width]`.
    pub strides: [usize; 2],
    /// Zero padding `[top, left, bottom, right]` (ONNX order `[h_begin, w_begin, h_end, w_end]`).
    pub pads: [usize; 4],
    /// Dilations `[height, width]`.
    pub dilations: [usize; 2],
    /// Channel groups (1: dense; `in_channels`: depthwise).
    pub groups: usize,
}

impl ConvGeometry {
    const NAME: &'static str = "conv2d";

    fn invalid(detail: String) -> IrError {
        IrError::InvalidParameter {
            op: Self::NAME,
            detail,
        }
    }

    /// Weights per output channel: `in_channels/groups · kh · kw` (saturating; checked by
    /// [`Self::output_shape`]).
    pub fn per_out_channel(&self) -> usize {
        self.checked_per_out_channel().unwrap_or(usize::MAX)
    }

    fn checked_per_out_channel(&self) -> Option<usize> {
        (self.in_channels / self.groups.max(1))
            .checked_mul(self.kernel[0])?
            .checked_mul(self.kernel[1])
    }

    fn overflow(what: String) -> IrError {
        IrError::Overflow {
            op: Self::NAME,
            what,
        }
    }

    /// Validates the geometry and the weight/bias lengths against an NCHW input shape, and
    /// returns the output shape.
    pub fn output_shape(
        &self,
        x: &[usize],
        weights: usize,
        biases: usize,
    ) -> Result<Vec<usize>, IrError> {
        let g = self.groups;
        if g == 0 || !self.in_channels.is_multiple_of(g) || !self.out_channels.is_multiple_of(g) {
            return Err(Self::invalid(format!(
                "groups {g} must divide in_channels {} and out_channels {}",
                self.in_channels, self.out_channels
            )));
        }
        if self.strides.contains(&0) || self.dilations.contains(&0) || self.kernel.contains(&0) {
            return Err(Self::invalid(
                "kernel, strides and dilations must be positive".into(),
            ));
        }
        let expected = self
            .checked_per_out_channel()
            .and_then(|per| per.checked_mul(self.out_channels))
            .ok_or_else(|| {
                Self::overflow(format!(
                    "the weight count of out_channels {} × in_channels/groups {} × kernel_shape {:?}",
                    self.out_channels,
                    self.in_channels / g,
                    self.kernel
                ))
            })?;
        if weights != expected || biases != self.out_channels {
            return Err(Self::invalid(format!(
                "weight has {weights} values and bias {biases}, expected {expected} and {}",
                self.out_channels
            )));
        }
        let [n, c, h, w] = x else {
            return Err(IrError::Shape {
                op: Self::NAME,
                detail: format!("input must be NCHW, got {x:?}"),
            });
        };
        if *c != self.in_channels {
            return Err(IrError::Shape {
                op: Self::NAME,
                detail: format!(
                    "input has {c} channels, weights expect {}",
                    self.in_channels
                ),
            });
        }
        let out_dim = |len: usize, i: usize| -> Result<usize, IrError> {
            // Index arithmetic later runs in `isize`: every padded length must fit it.
            let padded = len
                .checked_add(self.pads[i])
                .and_then(|v| v.checked_add(self.pads[i + 2]))
                .filter(|&v| isize::try_from(v).is_ok())
                .ok_or_else(|| {
                    Self::overflow(format!(
                        "the padded length {len} + pads[{i}] {} + pads[{}] {}",
                        self.pads[i],
                        i + 2,
                        self.pads[i + 2]
                    ))
                })?;
            let span = self.dilations[i]
                .checked_mul(self.kernel[i] - 1)
                .and_then(|v| v.checked_add(1))
                .ok_or_else(|| {
                    Self::overflow(format!(
                        "the dilated kernel dilations[{i}] {} × (kernel_shape[{i}] {} − 1) + 1",
                        self.dilations[i], self.kernel[i]
                    ))
                })?;
            if padded < span {
                return Err(IrError::Shape {
                    op: Self::NAME,
                    detail: format!("input {x:?} is smaller than the dilated kernel {span}"),
                });
            }
            Ok((padded - span) / self.strides[i] + 1)
        };
        Ok(vec![
            *n,
            self.out_channels,
            out_dim(*h, 0)?,
            out_dim(*w, 1)?,
        ])
    }

    /// Calls `f(output index, input index, weight index)` for every multiply-add of the
    /// convolution (padding taps skipped): the single description of the index arithmetic,
    /// shared by the executor, the float model and the circuit. Shapes must have been checked
    /// with [`Self::output_shape`].
    pub fn for_each_tap(
        &self,
        x_shape: &[usize],
        out_shape: &[usize],
        mut f: impl FnMut(usize, usize, usize),
    ) {
        let (n, c, h, w) = (
            x_shape[0],
            x_shape[1],
            x_shape[2] as isize,
            x_shape[3] as isize,
        );
        let (oh, ow) = (out_shape[2], out_shape[3]);
        let cig = self.in_channels / self.groups;
        let cog = self.out_channels / self.groups;
        let [kh, kw] = self.kernel;
        let per = self.per_out_channel();
        let mut o = 0;
        for b in 0..n {
            for co in 0..self.out_channels {
                let g = co / cog;
                for y in 0..oh {
                    for xo in 0..ow {
                        for ci in 0..cig {
                            let plane = (b * c + g * cig + ci) * (h * w) as usize;
                            for ky in 0..kh {
                                let iy = (y * self.strides[0] + ky * self.dilations[0]) as isize
                                    - self.pads[0] as isize;
                                if iy < 0 || iy >= h {
                                    continue;
                                }
                                for kx in 0..kw {
                                    let ix = (xo * self.strides[1] + kx * self.dilations[1])
                                        as isize
                                        - self.pads[1] as isize;
                                    if ix >= 0 && ix < w {
                                        f(
                                            o,
                                            plane + (iy * w + ix) as usize,
                                            co * per + (ci * kh + ky) * kw + kx,
                                        );
                                    }
                                }
                            }
                        }
                        o += 1;
                    }
                }
            }
        }
    }

    /// Output channel of flat output index `o` for an output of shape `out_shape`.
    pub fn channel_of(out_shape: &[usize], o: usize) -> usize {
        (o / (out_shape[2] * out_shape[3])) % out_shape[1]
    }

    /// The convolution over any number type (`i128` for the executor, `f64` for calibration).
    /// Shapes must have been checked with [`Self::output_shape`].
    pub fn apply<T>(
        &self,
        x: &[T],
        x_shape: &[usize],
        out_shape: &[usize],
        weight: &[T],
        bias: &[T],
    ) -> Vec<T>
    where
        T: Copy + std::ops::Add<Output = T> + std::ops::Mul<Output = T>,
    {
        let len: usize = out_shape.iter().product();
        let mut out: Vec<T> = (0..len)
            .map(|o| bias[Self::channel_of(out_shape, o)])
            .collect();
        self.for_each_tap(x_shape, out_shape, |o, i, k| {
            out[o] = out[o] + x[i] * weight[k]
        });
        out
    }
}

/// `y[n, co, oh, ow] = Σ x[n, g·cig + ci, oh·sh − pt + kh·dh, ow·sw − pl + kw·dw] · w[co, ci, kh, kw] + b[co]`
/// with zero padding, where `g = co / (out_channels / groups)` and `cig = in_channels / groups`.
///
/// Output scale is `input scale + weight_scale`; the bias is at the output scale. Costs no
/// multiplication constraints: every output is a linear combination of inputs with constant
/// coefficients.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conv2d {
    /// Channels, kernel, strides, pads, dilations, groups.
    #[serde(flatten)]
    pub geometry: ConvGeometry,
    /// `out_channels × in_channels/groups × kh × kw` weights, row-major.
    pub weight: Vec<i64>,
    /// `out_channels` biases at the output scale.
    pub bias: Vec<i64>,
    /// Fractional bits of the weights.
    pub weight_scale: i32,
}

impl Conv2d {
    /// Output fact; the bound is `max_abs(x) · max_co Σ |w[co]| + |b[co]|`.
    pub fn infer(&self, x: &Fact) -> Result<Fact, IrError> {
        let g = &self.geometry;
        let shape = g.output_shape(&x.shape, self.weight.len(), self.bias.len())?;
        let per = g.per_out_channel();
        // Saturating: a saturated bound is refused by `Fact::new` (it exceeds 2^62).
        let bound = (0..g.out_channels)
            .map(|co| {
                let s: u128 = self.weight[co * per..(co + 1) * per]
                    .iter()
                    .fold(0u128, |acc, w| acc.saturating_add(w.unsigned_abs() as u128));
                s.saturating_mul(x.max_abs as u128)
                    .saturating_add(self.bias[co].unsigned_abs() as u128)
            })
            .max()
            .unwrap_or(0);
        Fact::new(
            ConvGeometry::NAME,
            shape,
            x.scale + self.weight_scale,
            bound,
        )
    }

    /// Exact integer evaluation.
    pub fn eval(&self, x: &QTensor) -> Result<QTensor, IrError> {
        let g = &self.geometry;
        let out_shape = g.output_shape(&x.shape, self.weight.len(), self.bias.len())?;
        let wide = |v: &[i64]| v.iter().map(|&a| a as i128).collect::<Vec<_>>();
        let out = g.apply(
            &wide(&x.data),
            &x.shape,
            &out_shape,
            &wide(&self.weight),
            &wide(&self.bias),
        );
        let data = out
            .into_iter()
            .map(|v| narrow(ConvGeometry::NAME, v))
            .collect::<Result<Vec<_>, _>>()?;
        QTensor::new(out_shape, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(groups: usize, cin: usize, cout: usize, weight: Vec<i64>) -> Conv2d {
        Conv2d {
            geometry: ConvGeometry {
                out_channels: cout,
                in_channels: cin,
                kernel: [2, 2],
                strides: [1, 1],
                pads: [0; 4],
                dilations: [1, 1],
                groups,
            },
            bias: vec![0; cout],
            weight,
            weight_scale: 0,
        }
    }

    #[test]
    fn dense_conv_matches_hand_computation() {
        let x = QTensor::new(vec![1, 1, 3, 3], (1..=9).collect()).unwrap();
        let y = conv(1, 1, 1, vec![1, 0, 0, -1]).eval(&x).unwrap();
        // x[i][j] - x[i+1][j+1] is always -4.
        assert_eq!(y.shape, vec![1, 1, 2, 2]);
        assert_eq!(y.data, vec![-4; 4]);
    }

    #[test]
    fn padding_and_stride() {
        let mut c = conv(1, 1, 1, vec![1, 1, 1, 1]);
        c.geometry.pads = [1, 1, 1, 1];
        c.geometry.strides = [2, 2];
        let x = QTensor::new(vec![1, 1, 2, 2], vec![1, 2, 3, 4]).unwrap();
        let y = c.eval(&x).unwrap();
        assert_eq!(y.shape, vec![1, 1, 2, 2]);
        assert_eq!(y.data, vec![1, 2, 3, 4]);
    }

    #[test]
    fn depthwise_keeps_channels_apart() {
        let x = QTensor::new(vec![1, 2, 2, 2], vec![1, 1, 1, 1, 2, 2, 2, 2]).unwrap();
        let y = conv(2, 2, 2, vec![1, 1, 1, 1, -1, -1, -1, -1])
            .eval(&x)
            .unwrap();
        assert_eq!(y.data, vec![4, -8]);
        let f = conv(2, 2, 2, vec![1, 1, 1, 1, -1, -1, -1, -1])
            .infer(&Fact {
                shape: vec![1, 2, 2, 2],
                scale: 0,
                max_abs: 2,
            })
            .unwrap();
        assert_eq!(f.max_abs, 8);
    }

    /// Security review #13: `4 · 2^62` wrapped to 0, so a 5×5 kernel dilated by 2^62 "fit" an
    /// 8×8 input and summed one pixel four times. It must be refused.
    #[test]
    fn refuses_dilations_whose_span_overflows() {
        let mut c = conv(1, 1, 1, vec![0; 25]);
        c.geometry.kernel = [5, 5];
        c.geometry.dilations = [1 << 62, 1 << 62];
        let x = Fact {
            shape: vec![1, 1, 8, 8],
            scale: 0,
            max_abs: 1,
        };
        let err = c.infer(&x).unwrap_err();
        assert!(matches!(err, IrError::Overflow { .. }), "{err}");
        assert!(err.to_string().contains("dilations[0]"), "{err}");
    }

    #[test]
    fn refuses_pads_whose_sum_overflows() {
        let mut c = conv(1, 1, 1, vec![0; 4]);
        c.geometry.pads = [usize::MAX, 0, 1, 0];
        let x = Fact {
            shape: vec![1, 1, 8, 8],
            scale: 0,
            max_abs: 1,
        };
        assert!(matches!(c.infer(&x), Err(IrError::Overflow { .. })));
        c.geometry.pads = [1 << 62, 0, 1 << 62, 0];
        assert!(matches!(c.infer(&x), Err(IrError::Overflow { .. })));
    }

    #[test]
    fn refuses_a_weight_count_that_overflows() {
        let mut c = conv(1, 1, 1, vec![]);
        c.geometry.in_channels = 1 << 40;
        c.geometry.out_channels = 1 << 40;
        let err = c.geometry.output_shape(&[1, 1 << 40, 8, 8], 0, 0);
        assert!(matches!(err, Err(IrError::Overflow { .. })), "{err:?}");
    }

    #[test]
    fn refuses_bad_groups_and_channels() {
        let x = QTensor::new(vec![1, 3, 2, 2], vec![0; 12]).unwrap();
        assert!(conv(1, 1, 1, vec![0; 4]).eval(&x).is_err());
        assert!(conv(2, 3, 2, vec![0; 8]).eval(&x).is_err());
    }
}
