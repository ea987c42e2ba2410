"""What every real model shares: the digits data, the float accuracy, and the files and README
written next to each ``model.onnx`` (after checking the export against the training framework
with onnxruntime)."""

import os

import numpy as np
import onnx
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from common import (
    N_CALIB_REAL,
    flat_floats,
    ort_run_batch,
    write_json,
    write_text,
)

# Filled by finish_real_model, printed by main.
SUMMARY_ROWS = []


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
