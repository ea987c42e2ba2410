#!/usr/bin/env python3
"""Measures EZKL 23 (PyPI `ezkl==23.0.5`) on one of our model directories, so that
BENCHMARKS.md can set EZKL's figures next to zkinfer's, measured on the same machine.

What it runs, in EZKL's own order and with EZKL's defaults (what a user gets):

  gen_settings        default run args (input public, params fixed, output public unless the
                      --*-visibility flags say otherwise)
  calibrate_settings  on the model directory's calibration.json, target "resources" (EZKL's
                      default), which also picks the circuit's logrows
  compile_circuit
  gen_srs             a local SRS of exactly the circuit's logrows (see below)
  gen_witness         on input.json
  setup               proving and verifying keys
  prove
  verify

What it measures: for every step, the wall time of the EZKL call itself and the peak resident
memory of a child process that does only that step (the script re-invokes itself with
`--step NAME`, and the parent reads the child's rusage with os.wait4, so each step's peak is
its own and not the maximum so far). The `baseline` step only imports ezkl: its peak is the
interpreter's share of every other step's peak. Also: logrows, the circuit size EZKL reports in
the settings (num_rows, total_assignments, total_const_size, lookup and range-check ranges,
scales), pk/vk/proof sizes, EZKL's numerical-fidelity report from calibration (quantized vs
float over the calibration samples) and its dequantized output on input.json, compared with
onnxruntime's float output when onnxruntime happens to be installed (optional).

How to run it (Python 3.11, from the repository root):

  python3 -m venv /tmp/ezkl-venv
  /tmp/ezkl-venv/bin/pip install -r scripts/ezkl/requirements.txt
  /tmp/ezkl-venv/bin/python scripts/ezkl/bench.py models/mlp [--out DIR] [--json FILE]

A model directory holds model.onnx, input.json ({"input_data": [[...flat floats...]]}) and
calibration.json (the same format, several samples concatenated flat in one list; EZKL splits
it into batches of the model's input size). Work files (settings, compiled circuit, SRS, keys,
witness, proof, one log per step) go to --out DIR, or to a temporary directory that is deleted
at the end; never into the model directory.

The SRS: this script never calls ezkl.get_srs, which downloads the public KZG ceremony file. It
runs ezkl.gen_srs, which makes a local SRS from a toxic waste that is not destroyed: fine for
timing (the same sizes and the same work as with the real one), worthless for security. Its
generation time is reported (srs_s) but is no part of EZKL's setup or proving cost. --srs-dir
DIR keeps SRS files (kzg<logrows>.srs) between runs.

The summary is printed one line per step and then as one JSON object, to stdout and to
--json FILE if given.
"""
import argparse
import asyncio
import inspect
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

STEPS = ["baseline", "gen_settings", "calibrate", "compile", "srs", "witness", "setup", "prove",
         "verify"]
VIS_RE = re.compile(r"^(public|private|fixed|hashed|hashed/public|polycommit"
                    r"|hashed/private/\d+(,\d+)*)$")


def visibility(s):
    # ezkl panics (not raises) on some malformed visibility strings, so check them here.
    if not VIS_RE.match(s):
        raise argparse.ArgumentTypeError(
            "expected public, private, fixed, hashed, hashed/public, polycommit or "
            "hashed/private/<outlet>[,<outlet>...]")
    return s


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_dir", help="model directory (model.onnx, input.json, calibration.json)")
    p.add_argument("--out", help="work directory (kept); default: a temporary one, deleted")
    p.add_argument("--json", help="also write the final JSON here")
    p.add_argument("--srs-dir", help="where kzg<logrows>.srs is kept/reused (default: --out)")
    # EZKL's defaults (PyRunArgs(): input public, param fixed, output public).
    p.add_argument("--input-visibility", type=visibility, default="public")
    p.add_argument("--param-visibility", type=visibility, default="fixed")
    p.add_argument("--output-visibility", type=visibility, default="public")
    p.add_argument("--target", choices=["resources", "accuracy"], default="resources",
                   help="calibrate_settings target (EZKL's default: resources)")
    p.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)  # internal: child mode
    return p.parse_args(argv)


class Paths:
    def __init__(self, model_dir, work, srs_dir):
        self.model = os.path.join(model_dir, "model.onnx")
        self.input = os.path.join(model_dir, "input.json")
        self.calibration = os.path.join(model_dir, "calibration.json")
        self.work = work
        self.srs_dir = srs_dir
        j = lambda name: os.path.join(work, name)
        self.settings = j("settings.json")
        self.compiled = j("model.compiled")
        self.witness = j("witness.json")
        self.pk = j("pk.key")
        self.vk = j("vk.key")
        self.proof = j("proof.json")

    def srs(self, logrows):
        return os.path.join(self.srs_dir, f"kzg{logrows}.srs")

    def result(self, step):
        return os.path.join(self.work, f"step_{step}.json")

    def log(self, step):
        return os.path.join(self.work, f"step_{step}.log")


def read_json(path):
    with open(path) as f:
        return json.load(f)


def logrows_of(paths):
    return read_json(paths.settings)["run_args"]["logrows"]


# ---------------------------------------------------------------- child: one step, one process

def call(fn, *args, **kwargs):
    """Calls an ezkl function; some are async in some versions (they return a coroutine)."""
    r = fn(*args, **kwargs)
    if inspect.iscoroutine(r) or inspect.isawaitable(r):
        async def wait():
            return await r
        r = asyncio.run(wait())
    if r is False:
        raise RuntimeError(f"ezkl.{fn.__name__} returned False")
    return r


def run_step(step, args, paths):
    import ezkl
    out = {"ezkl_version": getattr(ezkl, "__version__", "?")}
    t0 = time.perf_counter()
    if step == "baseline":
        pass
    elif step == "gen_settings":
        ra = ezkl.PyRunArgs()
        ra.input_visibility = args.input_visibility
        ra.param_visibility = args.param_visibility
        ra.output_visibility = args.output_visibility
        call(ezkl.gen_settings, paths.model, paths.settings, py_run_args=ra)
    elif step == "calibrate":
        call(ezkl.calibrate_settings, paths.calibration, paths.model, paths.settings,
             target=args.target)
    elif step == "compile":
        call(ezkl.compile_circuit, paths.model, paths.compiled, paths.settings)
    elif step == "srs":
        srs = paths.srs(logrows_of(paths))
        if os.path.exists(srs):
            out["reused"] = srs
        else:
            tmp = srs + f".{os.getpid()}.part"
            call(ezkl.gen_srs, tmp, logrows_of(paths))
            os.replace(tmp, srs)
    elif step == "witness":
        w = call(ezkl.gen_witness, paths.input, paths.compiled, paths.witness)
        if not isinstance(w, dict):
            w = read_json(paths.witness)
        pretty = w.get("pretty_elements") or read_json(paths.witness).get("pretty_elements", {})
        out["rescaled_outputs"] = [[float(x) for x in o]
                                   for o in pretty.get("rescaled_outputs", [])]
    elif step == "setup":
        call(ezkl.setup, paths.compiled, paths.vk, paths.pk, srs_path=paths.srs(logrows_of(paths)))
    elif step == "prove":
        call(ezkl.prove, paths.witness, paths.compiled, paths.pk, proof_path=paths.proof,
             srs_path=paths.srs(logrows_of(paths)))
    elif step == "verify":
        ok = call(ezkl.verify, paths.proof, paths.settings, paths.vk,
                  srs_path=paths.srs(logrows_of(paths)))
        if ok is not True:
            raise RuntimeError(f"ezkl.verify returned {ok!r}")
    out["s"] = time.perf_counter() - t0
    sys.stdout.flush()
    with open(paths.result(step), "w") as f:
        json.dump(out, f)


# ---------------------------------------------------------------- parent: orchestration

def run_child(step, args, paths, argv_common):
    cmd = [sys.executable, os.path.abspath(__file__), *argv_common, "--step", step]
    with open(paths.log(step), "w") as log:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        with open(paths.log(step), errors="replace") as f:
            tail = f.read()[-4000:]
        sys.exit(f"[ezkl] step {step} failed (exit {rc}); log {paths.log(step)}:\n{tail}")
    res = read_json(paths.result(step))
    res["process_s"] = wall
    res["peak_mib"] = ru.ru_maxrss / 1024.0  # Linux: KiB
    res["user_s"] = ru.ru_utime
    res["sys_s"] = ru.ru_stime
    return res


def parse_fidelity(log_path):
    """EZKL prints a 'Numerical Fidelity Report' table after calibration; returns its row."""
    with open(log_path, errors="replace") as f:
        text = f.read()
    m = re.search(r"Numerical Fidelity Report \(([^)]*)\)", text)
    if not m:
        return None
    rows = [l for l in text[m.end():].splitlines() if l.strip().startswith("|")]
    if len(rows) < 2:
        return None
    cells = lambda l: [c.strip() for c in l.strip().strip("|").split("|")]
    out = {"params": m.group(1)}
    for k, v in zip(cells(rows[0]), cells(rows[1])):
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
    return out


def input_lengths(path):
    data = read_json(path)["input_data"]
    return [len(x) for x in data]


def onnxruntime_reference(paths):
    """Float outputs of the model on input.json, if onnxruntime is installed; else None."""
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError:
        return None
    sess = ort.InferenceSession(paths.model, providers=["CPUExecutionProvider"])
    data = read_json(paths.input)["input_data"]
    feeds = {}
    for meta, flat in zip(sess.get_inputs(), data):
        shape = [d if isinstance(d, int) else 1 for d in meta.shape]
        feeds[meta.name] = np.asarray(flat, dtype=np.float32).reshape(shape)
    return [np.asarray(o, dtype=np.float64).ravel().tolist() for o in sess.run(None, feeds)]


def guard_out(out, model_dir):
    """Work files never go inside the model directory or the repository's models/."""
    real_out = os.path.realpath(out)
    real_model = os.path.realpath(model_dir)
    forbidden = [real_model]
    parent = os.path.dirname(real_model)
    if os.path.basename(parent) == "models":
        forbidden.append(parent)
    for d in forbidden:
        if real_out == d or real_out.startswith(d + os.sep):
            sys.exit(f"[ezkl] --out {out} is inside {d}; pick a directory outside models/")


def main(argv):
    args = parse_args(argv)
    model_dir = args.model_dir.rstrip("/")
    for f in ("model.onnx", "input.json", "calibration.json"):
        if not os.path.isfile(os.path.join(model_dir, f)):
            sys.exit(f"[ezkl] {model_dir}/{f} not found")

    if args.step:  # child mode: --out is always given by the parent
        run_step(args.step, args, Paths(model_dir, args.out, args.srs_dir or args.out))
        return

    temp = args.out is None
    work = tempfile.mkdtemp(prefix="ezkl-bench-") if temp else args.out
    guard_out(work, model_dir)
    os.makedirs(work, exist_ok=True)
    srs_dir = args.srs_dir or work
    guard_out(srs_dir, model_dir)
    os.makedirs(srs_dir, exist_ok=True)
    paths = Paths(model_dir, work, srs_dir)
    argv_common = [model_dir, "--out", work, "--srs-dir", srs_dir,
                   "--input-visibility", args.input_visibility,
                   "--param-visibility", args.param_visibility,
                   "--output-visibility", args.output_visibility,
                   "--target", args.target]

    # The calibration file is several samples concatenated flat; EZKL splits each input's list
    # into chunks of that input's size and fails if the length is not a multiple of it.
    in_lens = input_lengths(paths.input)
    cal_lens = input_lengths(paths.calibration)
    if len(cal_lens) != len(in_lens) or any(c % i for c, i in zip(cal_lens, in_lens)):
        sys.exit(f"[ezkl] calibration.json lengths {cal_lens} are not multiples of the input "
                 f"lengths {in_lens}")
    cal_samples = cal_lens[0] // in_lens[0]

    print(f"[ezkl] model {model_dir}, work dir {work}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}", flush=True)
    load_start = os.getloadavg()
    steps = {}
    for step in STEPS:
        r = run_child(step, args, paths, argv_common)
        steps[step] = r
        extra = ""
        if step == "calibrate" or step == "gen_settings":
            extra = f"  logrows {logrows_of(paths)}"
        elif step == "srs":
            extra = f"  logrows {logrows_of(paths)}" + ("  (reused)" if "reused" in r else "")
        print(f"[ezkl] {step:<13}{r['s']:9.3f} s  (process {r['process_s']:7.2f} s, "
              f"cpu {r['user_s'] + r['sys_s']:7.2f} s)  peak {r['peak_mib']:8.1f} MiB{extra}",
              flush=True)
    load_end = os.getloadavg()

    settings = read_json(paths.settings)
    ra = settings["run_args"]
    proof = read_json(paths.proof)
    raw_proof = proof.get("proof")
    if isinstance(raw_proof, str):
        proof_bytes = len(bytes.fromhex(raw_proof.removeprefix("0x")))
    elif isinstance(raw_proof, list):
        proof_bytes = len(raw_proof)
    else:
        proof_bytes = None

    ezkl_out = steps["witness"].get("rescaled_outputs")
    accuracy = {"ezkl_output": ezkl_out}
    if ezkl_out and ezkl_out[0]:
        accuracy["ezkl_argmax"] = max(range(len(ezkl_out[0])), key=lambda i: ezkl_out[0][i])
    try:
        ref = onnxruntime_reference(paths)
    except Exception as e:  # optional; never fail the benchmark on it
        ref = None
        accuracy["onnxruntime_error"] = repr(e)
    if ref is not None and ezkl_out:
        diffs = [abs(a - b) for o, q in zip(ref, ezkl_out) for a, b in zip(o, q)]
        accuracy["onnxruntime_output"] = ref
        accuracy["onnxruntime_argmax"] = max(range(len(ref[0])), key=lambda i: ref[0][i])
        accuracy["max_abs_error"] = max(diffs)
        accuracy["mean_abs_error"] = sum(diffs) / len(diffs)
        accuracy["argmax_match"] = accuracy["onnxruntime_argmax"] == accuracy.get("ezkl_argmax")
    elif ref is None and "onnxruntime_error" not in accuracy:
        accuracy["onnxruntime"] = "not installed; no float comparison"

    sz = lambda p: os.path.getsize(p)
    base = steps["baseline"]["peak_mib"]
    result = {
        "model": os.path.basename(os.path.realpath(model_dir)),
        "ezkl_version": steps["baseline"]["ezkl_version"],
        "logrows": ra["logrows"],
        "num_rows": settings.get("num_rows"),
        "setup_s": steps["setup"]["s"],
        "prove_s": steps["prove"]["s"],
        "verify_s": steps["verify"]["s"],
        "prove_peak_mib": steps["prove"]["peak_mib"],
        "setup_peak_mib": steps["setup"]["peak_mib"],
        "pk_bytes": sz(paths.pk),
        "vk_bytes": sz(paths.vk),
        "proof_bytes": proof_bytes,
        "proof_json_bytes": sz(paths.proof),
        "witness_s": steps["witness"]["s"],
        "calibrate_s": steps["calibrate"]["s"],
        "compile_s": steps["compile"]["s"],
        "srs_s": steps["srs"]["s"],
        "srs_reused": "reused" in steps["srs"],
        "srs_bytes": sz(paths.srs(ra["logrows"])),
        "baseline_peak_mib": base,
        # settings: what EZKL reports about the circuit
        "total_assignments": settings.get("total_assignments"),
        "total_const_size": settings.get("total_const_size"),
        "total_dynamic_col_size": settings.get("total_dynamic_col_size"),
        "max_dynamic_input_len": settings.get("max_dynamic_input_len"),
        "num_dynamic_lookups": settings.get("num_dynamic_lookups"),
        "num_shuffles": settings.get("num_shuffles"),
        "total_shuffle_col_size": settings.get("total_shuffle_col_size"),
        "total_einsum_col_size": settings.get("einsum_params", {}).get("total_einsum_col_size"),
        "num_einsum_equations": len(settings.get("einsum_params", {}).get("equations", [])),
        "required_lookups": settings.get("required_lookups"),
        "required_range_checks": settings.get("required_range_checks"),
        "lookup_range": ra.get("lookup_range"),
        "input_scale": ra.get("input_scale"),
        "param_scale": ra.get("param_scale"),
        "scale_rebase_multiplier": ra.get("scale_rebase_multiplier"),
        "num_inner_cols": ra.get("num_inner_cols"),
        "decomp_base": ra.get("decomp_base"),
        "decomp_legs": ra.get("decomp_legs"),
        "check_mode": ra.get("check_mode"),
        "input_visibility": ra.get("input_visibility"),
        "param_visibility": ra.get("param_visibility"),
        "output_visibility": ra.get("output_visibility"),
        "model_input_scales": settings.get("model_input_scales"),
        "model_output_scales": settings.get("model_output_scales"),
        "model_instance_shapes": settings.get("model_instance_shapes"),
        "calibration_target": args.target,
        "calibration_samples": cal_samples,
        "calibration_fidelity": parse_fidelity(paths.log("calibrate")),
        "accuracy": accuracy,
        "steps": {k: {kk: (round(vv, 4) if isinstance(vv, float) else vv)
                      for kk, vv in v.items() if kk in
                      ("s", "process_s", "user_s", "sys_s", "peak_mib")}
                  for k, v in steps.items()},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "loadavg_start": load_start, "loadavg_end": load_end},
        "work_dir": None if temp else os.path.abspath(work),
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    if temp:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
