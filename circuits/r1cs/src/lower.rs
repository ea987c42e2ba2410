//! Lowering of each IR op to cells and constraints. One arm per op of the closed set: a new op
//! does not compile until it is lowered here.

use std::collections::BTreeMap;
use std::sync::Arc;

use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};
use zkinfer_ir::ops::{
    channel_index, ChannelAffine, Concat, Conv2d, ConvGeometry, Gemm, MatMul, Pool2d, Reduce,
    ReduceKind, Select, Table,
};
use zkinfer_ir::{Fact, Node, Op, Witness};

use crate::cell::{combine, Cell, CellKind};
use crate::cost::{Cost, Tally};
use crate::gadgets::{compare, divide, product, relu, rescale};
use crate::lookup::{FunctionTable, RangeChecker, RangeMode};
use crate::{fr_from_i128, Fr, R1csError};

/// Lowers nodes in order, keeping every tensor's cells.
pub(crate) struct Lowering<'a> {
    pub cs: ConstraintSystemRef<Fr>,
    pub witness: Option<&'a Witness>,
    /// Range checks and sign bits: bit decomposition (plain) or lookups.
    pub rc: RangeChecker,
    /// Cells of every tensor so far (inputs first).
    pub cells: Vec<Vec<Cell>>,
    /// The function table of each distinct table op so far (tagged in order of first use).
    pub tables: BTreeMap<Table, Arc<FunctionTable>>,
}

impl Lowering<'_> {
    /// The executor's value of element `j` of tensor `t` (when proving).
    fn val(&self, t: usize, j: usize) -> Option<i128> {
        self.witness.map(|w| w.tensors[t].data[j] as i128)
    }

    fn materialized(&self, t: usize) -> Result<Vec<Cell>, SynthesisError> {
        self.cells[t]
            .iter()
            .map(|c| c.materialize(&self.cs))
            .collect()
    }

    /// Lowers `node` (whose output is tensor `out`) with input facts `facts`.
    pub fn node(
        &mut self,
        node: &Node,
        out: usize,
        facts: &[&Fact],
    ) -> Result<Vec<Cell>, R1csError> {
        let x = node.inputs.first().map(|t| t.0).unwrap_or(0);
        let n = node.fact.len();
        Ok(match &node.op {
            Op::Gemm(g) => self.gemm(g, x, out, n)?,
            Op::Conv2d(c) => self.conv(c, x, out, facts[0], &node.fact)?,
            Op::SumPool2d(p) => self.sum_pool(p, x, out, facts[0])?,
            Op::MaxPool2d(p) => self.max_pool(p, x, facts[0])?,
            Op::ChannelAffine(a) => self.affine(a, x, out, facts[0], n),
            Op::Add | Op::Sub => {
                let sign = if matches!(node.op, Op::Add) {
                    Fr::from(1u8)
                } else {
                    -Fr::from(1u8)
                };
                self.add(x, node.inputs[1].0, sign, out, n)
            }
            Op::Rescale(r) => (0..n)
                .map(|o| {
                    rescale::rescale_with(
                        &self.cs,
                        &self.rc,
                        &self.cells[x][o],
                        self.val(out, o),
                        r.shift,
                        r.bits,
                    )
                })
                .collect::<Result<Vec<_>, _>>()?,
            Op::Relu => {
                let bits = facts[0].bits();
                (0..n)
                    .map(|o| relu::relu_with(&self.cs, &self.rc, &self.cells[x][o], bits))
                    .collect::<Result<Vec<_>, _>>()?
            }
            Op::Clip(c) => self.clip(x, facts[0], c.min, c.max)?,
            Op::Reshape(_) => self.cells[x].clone(),
            // Data movement: the outputs are the inputs' cells (no constraint).
            Op::Select(sel) => self.select(x, sel),
            Op::Concat(c) => concat_sources(c, facts)?
                .into_iter()
                .map(|(k, j)| self.cells[node.inputs[k].0][j].clone())
                .collect(),
            Op::Mul => {
                let b = node.inputs[1].0;
                (0..n)
                    .map(|o| product::product(&self.cs, &self.cells[x][o], &self.cells[b][o]))
                    .collect::<Result<Vec<_>, _>>()?
            }
            Op::MatMul(_) => self.matmul(x, node.inputs[1].0, facts)?,
            Op::Div(d) => {
                let s = node.inputs[1].0;
                (0..n)
                    .map(|o| {
                        divide::divide(
                            &self.cs,
                            &self.rc,
                            &self.cells[x][o],
                            &self.cells[s][o],
                            self.val(out, o),
                            d.shift,
                            d.bits,
                            facts[1].max_abs,
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()?
            }
            Op::Reduce(r) => self.reduce(r, x, out, facts[0])?,
            Op::Table(t) => self.table(t, x, out, n)?,
        })
    }

    /// The cells a `Select` moves; Pad's zero ([`Select::ZERO`]) is the empty combination,
    /// valued 0 when proving.
    fn select(&self, x: usize, sel: &Select) -> Vec<Cell> {
        let zero = Cell {
            lc: LinearCombination(Vec::new()),
            val: self.cells[x].first().and_then(|c| c.val).map(|_| 0),
            sign: None,
        };
        sel.index
            .iter()
            .map(|&i| match i {
                Select::ZERO => zero.clone(),
                i => self.cells[x][i as usize].clone(),
            })
            .collect()
    }

    /// A batched matrix product: each output the sum of its `k` products (one constraint each).
    fn matmul(&self, a: usize, b: usize, facts: &[&Fact]) -> Result<Vec<Cell>, R1csError> {
        let d = MatMul::dims(&facts[0].shape, &facts[1].shape).map_err(R1csError::Graph)?;
        let (ca, cb) = (&self.cells[a], &self.cells[b]);
        (0..d.batch * d.m * d.n)
            .map(|o| {
                let ps = MatMul::terms(&d, o)
                    .map(|(i, j)| product::product(&self.cs, &ca[i], &cb[j]))
                    .collect::<Result<Vec<_>, _>>()?;
                if let [only] = ps.as_slice() {
                    return Ok(only.clone());
                }
                Ok(Cell {
                    lc: combine(ps.iter().map(|p| (Fr::from(1u8), &p.lc)), Fr::from(0u8)),
                    val: ps.iter().map(|p| p.val).sum(),
                    sign: None,
                })
            })
            .collect()
    }

    /// A reduction: each output the sum of its group's cells (free), or a chain of
    /// [`compare::max`] over them.
    fn reduce(
        &self,
        r: &Reduce,
        x: usize,
        out: usize,
        input: &Fact,
    ) -> Result<Vec<Cell>, R1csError> {
        let groups = r.groups(&input.shape).map_err(R1csError::Graph)?;
        let cells = &self.cells[x];
        groups
            .iter()
            .enumerate()
            .map(|(o, g)| match (r.kind, g.as_slice()) {
                (_, [only]) => Ok(cells[*only].clone()),
                (ReduceKind::Sum, _) => Ok(Cell {
                    lc: combine(
                        g.iter().map(|&i| (Fr::from(1u8), &cells[i].lc)),
                        Fr::from(0u8),
                    ),
                    val: self.val(out, o),
                    sign: None,
                }),
                (ReduceKind::Max, _) => {
                    Ok(g.iter().skip(1).try_fold(cells[g[0]].clone(), |m, &i| {
                        compare::max_with(&self.cs, &self.rc, &m, &cells[i], input.bits())
                    })?)
                }
            })
            .collect()
    }

    /// A table op: each output a new wire `y`, and one lookup of `(x, y)` into the op's
    /// function table (so `y = f(x)` is the table's row for `x`).
    fn table(&mut self, t: &Table, x: usize, out: usize, n: usize) -> Result<Vec<Cell>, R1csError> {
        let next = u32::try_from(self.tables.len()).unwrap_or(u32::MAX);
        let table = match self.tables.get(t) {
            Some(table) => Arc::clone(table),
            None => {
                let rows = t.rows().map_err(R1csError::Graph)?;
                let table = Arc::new(FunctionTable {
                    tag: next,
                    lo: rows.lo,
                    values: rows.values.clone(),
                });
                self.tables.insert(*t, Arc::clone(&table));
                table
            }
        };
        (0..n)
            .map(|o| {
                let val = self.val(out, o);
                let y = self.cs.new_witness_variable(|| {
                    val.map(fr_from_i128)
                        .ok_or(SynthesisError::AssignmentMissing)
                })?;
                let y = Cell::var(y, val);
                self.rc.lookup_function(&table, &self.cells[x][o], &y)?;
                Ok(y)
            })
            .collect()
    }

    /// Dense layer: each output a linear combination of the (materialized) inputs.
    fn gemm(&self, g: &Gemm, x: usize, out: usize, n: usize) -> Result<Vec<Cell>, SynthesisError> {
        let xs = self.materialized(x)?;
        let k = g.in_features;
        Ok((0..n)
            .map(|o| {
                let (row, col) = (o / g.out_features, o % g.out_features);
                let terms = (0..k).map(|i| {
                    (
                        fr_from_i128(g.weight[col * k + i] as i128),
                        &xs[row * k + i].lc,
                    )
                });
                Cell {
                    lc: combine(terms, fr_from_i128(g.bias[col] as i128)),
                    val: self.val(out, o),
                    sign: None,
                }
            })
            .collect())
    }

    /// Convolution: the same, with the taps the IR's geometry enumerates.
    fn conv(
        &self,
        c: &Conv2d,
        x: usize,
        out: usize,
        input: &Fact,
        output: &Fact,
    ) -> Result<Vec<Cell>, SynthesisError> {
        let xs = self.materialized(x)?;
        let weights: Vec<Fr> = c.weight.iter().map(|&w| fr_from_i128(w as i128)).collect();
        let one = Fr::from(1u8);
        let mut terms: Vec<Vec<(Fr, Variable)>> = vec![Vec::new(); output.len()];
        c.geometry
            .for_each_tap(&input.shape, &output.shape, |o, i, w| {
                let weight = weights[w];
                for (coeff, var) in &xs[i].lc.0 {
                    let k = if *coeff == one {
                        weight
                    } else {
                        *coeff * weight
                    };
                    terms[o].push((k, *var));
                }
            });
        Ok(terms
            .into_iter()
            .enumerate()
            .map(|(o, t)| {
                let bias = c.bias[ConvGeometry::channel_of(&output.shape, o)];
                let mut lc = LinearCombination(t);
                lc.0.push((fr_from_i128(bias as i128), Variable::One));
                lc.compactify();
                Cell {
                    lc,
                    val: self.val(out, o),
                    sign: None,
                }
            })
            .collect())
    }

    /// Sum pooling: sums of linear combinations.
    fn sum_pool(
        &self,
        p: &Pool2d,
        x: usize,
        out: usize,
        input: &Fact,
    ) -> Result<Vec<Cell>, R1csError> {
        let one = Fr::from(1u8);
        let (_, sums) = p
            .apply(
                "sum_pool2d",
                &input.shape,
                &self.cells[x],
                |plane, window| {
                    Ok(combine(
                        window.iter().map(|&i| (one, &plane[i].lc)),
                        Fr::from(0u8),
                    ))
                },
            )
            .map_err(|e| R1csError::WitnessMismatch(e.to_string()))?;
        Ok(sums
            .into_iter()
            .enumerate()
            .map(|(o, lc)| Cell {
                lc,
                val: self.val(out, o),
                sign: None,
            })
            .collect())
    }

    /// Max pooling: a chain of [`compare::max`] per window.
    fn max_pool(&self, p: &Pool2d, x: usize, input: &Fact) -> Result<Vec<Cell>, R1csError> {
        let bits = input.bits();
        let (_, cells) = p
            .apply(
                "max_pool2d",
                &input.shape,
                &self.cells[x],
                |plane, window| {
                    Ok(window
                        .iter()
                        .skip(1)
                        .try_fold(plane[window[0]].clone(), |m, &i| {
                            compare::max_with(&self.cs, &self.rc, &m, &plane[i], bits)
                        }))
                },
            )
            .map_err(|e| R1csError::WitnessMismatch(e.to_string()))?;
        Ok(cells.into_iter().collect::<Result<Vec<_>, _>>()?)
    }

    /// Per-channel multiply-add by constants.
    fn affine(&self, a: &ChannelAffine, x: usize, out: usize, input: &Fact, n: usize) -> Vec<Cell> {
        let pick = |v: &[i64], c: usize| if v.len() == 1 { v[0] } else { v[c] };
        (0..n)
            .map(|o| {
                let c = if a.mul.len() == 1 && a.add.len() == 1 {
                    0
                } else {
                    channel_index(a.axis, &input.shape, o)
                };
                let mul = fr_from_i128(pick(&a.mul, c) as i128);
                let lc = combine(
                    [(mul, &self.cells[x][o].lc)],
                    fr_from_i128(pick(&a.add, c) as i128),
                );
                Cell {
                    lc,
                    val: self.val(out, o),
                    sign: None,
                }
            })
            .collect()
    }

    /// `x + sign · y` element-wise.
    fn add(&self, x: usize, y: usize, sign: Fr, out: usize, n: usize) -> Vec<Cell> {
        (0..n)
            .map(|o| Cell {
                lc: combine(
                    [
                        (Fr::from(1u8), &self.cells[x][o].lc),
                        (sign, &self.cells[y][o].lc),
                    ],
                    Fr::from(0u8),
                ),
                val: self.val(out, o),
                sign: None,
            })
            .collect()
    }

    /// `min(max(x, lo), hi)`, skipping a side the input's bound already satisfies.
    fn clip(&self, x: usize, fact: &Fact, lo: i64, hi: i64) -> Result<Vec<Cell>, SynthesisError> {
        let bits = fact.bits();
        let m = fact.max_abs as i128;
        let proving = self.witness.is_some();
        self.cells[x]
            .iter()
            .map(|cell| {
                // Entirely outside the input's range: the result is a constant.
                if (lo as i128) >= m {
                    return Ok(compare::constant(lo as i128, proving));
                }
                if (hi as i128) <= -m {
                    return Ok(compare::constant(hi as i128, proving));
                }
                let mut c = cell.clone();
                if (lo as i128) > -m {
                    let lo = compare::constant(lo as i128, proving);
                    c = compare::max_with(&self.cs, &self.rc, &c, &lo, bits)?;
                }
                if (hi as i128) < m {
                    let hi = compare::constant(hi as i128, proving);
                    c = compare::min_with(&self.cs, &self.rc, &c, &hi, bits)?;
                }
                Ok(c)
            })
            .collect()
    }
}

/// The analytic twin of [`Lowering::node`]: what lowering `node` costs in `mode` and the
/// [`CellKind`] of every output cell, from the IR facts, the op's constants and the input
/// cells' kinds alone (no variable, constraint or linear combination is built). One arm per
/// op, mirroring the arms above; the e2e test `estimate.rs` checks the sum equals a real
/// synthesis on every bundled model and fixture, in both modes.
///
/// Exact, except that a cell built from a *constant* cell (only Clip can make one, when its
/// input range lies entirely outside `[min, max]`) or with a coefficient that cancels to one
/// (`−1·−1` through two affine maps) is counted as a combination: if such a cell is in fact a
/// single variable, a later Gemm/Conv does not materialize it and the estimate is one
/// constraint and one variable high per such cell. The estimate is never low.
pub(crate) fn node_cost(
    node: &Node,
    facts: &[&Fact],
    inputs: &[&[CellKind]],
    mode: RangeMode,
) -> Result<(Tally, Vec<CellKind>), R1csError> {
    let missing = || {
        R1csError::Graph(zkinfer_ir::IrError::Arity {
            op: node.op.name(),
            expected: node.op.arity(),
            found: inputs.len(),
        })
    };
    let x = *inputs.first().ok_or_else(missing)?;
    let fact = *facts.first().ok_or_else(missing)?;
    let n = node.fact.len();
    let materialize = || {
        x.iter()
            .fold(Cost::default(), |c, k| c.plus(k.materialize_cost()))
            .into()
    };
    Ok(match &node.op {
        Op::Gemm(g) => (materialize(), gemm_kinds(g, n)),
        // Every output keeps its bias term (even 0) on the constant variable: never single.
        Op::Conv2d(_) => (materialize(), vec![CellKind::COMBINATION; n]),
        Op::SumPool2d(p) | Op::MaxPool2d(p) => {
            let max = matches!(node.op, Op::MaxPool2d(_));
            let (compares, kinds) = pool_kinds(p, max, fact, &node.fact, x);
            (
                compare::max_cost_with(mode, fact.bits()).times(compares),
                kinds,
            )
        }
        Op::ChannelAffine(a) => {
            let pick = |v: &[i64], c: usize| if v.len() == 1 { v[0] } else { v[c] };
            let kinds = (0..n)
                .map(|o| {
                    let c = if a.mul.len() == 1 && a.add.len() == 1 {
                        0
                    } else {
                        channel_index(a.axis, &fact.shape, o)
                    };
                    CellKind {
                        single_var: x[o].single_var && pick(&a.mul, c) == 1 && pick(&a.add, c) == 0,
                        sign: false,
                    }
                })
                .collect();
            (Tally::default(), kinds)
        }
        Op::Add | Op::Sub => (Tally::default(), vec![CellKind::COMBINATION; n]),
        Op::Rescale(r) => (
            rescale::cost_with(mode, r.shift, r.bits).times(n),
            vec![CellKind::var(true); n],
        ),
        Op::Relu => {
            let bits = fact.bits();
            let signed = x.iter().filter(|k| k.sign).count();
            let cost = relu::cost_with(mode, true, bits)
                .times(signed)
                .plus(&relu::cost_with(mode, false, bits).times(x.len() - signed));
            (cost, vec![CellKind::var(false); n])
        }
        Op::Clip(c) => clip_cost(c.min, c.max, fact, x, mode, n),
        Op::Reshape(_) => (Tally::default(), x.to_vec()),
        Op::Select(_) | Op::Concat(_) => (Tally::default(), moved_kinds(&node.op, facts, inputs)?),
        Op::Mul | Op::MatMul(_) | Op::Div(_) => {
            let b = facts.get(1).ok_or_else(missing)?;
            binary_cost(&node.op, fact, b, n, mode)?
        }
        Op::Reduce(r) => reduce_cost(r, fact, x, mode)?,
        Op::Table(t) => {
            if mode == RangeMode::Bits {
                return Err(crate::lookup::table_needs_lookup(Some(node)));
            }
            // The output wire; the lookup is priced with the argument.
            let each = Tally::from(Cost::new(0, 1)).plus(&Tally::function(*t));
            (each.times(n), vec![CellKind::var(false); n])
        }
    })
}

/// What a product or quotient of two computed tensors costs, and its output kinds.
fn binary_cost(
    op: &Op,
    fact: &Fact,
    b: &Fact,
    n: usize,
    mode: RangeMode,
) -> Result<(Tally, Vec<CellKind>), R1csError> {
    Ok(match op {
        Op::MatMul(_) => {
            let d = MatMul::dims(&fact.shape, &b.shape).map_err(R1csError::Graph)?;
            let kind = if d.k == 1 {
                CellKind::var(false)
            } else {
                CellKind::COMBINATION
            };
            (
                Tally::from(product::COST).times(n.saturating_mul(d.k)),
                vec![kind; n],
            )
        }
        Op::Div(d) => (
            divide::cost_with(mode, b.max_abs, d.bits).times(n),
            vec![CellKind::var(false); n],
        ),
        _ => (
            Tally::from(product::COST).times(n),
            vec![CellKind::var(false); n],
        ),
    })
}

/// What a reduction costs (`c − 1` comparisons per maximum over `c` cells; sums are free)
/// and its output kinds (a group of one passes its cell through).
fn reduce_cost(
    r: &Reduce,
    fact: &Fact,
    x: &[CellKind],
    mode: RangeMode,
) -> Result<(Tally, Vec<CellKind>), R1csError> {
    let groups = r.groups(&fact.shape).map_err(R1csError::Graph)?;
    let mut compares = 0usize;
    let kinds = groups
        .iter()
        .map(|g| match g.as_slice() {
            [only] => x[*only],
            _ => {
                compares = compares.saturating_add(g.len() - 1);
                CellKind::COMBINATION
            }
        })
        .collect();
    let cost = match r.kind {
        ReduceKind::Sum => Tally::default(),
        ReduceKind::Max => compare::max_cost_with(mode, fact.bits()).times(compares),
    };
    Ok((cost, kinds))
}

/// The output kinds of a data-movement op: its inputs' kinds, moved (free).
fn moved_kinds(
    op: &Op,
    facts: &[&Fact],
    inputs: &[&[CellKind]],
) -> Result<Vec<CellKind>, R1csError> {
    Ok(match op {
        Op::Select(sel) => sel
            .index
            .iter()
            .map(|&i| match i {
                Select::ZERO => CellKind::COMBINATION,
                i => inputs[0][i as usize],
            })
            .collect(),
        Op::Concat(c) => concat_sources(c, facts)?
            .into_iter()
            .map(|(k, j)| inputs[k][j])
            .collect(),
        _ => inputs[0].to_vec(),
    })
}

/// What a Clip to `[lo, hi]` costs, and its output kinds: a comparison per bound the input
/// can cross; every output is a constant when the interval excludes the input's range.
fn clip_cost(
    lo: i64,
    hi: i64,
    fact: &Fact,
    x: &[CellKind],
    mode: RangeMode,
    n: usize,
) -> (Tally, Vec<CellKind>) {
    let (bits, m) = (fact.bits(), fact.max_abs as i128);
    let (lo, hi) = (lo as i128, hi as i128);
    if lo >= m || hi <= -m {
        return (Tally::default(), vec![CellKind::COMBINATION; n]);
    }
    let compares = usize::from(lo > -m) + usize::from(hi < m);
    let kinds = if compares == 0 {
        x.to_vec()
    } else {
        vec![CellKind::COMBINATION; n]
    };
    (
        compare::max_cost_with(mode, bits).times(compares * n),
        kinds,
    )
}

/// Where each output of a Concat comes from: `(input, flat index)`.
fn concat_sources(c: &Concat, facts: &[&Fact]) -> Result<Vec<(usize, usize)>, R1csError> {
    let shapes: Vec<&[usize]> = facts.iter().map(|f| f.shape.as_slice()).collect();
    c.sources(&shapes).map_err(R1csError::Graph)
}

/// Gemm's output kinds. Output `(row, col)` is `Σ_i w[col, i]·x_i + b[col]` over materialized
/// (single, distinct) inputs, zero weights skipped: a single variable iff exactly one weight
/// is non-zero, it is 1, and the bias is 0.
fn gemm_kinds(g: &Gemm, n: usize) -> Vec<CellKind> {
    let k = g.in_features;
    let single: Vec<bool> = (0..g.out_features)
        .map(|col| {
            let mut nz = g.weight[col * k..(col + 1) * k].iter().filter(|w| **w != 0);
            g.bias[col] == 0 && matches!((nz.next(), nz.next()), (Some(1), None))
        })
        .collect();
    (0..n)
        .map(|o| CellKind {
            single_var: single[o % g.out_features.max(1)],
            sign: false,
        })
        .collect()
}

/// Sum or max pooling's comparison count and output kinds: a window of one cell passes that
/// cell through (a max pool keeps its sign bit); a max over `c` cells is `c − 1` comparisons.
fn pool_kinds(
    p: &Pool2d,
    max: bool,
    input: &Fact,
    output: &Fact,
    x: &[CellKind],
) -> (usize, Vec<CellKind>) {
    let (h, w) = (input.shape[2], input.shape[3]);
    let (oh, ow) = (output.shape[2], output.shape[3]);
    let mut compares = 0usize;
    let mut kinds = Vec::with_capacity(output.len());
    for plane in 0..input.shape[0] * input.shape[1] {
        for oy in 0..oh {
            let (y0, ny) = p.window_span(0, oy, h);
            for ox in 0..ow {
                let (x0, nx) = p.window_span(1, ox, w);
                let cells = ny * nx;
                let only = || x[plane * h * w + y0 * w + x0];
                kinds.push(match (cells, max) {
                    (1, true) => only(),
                    (1, false) => CellKind {
                        single_var: only().single_var,
                        sign: false,
                    },
                    _ => CellKind::COMBINATION,
                });
                if max {
                    compares = compares.saturating_add(cells.saturating_sub(1));
                }
            }
        }
    }
    (compares, kinds)
}
