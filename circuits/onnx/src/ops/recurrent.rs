//! Recurrent layers: RNN, GRU and LSTM (ONNX default domain), unrolled over their static
//! sequence length into the ops the circuit already proves.
//!
//! Per direction the input projection of every step is one `Gemm` over `X` (both biases folded
//! in where the equations allow); each step adds the recurrent `Gemm` of the previous state,
//! takes its gates by `Select`, and applies the gate functions as tables (Sigmoid, Tanh) or
//! `Relu`. Products of gates are exact `Mul`s. The first step starts from a zero state (no
//! `initial_h`/`initial_c`, or all zeros), whose recurrent terms are constants folded away;
//! a computed initial state is supported, a non-zero constant one is refused. Supported: every
//! `direction` (forward, reverse, bidirectional), `clip`, GRU's `linear_before_reset` either
//! way, LSTM peepholes; refused with a named reason: `layout = 1`, variable `sequence_lens`,
//! gate functions other than Sigmoid, Tanh and Relu.

use zkinfer_ir::ops::TableFn;

use super::movement::narrow;
use super::{NodeCtx, Registry, Value};
use crate::float_graph::FOp;
use crate::proto::ConstTensor;
use crate::ImportError;

pub(super) fn register(reg: &mut Registry) {
    reg.insert("RNN", |c| recurrent(c, Cell::Rnn));
    reg.insert("GRU", |c| recurrent(c, Cell::Gru));
    reg.insert("LSTM", |c| recurrent(c, Cell::Lstm));
}

/// Which recurrent cell.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cell {
    Rnn,
    Gru,
    Lstm,
}

impl Cell {
    /// Gates per step (rows of `W` per hidden unit).
    fn gates(self) -> usize {
        match self {
            Cell::Rnn => 1,
            Cell::Gru => 3,
            Cell::Lstm => 4,
        }
    }

    /// The ONNX default gate functions of one direction.
    fn default_functions(self) -> &'static [&'static str] {
        match self {
            Cell::Rnn => &["Tanh"],
            Cell::Gru => &["Sigmoid", "Tanh"],
            Cell::Lstm => &["Sigmoid", "Tanh", "Tanh"],
        }
    }
}

/// A gate function.
#[derive(Clone, Copy)]
enum Act {
    Sigmoid,
    Tanh,
    Relu,
}

/// The node's constants and attributes, checked.
struct Spec {
    cell: Cell,
    seq: usize,
    batch: usize,
    input: usize,
    hidden: usize,
    /// Per direction: whether it runs backwards in time.
    reverse: Vec<bool>,
    /// Per direction: its gate functions (f, g, h as ONNX names them).
    acts: Vec<Vec<Act>>,
    clip: Option<f64>,
    linear_before_reset: bool,
    w: ConstTensor,
    r: ConstTensor,
    /// `[dirs, 2 · gates · hidden]`, zeros when absent.
    b: Vec<f64>,
    /// LSTM peepholes `[dirs, 3 · hidden]`, when given and not all zero.
    p: Option<Vec<f64>>,
}

/// The state entering a step: zero, or a computed `[batch, hidden]` tensor.
type State = Option<usize>;

fn recurrent(ctx: &mut NodeCtx<'_>, cell: Cell) -> Result<Value, ImportError> {
    ctx.arity(3, if cell == Cell::Lstm { 8 } else { 6 })?;
    let spec = spec(ctx, cell)?;
    let x = ctx.tensor(0)?;
    let dirs = spec.reverse.len();
    let (mut ys, mut hs, mut cs) = (Vec::new(), Vec::new(), Vec::new());
    for d in 0..dirs {
        let h0 = initial_state(ctx, &spec, 5, d, "h")?;
        let c0 = if cell == Cell::Lstm {
            initial_state(ctx, &spec, 6, d, "c")?
        } else {
            None
        };
        let (steps, h, c) = direction(ctx, &spec, x, d, h0, c0)?;
        let shape = vec![1, spec.batch, spec.hidden];
        let steps = steps
            .into_iter()
            .enumerate()
            .map(|(t, s)| {
                ctx.push_tensor(
                    &format!(".d{d}.t{t}.y"),
                    FOp::Reshape(shape.clone()),
                    vec![s],
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let y = ctx.push_tensor(&format!(".d{d}.y"), FOp::Concat { axis: 0 }, steps)?;
        let y_shape = vec![spec.seq, 1, spec.batch, spec.hidden];
        ys.push(ctx.push_tensor(&format!(".d{d}.seq"), FOp::Reshape(y_shape), vec![y])?);
        hs.push(ctx.push_tensor(&format!(".d{d}.h"), FOp::Reshape(shape.clone()), vec![h])?);
        if let Some(c) = c {
            cs.push(ctx.push_tensor(&format!(".d{d}.c"), FOp::Reshape(shape), vec![c])?);
        }
    }
    let y_h = ctx.push_tensor(".y_h", FOp::Concat { axis: 0 }, hs)?;
    ctx.set_output(1, Value::Tensor(y_h));
    if !cs.is_empty() {
        let y_c = ctx.push_tensor(".y_c", FOp::Concat { axis: 0 }, cs)?;
        ctx.set_output(2, Value::Tensor(y_c));
    }
    ctx.push("", FOp::Concat { axis: 1 }, ys)
}

/// Reads and checks the node's shapes, constants and attributes.
fn spec(ctx: &NodeCtx<'_>, cell: Cell) -> Result<Spec, ImportError> {
    if ctx.attrs.int("layout").unwrap_or(0) != 0 {
        return Err(ctx.unsupported("layout", "only layout 0 ([seq, batch, input]) is supported"));
    }
    let x_shape = ctx.shape(ctx.tensor(0)?);
    let [seq, batch, input] = x_shape[..] else {
        return Err(ctx.unsupported(
            "X",
            format!("X must be [seq, batch, input], got {x_shape:?}"),
        ));
    };
    let w = ctx.constant(1)?.clone();
    let r = ctx.constant(2)?.clone();
    let g = cell.gates();
    let [dirs, rows, w_in] = w.shape[..] else {
        return Err(ctx.unsupported("W", format!("W must be 3-D, got {:?}", w.shape)));
    };
    let hidden = rows / g;
    let given = ctx.attrs.int("hidden_size");
    if rows % g != 0 || w_in != input || given.is_some_and(|h| h != hidden as i64) {
        return Err(ctx.unsupported("W", format!("W {:?} does not fit X {x_shape:?}", w.shape)));
    }
    if r.shape != [dirs, rows, hidden] {
        return Err(ctx.unsupported(
            "R",
            format!("R must be {:?}, got {:?}", [dirs, rows, hidden], r.shape),
        ));
    }
    let reverse = directions(ctx, dirs)?;
    let b = optional_constant(ctx, 3, "B", &[dirs, 2 * rows])?
        .unwrap_or_else(|| vec![0.0; dirs * 2 * rows]);
    check_sequence_lens(ctx, seq)?;
    let p = optional_constant(ctx, 7, "P", &[dirs, 3 * hidden])?
        .filter(|d| d.iter().any(|&v| v != 0.0));
    let clip = ctx.attrs.float("clip").map(f64::from);
    if clip.is_some_and(|c| c.is_nan() || c <= 0.0) {
        return Err(ctx.unsupported("clip", "the clip threshold must be positive"));
    }
    Ok(Spec {
        cell,
        seq,
        batch,
        input,
        hidden,
        acts: activations(ctx, cell, dirs)?,
        reverse,
        clip,
        linear_before_reset: ctx.attrs.int("linear_before_reset").unwrap_or(0) != 0,
        w,
        r,
        b,
        p,
    })
}

/// Per direction, whether it runs backwards (`direction` against the weight sets).
fn directions(ctx: &NodeCtx<'_>, dirs: usize) -> Result<Vec<bool>, ImportError> {
    let direction = ctx
        .attrs
        .string("direction")
        .unwrap_or_else(|| "forward".into());
    match (direction.as_str(), dirs) {
        ("forward", 1) => Ok(vec![false]),
        ("reverse", 1) => Ok(vec![true]),
        ("bidirectional", 2) => Ok(vec![false, true]),
        _ => Err(ctx.unsupported(
            "direction",
            format!("`{direction}` with {dirs} weight sets"),
        )),
    }
}

/// Optional constant input `i` (`B`, `P`) of exactly shape `want`.
fn optional_constant(
    ctx: &NodeCtx<'_>,
    i: usize,
    name: &str,
    want: &[usize],
) -> Result<Option<Vec<f64>>, ImportError> {
    match ctx.opt_constant(i)? {
        Some(c) if c.shape == want => Ok(Some(c.data.clone())),
        Some(c) => {
            Err(ctx.unsupported(name, format!("{name} must be {want:?}, got {:?}", c.shape)))
        }
        None => Ok(None),
    }
}

/// `sequence_lens`, if given, must be a constant equal to the whole sequence for every batch
/// entry (shorter sequences would need per-entry masking).
fn check_sequence_lens(ctx: &NodeCtx<'_>, seq: usize) -> Result<(), ImportError> {
    match ctx.inputs.get(4) {
        Some(Some(Value::Tensor(_))) => {
            Err(ctx.unsupported("sequence_lens", "sequence lengths must be constant"))
        }
        Some(Some(Value::Const(lens))) if lens.data.iter().any(|&l| l != seq as f64) => Err(ctx
            .unsupported(
                "sequence_lens",
                "sequences shorter than X are not supported",
            )),
        _ => Ok(()),
    }
}

/// The gate functions of every direction (`activations`, or the ONNX defaults).
fn activations(ctx: &NodeCtx<'_>, cell: Cell, dirs: usize) -> Result<Vec<Vec<Act>>, ImportError> {
    let per = cell.default_functions().len();
    let names: Vec<String> = match ctx.attrs.strings("activations") {
        Some(v) => v,
        None => (0..dirs)
            .flat_map(|_| cell.default_functions().iter().map(|s| s.to_string()))
            .collect(),
    };
    if names.len() != per * dirs {
        return Err(ctx.unsupported(
            "activations",
            format!("{} names for {dirs} direction(s) of {per}", names.len()),
        ));
    }
    let acts = names
        .iter()
        .map(|n| match n.as_str() {
            "Sigmoid" => Ok(Act::Sigmoid),
            "Tanh" => Ok(Act::Tanh),
            "Relu" => Ok(Act::Relu),
            other => Err(ctx.unsupported(
                "activations",
                format!("gate function `{other}` (Sigmoid, Tanh and Relu are supported)"),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(acts.chunks(per).map(<[Act]>::to_vec).collect())
}

/// Direction `d`'s share of input `i` (`initial_h`/`initial_c`): zero, or a tensor.
fn initial_state(
    ctx: &mut NodeCtx<'_>,
    spec: &Spec,
    i: usize,
    d: usize,
    what: &str,
) -> Result<State, ImportError> {
    let want = [spec.reverse.len(), spec.batch, spec.hidden];
    let attr = format!("initial_{what}");
    match ctx.inputs.get(i).cloned().flatten() {
        None => Ok(None),
        Some(Value::Const(c)) if c.data.iter().all(|&v| v == 0.0) => Ok(None),
        Some(Value::Const(_)) => {
            Err(ctx.unsupported(&attr, "a non-zero constant initial state is not supported"))
        }
        Some(Value::Tensor(t)) => {
            if ctx.shape(t) != want {
                return Err(
                    ctx.unsupported(&attr, format!("must be {want:?}, got {:?}", ctx.shape(t)))
                );
            }
            let part = narrow(ctx, t, 0, d, 1, &format!(".d{d}.{attr}"))?;
            let flat = vec![spec.batch, spec.hidden];
            ctx.push_tensor(
                &format!(".d{d}.{attr}.flat"),
                FOp::Reshape(flat),
                vec![part],
            )
            .map(Some)
        }
    }
}

/// Rows `rows` of direction `d`'s weights `[dirs, gates · hidden, cols]`, `out × in`.
fn weight_rows(t: &ConstTensor, d: usize, rows: std::ops::Range<usize>) -> Vec<f64> {
    let (all, cols) = (t.shape[1], t.shape[2]);
    let base = d * all * cols;
    t.data[base + rows.start * cols..base + rows.end * cols].to_vec()
}

/// Runs direction `d` over every step: the state after each step (in time order), the final
/// hidden state and, for LSTM, the final cell state.
fn direction(
    ctx: &mut NodeCtx<'_>,
    spec: &Spec,
    x: usize,
    d: usize,
    mut h: State,
    mut c: State,
) -> Result<(Vec<usize>, usize, Option<usize>), ImportError> {
    let step_ctx = Step::new(spec, d);
    let xproj = ctx.push_tensor(
        &format!(".d{d}.x_proj"),
        FOp::Gemm {
            in_features: spec.input,
            out_features: spec.cell.gates() * spec.hidden,
            weight: weight_rows(&spec.w, d, 0..spec.cell.gates() * spec.hidden),
            bias: step_ctx.input_bias.clone(),
        },
        vec![x],
    )?;
    let mut outs = vec![0; spec.seq];
    let order: Vec<usize> = if spec.reverse[d] {
        (0..spec.seq).rev().collect()
    } else {
        (0..spec.seq).collect()
    };
    for t in order {
        let rows = spec.cell.gates() * spec.hidden;
        let xt = narrow(ctx, xproj, 0, t, 1, &format!(".d{d}.t{t}.x"))?;
        let xt = ctx.push_tensor(
            &format!(".d{d}.t{t}.xt"),
            FOp::Reshape(vec![spec.batch, rows]),
            vec![xt],
        )?;
        let s = StepCtx {
            spec,
            step: &step_ctx,
            d,
            t,
        };
        let (h2, c2) = match spec.cell {
            Cell::Rnn => (s.rnn(ctx, xt, h)?, None),
            Cell::Gru => (s.gru(ctx, xt, h)?, None),
            Cell::Lstm => {
                let (h2, c2) = s.lstm(ctx, xt, h, c)?;
                (h2, Some(c2))
            }
        };
        outs[t] = h2;
        h = Some(h2);
        c = c2;
    }
    let last = h.ok_or_else(|| ctx.unsupported("X", "an empty sequence"))?;
    Ok((outs, last, c))
}

/// Direction-wide constants of one step: biases split by where the equations add them.
struct Step {
    /// Bias of the input projection (`Wb`, plus `Rb` wherever it is added unconditionally).
    input_bias: Vec<f64>,
    /// Bias of the recurrent projection (GRU with `linear_before_reset`: `Rbh` only).
    recurrent_bias: Vec<f64>,
    /// GRU's `Rbh` (what the reset gate multiplies at a zero state).
    rbh: Vec<f64>,
    acts: Vec<Act>,
    /// LSTM peepholes of this direction: (input, output, forget).
    peep: Option<[Vec<f64>; 3]>,
}

impl Step {
    fn new(spec: &Spec, d: usize) -> Self {
        let (g, h) = (spec.cell.gates(), spec.hidden);
        let b = &spec.b[d * 2 * g * h..(d + 1) * 2 * g * h];
        let (wb, rb) = b.split_at(g * h);
        let mut input_bias: Vec<f64> = wb.iter().zip(rb).map(|(a, b)| a + b).collect();
        let mut recurrent_bias = vec![0.0; g * h];
        let rbh = if spec.cell == Cell::Gru {
            rb[2 * h..].to_vec()
        } else {
            vec![]
        };
        if spec.cell == Cell::Gru && spec.linear_before_reset {
            // Rbh sits inside r ⊙ (H·Rhᵀ + Rbh).
            input_bias[2 * h..].copy_from_slice(&wb[2 * h..]);
            recurrent_bias[2 * h..].copy_from_slice(&rb[2 * h..]);
        }
        let peep = spec.p.as_ref().map(|p| {
            let p = &p[d * 3 * h..(d + 1) * 3 * h];
            [p[..h].to_vec(), p[h..2 * h].to_vec(), p[2 * h..].to_vec()]
        });
        Step {
            input_bias,
            recurrent_bias,
            rbh,
            acts: spec.acts[d].clone(),
            peep,
        }
    }
}

/// One step of one direction: builds its nodes.
struct StepCtx<'s> {
    spec: &'s Spec,
    step: &'s Step,
    d: usize,
    t: usize,
}

impl StepCtx<'_> {
    fn name(&self, what: &str) -> String {
        format!(".d{}.t{}.{what}", self.d, self.t)
    }

    fn push(
        &self,
        ctx: &mut NodeCtx<'_>,
        what: &str,
        op: FOp,
        inputs: Vec<usize>,
    ) -> Result<usize, ImportError> {
        ctx.push_tensor(&self.name(what), op, inputs)
    }

    /// `state · R[rows]ᵀ + bias[rows]`.
    fn recurrent(
        &self,
        ctx: &mut NodeCtx<'_>,
        state: usize,
        rows: std::ops::Range<usize>,
        what: &str,
    ) -> Result<usize, ImportError> {
        let op = FOp::Gemm {
            in_features: self.spec.hidden,
            out_features: rows.len(),
            weight: weight_rows(&self.spec.r, self.d, rows.clone()),
            bias: self.step.recurrent_bias[rows].to_vec(),
        };
        self.push(ctx, what, op, vec![state])
    }

    /// Gate `k` (of `hidden` columns) of a `[batch, gates · hidden]` tensor.
    fn gate(
        &self,
        ctx: &mut NodeCtx<'_>,
        x: usize,
        k: usize,
        what: &str,
    ) -> Result<usize, ImportError> {
        let h = self.spec.hidden;
        narrow(ctx, x, 1, k * h, h, &self.name(what))
    }

    /// Gate function `act` after the optional clip.
    fn apply(
        &self,
        ctx: &mut NodeCtx<'_>,
        act: Act,
        x: usize,
        what: &str,
    ) -> Result<usize, ImportError> {
        let x = match self.spec.clip {
            Some(c) => self.push(
                ctx,
                &format!("{what}.clip"),
                FOp::Clip { min: -c, max: c },
                vec![x],
            )?,
            None => x,
        };
        let op = match act {
            Act::Sigmoid => FOp::Table(TableFn::Sigmoid),
            Act::Tanh => FOp::Table(TableFn::Tanh),
            Act::Relu => FOp::Relu,
        };
        self.push(ctx, what, op, vec![x])
    }

    /// `xt` plus the recurrent projection of `h` over all gates (just `xt` at a zero state).
    fn pre_activation(
        &self,
        ctx: &mut NodeCtx<'_>,
        xt: usize,
        h: State,
    ) -> Result<usize, ImportError> {
        let Some(h) = h else { return Ok(xt) };
        let rows = self.spec.cell.gates() * self.spec.hidden;
        let rec = self.recurrent(ctx, h, 0..rows, "h_proj")?;
        self.push(ctx, "pre", FOp::Add, vec![xt, rec])
    }

    /// `Hₜ = f(Xₜ·Wᵀ + Hₜ₋₁·Rᵀ + Wb + Rb)`.
    fn rnn(&self, ctx: &mut NodeCtx<'_>, xt: usize, h: State) -> Result<usize, ImportError> {
        let pre = self.pre_activation(ctx, xt, h)?;
        self.apply(ctx, self.step.acts[0], pre, "h")
    }

    /// GRU (gates z, r, h): `Hₜ = h̃ + z ⊙ (Hₜ₋₁ − h̃)`, i.e. `(1 − z) ⊙ h̃ + z ⊙ Hₜ₋₁`.
    fn gru(&self, ctx: &mut NodeCtx<'_>, xt: usize, h: State) -> Result<usize, ImportError> {
        let hid = self.spec.hidden;
        let (f, g) = (self.step.acts[0], self.step.acts[1]);
        let lbr = self.spec.linear_before_reset;
        let rec = match h {
            Some(h) => {
                Some(self.recurrent(ctx, h, 0..if lbr { 3 * hid } else { 2 * hid }, "h_proj")?)
            }
            None => None,
        };
        let gate_pre =
            |ctx: &mut NodeCtx<'_>, k: usize, what: &str| -> Result<usize, ImportError> {
                let x = self.gate(ctx, xt, k, &format!("{what}.x"))?;
                match rec {
                    Some(rec) => {
                        let r = self.gate(ctx, rec, k, &format!("{what}.h"))?;
                        self.push(ctx, &format!("{what}.pre"), FOp::Add, vec![x, r])
                    }
                    None => Ok(x),
                }
            };
        let z_pre = gate_pre(ctx, 0, "z")?;
        let r_pre = gate_pre(ctx, 1, "r")?;
        let z = self.apply(ctx, f, z_pre, "z")?;
        let r = self.apply(ctx, f, r_pre, "r")?;
        let xh = self.gate(ctx, xt, 2, "n.x")?;
        let inner = match (h, rec, lbr) {
            (Some(_), Some(rec), true) => {
                let hh = self.gate(ctx, rec, 2, "n.h")?;
                Some(self.push(ctx, "n.reset", FOp::Mul, vec![r, hh])?)
            }
            (Some(h), _, false) => {
                let rh = self.push(ctx, "n.reset_h", FOp::Mul, vec![r, h])?;
                Some(self.recurrent(ctx, rh, 2 * hid..3 * hid, "n.h")?)
            }
            (None, _, true) if self.step.rbh.iter().any(|&v| v != 0.0) => Some(self.push(
                ctx,
                "n.reset",
                FOp::scale(1, self.step.rbh.clone()),
                vec![r],
            )?),
            _ => None,
        };
        let n_pre = match inner {
            Some(i) => self.push(ctx, "n.pre", FOp::Add, vec![xh, i])?,
            None => xh,
        };
        let n = self.apply(ctx, g, n_pre, "n")?;
        match h {
            Some(h) => {
                let diff = self.push(ctx, "keep", FOp::Sub, vec![h, n])?;
                let kept = self.push(ctx, "kept", FOp::Mul, vec![z, diff])?;
                self.push(ctx, "h", FOp::Add, vec![n, kept])
            }
            None => {
                let one_minus = FOp::Affine {
                    axis: 0,
                    mul: vec![-1.0],
                    add: vec![1.0],
                };
                let update = self.push(ctx, "update", one_minus, vec![z])?;
                self.push(ctx, "h", FOp::Mul, vec![update, n])
            }
        }
    }

    /// LSTM (gates i, o, f, c): `Cₜ = f ⊙ Cₜ₋₁ + i ⊙ c̃`, `Hₜ = o ⊙ h(Cₜ)`, with peepholes.
    fn lstm(
        &self,
        ctx: &mut NodeCtx<'_>,
        xt: usize,
        h: State,
        c: State,
    ) -> Result<(usize, usize), ImportError> {
        let (f, g, hf) = (self.step.acts[0], self.step.acts[1], self.step.acts[2]);
        let pre = self.pre_activation(ctx, xt, h)?;
        let peep = |ctx: &mut NodeCtx<'_>,
                    x: usize,
                    k: usize,
                    cell: State,
                    what: &str|
         -> Result<usize, ImportError> {
            match (&self.step.peep, cell) {
                (Some(p), Some(cell)) => {
                    let pc = self.push(
                        ctx,
                        &format!("{what}.peep"),
                        FOp::scale(1, p[k].clone()),
                        vec![cell],
                    )?;
                    self.push(ctx, &format!("{what}.pre"), FOp::Add, vec![x, pc])
                }
                _ => Ok(x),
            }
        };
        let i_pre = self.gate(ctx, pre, 0, "i.x")?;
        let i_pre = peep(ctx, i_pre, 0, c, "i")?;
        let i = self.apply(ctx, f, i_pre, "i")?;
        let f_pre = self.gate(ctx, pre, 2, "f.x")?;
        let f_pre = peep(ctx, f_pre, 2, c, "f")?;
        let c_pre = self.gate(ctx, pre, 3, "c.x")?;
        let cand = self.apply(ctx, g, c_pre, "cand")?;
        let new_in = self.push(ctx, "c.in", FOp::Mul, vec![i, cand])?;
        let c2 = match c {
            Some(c) => {
                let forget = self.apply(ctx, f, f_pre, "f")?;
                let kept = self.push(ctx, "c.kept", FOp::Mul, vec![forget, c])?;
                self.push(ctx, "c", FOp::Add, vec![kept, new_in])?
            }
            None => new_in,
        };
        let o_pre = self.gate(ctx, pre, 1, "o.x")?;
        let o_pre = peep(ctx, o_pre, 1, Some(c2), "o")?;
        let o = self.apply(ctx, f, o_pre, "o")?;
        let hc = self.apply(ctx, hf, c2, "c.act")?;
        let h2 = self.push(ctx, "h", FOp::Mul, vec![o, hc])?;
        Ok((h2, c2))
    }
}
