#!/usr/bin/env python3
"""zkinfer against EZKL 23 on the same models, in one run on the same machine.

For each model directory: `zkinfer bench --one DIR --mode auto` (the mode `compile` picks; the
median of --runs proofs, in its own process so its peak memory is its own), then
`scripts/ezkl/bench.py DIR` (EZKL's default settings, each step in its own process). Prints one
row per model with both systems' prove time, peak memory and key sizes and the ratios, and the
whole record as JSON (to --json FILE too).

    cargo build --release -p zkinfer-cli
    python3 -m venv /tmp/ezkl-venv && /tmp/ezkl-venv/bin/pip install -r scripts/ezkl/requirements.txt
    /tmp/ezkl-venv/bin/python scripts/ezkl/compare.py models/vit models/gru [--runs 3]

The two run one after the other, never at once, so neither slows the other. Nothing is
downloaded: EZKL's SRS is generated locally (see bench.py).
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def zkinfer(exe, model, runs):
    out = subprocess.run([exe, "bench", "--runs", str(runs), "--mode", "auto", "--one", model],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def ezkl(model, srs_dir):
    json_path = os.path.join(srs_dir, os.path.basename(model.rstrip("/")) + ".ezkl.json")
    subprocess.run([sys.executable, os.path.join(HERE, "bench.py"), model, "--srs-dir", srs_dir,
                    "--json", json_path], check=True, stdout=subprocess.DEVNULL)
    with open(json_path) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--exe", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "zkinfer"))
    ap.add_argument("--srs-dir", default="/tmp/ezkl-srs")
    ap.add_argument("--json")
    a = ap.parse_args()
    os.makedirs(a.srs_dir, exist_ok=True)
    rows = []
    print(f"{'model':<12} {'zk mode':<12} {'constr':>8} {'zk prove s':>10} {'zk MiB':>7} "
          f"{'ezkl k':>6} {'ezkl rows':>9} {'ezkl prove s':>12} {'ezkl MiB':>8} "
          f"{'faster':>7} {'memory':>7}")
    for model in a.models:
        z = zkinfer(a.exe, model, a.runs)
        e = ezkl(model, a.srs_dir)
        faster = e["prove_s"] / z["prove_s"]
        memory = e["prove_peak_mib"] / z["peak_mib"]
        rows.append({"model": model, "zkinfer": z, "ezkl": e, "prove_speedup": faster,
                     "memory_ratio": memory})
        print(f"{os.path.basename(model.rstrip('/')):<12} {z['mode']:<12} {z['constraints']:>8} "
              f"{z['prove_s']:>10.3f} {z['peak_mib']:>7.0f} {e['logrows']:>6} "
              f"{e['num_rows']:>9} {e['prove_s']:>12.2f} {e['prove_peak_mib']:>8.0f} "
              f"{faster:>6.0f}x {memory:>6.1f}x", flush=True)
    text = json.dumps(rows, indent=1)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
