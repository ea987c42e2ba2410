"""The five models trained with JAX and built as ONNX graphs by hand with ``onnx.helper``:
mlp, cnn, lenet5, mlp784, resnet_tiny (a tiny hand-written Adam on top of JAX)."""

import os

import jax
import jax.numpy as jnp
import numpy as np
from onnx import helper

from common import (
    MODELS_DIR,
    f32_init,
    fresh_dir,
    save_model,
)
from real import (
    DATA_README,
    UPSAMPLE_README,
    finish_real_model,
    to_28x28,
)


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


def dense_mlp(name, seed, epochs, lr, sizes, x_tr, x_te, y_tr):
    """Trains an `in -> h1 -> h2 -> 10` ReLU MLP and saves it as Gemm/Relu nodes in
    ``<name>/model.onnx``. Returns the path, the parameters and the test logits."""
    n_in, n_h1, n_h2 = sizes
    rng = np.random.default_rng(seed)
    params = {"fc1": dense_params(rng, n_in, n_h1),
              "fc2": dense_params(rng, n_h1, n_h2),
              "fc3": dense_params(rng, n_h2, 10)}

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
    save_model(path, nodes, inits, [1, n_in], [1, 10], name)
    return path, params, jax_logits


def make_mlp(data):
    name, seed, epochs, lr = "mlp", 1, 60, 3e-3
    x_tr, x_te, y_tr, y_te = data
    x_tr, x_te = x_tr.reshape(-1, 64), x_te.reshape(-1, 64)

    path, params, jax_logits = dense_mlp(name, seed, epochs, lr, (64, 32, 16), x_tr, x_te,
                                         y_tr)

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

    path, params, jax_logits = dense_mlp(name, seed, epochs, lr, (784, 256, 128), x_tr, x_te,
                                         y_tr)

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
