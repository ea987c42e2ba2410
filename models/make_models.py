#!/usr/bin/env python3
"""Generate the committed ONNX model fixtures used by zkinfer.

Run from the repository root:

    python3 -m venv .venv
    .venv/bin/pip install -r models/requirements.txt
    .venv/bin/python models/make_models.py

What it writes (all paths relative to this file's directory, ``models/``):

* ``<name>/`` for each real model (mlp, cnn, lenet5, mlp784, resnet_tiny):
  ``model.onnx``, ``input.json``, ``calibration.json``, ``test.json``,
  ``README.md``.  Models are trained here on scikit-learn's bundled
  ``load_digits`` data set (no download needed) with a tiny hand-written Adam
  optimiser on top of JAX, then exported by building the ONNX graph by hand
  with ``onnx.helper``.
* ``ops/<fixture>/`` one-op fixtures: ``model.onnx``, ``input.json``,
  ``calibration.json``, ``README.md``.
* ``ops/_unsupported_sin/`` and ``ops/_malformed/`` negative fixtures.
* ``README.md`` overview table.

Every model is float32, opset 13 (IR version 7), batch dimension fixed to 1,
with a single input named ``input`` and a single output named ``output``.

Everything is seeded, JAX runs single-threaded on the CPU, and no timestamps
are written, so rerunning the script reproduces byte-identical files.
"""

import os

# Keep CPU usage modest and results deterministic: single-threaded XLA / BLAS.
# These must be set before numpy / jax are imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault(
    "XLA_FLAGS",
    "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
)

import json  # noqa: E402
import sys  # noqa: E402
import shutil  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

MODELS_DIR = os.path.dirname(os.path.abspath(__file__))
OPS_DIR = os.path.join(MODELS_DIR, "ops")

OPSET = 13
IR_VERSION = 7  # the IR version that goes with opset 13; widest reader support
PRODUCER = "zkinfer models/make_models.py"
MAX_MODEL_BYTES = 1_000_000  # every model.onnx must stay below 1 MB

N_CALIB_REAL = 64  # calibration samples for the real models (training split)
N_CALIB_OPS = 32  # calibration samples for the one-op fixtures

# Filled in by the real-model builders, rendered into models/README.md.
SUMMARY_ROWS = []


# ---------------------------------------------------------------------------
# Small I/O helpers
# ---------------------------------------------------------------------------


def write_json(path, obj):
    """Write compact JSON (no spaces) with a trailing newline."""
    with open(path, "w") as f:
        f.write(json.dumps(obj, separators=(",", ":")))
        f.write("\n")


def flat_floats(arr):
    """Flatten an array row-major into a list of Python floats.

    Values are converted via float64 so that exact values such as k/16 print
    as short decimals ("0.0625") instead of float32 noise.
    """
    return [float(v) for v in np.asarray(arr, dtype=np.float64).ravel()]


def write_text(path, text):
    with open(path, "w") as f:
        f.write(text.rstrip("\n") + "\n")


def fresh_dir(path):
    """(Re)create an empty output directory so stale files never linger."""
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)


# ---------------------------------------------------------------------------
# ONNX helpers
# ---------------------------------------------------------------------------


def f32_init(name, arr):
    """A float32 initializer tensor."""
    return numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name)


def i64_init(name, arr):
    """An int64 initializer tensor (e.g. Reshape's shape input)."""
    return numpy_helper.from_array(np.asarray(arr, dtype=np.int64), name)


def save_model(path, nodes, initializers, in_shape, out_shape, graph_name,
               check=True, opset=None):
    """Assemble a single-input/single-output float32 graph and save it.

    The model is validated with onnx.checker (full check, which also runs
    strict shape inference against the declared output shape) unless
    ``check`` is false.  Returns the ModelProto.
    """
    graph = helper.make_graph(
        nodes,
        graph_name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(in_shape))],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, list(out_shape))],
        initializer=initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", opset or OPSET)],
        producer_name=PRODUCER,
    )
    # The IR version that goes with the opset (13 -> 7, 14/15 -> 8, 16-20 -> 9).
    model.ir_version = IR_VERSION if not opset else {14: 8, 15: 8}.get(opset, 9)
    if check:
        onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)
    size = os.path.getsize(path)
    assert size < MAX_MODEL_BYTES, f"{path} is {size} bytes (limit {MAX_MODEL_BYTES})"
    return model


def ort_session(path):
    """An onnxruntime session restricted to one CPU thread."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(path, sess_options=opts,
                                providers=["CPUExecutionProvider"])


def ort_run_batch(path, xs):
    """Run a batch-1 model over every sample in ``xs`` (one call each)."""
    sess = ort_session(path)
    outs = [sess.run(["output"], {"input": x[None].astype(np.float32)})[0][0]
            for x in xs]
    return np.stack(outs)


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def load_data():
    """sklearn digits, scaled to [0, 1], stratified 80/20 split (seed 0).

    Returns float64 images of shape [N, 8, 8] (exact multiples of 1/16) and
    int labels.  1437 training and 360 test samples.
    """
    digits = load_digits()
    x = digits.images.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=0.2, random_state=0, stratify=y)
    return x_tr, x_te, y_tr, y_te


def to_28x28(images):
    """8x8 -> 24x24 by nearest-neighbour x3 upsampling -> 28x28 by zero
    padding 2 pixels on every side.  [N, 8, 8] -> [N, 28, 28]."""
    up = np.repeat(np.repeat(images, 3, axis=1), 3, axis=2)
    return np.pad(up, ((0, 0), (2, 2), (2, 2)))


# ---------------------------------------------------------------------------
# JAX building blocks (NCHW activations, OIHW weights -- same as ONNX)
# ---------------------------------------------------------------------------


def he_normal(rng, shape, fan_in):
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def dense_params(rng, n_in, n_out):
    """Gemm(transB=1) parameters: W is [out, in]."""
    return {"w": he_normal(rng, (n_out, n_in), n_in),
            "b": np.zeros(n_out, np.float32)}


def conv_params(rng, c_in, c_out, k, groups=1):
    cin_g = c_in // groups
    return {"w": he_normal(rng, (c_out, cin_g, k, k), cin_g * k * k),
            "b": np.zeros(c_out, np.float32)}


def j_dense(p, x):
    return x @ p["w"].T + p["b"]


def j_conv(p, x, pad=0, stride=1, groups=1):
    y = jax.lax.conv_general_dilated(
        x, p["w"], window_strides=(stride, stride),
        padding=((pad, pad), (pad, pad)),
        dimension_numbers=("NCHW", "OIHW", "NCHW"),
        feature_group_count=groups)
    return y + p["b"][None, :, None, None]


def j_maxpool2(x):
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max,
                                 (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def j_avgpool2(x):
    s = jax.lax.reduce_window(x, 0.0, jax.lax.add,
                              (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
    return s / 4.0


BN_EPS = 1e-5


def j_batchnorm(x, gamma, beta, mean, var):
    inv = gamma / jnp.sqrt(var + BN_EPS)
    return (x - mean[None, :, None, None]) * inv[None, :, None, None] \
        + beta[None, :, None, None]


# ---------------------------------------------------------------------------
# Training: plain mini-batch Adam written by hand
# ---------------------------------------------------------------------------


def train(logits_fn, params, x_tr, y_tr, *, epochs, lr, seed, batch=64,
          weight_decay=1e-4):
    """Minimise softmax cross-entropy (+ L2 on every weight) with Adam.

    ``logits_fn(params, x)`` maps a batch to logits.  L2 keeps weights
    moderate, which is friendlier to fixed-point quantization.  Shuffling uses
    a seeded numpy generator so training is fully deterministic.
    """
    b1, b2, eps = 0.9, 0.999, 1e-8
    params = jax.tree_util.tree_map(jnp.asarray, params)

    def loss_fn(p, xb, yb):
        logp = jax.nn.log_softmax(logits_fn(p, xb))
        ce = -jnp.mean(jnp.take_along_axis(logp, yb[:, None], axis=1))
        l2 = sum(jnp.sum(v * v) for k, v in _named_leaves(p) if k.endswith("w"))
        return ce + weight_decay * l2

    @jax.jit
    def step(p, m, v, t, xb, yb):
        g = jax.grad(loss_fn)(p, xb, yb)
        m = jax.tree_util.tree_map(lambda m_, g_: b1 * m_ + (1 - b1) * g_, m, g)
        v = jax.tree_util.tree_map(lambda v_, g_: b2 * v_ + (1 - b2) * g_ * g_, v, g)
        mhat_c = 1.0 / (1 - b1 ** t)
        vhat_c = 1.0 / (1 - b2 ** t)
        p = jax.tree_util.tree_map(
            lambda p_, m_, v_: p_ - lr * (m_ * mhat_c) / (jnp.sqrt(v_ * vhat_c) + eps),
            p, m, v)
        return p, m, v

    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    rng = np.random.default_rng(seed)
    x_tr = np.asarray(x_tr, np.float32)
    n = len(x_tr)
    t = 0
    for _ in range(epochs):
        perm = rng.permutation(n)
        # Drop the ragged last batch so every step has the same shape (one jit).
        for i in range(0, n - batch + 1, batch):
            idx = perm[i:i + batch]
            t += 1
            params, m, v = step(params, m, v, jnp.float32(t),
                                jnp.asarray(x_tr[idx]), jnp.asarray(y_tr[idx]))
    return jax.tree_util.tree_map(np.asarray, params)


def _named_leaves(tree, prefix=""):
    """Yield (path, leaf) for a nested dict of arrays; path like 'fc1/w'."""
    for k in sorted(tree):
        v = tree[k]
        path = f"{prefix}/{k}" if prefix else k
        if isinstance(v, dict):
            yield from _named_leaves(v, path)
        else:
            yield path, v


def count_params(tree):
    return int(sum(np.size(v) for _, v in _named_leaves(tree)))


def accuracy(logits, y):
    return float(np.mean(np.argmax(logits, axis=1) == y))


# ---------------------------------------------------------------------------
# Real-model output (shared by all five models)
# ---------------------------------------------------------------------------


def finish_real_model(name, model_path, sample_shape, x_tr, x_te, y_te,
                      jax_logits, n_params, readme_body, framework="JAX",
                      output_desc="logits, no softmax"):
    """Write the JSON files, verify ONNX vs the training framework, write README.

    ``x_tr``/``x_te`` are already in the model's input layout minus the batch
    dimension (``sample_shape``); ``jax_logits`` are the framework's outputs on
    ``x_te``.  Returns the onnxruntime test accuracy.
    """
    out_dir = os.path.dirname(model_path)

    # input.json: the first test sample.  calibration.json: the first 64
    # training samples.  test.json: the whole test split plus labels.
    write_json(os.path.join(out_dir, "input.json"),
               {"input_data": [flat_floats(x_te[0])]})
    write_json(os.path.join(out_dir, "calibration.json"),
               {"input_data": [flat_floats(x_tr[:N_CALIB_REAL])]})
    write_json(os.path.join(out_dir, "test.json"),
               {"input_data": [flat_floats(x_te)],
                "labels": [int(v) for v in y_te]})

    # Cross-check the exported graph against the training framework.
    ort_logits = ort_run_batch(model_path, x_te)
    acc_jax = accuracy(jax_logits, y_te)
    acc_ort = accuracy(ort_logits, y_te)
    max_diff = float(np.max(np.abs(ort_logits - jax_logits)))
    agree = float(np.mean(np.argmax(ort_logits, 1) == np.argmax(jax_logits, 1)))
    print(f"[{name}] test accuracy: {framework} {acc_jax:.4f}  onnxruntime {acc_ort:.4f}"
          f"  (argmax agreement {agree:.4f}, max |logit diff| {max_diff:.2e})")
    assert acc_jax == acc_ort, f"{name}: onnxruntime and {framework} accuracy differ"
    assert max_diff < 1e-3, f"{name}: onnxruntime and {framework} outputs differ"
    saved = onnx.load(model_path)
    opset = next(o.version for o in saved.opset_import if o.domain in ("", "ai.onnx"))

    size = os.path.getsize(model_path)
    n_test = len(x_te)
    correct = int(round(acc_ort * n_test))
    shape_str = "[" + ",".join(str(d) for d in (1,) + tuple(sample_shape)) + "]"
    SUMMARY_ROWS.append((name, shape_str, f"{100 * acc_ort:.2f}% ({correct}/{n_test})",
                         n_params, size))

    readme = f"""# `{name}`

{readme_body.strip()}

## Files

| file | content |
|---|---|
| `model.onnx` | float32 ONNX, opset {opset}, IR version {saved.ir_version}, batch fixed to 1; input `input` {shape_str}, output `output` [1,10] ({output_desc}) |
| `input.json` | `{{"input_data": [[...]]}}`: test sample #0 (label {int(y_te[0])}), flat row-major |
| `calibration.json` | the first {N_CALIB_REAL} training-split samples, concatenated flat ({N_CALIB_REAL} x {int(np.prod(sample_shape))} values) |
| `test.json` | the whole held-out test split ({n_test} samples) concatenated flat, plus `labels` |

## Numbers

- Float test accuracy (onnxruntime argmax over the {n_test} test samples): **{100 * acc_ort:.2f}%** ({correct}/{n_test});
  identical to the {framework} training code (max |{'logit' if output_desc.startswith('logits') else 'output'} difference| {max_diff:.1e}).
- Parameters: {n_params:,} (all initializers, including BatchNorm running statistics where present).
- `model.onnx` size: {size:,} bytes.

Regenerate with `models/make_models.py` (see `models/README.md`).
"""
    write_text(os.path.join(out_dir, "README.md"), readme)
    return acc_ort


DATA_README = """\
Data: scikit-learn `load_digits()` (1797 8x8 grey-scale digits, pixel values
0..16, 10 classes), bundled with scikit-learn. Pixels are divided by 16.0 so
inputs lie in [0, 1] (all exact multiples of 1/16). Split:
`train_test_split(test_size=0.2, random_state=0, stratify=y)` -> 1437 training
and 360 test samples."""

UPSAMPLE_README = """\
28x28 layout: each 8x8 image is upsampled by nearest neighbour x3 (every pixel
becomes a 3x3 block, giving 24x24) and zero padded by 2 pixels on every side
(giving 28x28)."""


def training_readme(epochs, lr, seed):
    return (f"Training: JAX, softmax cross-entropy + 1e-4 L2 on weights, "
            f"hand-written Adam (lr {lr}, batch 64, {epochs} epochs, "
            f"shuffle seed {seed}, He-normal init), CPU, deterministic.")


# ---------------------------------------------------------------------------
# Real model 1: mlp  (64 -> 32 -> 16 -> 10)
# ---------------------------------------------------------------------------


def gemm_node(x, name, out, trans_b=1):
    return helper.make_node("Gemm", [x, f"{name}.weight", f"{name}.bias"], [out],
                            name=name, alpha=1.0, beta=1.0, transB=trans_b)


def make_mlp(data):
    name, seed, epochs, lr = "mlp", 1, 60, 3e-3
    x_tr, x_te, y_tr, y_te = data
    x_tr, x_te = x_tr.reshape(-1, 64), x_te.reshape(-1, 64)

    rng = np.random.default_rng(seed)
    params = {"fc1": dense_params(rng, 64, 32),
              "fc2": dense_params(rng, 32, 16),
              "fc3": dense_params(rng, 16, 10)}

    def logits_fn(p, x):
        h = jax.nn.relu(j_dense(p["fc1"], x))
        h = jax.nn.relu(j_dense(p["fc2"], h))
        return j_dense(p["fc3"], h)

    params = train(logits_fn, params, x_tr, y_tr, epochs=epochs, lr=lr, seed=seed)
    jax_logits = np.asarray(logits_fn(params, jnp.asarray(x_te, jnp.float32)))

    nodes = [
        gemm_node("input", "fc1", "fc1_out"),
        helper.make_node("Relu", ["fc1_out"], ["relu1_out"], name="relu1"),
        gemm_node("relu1_out", "fc2", "fc2_out"),
        helper.make_node("Relu", ["fc2_out"], ["relu2_out"], name="relu2"),
        gemm_node("relu2_out", "fc3", "output"),
    ]
    inits = []
    for layer in ("fc1", "fc2", "fc3"):
        inits += [f32_init(f"{layer}.weight", params[layer]["w"]),
                  f32_init(f"{layer}.bias", params[layer]["b"])]

    out_dir = os.path.join(MODELS_DIR, name)
    fresh_dir(out_dir)
    path = os.path.join(out_dir, "model.onnx")
    save_model(path, nodes, inits, [1, 64], [1, 10], name)

    body = f"""
Multi-layer perceptron on 8x8 digits.

## Architecture

`input [1,64]` -> Gemm(64->32, transB=1) -> Relu -> Gemm(32->16, transB=1) -> Relu
-> Gemm(16->10, transB=1) -> `output [1,10]` (logits).

## Input

The 8x8 image flattened row-major to 64 values. {DATA_README}

{training_readme(epochs, lr, seed)}
"""
    finish_real_model(name, path, (64,), x_tr, x_te, y_te, jax_logits,
                      count_params(params), body)


# ---------------------------------------------------------------------------
# Real model 2: cnn  (Conv-BN-Relu-MaxPool-Conv-Relu-AvgPool-Flatten-Gemm)
# ---------------------------------------------------------------------------


def make_cnn(data):
    name, seed, epochs, lr = "cnn", 2, 60, 3e-3
    x_tr, x_te, y_tr, y_te = data
    x_tr, x_te = x_tr[:, None], x_te[:, None]  # [N,1,8,8]

    rng = np.random.default_rng(seed)
    params = {"conv1": conv_params(rng, 1, 8, 3),
              "bn1": {"gamma": np.ones(8, np.float32),
                      "beta": np.zeros(8, np.float32)},
              "conv2": conv_params(rng, 8, 16, 3),
              "fc": dense_params(rng, 64, 10)}

    def features_after_bn(p, x, mean, var):
        return j_batchnorm(j_conv(p["conv1"], x, pad=1),
                           p["bn1"]["gamma"], p["bn1"]["beta"], mean, var)

    def head(p, h):
        h = j_maxpool2(jax.nn.relu(h))                       # [N,8,4,4]
        h = j_avgpool2(jax.nn.relu(j_conv(p["conv2"], h, pad=1)))  # [N,16,2,2]
        return j_dense(p["fc"], h.reshape(h.shape[0], -1))  # Flatten: C,H,W order

    def train_logits(p, x):
        # Training mode: normalise with the statistics of the current batch.
        c = j_conv(p["conv1"], x, pad=1)
        mean = jnp.mean(c, axis=(0, 2, 3))
        var = jnp.var(c, axis=(0, 2, 3))
        return head(p, features_after_bn(p, x, mean, var))

    params = train(train_logits, params, x_tr, y_tr, epochs=epochs, lr=lr, seed=seed)

    # Inference statistics: exact per-channel mean/variance of conv1's output
    # over the whole training split (population statistics).
    c = np.asarray(j_conv(params["conv1"], jnp.asarray(x_tr, jnp.float32), pad=1),
                   np.float64)
    run_mean = c.mean(axis=(0, 2, 3)).astype(np.float32)
    run_var = c.var(axis=(0, 2, 3)).astype(np.float32)
    params["bn1"]["mean"] = run_mean
    params["bn1"]["var"] = run_var

    def eval_logits(p, x):
        return head(p, features_after_bn(p, x, p["bn1"]["mean"], p["bn1"]["var"]))

    jax_logits = np.asarray(eval_logits(params, jnp.asarray(x_te, jnp.float32)))

    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["conv1_out"],
                         name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                         strides=[1, 1]),
        helper.make_node("BatchNormalization",
                         ["conv1_out", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"],
                         ["bn1_out"], name="bn1", epsilon=BN_EPS),
        helper.make_node("Relu", ["bn1_out"], ["relu1_out"], name="relu1"),
        helper.make_node("MaxPool", ["relu1_out"], ["pool1_out"], name="pool1",
                         kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["pool1_out", "conv2.weight", "conv2.bias"], ["conv2_out"],
                         name="conv2", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                         strides=[1, 1]),
        helper.make_node("Relu", ["conv2_out"], ["relu2_out"], name="relu2"),
        helper.make_node("AveragePool", ["relu2_out"], ["pool2_out"], name="pool2",
                         kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["pool2_out"], ["flat"], name="flatten", axis=1),
        gemm_node("flat", "fc", "output"),
    ]
    inits = [
        f32_init("conv1.weight", params["conv1"]["w"]),
        f32_init("conv1.bias", params["conv1"]["b"]),
        f32_init("bn1.scale", params["bn1"]["gamma"]),
        f32_init("bn1.bias", params["bn1"]["beta"]),
        f32_init("bn1.mean", run_mean),
        f32_init("bn1.var", run_var),
        f32_init("conv2.weight", params["conv2"]["w"]),
        f32_init("conv2.bias", params["conv2"]["b"]),
        f32_init("fc.weight", params["fc"]["w"]),
        f32_init("fc.bias", params["fc"]["b"]),
    ]

    out_dir = os.path.join(MODELS_DIR, name)
    fresh_dir(out_dir)
    path = os.path.join(out_dir, "model.onnx")
    save_model(path, nodes, inits, [1, 1, 8, 8], [1, 10], name)

    body = f"""
Small convolutional network on 8x8 digits with a separate BatchNormalization node.

## Architecture

`input [1,1,8,8]` -> Conv(1->8, 3x3, pad 1) -> BatchNormalization(eps 1e-5)
-> Relu -> MaxPool(2x2, stride 2) [1,8,4,4] -> Conv(8->16, 3x3, pad 1) -> Relu
-> AveragePool(2x2, stride 2) [1,16,2,2] -> Flatten [1,64] -> Gemm(64->10, transB=1)
-> `output [1,10]` (logits).

BatchNormalization keeps its own node (not folded into the conv).  gamma/beta
were trained; mean/var are the exact per-channel population statistics of the
conv1 output over the training split (training itself used batch statistics).

## Input

One 8x8 image, NCHW [1,1,8,8], row-major. {DATA_README}

{training_readme(epochs, lr, seed)}
"""
    finish_real_model(name, path, (1, 8, 8), x_tr, x_te, y_te, jax_logits,
                      count_params(params), body)


# ---------------------------------------------------------------------------
# Real model 3: lenet5  (LeNet-5-sized CNN on 28x28 upsampled digits)
# ---------------------------------------------------------------------------


def make_lenet5(data):
    name, seed, epochs, lr = "lenet5", 3, 15, 2e-3
    x_tr, x_te, y_tr, y_te = data
    x_tr, x_te = to_28x28(x_tr)[:, None], to_28x28(x_te)[:, None]  # [N,1,28,28]

    rng = np.random.default_rng(seed)
    params = {"conv1": conv_params(rng, 1, 6, 5),
              "conv2": conv_params(rng, 6, 16, 5),
              "fc1": dense_params(rng, 256, 120),
              "fc2": dense_params(rng, 120, 84),
              "fc3": dense_params(rng, 84, 10)}

    def logits_fn(p, x):
        h = j_maxpool2(jax.nn.relu(j_conv(p["conv1"], x)))   # [N,6,12,12]
        h = j_maxpool2(jax.nn.relu(j_conv(p["conv2"], h)))   # [N,16,4,4]
        h = h.reshape(h.shape[0], -1)                        # [N,256]
        h = jax.nn.relu(j_dense(p["fc1"], h))
        h = jax.nn.relu(j_dense(p["fc2"], h))
        return j_dense(p["fc3"], h)

    params = train(logits_fn, params, x_tr, y_tr, epochs=epochs, lr=lr, seed=seed)
    jax_logits = np.asarray(logits_fn(params, jnp.asarray(x_te, jnp.float32)))

    def conv(x, layer, out):
        return helper.make_node("Conv", [x, f"{layer}.weight", f"{layer}.bias"], [out],
                                name=layer, kernel_shape=[5, 5], pads=[0, 0, 0, 0],
                                strides=[1, 1])

    def pool(x, nm, out):
        return helper.make_node("MaxPool", [x], [out], name=nm,
                                kernel_shape=[2, 2], strides=[2, 2])

    nodes = [
        conv("input", "conv1", "conv1_out"),
        helper.make_node("Relu", ["conv1_out"], ["relu1_out"], name="relu1"),
        pool("relu1_out", "pool1", "pool1_out"),
        conv("pool1_out", "conv2", "conv2_out"),
        helper.make_node("Relu", ["conv2_out"], ["relu2_out"], name="relu2"),
        pool("relu2_out", "pool2", "pool2_out"),
        helper.make_node("Flatten", ["pool2_out"], ["flat"], name="flatten", axis=1),
        gemm_node("flat", "fc1", "fc1_out"),
        helper.make_node("Relu", ["fc1_out"], ["relu3_out"], name="relu3"),
        gemm_node("relu3_out", "fc2", "fc2_out"),
        helper.make_node("Relu", ["fc2_out"], ["relu4_out"], name="relu4"),
        gemm_node("relu4_out", "fc3", "output"),
    ]
    inits = []
    for layer in ("conv1", "conv2", "fc1", "fc2", "fc3"):
        inits += [f32_init(f"{layer}.weight", params[layer]["w"]),
                  f32_init(f"{layer}.bias", params[layer]["b"])]

    out_dir = os.path.join(MODELS_DIR, name)
    fresh_dir(out_dir)
    path = os.path.join(out_dir, "model.onnx")
    save_model(path, nodes, inits, [1, 1, 28, 28], [1, 10], name)

    body = f"""
LeNet-5-sized convolutional network on 28x28 (upsampled) digits.

## Architecture

`input [1,1,28,28]` -> Conv(1->6, 5x5, no pad) [1,6,24,24] -> Relu -> MaxPool(2x2, stride 2)
[1,6,12,12] -> Conv(6->16, 5x5, no pad) [1,16,8,8] -> Relu -> MaxPool(2x2, stride 2)
[1,16,4,4] -> Flatten [1,256] -> Gemm(256->120) -> Relu -> Gemm(120->84) -> Relu
-> Gemm(84->10) -> `output [1,10]` (logits). All Gemms use transB=1.

## Input

One 28x28 image, NCHW [1,1,28,28], row-major. {DATA_README}

{UPSAMPLE_README}

{training_readme(epochs, lr, seed)}
"""
    finish_real_model(name, path, (1, 28, 28), x_tr, x_te, y_te, jax_logits,
                      count_params(params), body)


# ---------------------------------------------------------------------------
# Real model 4: mlp784  (784 -> 256 -> 128 -> 10 on 28x28 upsampled digits)
# ---------------------------------------------------------------------------


def make_mlp784(data):
    name, seed, epochs, lr = "mlp784", 4, 20, 1e-3
    x_tr, x_te, y_tr, y_te = data
    x_tr, x_te = to_28x28(x_tr).reshape(-1, 784), to_28x28(x_te).reshape(-1, 784)

    rng = np.random.default_rng(seed)
    params = {"fc1": dense_params(rng, 784, 256),
              "fc2": dense_params(rng, 256, 128),
              "fc3": dense_params(rng, 128, 10)}

    def logits_fn(p, x):
        h = jax.nn.relu(j_dense(p["fc1"], x))
        h = jax.nn.relu(j_dense(p["fc2"], h))
        return j_dense(p["fc3"], h)

    params = train(logits_fn, params, x_tr, y_tr, epochs=epochs, lr=lr, seed=seed)
    jax_logits = np.asarray(logits_fn(params, jnp.asarray(x_te, jnp.float32)))

    nodes = [
        gemm_node("input", "fc1", "fc1_out"),
        helper.make_node("Relu", ["fc1_out"], ["relu1_out"], name="relu1"),
        gemm_node("relu1_out", "fc2", "fc2_out"),
        helper.make_node("Relu", ["fc2_out"], ["relu2_out"], name="relu2"),
        gemm_node("relu2_out", "fc3", "output"),
    ]
    inits = []
    for layer in ("fc1", "fc2", "fc3"):
        inits += [f32_init(f"{layer}.weight", params[layer]["w"]),
                  f32_init(f"{layer}.bias", params[layer]["b"])]

    out_dir = os.path.join(MODELS_DIR, name)
    fresh_dir(out_dir)
    path = os.path.join(out_dir, "model.onnx")
    save_model(path, nodes, inits, [1, 784], [1, 10], name)

    body = f"""
Larger multi-layer perceptron on 28x28 (upsampled) digits, MNIST-shaped input.
The biggest fixture: float32 weights are ~940 KB, just under the 1 MB limit.

## Architecture

`input [1,784]` -> Gemm(784->256) -> Relu -> Gemm(256->128) -> Relu
-> Gemm(128->10) -> `output [1,10]` (logits). All Gemms use transB=1.

## Input

One 28x28 image flattened row-major to 784 values. {DATA_README}

{UPSAMPLE_README}

{training_readme(epochs, lr, seed)}
"""
    finish_real_model(name, path, (784,), x_tr, x_te, y_te, jax_logits,
                      count_params(params), body)


# ---------------------------------------------------------------------------
# Real model 5: resnet_tiny  (residual block, depthwise conv, Relu6, GAP)
# ---------------------------------------------------------------------------


def make_resnet_tiny(data):
    name, seed, epochs, lr = "resnet_tiny", 5, 150, 3e-3
    x_tr, x_te, y_tr, y_te = data
    x_tr, x_te = x_tr[:, None], x_te[:, None]  # [N,1,8,8]

    rng = np.random.default_rng(seed)
    params = {"stem": conv_params(rng, 1, 8, 3),
              "block_conv1": conv_params(rng, 8, 8, 3),
              "block_conv2": conv_params(rng, 8, 8, 3),
              "dw": conv_params(rng, 8, 8, 3, groups=8),
              "fc": dense_params(rng, 8, 10)}
    # Start the residual branch near identity (standard trick for res blocks).
    params["block_conv2"]["w"] *= 0.1

    def logits_fn(p, x):
        h = jax.nn.relu(j_conv(p["stem"], x, pad=1))
        r = jax.nn.relu(j_conv(p["block_conv1"], h, pad=1))
        r = j_conv(p["block_conv2"], r, pad=1)
        h = jax.nn.relu(r + h)
        h = jnp.clip(j_conv(p["dw"], h, pad=1, groups=8), 0.0, 6.0)  # Relu6
        h = jnp.mean(h, axis=(2, 3))                                 # GAP+Flatten
        return j_dense(p["fc"], h)

    params = train(logits_fn, params, x_tr, y_tr, epochs=epochs, lr=lr, seed=seed)
    jax_logits = np.asarray(logits_fn(params, jnp.asarray(x_te, jnp.float32)))

    def conv(x, layer, out, group=1):
        return helper.make_node("Conv", [x, f"{layer}.weight", f"{layer}.bias"], [out],
                                name=layer, kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                                strides=[1, 1], group=group)

    nodes = [
        conv("input", "stem", "stem_out"),
        helper.make_node("Relu", ["stem_out"], ["stem_relu"], name="stem_relu"),
        conv("stem_relu", "block_conv1", "block_conv1_out"),
        helper.make_node("Relu", ["block_conv1_out"], ["block_relu1"], name="block_relu1"),
        conv("block_relu1", "block_conv2", "block_conv2_out"),
        helper.make_node("Add", ["block_conv2_out", "stem_relu"], ["block_add"],
                         name="block_add"),
        helper.make_node("Relu", ["block_add"], ["block_out"], name="block_relu2"),
        conv("block_out", "dw", "dw_out", group=8),
        helper.make_node("Clip", ["dw_out", "relu6.min", "relu6.max"], ["relu6_out"],
                         name="relu6"),
        helper.make_node("GlobalAveragePool", ["relu6_out"], ["gap_out"], name="gap"),
        helper.make_node("Flatten", ["gap_out"], ["flat"], name="flatten", axis=1),
        gemm_node("flat", "fc", "output"),
    ]
    inits = []
    for layer in ("stem", "block_conv1", "block_conv2", "dw", "fc"):
        inits += [f32_init(f"{layer}.weight", params[layer]["w"]),
                  f32_init(f"{layer}.bias", params[layer]["b"])]
    inits += [f32_init("relu6.min", np.float32(0.0)),
              f32_init("relu6.max", np.float32(6.0))]

    out_dir = os.path.join(MODELS_DIR, name)
    fresh_dir(out_dir)
    path = os.path.join(out_dir, "model.onnx")
    save_model(path, nodes, inits, [1, 1, 8, 8], [1, 10], name)

    body = f"""
Tiny residual network on 8x8 digits: exercises a skip connection (Add of two
activations), a depthwise (grouped) conv, Relu6 as Clip and GlobalAveragePool.

## Architecture

`input [1,1,8,8]` -> Conv(1->8, 3x3, pad 1) -> Relu (= block input) ->
[Conv(8->8, 3x3, pad 1) -> Relu -> Conv(8->8, 3x3, pad 1)] -> Add(with block input)
-> Relu -> depthwise Conv(8->8, 3x3, pad 1, group 8) -> Clip(min 0, max 6) (Relu6;
min/max given as scalar initializer inputs, opset 13 style) -> GlobalAveragePool
[1,8,1,1] -> Flatten [1,8] -> Gemm(8->10, transB=1) -> `output [1,10]` (logits).

## Input

One 8x8 image, NCHW [1,1,8,8], row-major. {DATA_README}

{training_readme(epochs, lr, seed)} The second residual conv's initial weights
are scaled by 0.1 so the block starts close to the identity.
"""
    finish_real_model(name, path, (1, 8, 8), x_tr, x_te, y_te, jax_logits,
                      count_params(params), body)


# ---------------------------------------------------------------------------
# One-op fixtures
# ---------------------------------------------------------------------------


class OpFixtures:
    """Builds the tiny single-op graphs under models/ops/.

    Each fixture gets its own numpy generator seeded from a fixed base seed
    plus its index in the list, so adding a fixture at the end never changes
    the others.  Weights are standard normal * 0.5; inputs are uniform in
    [-1, 1] rounded to 4 decimals (short JSON, exactly what the model sees).
    """

    BASE_SEED = 1000

    def __init__(self):
        self.index = 0
        self.written = []  # (name, in_shape, out_shape, description)

    # -- helpers --------------------------------------------------------------

    def weights(self, rng, *shape):
        return (rng.standard_normal(shape) * 0.5).astype(np.float32)

    @staticmethod
    def inputs(rng, n, shape):
        return np.round(rng.uniform(-1.0, 1.0, size=(n,) + tuple(shape)), 4)

    def emit(self, name, description, nodes, inits, in_shape, out_shape,
             check=True, listed=True, opset=None, ort_reference=None):
        """Save model + input/calibration/README for one fixture; check it.

        ``ort_reference``: why tract cannot be the reference for this fixture; then
        ``onnxruntime.json`` holds 25 samples and onnxruntime's outputs, which the ops
        test compares with instead."""
        seed = self.BASE_SEED + self.index
        self.index += 1
        rng = np.random.default_rng(seed)
        # Resolve lazily-built initializers (callables that take the rng) so
        # that weights and inputs both come from this fixture's generator.
        inits = [i(rng) if callable(i) else i for i in inits]

        out_dir = os.path.join(OPS_DIR, name)
        fresh_dir(out_dir)
        path = os.path.join(out_dir, "model.onnx")
        save_model(path, nodes, inits, in_shape, out_shape, name, check=check, opset=opset)

        sample_shape = tuple(in_shape[1:])
        x = self.inputs(rng, 1, sample_shape)
        calib = self.inputs(rng, N_CALIB_OPS, sample_shape)
        write_json(os.path.join(out_dir, "input.json"), {"input_data": [flat_floats(x)]})
        write_json(os.path.join(out_dir, "calibration.json"),
                   {"input_data": [flat_floats(calib)]})

        # Sanity: onnxruntime runs it and produces the declared shape.
        y = ort_session(path).run(["output"], {"input": x.astype(np.float32)})[0]
        assert list(y.shape) == list(out_shape), (name, y.shape, out_shape)

        if ort_reference:
            xs = self.inputs(rng, 25, sample_shape)
            sess = ort_session(path)
            ys = [sess.run(["output"], {"input": xi[None].astype(np.float32)})[0] for xi in xs]
            write_json(os.path.join(out_dir, "onnxruntime.json"),
                       {"why": ort_reference, "input_data": [flat_floats(xi) for xi in xs],
                        "output_data": [flat_floats(yi) for yi in ys]})
            description = (f"{description.strip()}\n\nReference: onnxruntime "
                           f"(`onnxruntime.json`, 25 samples), not tract: {ort_reference}")
        shape = lambda s: "[" + ",".join(map(str, s)) + "]"  # noqa: E731
        ops = ", ".join(dict.fromkeys(n.op_type for n in nodes))
        readme = f"""# ops/{name}

{description.strip()}

- Ops: {ops}
- Input `input` {shape(in_shape)} float32, output `output` {shape(out_shape)} float32; opset {OPSET}.
- `input.json`: one sample, uniform in [-1, 1] (rounded to 4 decimals), flat row-major.
- `calibration.json`: {N_CALIB_OPS} such samples concatenated flat.
- Weights/constants: standard normal x 0.5 unless stated; numpy seed {seed}.
- onnxruntime output for `input.json`: `{json.dumps([round(float(v), 5) for v in y.ravel()][:8])}`{' ...' if y.size > 8 else ''}

Generated by `models/make_models.py`.
"""
        write_text(os.path.join(out_dir, "README.md"), readme)
        if listed:
            self.written.append((name, shape(in_shape), shape(out_shape),
                                 description.strip().splitlines()[0]))
        return path

    def W(self, name, *shape):
        """Lazy random-normal*0.5 initializer (drawn from the fixture's rng)."""
        return lambda rng: f32_init(name, self.weights(rng, *shape))

    # -- families ------------------------------------------------------------

    def linear(self):
        """Gemm / MatMul variants."""
        self.emit("gemm", "Gemm [1,16] -> [1,8] with transB=1 (weight [8,16]) and bias C [8].",
                  [helper.make_node("Gemm", ["input", "W", "C"], ["output"],
                                    alpha=1.0, beta=1.0, transB=1)],
                  [self.W("W", 8, 16), self.W("C", 8)], [1, 16], [1, 8])
        self.emit("gemm_notrans",
                  "Gemm [1,16] -> [1,8] with transB=0 (weight [16,8]), alpha=1, beta=1, bias C [8].",
                  [helper.make_node("Gemm", ["input", "B", "C"], ["output"],
                                    alpha=1.0, beta=1.0, transA=0, transB=0)],
                  [self.W("B", 16, 8), self.W("C", 8)], [1, 16], [1, 8])
        self.emit("matmul", "MatMul of input [1,16] with a constant [16,8].",
                  [helper.make_node("MatMul", ["input", "B"], ["output"])],
                  [self.W("B", 16, 8)], [1, 16], [1, 8])
        self.emit("matmul_add",
                  "MatMul of input [1,16] with a constant [16,8], then Add of a constant bias [8].",
                  [helper.make_node("MatMul", ["input", "B"], ["mm"]),
                   helper.make_node("Add", ["mm", "bias"], ["output"])],
                  [self.W("B", 16, 8), self.W("bias", 8)], [1, 16], [1, 8])

    def convs(self):
        """Conv variants: plain, strided+padded, depthwise, no bias."""
        self.emit("conv", "Conv [1,3,8,8] -> 4 channels, 3x3, no padding, stride 1, with bias.",
                  [helper.make_node("Conv", ["input", "W", "B"], ["output"],
                                    kernel_shape=[3, 3], pads=[0, 0, 0, 0], strides=[1, 1])],
                  [self.W("W", 4, 3, 3, 3), self.W("B", 4)], [1, 3, 8, 8], [1, 4, 6, 6])
        self.emit("conv_strided_padded",
                  "Conv [1,3,8,8] -> 4 channels, 3x3, strides 2, pads 1, with bias.",
                  [helper.make_node("Conv", ["input", "W", "B"], ["output"],
                                    kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])],
                  [self.W("W", 4, 3, 3, 3), self.W("B", 4)], [1, 3, 8, 8], [1, 4, 4, 4])
        self.emit("conv_depthwise",
                  "Depthwise Conv [1,4,8,8] -> 4 channels, group 4, 3x3, pads 1, with bias "
                  "(weight [4,1,3,3]).",
                  [helper.make_node("Conv", ["input", "W", "B"], ["output"],
                                    kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1],
                                    group=4)],
                  [self.W("W", 4, 1, 3, 3), self.W("B", 4)], [1, 4, 8, 8], [1, 4, 8, 8])
        self.emit("conv_nobias",
                  "Conv [1,3,8,8] -> 4 channels, 3x3, no padding, WITHOUT the optional bias input.",
                  [helper.make_node("Conv", ["input", "W"], ["output"],
                                    kernel_shape=[3, 3], pads=[0, 0, 0, 0], strides=[1, 1])],
                  [self.W("W", 4, 3, 3, 3)], [1, 3, 8, 8], [1, 4, 6, 6])

    def elementwise(self):
        """Relu, Add/Sub/Mul with constants and between two tensors."""
        self.emit("relu", "Relu on [1,32].",
                  [helper.make_node("Relu", ["input"], ["output"])], [], [1, 32], [1, 32])
        self.emit("add_const", "Add of input [1,16] and a constant vector [16] (broadcast).",
                  [helper.make_node("Add", ["input", "c"], ["output"])],
                  [self.W("c", 16)], [1, 16], [1, 16])

        def two_gemms(op):
            return [helper.make_node("Gemm", ["input", "WA", "BA"], ["a"], transB=1),
                    helper.make_node("Gemm", ["input", "WB", "BB"], ["b"], transB=1),
                    helper.make_node(op, ["a", "b"], ["output"])]

        two_gemm_inits = [self.W("WA", 8, 16), self.W("BA", 8),
                          self.W("WB", 8, 16), self.W("BB", 8)]
        self.emit("add_tensors",
                  "Add of two computed tensors: input [1,16] -> Gemm A and Gemm B "
                  "(both [1,8], transB=1), output = A + B.",
                  two_gemms("Add"), list(two_gemm_inits), [1, 16], [1, 8])
        self.emit("sub_const", "Sub: input [1,16] minus a constant vector [16] (broadcast).",
                  [helper.make_node("Sub", ["input", "c"], ["output"])],
                  [self.W("c", 16)], [1, 16], [1, 16])
        self.emit("sub_tensors",
                  "Sub of two computed tensors: input [1,16] -> Gemm A and Gemm B "
                  "(both [1,8], transB=1), output = A - B.",
                  two_gemms("Sub"), list(two_gemm_inits), [1, 16], [1, 8])
        self.emit("mul_const", "Mul: input [1,16] times a constant vector [16] (broadcast).",
                  [helper.make_node("Mul", ["input", "c"], ["output"])],
                  [self.W("c", 16)], [1, 16], [1, 16])
        self.emit("mul_scalar", "Mul: input [1,16] times the scalar constant 0.37 (0-d initializer).",
                  [helper.make_node("Mul", ["input", "s"], ["output"])],
                  [f32_init("s", np.float32(0.37))], [1, 16], [1, 16])

    def normalization(self):
        """BatchNormalization in inference mode."""
        self.emit("batchnorm",
                  "BatchNormalization (inference) on [1,4,6,6], epsilon 1e-5, random "
                  "scale/bias/mean (normal x 0.5) and variance uniform in [0.25, 2].",
                  [helper.make_node("BatchNormalization",
                                    ["input", "scale", "bias", "mean", "var"], ["output"],
                                    epsilon=1e-5)],
                  [self.W("scale", 4), self.W("bias", 4), self.W("mean", 4),
                   # variance must be positive: uniform in [0.25, 2]
                   lambda rng: f32_init("var", rng.uniform(0.25, 2.0, 4))],
                  [1, 4, 6, 6], [1, 4, 6, 6])

    def pooling(self):
        """AveragePool / GlobalAveragePool / MaxPool variants."""
        self.emit("averagepool", "AveragePool [1,2,6,6], kernel 2x2, stride 2, no padding.",
                  [helper.make_node("AveragePool", ["input"], ["output"],
                                    kernel_shape=[2, 2], strides=[2, 2])],
                  [], [1, 2, 6, 6], [1, 2, 3, 3])
        self.emit("averagepool_3x3", "AveragePool [1,2,7,7], kernel 3x3, stride 2, pads 0.",
                  [helper.make_node("AveragePool", ["input"], ["output"],
                                    kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 0, 0])],
                  [], [1, 2, 7, 7], [1, 2, 3, 3])
        self.emit("globalaveragepool", "GlobalAveragePool [1,3,5,5] -> [1,3,1,1].",
                  [helper.make_node("GlobalAveragePool", ["input"], ["output"])],
                  [], [1, 3, 5, 5], [1, 3, 1, 1])
        self.emit("maxpool", "MaxPool [1,2,6,6], kernel 2x2, stride 2, no padding.",
                  [helper.make_node("MaxPool", ["input"], ["output"],
                                    kernel_shape=[2, 2], strides=[2, 2])],
                  [], [1, 2, 6, 6], [1, 2, 3, 3])
        self.emit("maxpool_3x3_padded",
                  "MaxPool [1,2,6,6], kernel 3x3, stride 1, pads 1 (output keeps 6x6; "
                  "padding never wins the max).",
                  [helper.make_node("MaxPool", ["input"], ["output"],
                                    kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1])],
                  [], [1, 2, 6, 6], [1, 2, 6, 6])

    def shape_ops(self):
        """Flatten, Reshape, Clip/Relu6, Identity, Dropout."""
        self.emit("flatten",
                  "Flatten (axis 1) of [1,2,3,3] -> [1,18], then Gemm(18->8, transB=1) so the "
                  "output is a vector.",
                  [helper.make_node("Flatten", ["input"], ["flat"], axis=1),
                   helper.make_node("Gemm", ["flat", "W", "B"], ["output"], transB=1)],
                  [self.W("W", 8, 18), self.W("B", 8)], [1, 2, 3, 3], [1, 8])
        self.emit("reshape",
                  "Reshape [1,2,3,3] -> [1,18] with a constant int64 shape initializer `shape` = [1,18].",
                  [helper.make_node("Reshape", ["input", "shape"], ["output"])],
                  [i64_init("shape", [1, 18])], [1, 2, 3, 3], [1, 18])
        self.emit("clip",
                  "Clip [1,16] to [-0.5, 0.5]; min and max are scalar float initializer "
                  "inputs (opset 13 form, not attributes).",
                  [helper.make_node("Clip", ["input", "min", "max"], ["output"])],
                  [f32_init("min", np.float32(-0.5)), f32_init("max", np.float32(0.5))],
                  [1, 16], [1, 16])
        self.emit("relu6",
                  "Relu6: input [1,16] is first multiplied by the scalar constant 8 (so values "
                  "span [-8, 8] and hit both clamps), then Clip(min 0, max 6) with scalar "
                  "initializer bounds.",
                  [helper.make_node("Mul", ["input", "k"], ["scaled"]),
                   helper.make_node("Clip", ["scaled", "min", "max"], ["output"])],
                  [f32_init("k", np.float32(8.0)), f32_init("min", np.float32(0.0)),
                   f32_init("max", np.float32(6.0))], [1, 16], [1, 16])
        self.emit("identity", "Identity on [1,16].",
                  [helper.make_node("Identity", ["input"], ["output"])], [], [1, 16], [1, 16])
        self.emit("dropout",
                  "Dropout on [1,16] in inference mode (ratio 0.3 given as a scalar initializer "
                  "input, no training_mode input, no mask output): behaves as identity.",
                  [helper.make_node("Dropout", ["input", "ratio"], ["output"])],
                  [f32_init("ratio", np.float32(0.3))], [1, 16], [1, 16])

    def negatives(self):
        """Fixtures the importer must reject cleanly."""
        self.emit("_unsupported_sin",
                  "NEGATIVE fixture: Gemm [1,16] -> [1,8] (transB=1) followed by Sin, an op "
                  "zkinfer does not support. The importer must reject it with a clear error.",
                  [helper.make_node("Gemm", ["input", "W", "B"], ["g"], transB=1),
                   helper.make_node("Sin", ["g"], ["output"])],
                  [self.W("W", 8, 16), self.W("B", 8)], [1, 16], [1, 8], listed=False)

        # _malformed: the first 200 bytes of the gemm fixture -- a truncated
        # protobuf that no ONNX parser should accept.
        with open(os.path.join(OPS_DIR, "gemm", "model.onnx"), "rb") as f:
            truncated = f.read()[:200]
        out_dir = os.path.join(OPS_DIR, "_malformed")
        fresh_dir(out_dir)
        path = os.path.join(out_dir, "model.onnx")
        with open(path, "wb") as f:
            f.write(truncated)
        try:
            onnx.load_from_string(truncated)
            onnx.checker.check_model(onnx.load_from_string(truncated))
        except Exception as e:  # noqa: BLE001 -- any failure is the point
            print(f"[ops/_malformed] rejected by onnx as expected: {type(e).__name__}")
        else:
            raise AssertionError("truncated model unexpectedly parsed and checked")
        write_text(os.path.join(out_dir, "README.md"), """# ops/_malformed

NEGATIVE fixture: `model.onnx` is the first 200 bytes of `ops/gemm/model.onnx`,
i.e. a truncated protobuf. Loading it must fail with an error (not a panic).

Generated by `models/make_models.py`.""")

    def movement_ops(self):
        """Transpose, Slice, Gather, Squeeze/Unsqueeze, Concat, and torch's flatten chain
        (Shape -> Gather -> Unsqueeze -> Concat -> Reshape, folded at import)."""
        self.emit("transpose",
                  "Transpose [1,2,3,4] with perm [0,2,3,1] -> [1,3,4,2] (NCHW to NHWC).",
                  [helper.make_node("Transpose", ["input"], ["output"], perm=[0, 2, 3, 1])],
                  [], [1, 2, 3, 4], [1, 3, 4, 2])
        self.emit("slice",
                  "Slice [1,4,6] with constant inputs starts [1,-5], ends [4,6], axes [1,2], "
                  "steps [1,2] (opset 13 form) -> [1,3,3]: a negative start and a stride.",
                  [helper.make_node("Slice", ["input", "starts", "ends", "axes", "steps"],
                                    ["output"])],
                  [i64_init("starts", [1, -5]), i64_init("ends", [4, 6]),
                   i64_init("axes", [1, 2]), i64_init("steps", [1, 2])],
                  [1, 4, 6], [1, 3, 3])
        self.emit("gather",
                  "Gather [1,5,4] on axis 1 with constant int64 indices [[3,0],[-1,2]] "
                  "-> [1,2,2,4] (a negative index counts from the end).",
                  [helper.make_node("Gather", ["input", "idx"], ["output"], axis=1)],
                  [i64_init("idx", [[3, 0], [-1, 2]])], [1, 5, 4], [1, 2, 2, 4])
        self.emit("squeeze_unsqueeze",
                  "Squeeze [1,3,1,4] on axis 2 -> [1,3,4], then Unsqueeze on axis 1 -> "
                  "[1,1,3,4]; axes as int64 inputs (opset 13 form).",
                  [helper.make_node("Squeeze", ["input", "sq"], ["mid"]),
                   helper.make_node("Unsqueeze", ["mid", "unsq"], ["output"])],
                  [i64_init("sq", [2]), i64_init("unsq", [1])], [1, 3, 1, 4], [1, 1, 3, 4])
        self.emit("concat",
                  "Concat on axis 1 of the input [1,8] and Gemm(8->6, transB=1) of it: two "
                  "tensors at different fixed-point scales -> [1,14].",
                  [helper.make_node("Gemm", ["input", "W", "B"], ["g"], transB=1),
                   helper.make_node("Concat", ["input", "g"], ["output"], axis=1)],
                  [self.W("W", 6, 8), self.W("B", 6)], [1, 8], [1, 14])
        self.emit("torch_flatten",
                  "torch's flatten of [1,2,3,3] as exported: Cast(to float) of the input, "
                  "Shape -> Gather(0) -> Unsqueeze -> Concat with [-1] -> Reshape, so [1,18]; "
                  "then Transpose to [18,1]. The shape arithmetic folds at import.",
                  [helper.make_node("Cast", ["input"], ["x"], to=TensorProto.FLOAT),
                   helper.make_node("Shape", ["x"], ["s"]),
                   helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
                   helper.make_node("Unsqueeze", ["n", "ax0"], ["n1"]),
                   helper.make_node("Concat", ["n1", "minus_one"], ["target"], axis=0),
                   helper.make_node("Reshape", ["x", "target"], ["flat"]),
                   helper.make_node("Transpose", ["flat"], ["output"], perm=[1, 0])],
                  [i64_init("zero", np.int64(0)), i64_init("ax0", [0]),
                   i64_init("minus_one", [-1])],
                  [1, 2, 3, 3], [18, 1])

    def table_ops(self):
        """Unary non-linear functions (function tables in lookup mode), torch's exported
        forms of SiLU and exact GELU, and the piecewise-linear LeakyRelu/PRelu."""
        n = helper.make_node
        for op, attrs, opset, what in [
                ("Sigmoid", {}, None, "1/(1+e^-x)"),
                ("Tanh", {}, None, "tanh x"),
                ("Exp", {}, None, "e^x"),
                ("Erf", {}, None, "erf x"),
                ("Softplus", {}, None, "ln(1+e^x)"),
                ("Elu", {"alpha": 0.5}, None, "x > 0 ? x : 0.5(e^x - 1)"),
                ("HardSigmoid", {"alpha": 1 / 6, "beta": 0.5}, None,
                 "max(0, min(1, x/6 + 1/2)) with alpha = float32(1/6) (torch's hardsigmoid)"),
                ("HardSwish", {}, 14, "x * max(0, min(1, x/6 + 1/2)) (opset 14)"),
                ("Gelu", {}, 20, "exact GELU x*Phi(x) (opset 20)"),
                ("Gelu", {"approximate": "tanh"}, 20, "tanh-approximate GELU (opset 20)")]:
            name = op.lower() if "approximate" not in attrs else "gelu_tanh"
            name = {"hardsigmoid": "hard_sigmoid", "hardswish": "hard_swish"}.get(name, name)
            self.emit(name, f"{op} on [1,16]: {what}.",
                      [n(op, ["input"], ["output"], **attrs)], [], [1, 16], [1, 16],
                      opset=opset)
        for op, shift, what in [("Log", 2.5, "ln"), ("Sqrt", 1.5, "square root"),
                                ("Reciprocal", 2.5, "1/x")]:
            self.emit(op.lower(), f"Add {shift} (so the input is positive), then {op} ({what}) "
                      "on [1,16].",
                      [n("Add", ["input", "c"], ["pos"]), n(op, ["pos"], ["output"])],
                      [f32_init("c", np.float32(shift))], [1, 16], [1, 16])
        self.emit("div_const",
                  "Div of [1,16] by the constant 4, then Div of the constant 3 by "
                  "(that + 2.5): a multiplication, then a reciprocal table times 3.",
                  [n("Div", ["input", "four"], ["q"]), n("Add", ["q", "c"], ["pos"]),
                   n("Div", ["three", "pos"], ["output"])],
                  [f32_init("four", np.float32(4)), f32_init("c", np.float32(2.5)),
                   f32_init("three", np.float32(3))], [1, 16], [1, 16])
        self.emit("silu_torch",
                  "torch's SiLU export on [1,16]: Sigmoid, then Mul with the input "
                  "(recognised as one x*sigmoid(x) table).",
                  [n("Sigmoid", ["input"], ["s"]), n("Mul", ["input", "s"], ["output"])],
                  [], [1, 16], [1, 16])
        self.emit("gelu_torch",
                  "torch's exact-GELU export below opset 20 on [1,16]: Div by sqrt(2), Erf, "
                  "Add 1, Mul with the input, Mul by 0.5 (recognised as one GELU table).",
                  [n("Div", ["input", "sqrt2"], ["d"]), n("Erf", ["d"], ["e"]),
                   n("Add", ["e", "one"], ["e1"]), n("Mul", ["input", "e1"], ["m"]),
                   n("Mul", ["m", "half"], ["output"])],
                  [f32_init("sqrt2", np.float32(1.4142135623730951)),
                   f32_init("one", np.float32(1)), f32_init("half", np.float32(0.5))],
                  [1, 16], [1, 16])
        self.emit("leaky_relu",
                  "LeakyRelu alpha 0.1 after Gemm(16->8): relu(x) + 0.1(x - relu(x)), no table.",
                  [n("Gemm", ["input", "W", "B"], ["g"], transB=1),
                   n("LeakyRelu", ["g"], ["output"], alpha=0.1)],
                  [self.W("W", 8, 16), self.W("B", 8)], [1, 16], [1, 8])
        self.emit("prelu",
                  "PRelu on [1,3,2,2] with a constant per-channel slope [3,1,1] "
                  "(0.25, 0.1, -0.5): no table.",
                  [n("PRelu", ["input", "slope"], ["output"])],
                  [f32_init("slope", np.array([0.25, 0.1, -0.5]).reshape(3, 1, 1))],
                  [1, 3, 2, 2], [1, 3, 2, 2])

    def reductions(self):
        """ReduceSum (axes as an input, opset 13), ReduceMean and ReduceMax (axes as an
        attribute before opset 18), GlobalMaxPool."""
        n = helper.make_node
        self.emit("reduce_sum", "ReduceSum of [1,4,6] over axis 1 (axes as an int64 input, "
                  "opset 13 form), keepdims 0 -> [1,6].",
                  [n("ReduceSum", ["input", "axes"], ["output"], keepdims=0)],
                  [i64_init("axes", [1])], [1, 4, 6], [1, 6])
        self.emit("reduce_mean", "ReduceMean of [1,4,6] over axes [-1] (attribute), "
                  "keepdims 1 -> [1,4,1]: a sum times 1/6, rounded once.",
                  [n("ReduceMean", ["input"], ["output"], axes=[-1])], [], [1, 4, 6], [1, 4, 1])
        self.emit("reduce_max", "ReduceMax of [1,4,6] over axes [0,1] (attribute), keepdims 0 "
                  "-> [6]: a chain of 3 comparisons per output.",
                  [n("ReduceMax", ["input"], ["output"], axes=[0, 1], keepdims=0)], [],
                  [1, 4, 6], [6])
        self.emit("global_max_pool", "GlobalMaxPool of [1,3,4,4] -> [1,3,1,1].",
                  [n("GlobalMaxPool", ["input"], ["output"])], [], [1, 3, 4, 4], [1, 3, 1, 1])

    def normalization_ops(self):
        """Softmax and LogSoftmax (max-shift, exp table, exact division)."""
        n = helper.make_node
        self.emit("softmax", "Gemm(16->10, transB=1) then Softmax on the last axis: a "
                  "classifier head, bit exact (max-shift, exp table, rounded division).",
                  [n("Gemm", ["input", "W", "B"], ["g"], transB=1),
                   n("Softmax", ["g"], ["output"], axis=-1)],
                  [self.W("W", 10, 16), self.W("B", 10)], [1, 16], [1, 10])
        self.emit("softmax_axis1", "Softmax of [1,3,4] over axis 1 (not the last).",
                  [n("Softmax", ["input"], ["output"], axis=1)], [], [1, 3, 4], [1, 3, 4])
        self.emit("log_softmax", "LogSoftmax of [1,10] on the last axis: x - max - log(sum "
                  "exp(x - max)).",
                  [n("LogSoftmax", ["input"], ["output"], axis=-1)], [], [1, 10], [1, 10])

    def product_ops(self):
        """Products of two computed tensors (gates, squares, attention) and Expand."""
        n = helper.make_node
        self.emit("mul_gate", "Two Gemm(16->8) of the input multiplied element-wise: a gate.",
                  [n("Gemm", ["input", "W1", "B1"], ["a"], transB=1),
                   n("Gemm", ["input", "W2", "B2"], ["b"], transB=1),
                   n("Mul", ["a", "b"], ["output"])],
                  [self.W("W1", 8, 16), self.W("B1", 8), self.W("W2", 8, 16), self.W("B2", 8)],
                  [1, 16], [1, 8])
        self.emit("pow_square", "Pow of [1,16] with the constant exponent 2.",
                  [n("Pow", ["input", "two"], ["output"])], [f32_init("two", np.float32(2))],
                  [1, 16], [1, 16])
        self.emit("mul_broadcast", "Mul of [1,3,4] by its ReduceMean over axis 2 ([1,3,1], "
                  "broadcast along the last axis).",
                  [n("ReduceMean", ["input"], ["m"], axes=[2]), n("Mul", ["input", "m"], ["output"])],
                  [], [1, 3, 4], [1, 3, 4])
        self.emit("expand", "Expand of [1,3,1] to the constant shape [2,1,4] -> [2,3,4].",
                  [n("Expand", ["input", "shape"], ["output"])], [i64_init("shape", [2, 1, 4])],
                  [1, 3, 1], [2, 3, 4])
        self.emit("attention", "One attention head on [1,4,8]: Q, K, V = MatMul by constant "
                  "[8,8] weights; softmax(Q·K^T) (Transpose perm [0,2,1], MatMul of two "
                  "tensors, Softmax on the last axis); then MatMul by V -> [1,4,8].",
                  [n("MatMul", ["input", "Wq"], ["q"]), n("MatMul", ["input", "Wk"], ["k"]),
                   n("MatMul", ["input", "Wv"], ["v"]),
                   n("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
                   n("MatMul", ["q", "kt"], ["s"]), n("Softmax", ["s"], ["p"], axis=-1),
                   n("MatMul", ["p", "v"], ["output"])],
                  [self.W("Wq", 8, 8), self.W("Wk", 8, 8), self.W("Wv", 8, 8)],
                  [1, 4, 8], [1, 4, 8])

    def layer_norms(self):
        """LayerNormalization (opset 17) and the decomposed form of older exports."""
        n = helper.make_node
        self.emit("layer_norm", "LayerNormalization (opset 17) of [1,4,8] over the last axis, "
                  "epsilon 1e-5, with a constant scale and bias [8].",
                  [n("LayerNormalization", ["input", "g", "b"], ["output"], axis=-1,
                     epsilon=1e-5)],
                  [self.W("g", 8), self.W("b", 8)], [1, 4, 8], [1, 4, 8], opset=17)
        self.emit("layer_norm_decomposed",
                  "LayerNorm of [1,4,8] as exports before opset 17 spell it: ReduceMean, Sub, "
                  "Pow 2, ReduceMean, Add eps, Sqrt, Div, Mul scale, Add bias.",
                  [n("ReduceMean", ["input"], ["mu"], axes=[-1]), n("Sub", ["input", "mu"], ["d"]),
                   n("Pow", ["d", "two"], ["d2"]), n("ReduceMean", ["d2"], ["var"], axes=[-1]),
                   n("Add", ["var", "eps"], ["ve"]), n("Sqrt", ["ve"], ["sd"]),
                   n("Div", ["d", "sd"], ["y"]), n("Mul", ["y", "g"], ["yg"]),
                   n("Add", ["yg", "b"], ["output"])],
                  [f32_init("two", np.float32(2)), f32_init("eps", np.float32(1e-5)),
                   self.W("g", 8), self.W("b", 8)], [1, 4, 8], [1, 4, 8])

    def recurrent_ops(self):
        """RNN, GRU and LSTM (unrolled by the importer), Y or Y_h as the output; the input
        is [1, seq, input] and a Transpose makes it [seq, 1, input]."""
        n = helper.make_node
        seq, inp, hid = 5, 3, 4

        def rec(op, gates, dirs=1, outputs=("output",), extra=(), **attrs):
            inits = [self.W("W", dirs, gates * hid, inp), self.W("R", dirs, gates * hid, hid),
                     self.W("B", dirs, 2 * gates * hid)] + list(extra)
            ins = ["x", "W", "R", "B"] + (["", "", "", "P"] if extra else [])
            # Batch first in the file (as torch's batch_first), so a Transpose leads.
            return [n("Transpose", ["input"], ["x"], perm=[1, 0, 2]),
                    n(op, ins, list(outputs), hidden_size=hid, **attrs)], inits

        y_shape = lambda d: [seq, d, 1, hid]  # noqa: E731
        nodes, inits = rec("GRU", 3, outputs=("", "output"), linear_before_reset=1)
        self.emit("gru", f"GRU over a [{seq},1,{inp}] sequence, hidden {hid}, "
                  "linear_before_reset=1 (torch's form), output Y_h [1,1,4].",
                  nodes, inits, [1, seq, inp], [1, 1, hid])
        nodes, inits = rec("GRU", 3)
        self.emit("gru_reset_first", f"GRU over [{seq},1,{inp}], hidden {hid}, "
                  "linear_before_reset=0 (the ONNX default), output Y [5,1,1,4].",
                  nodes, inits, [1, seq, inp], y_shape(1))
        nodes, inits = rec("GRU", 3, dirs=2, direction="bidirectional", linear_before_reset=1)
        self.emit("gru_bidirectional", f"Bidirectional GRU over [{seq},1,{inp}], hidden {hid}, "
                  "output Y [5,2,1,4].", nodes, inits, [1, seq, inp], y_shape(2))
        nodes, inits = rec("LSTM", 4, outputs=("", "output"))
        self.emit("lstm", f"LSTM over [{seq},1,{inp}], hidden {hid}, output Y_h [1,1,4].",
                  nodes, inits, [1, seq, inp], [1, 1, hid])
        nodes, inits = rec("LSTM", 4, extra=[self.W("P", 1, 3 * hid)])
        self.emit("lstm_peephole", f"LSTM with peepholes P over [{seq},1,{inp}], hidden {hid}, "
                  "output Y [5,1,1,4].", nodes, inits, [1, seq, inp], y_shape(1))
        nodes, inits = rec("RNN", 1)
        self.emit("rnn", f"RNN (Tanh) over [{seq},1,{inp}], hidden {hid}, output Y [5,1,1,4].",
                  nodes, inits, [1, seq, inp], y_shape(1))
        nodes, inits = rec("RNN", 1, direction="reverse")
        self.emit("rnn_reverse", f"RNN (Tanh), direction reverse, over [{seq},1,{inp}], "
                  f"hidden {hid}, output Y [5,1,1,4].", nodes, inits, [1, seq, inp], y_shape(1),
                  ort_reference="tract 0.23 ignores `direction=reverse` with one weight set "
                  "(it runs forward).")
        nodes, inits = rec("RNN", 1, activations=["Relu"])
        self.emit("rnn_relu", f"RNN with the Relu gate function over [{seq},1,{inp}], "
                  f"hidden {hid}, output Y [5,1,1,4].", nodes, inits, [1, seq, inp], y_shape(1),
                  ort_reference="tract 0.23 ignores RNN's `activations` attribute (its RNN "
                  "is always tanh).")

    def split_pad_ops(self):
        """Split (several outputs), Pad in each mode, ConstantOfShape."""
        n = helper.make_node
        self.emit("split", "Split of [1,6,4] along axis 1 into two equal parts a, b "
                  "(no split input); output a - b [1,3,4].",
                  [n("Split", ["input"], ["a", "b"], axis=1), n("Sub", ["a", "b"], ["output"])],
                  [], [1, 6, 4], [1, 3, 4])
        self.emit("split_sizes", "Split of [1,3,5] along axis 2 with the split input [2,2,1] "
                  "into a, b, c; output Concat(c, a, b) on axis 2.",
                  [n("Split", ["input", "sizes"], ["a", "b", "c"], axis=2),
                   n("Concat", ["c", "a", "b"], ["output"], axis=2)],
                  [i64_init("sizes", [2, 2, 1])], [1, 3, 5], [1, 3, 5])
        for mode, value in [("constant", 0.0), ("constant", 0.5), ("reflect", None),
                            ("edge", None)]:
            name = f"pad_{mode}" + ("_value" if value else "")
            inits = [i64_init("pads", [0, 0, 1, 2, 0, 0, 2, 1])]
            ins = ["input", "pads"]
            if value:
                inits.append(f32_init("value", np.float32(value)))
                ins.append("value")
            self.emit(name, f"Pad of [1,2,3,3] by (1,2) before and (2,1) after the spatial "
                      f"axes, mode {mode}" + (f", value {value}" if value else "") + ".",
                      [n("Pad", ins, ["output"], mode=mode)], inits, [1, 2, 3, 3], [1, 2, 6, 6])
        self.emit("constant_of_shape", "Shape of [1,2,3] -> ConstantOfShape(value 1.5) -> "
                  "Add to the input.",
                  [n("Shape", ["input"], ["s"]),
                   n("ConstantOfShape", ["s"], ["c"],
                     value=helper.make_tensor("value", TensorProto.FLOAT, [1], [1.5])),
                   n("Add", ["input", "c"], ["output"])],
                  [], [1, 2, 3], [1, 2, 3])

    def rsqrt_ops(self):
        """Sqrt followed by a reciprocal: one rsqrt table."""
        n = helper.make_node
        self.emit("rsqrt", "Add 1.5 (so the input is positive), Sqrt, Reciprocal on [1,16] "
                  "(torch's rsqrt): one rsqrt table.",
                  [n("Add", ["input", "c"], ["pos"]), n("Sqrt", ["pos"], ["sd"]),
                   n("Reciprocal", ["sd"], ["output"])],
                  [f32_init("c", np.float32(1.5))], [1, 16], [1, 16])
        self.emit("rsqrt_div", "Add 1.5, Sqrt, then Div of the constant 2 by it on [1,16] "
                  "(2 / sqrt(x + 1.5), a hand-written norm's form): an rsqrt table times 2.",
                  [n("Add", ["input", "c"], ["pos"]), n("Sqrt", ["pos"], ["sd"]),
                   n("Div", ["two", "sd"], ["output"])],
                  [f32_init("c", np.float32(1.5)), f32_init("two", np.float32(2))],
                  [1, 16], [1, 16])

    def external_data_ops(self):
        """Weights in `model.onnx.data` beside the graph (torch's default export does this),
        and two files whose external references the importer must refuse."""
        path = self.emit("external_data", "Gemm [1,16] -> [1,8] (transB=1) whose weight and "
                         "bias are external data in `model.onnx.data` (torch.onnx.export's "
                         "default).",
                         [helper.make_node("Gemm", ["input", "W", "C"], ["output"], transB=1)],
                         [self.W("W", 8, 16), self.W("C", 8)], [1, 16], [1, 8])
        model = onnx.load(path)
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location="model.onnx.data", size_threshold=0)
        y = ort_session(path).run(["output"], {"input": np.zeros((1, 16), np.float32)})[0]
        assert y.shape == (1, 8)
        for name, location, what in [
                ("_external_escape", "../external_data/model.onnx.data",
                 "its external data location leaves the model's directory"),
                ("_external_truncated", "model.onnx.data",
                 "its data file is 40 bytes, shorter than the weights it claims")]:
            out_dir = os.path.join(OPS_DIR, name)
            fresh_dir(out_dir)
            bad = onnx.load(path, load_external_data=False)
            for t in bad.graph.initializer:
                for e in t.external_data:
                    if e.key == "location":
                        e.value = location
            onnx.save_model(bad, os.path.join(out_dir, "model.onnx"))
            if name == "_external_truncated":
                with open(os.path.join(OPS_DIR, "external_data", "model.onnx.data"), "rb") as f:
                    data = f.read()[:40]
                with open(os.path.join(out_dir, "model.onnx.data"), "wb") as f:
                    f.write(data)
            write_text(os.path.join(out_dir, "README.md"), f"""# ops/{name}

NEGATIVE fixture: `ops/external_data` with its weights as external data, but {what}.
The importer must refuse it with an error naming the tensor.

Generated by `models/make_models.py`.""")

    def build_all(self):
        os.makedirs(OPS_DIR, exist_ok=True)
        self.linear()
        self.convs()
        self.elementwise()
        self.normalization()
        self.pooling()
        self.shape_ops()
        self.negatives()
        self.movement_ops()
        self.table_ops()
        self.reductions()
        self.normalization_ops()
        self.product_ops()
        self.layer_norms()
        self.recurrent_ops()
        self.split_pad_ops()
        self.rsqrt_ops()
        self.external_data_ops()
        print(f"[ops] wrote {len(self.written)} one-op fixtures + 4 negative fixtures")


# ---------------------------------------------------------------------------
# Top-level README
# ---------------------------------------------------------------------------


def write_top_readme(op_rows, versions):
    real = "\n".join(
        f"| [`{n}`]({n}/README.md) | {s} | {a} | {p:,} | {b:,} |"
        for n, s, a, p, b in SUMMARY_ROWS)
    ops = "\n".join(f"| `{n}` | {i} | {o} | {d} |" for n, i, o, d in op_rows)
    text = f"""# Model fixtures

Float32 ONNX models (batch dimension fixed to 1, one input named `input`, one
output named `output`) used by the zkinfer importer, quantizer and end-to-end
tests: built with `onnx.helper` at opset {OPSET}, IR version {IR_VERSION} (some
one-op fixtures at the opset that introduced their op), or trained with torch
and exported by `torch.onnx.export` (opset 18, IR version 10: `mlp_tanh`,
`cnn_bn`, `vit`, `gru`; see [`torch_models.py`](torch_models.py)). Everything
here is generated by [`make_models.py`](make_models.py); do not edit by hand.

## Real models

Trained on scikit-learn's bundled `load_digits` (8x8 digits, pixels / 16 ->
[0, 1]; stratified 80/20 split with `random_state=0`: 1437 train / 360 test).
The 28x28 models see each image upsampled x3 (nearest neighbour) and zero
padded by 2. Accuracy is the float model's argmax accuracy on the 360 test
samples, measured with onnxruntime. `mlp_tanh` and `cnn_bn` end in a Softmax
(their outputs are probabilities); the others output logits.

| model | input shape | float test accuracy | params | `model.onnx` bytes |
|---|---|---|---|---|
{real}

Each directory holds `model.onnx`, `input.json` (one test sample),
`calibration.json` ({N_CALIB_REAL} training samples concatenated),
`test.json` (all test samples concatenated + `labels`) and a `README.md`.
All JSON inputs are `{{"input_data": [[flat row-major floats]]}}`.

## One-op fixtures (`ops/`)

Tiny graphs, one op (family) each; random weights (normal x 0.5) and inputs
(uniform in [-1, 1]), seeded. Each holds `model.onnx`, `input.json`,
`calibration.json` ({N_CALIB_OPS} samples) and a `README.md`.

| fixture | input | output | what |
|---|---|---|---|
{ops}

Negative fixtures: `ops/_unsupported_sin/` (Gemm -> Sin, an
unsupported op), `ops/_malformed/model.onnx` (first 200 bytes of
`ops/gemm/model.onnx`, a truncated protobuf), `ops/_external_escape/` (external
data whose location leaves the model's directory) and `ops/_external_truncated/`
(external data past the end of its file).

Where tract (the float reference of the tests) gets an op wrong, the fixture
says why in its README and carries `onnxruntime.json` (25 samples and
onnxruntime's outputs), which the ops test compares with instead: `rnn_relu`
(tract's RNN ignores `activations`) and `rnn_reverse` (tract runs a
one-direction `reverse` RNN forward).

## Regenerating

```sh
python3 -m venv .venv && .venv/bin/pip install -r models/requirements.txt && .venv/bin/python models/make_models.py
```

`--ops-only` rebuilds only the one-op fixtures (no training) and
`--torch-only` only the torch models; both leave this file as it is. torch's
PyPI wheel brings about 3 GB of CUDA libraries with it (pinned in
`requirements.txt`); training runs on the CPU.

The script is deterministic (fixed seeds, single-threaded CPU JAX and torch,
no timestamps): rerunning it with Python 3.11 and the pinned versions
({versions}) reproduces the same files. It takes about two minutes on one CPU
core.
"""
    write_text(os.path.join(MODELS_DIR, "README.md"), text)


# ---------------------------------------------------------------------------


def make_torch_models(data):
    """The models trained and exported with torch (see ``torch_models.py``)."""
    import torch_models  # noqa: E402 -- torch is only needed for these

    def finish(name, path, shape, x_tr, x_te, y_te, outs, n_params, body, **kw):
        body = f"{body}\n\n## Input\n\n{DATA_README}\n"
        finish_real_model(name, path, shape, x_tr, x_te, y_te, outs, n_params, body, **kw)

    torch_models.build_all(data, MODELS_DIR, finish)


def main():
    if "--torch-only" in sys.argv[1:]:
        # Only the torch models (mlp_tanh, cnn_bn, vit, gru); README.md is left as it is.
        make_torch_models(load_data())
        return
    if "--ops-only" in sys.argv[1:]:
        # Only the one-op fixtures (no training); models/README.md is left as it is.
        OpFixtures().build_all()
        return
    data = load_data()
    print(f"digits: {len(data[0])} train / {len(data[1])} test")
    make_mlp(data)
    make_cnn(data)
    make_lenet5(data)
    make_mlp784(data)
    make_resnet_tiny(data)
    make_torch_models(data)

    ops = OpFixtures()
    ops.build_all()

    import sklearn  # noqa: E402 -- only for the version string
    versions = ", ".join(f"{m.__name__} {m.__version__}"
                         for m in (np, jax, onnx, ort, sklearn, __import__("torch")))
    write_top_readme(ops.written, versions)

    print("\nsummary:")
    for n, s, a, p, b in SUMMARY_ROWS:
        print(f"  {n:12s} {s:14s} acc {a:18s} params {p:>7,}  size {b:>7,} B")


if __name__ == "__main__":
    main()
