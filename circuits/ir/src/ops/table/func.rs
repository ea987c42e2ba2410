//! The functions a table op can hold, with their parameters as exact rationals.

use serde::{Deserialize, Serialize};

/// An exact dyadic rational `mantissa · 2^exp`: what an `f32` (or `f64`) attribute is, kept
/// exactly so the table it shapes is the same integers on every machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Dyadic {
    /// The integer mantissa.
    pub mantissa: i64,
    /// The power of two it is multiplied by.
    pub exp: i32,
}

impl Dyadic {
    /// The exact value of a finite `f64` (an `f32` attribute widened first), normalised so the
    /// mantissa is odd (or zero); `None` for infinities and NaN.
    pub fn from_f64(v: f64) -> Option<Self> {
        if !v.is_finite() {
            return None;
        }
        if v == 0.0 {
            return Some(Dyadic {
                mantissa: 0,
                exp: 0,
            });
        }
        let bits = v.to_bits();
        let sign = if bits >> 63 == 1 { -1i64 } else { 1 };
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let frac = (bits & ((1u64 << 52) - 1)) as i64;
        let (mut m, mut e) = if biased == 0 {
            (frac, -1074)
        } else {
            (frac | (1i64 << 52), biased - 1075)
        };
        let tz = m.trailing_zeros();
        m >>= tz;
        e += tz as i32;
        Some(Dyadic {
            mantissa: sign * m,
            exp: e,
        })
    }

    /// The value as an `f64` (exact when the mantissa has at most 53 significant bits).
    pub fn to_f64(self) -> f64 {
        self.mantissa as f64 * 2f64.powi(self.exp)
    }
}

/// A real function of one variable, tabulated by a table op. Its integer semantics (exact
/// rounding, and what happens where it is undefined) are in [`super::rounded`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "fn", rename_all = "snake_case")]
pub enum TableFn {
    /// `1 / (1 + e^−x)`.
    Sigmoid,
    /// `tanh x`.
    Tanh,
    /// `e^x`.
    Exp,
    /// `ln x` (`x > 0`).
    Log,
    /// `erf x`.
    Erf,
    /// `x·Φ(x) = x/2 · (1 + erf(x/√2))` (ONNX Gelu, `approximate = "none"`).
    Gelu,
    /// `x/2 · (1 + tanh(√(2/π)·(x + 0.044715·x³)))` (ONNX Gelu, `approximate = "tanh"`).
    GeluTanh,
    /// `max(0, min(1, α·x + β))`.
    HardSigmoid {
        /// Slope.
        alpha: Dyadic,
        /// Offset.
        beta: Dyadic,
    },
    /// `x · max(0, min(1, x/6 + 1/2))` (the 1/6 is exact).
    HardSwish,
    /// `x` for `x > 0`, `α·(e^x − 1)` otherwise.
    Elu {
        /// Scale of the negative part.
        alpha: Dyadic,
    },
    /// `ln(1 + e^x)`.
    Softplus,
    /// `x · sigmoid(x)` (torch's SiLU, exported as `Mul(x, Sigmoid(x))`).
    Silu,
    /// `√x` (`x ≥ 0`).
    Sqrt,
    /// `1/x` (`x ≠ 0`).
    Reciprocal,
    /// `1/√x` (`x > 0`), for normalisation.
    Rsqrt,
}

impl TableFn {
    /// A short stable name for messages and reports.
    pub fn name(&self) -> &'static str {
        match self {
            TableFn::Sigmoid => "sigmoid",
            TableFn::Tanh => "tanh",
            TableFn::Exp => "exp",
            TableFn::Log => "log",
            TableFn::Erf => "erf",
            TableFn::Gelu => "gelu",
            TableFn::GeluTanh => "gelu_tanh",
            TableFn::HardSigmoid { .. } => "hard_sigmoid",
            TableFn::HardSwish => "hard_swish",
            TableFn::Elu { .. } => "elu",
            TableFn::Softplus => "softplus",
            TableFn::Silu => "silu",
            TableFn::Sqrt => "sqrt",
            TableFn::Reciprocal => "reciprocal",
            TableFn::Rsqrt => "rsqrt",
        }
    }

    /// The limits `f` approaches monotonically as `x → −∞` and as `x → +∞`, where they are 0 or
    /// ±1 (integers at every output scale); `None` on a side where `f` does not level off
    /// (exp and softplus above, log, sqrt, GELU, …). A table saturates on such a side: an
    /// input beyond its edge takes the edge's row once that row equals the limit, which is
    /// then every larger input's correctly rounded value too (`f` is monotone and bounded by
    /// the limit, and rounding is monotone).
    pub fn limits(&self) -> [Option<i64>; 2] {
        match self {
            TableFn::Sigmoid => [Some(0), Some(1)],
            TableFn::Tanh | TableFn::Erf => [Some(-1), Some(1)],
            TableFn::HardSigmoid { alpha, .. } if alpha.mantissa > 0 => [Some(0), Some(1)],
            TableFn::Exp | TableFn::Softplus => [Some(0), None],
            _ => [None, None],
        }
    }

    /// About where `f` comes within half an output unit (`2^−(out_scale+1)`) of its limit on
    /// one side (`high`), as `|x|` (at most 64): an `f64` estimate that only sizes a table's
    /// domain; the exact rows decide whether the edge saturates.
    pub fn saturation_point(&self, high: bool, out_scale: i32) -> Option<f64> {
        let limit = self.limits()[usize::from(high)]? as f64;
        let half_unit = 2f64.powi(-out_scale - 1);
        let sign = if high { 1.0 } else { -1.0 };
        let flat = |m: f64| (self.eval_f64(sign * m) - limit).abs() < half_unit;
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        while !flat(hi) {
            if hi >= 64.0 {
                return Some(64.0);
            }
            (lo, hi) = (hi, hi * 2.0);
        }
        for _ in 0..40 {
            let mid = (lo + hi) / 2.0;
            if flat(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(hi)
    }

    /// The float function (the platform's `f64` math), for calibration and error reports only:
    /// the integer semantics never use it.
    pub fn eval_f64(&self, x: f64) -> f64 {
        let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
        match *self {
            TableFn::Sigmoid => sigmoid(x),
            TableFn::Tanh => x.tanh(),
            TableFn::Exp => x.exp(),
            TableFn::Log => x.ln(),
            TableFn::Erf => erf_f64(x),
            TableFn::Gelu => 0.5 * x * (1.0 + erf_f64(x / std::f64::consts::SQRT_2)),
            TableFn::GeluTanh => {
                let k = (2.0 / std::f64::consts::PI).sqrt();
                0.5 * x * (1.0 + (k * (x + 0.044715 * x * x * x)).tanh())
            }
            TableFn::HardSigmoid { alpha, beta } => {
                (alpha.to_f64() * x + beta.to_f64()).clamp(0.0, 1.0)
            }
            TableFn::HardSwish => x * (x / 6.0 + 0.5).clamp(0.0, 1.0),
            TableFn::Elu { alpha } => {
                if x > 0.0 {
                    x
                } else {
                    alpha.to_f64() * x.exp_m1()
                }
            }
            TableFn::Softplus => {
                if x > 0.0 {
                    x + (-x).exp().ln_1p()
                } else {
                    x.exp().ln_1p()
                }
            }
            TableFn::Silu => x * sigmoid(x),
            TableFn::Sqrt => x.sqrt(),
            TableFn::Reciprocal => 1.0 / x,
            TableFn::Rsqrt => 1.0 / x.sqrt(),
        }
    }
}

/// `erf x` in `f64` (Abramowitz–Stegun 7.1.26 refined by a Taylor series near zero; absolute
/// error below 1e-7), for calibration only.
fn erf_f64(x: f64) -> f64 {
    if x.abs() < 0.5 {
        // Taylor series: converges fast near zero.
        let (mut term, mut sum) = (x, x);
        for n in 1..30 {
            term *= -x * x / n as f64;
            sum += term / (2 * n + 1) as f64;
        }
        return sum * 2.0 / std::f64::consts::PI.sqrt();
    }
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let y = 1.0 - poly * (-x * x).exp();
    y.copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dyadic_is_exact() {
        let d = Dyadic::from_f64(f64::from(0.01f32)).unwrap();
        assert_eq!(d.to_f64(), f64::from(0.01f32));
        assert_eq!(d.mantissa % 2, 1);
        assert_eq!(
            Dyadic::from_f64(-0.75),
            Some(Dyadic {
                mantissa: -3,
                exp: -2
            })
        );
        assert_eq!(Dyadic::from_f64(f64::NAN), None);
    }

    #[test]
    fn float_erf_is_close() {
        for (x, e) in [
            (0.1, 0.112_462_916),
            (1.0, 0.842_700_793),
            (-2.0, -0.995_322_265),
        ] {
            assert!((erf_f64(x) - e).abs() < 2e-7, "erf({x})");
        }
    }
}

#[cfg(test)]
mod saturation_tests {
    use super::TableFn;

    #[test]
    fn saturation_points_are_where_the_function_rounds_to_its_limit() {
        let ln2 = std::f64::consts::LN_2;
        // 1 − sigmoid(x) ≈ e^−x < 2^−17 from x ≈ 17·ln 2; tanh: 2e^−2x < 2^−17.
        let near = |v: Option<f64>, want: f64| (v.unwrap() - want).abs() < 0.05;
        assert!(near(
            TableFn::Sigmoid.saturation_point(true, 16),
            17.0 * ln2
        ));
        assert!(near(
            TableFn::Sigmoid.saturation_point(false, 16),
            17.0 * ln2
        ));
        assert!(near(TableFn::Exp.saturation_point(false, 16), 17.0 * ln2));
        assert!(near(
            TableFn::Tanh.saturation_point(true, 16),
            18.0 * ln2 / 2.0
        ));
        assert_eq!(TableFn::Exp.saturation_point(true, 16), None);
        assert_eq!(TableFn::Log.limits(), [None, None]);
        assert_eq!(TableFn::Gelu.limits(), [None, None]);
        assert_eq!(TableFn::Softplus.limits(), [Some(0), None]);
    }
}
