#!/usr/bin/env python3
"""Writes the hostile one-Conv ONNX fixtures of security review findings #3 and #13 with the
standard library only (a minimal protobuf writer), so they need no onnx package:

* models/ops/_conv_pads_huge: Conv 1->2, 3x3, pads=[2^20]*4 on 1x1x8x8 (finding #3: the
  importer's calibration asked for a 70 TB tensor and the process aborted);
* models/ops/_conv_dilation_wrap: Conv 1->2, 5x5, dilations=[2^62, 2^62] on 1x1x8x8 (finding
  #13: 4*2^62 wrapped to 0 and the model compiled);
* models/ops/_conv_amplify: Conv 1->64, 3x3, pads=[60]*4 on 1x1x8x8 (finding #3, amplification:
  a 2.4 KB file, a million-element output, tens of millions of constraints).

Run from the repository root: python3 scripts/hostile_onnx.py
"""
import json
import os
import struct


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wire, payload):
    return varint((num << 3) | wire) + payload


def f_int(num, v):
    return field(num, 0, varint(v))


def f_bytes(num, b):
    return field(num, 2, varint(len(b)) + b)


def f_str(num, s):
    return f_bytes(num, s.encode())


def ints_attr(name, values):
    # AttributeProto: name=1, ints=8 (repeated int64), type=20 (INTS=7)
    return f_str(1, name) + b"".join(f_int(8, v) for v in values) + f_int(20, 7)


def value_info(name, dims):
    shape = b"".join(f_bytes(1, f_int(1, d)) for d in dims)  # Dimension.dim_value=1
    tensor = f_int(1, 1) + f_bytes(2, shape)  # elem_type FLOAT, shape
    return f_str(1, name) + f_bytes(2, f_bytes(1, tensor))  # ValueInfo.type.tensor_type


def conv_model(kernel, attrs, out_channels=2):
    k, c = kernel, out_channels
    weights = struct.pack("<%df" % (c * k * k), *([0.1] * (c * k * k)))
    init = b"".join(f_int(1, d) for d in [c, 1, k, k]) + f_int(2, 1) + f_str(8, "w") + f_bytes(9, weights)
    node = f_str(1, "x") + f_str(1, "w") + f_str(2, "y") + f_str(3, "conv") + f_str(4, "Conv")
    node += b"".join(f_bytes(5, a) for a in attrs)
    graph = f_bytes(1, node) + f_str(2, "g") + f_bytes(5, init)
    graph += f_bytes(11, value_info("x", [1, 1, 8, 8])) + f_bytes(12, value_info("y", []))
    return f_int(1, 7) + f_bytes(8, f_str(1, "") + f_int(2, 13)) + f_bytes(7, graph)


def write(name, model, readme):
    d = os.path.join("models", "ops", name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(model)
    with open(os.path.join(d, "calibration.json"), "w") as f:
        json.dump({"input_data": [[0.5] * 64]}, f)
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write(readme)
    print(name, len(model), "bytes")


write(
    "_conv_pads_huge",
    conv_model(3, [ints_attr("kernel_shape", [3, 3]), ints_attr("pads", [1 << 20] * 4)]),
    "# _conv_pads_huge (negative fixture)\n\nOne Conv 1→2, 3×3, `pads=[2^20]*4` on a 1×1×8×8 input "
    "(security review finding #3). Its output would be 1×2×2097158×2097158 (8.8·10^12 elements); "
    "import must refuse it by the tensor-size limit before anything is allocated.\n"
    "Made by `scripts/hostile_onnx.py`.\n",
)
write(
    "_conv_dilation_wrap",
    conv_model(5, [ints_attr("kernel_shape", [5, 5]), ints_attr("dilations", [1 << 62] * 2)]),
    "# _conv_dilation_wrap (negative fixture)\n\nOne Conv 1→2, 5×5, `dilations=[2^62, 2^62]` on a "
    "1×1×8×8 input (security review finding #13): `2^62·4 + 1` overflows, so it must be refused, "
    "not wrapped to a span of 1.\nMade by `scripts/hostile_onnx.py`.\n",
)
write(
    "_conv_amplify",
    conv_model(3, [ints_attr("kernel_shape", [3, 3]), ints_attr("pads", [60] * 4)], out_channels=64),
    "# _conv_amplify (negative fixture)\n\nOne Conv 1→64, 3×3, `pads=[60]*4` on a 1×1×8×8 input "
    "(security review finding #3, amplification): a 2.4 KB file whose 1×64×126×126 output "
    "(1,016,064 elements, under the tensor-size limit) would be tens of millions of constraints. "
    "The service must refuse it from its estimate, before synthesis or setup allocates anything.\n"
    "Made by `scripts/hostile_onnx.py`.\n",
)
