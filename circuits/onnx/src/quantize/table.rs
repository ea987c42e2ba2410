//! Quantizing a function table: its input's scale and domain, and saturation beyond the domain.
//!
//! The input is rounded to `table_bits` at the scale its calibration range allows (straight
//! from the accumulator when the rounding was deferred to here, not at all when the input
//! already fits); the output is at the calibrated scale of the float tensor, clamped to
//! `activation_bits`. Where the function levels off (sigmoid, tanh, erf, hard sigmoid on both
//! sides; exp and softplus below), the domain reaches the point where it does, if that costs at
//! most [`MAX_BITS_FOR_SATURATION`] of input resolution, and inputs beyond the domain's edge
//! then saturate to the edge's row, which equals the limit, as the float function does after
//! rounding. Elsewhere an input beyond the domain is refused.

use zkinfer_ir::ops::{Clip, Rescale, Table, TableFn};
use zkinfer_ir::{Op, TensorId};

use super::{choose_scale, Quantizer};
use crate::CompileError;

/// Input resolution (bits) a table may give up for its domain to reach the point where its
/// function levels off.
pub const MAX_BITS_FOR_SATURATION: i32 = 1;

impl Quantizer<'_> {
    /// A function table on IR tensor `x` (float tensor `t_in`), its output float tensor `t`.
    pub(super) fn table(
        &mut self,
        name: &str,
        func: TableFn,
        x: TensorId,
        t_in: usize,
        t: usize,
    ) -> Result<TensorId, CompileError> {
        let s = self.settings;
        let bits = s.table_bits;
        let fact = self.fact(x)?;
        let out_scale = choose_scale(
            self.ranges[t],
            s.activation_bits,
            s.headroom_bits,
            s.max_scale,
        );
        let table_on = |in_scale: i32, in_max: u64| Table {
            func,
            in_scale,
            in_max,
            out_scale,
            out_bits: s.activation_bits,
        };
        if !self.unrounded.contains(&x) && fact.max_abs <= 1 << (bits - 1) {
            // Every value the input can hold is in the table.
            let table = table_on(fact.scale, fact.max_abs);
            return self.push(name, Op::Table(table), vec![x]);
        }
        let target = self.table_scale(func, self.ranges[t_in], out_scale);
        let shift = (fact.scale - target).max(0) as u32;
        let half = 1i64 << (bits - 1);
        let table = table_on(fact.scale - shift as i32, half as u64);
        let [low, high] = func.limits();
        let levels = |limit: Option<i64>, edge: i64| {
            limit
                .and_then(|l| u32::try_from(out_scale).ok().map(|o| l << o))
                .is_some_and(|l| table.value(edge) == l)
        };
        let (low_flat, high_flat) = (levels(low, -half), levels(high, half - 1));
        if !low_flat && !high_flat {
            let input = self.push(
                &format!("{name}.rescale"),
                Op::Rescale(Rescale { shift, bits }),
                vec![x],
            )?;
            return self.push(name, Op::Table(table), vec![input]);
        }
        // Round at the activation width, clamp the sides that level off to the edge, and
        // range-check a side that does not.
        let wide = s.activation_bits.max(bits);
        let wide_half = 1i64 << (wide - 1);
        let rounded = self.push(
            &format!("{name}.rescale"),
            Op::Rescale(Rescale { shift, bits: wide }),
            vec![x],
        )?;
        let clip = Clip {
            min: if low_flat { -half } else { -wide_half },
            max: if high_flat { half - 1 } else { wide_half - 1 },
        };
        let mut input = self.push(&format!("{name}.saturate"), Op::Clip(clip), vec![rounded])?;
        if !(low_flat && high_flat) {
            input = self.push(
                &format!("{name}.range"),
                Op::Rescale(Rescale { shift: 0, bits }),
                vec![input],
            )?;
        }
        self.push(name, Op::Table(table), vec![input])
    }

    /// The table input's scale: the finest that holds the calibrated range (with headroom), or
    /// a coarser one (by at most [`MAX_BITS_FOR_SATURATION`]) whose domain reaches the point
    /// where the function levels off.
    fn table_scale(&self, func: TableFn, range: f64, out_scale: i32) -> i32 {
        let s = self.settings;
        let calibrated = choose_scale(range, s.table_bits, s.headroom_bits, s.max_scale);
        let reach = [false, true]
            .into_iter()
            .filter_map(|high| func.saturation_point(high, out_scale))
            .fold(0.0f64, f64::max);
        if reach <= 0.0 {
            return calibrated;
        }
        let reaching = choose_scale(reach, s.table_bits, 0, s.max_scale);
        if reaching >= calibrated - MAX_BITS_FOR_SATURATION {
            reaching.min(calibrated)
        } else {
            calibrated
        }
    }
}

#[cfg(test)]
mod tests {
    use zkinfer_ir::{InputData, QuantizeSettings};

    use crate::float_graph::{FGraph, FOp};
    use crate::{compile_graph, dequantized, run_integer};

    use super::TableFn;

    /// `f(±x²)` on a `[1, 4]` input calibrated over `[−3, 3]`: the square grows faster than
    /// the input's own range check, so a valid input can leave the table's domain.
    fn squared_into(f: TableFn, negate: bool) -> crate::Compiled {
        let mut g = FGraph {
            inputs: vec![("x".into(), vec![1, 4])],
            ..FGraph::default()
        };
        let sign = FOp::scale(0, vec![if negate { -1.0 } else { 1.0 }]);
        let signed = g.push("sign", "Mul", sign, vec![0]).unwrap();
        // The product's rounding is deferred into the table's input rescale.
        let sq = g.push("sq", "Mul", FOp::Mul, vec![signed, 0]).unwrap();
        let y = g.push("f", "Table", FOp::Table(f), vec![sq]).unwrap();
        g.outputs.push(("y".into(), y));
        let calibration = InputData {
            input_data: vec![(0..64).map(|i| (i % 13) as f64 / 2.0 - 3.0).collect()],
        };
        compile_graph(g, &calibration, QuantizeSettings::default()).unwrap()
    }

    #[test]
    fn levelling_functions_saturate_beyond_the_domain_others_are_refused() {
        // x = 7.5 passes the input's check (range 3, one bit of headroom: up to ~8); x² = 56
        // is past every table edge (calibrated 9, with headroom and rounding 32).
        let far = [vec![7.5, 0.5, -7.5, 0.0]];
        for (f, negate, want) in [
            (TableFn::Sigmoid, false, [1.0, 0.562_177, 1.0, 0.5]),
            (TableFn::Tanh, true, [-1.0, -0.244_919, -1.0, 0.0]),
            (TableFn::Exp, true, [0.0, 0.778_801, 0.0, 1.0]),
        ] {
            let c = squared_into(f, negate);
            let out = run_integer(&c.model, &far).unwrap_or_else(|e| panic!("{f:?}: {e}"));
            let got = &dequantized(&c.model, &out)[0];
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() < 1e-3, "{f:?}: {got:?} against {want:?}");
            }
            assert!(
                c.model.graph.nodes.iter().any(|n| n.name == "f.saturate"),
                "{f:?} saturates"
            );
        }
        // exp of +x² does not level off above: the same input is refused, not clamped.
        let c = squared_into(TableFn::Exp, false);
        let e = run_integer(&c.model, &far).unwrap_err().to_string();
        assert!(e.contains("f.range"), "{e}");
        // Inside the domain nothing changes: x = 2.
        let near = [vec![2.0, -2.0, 1.0, 0.0]];
        let out = run_integer(&c.model, &near).unwrap();
        let got = &dequantized(&c.model, &out)[0];
        assert!((got[0] - 4f64.exp()).abs() < 0.05, "{got:?}");
    }
}
