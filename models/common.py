"""Shared by the model scripts: single-threaded numerics, paths and constants, JSON and file
helpers, ONNX graph assembly and onnxruntime sessions. Import it before numpy, jax or torch
(it sets the thread counts they read at import)."""

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
import shutil  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

MODELS_DIR = os.path.dirname(os.path.abspath(__file__))
OPS_DIR = os.path.join(MODELS_DIR, "ops")

OPSET = 13
IR_VERSION = 7  # the IR version that goes with opset 13; widest reader support
PRODUCER = "zkinfer models/make_models.py"
MAX_MODEL_BYTES = 1_000_000  # every model.onnx must stay below 1 MB

N_CALIB_REAL = 64  # calibration samples for the real models (training split)
N_CALIB_OPS = 32  # calibration samples for the one-op fixtures



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
