#!/usr/bin/env bash
# Times a LeNet-5 ceremony (BENCHMARKS.md, "Trusted setup"): a power-18 .ptau of our own, init,
# two contributions, a step and a full verification, snarkjs's contribution and verification of
# the same transcript, then proving with the ceremony key (power-of-two domain) against a
# development key (mixed-radix domain), alternately. Needs the release binary and
# `npm ci --prefix contracts`. Writes into $1 (default: a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
Z="${CARGO_TARGET_DIR:-$root/target}/release/zkinfer"
S="$root/contracts/node_modules/.bin/snarkjs"
M="$root/models/lenet5"
work="${1:-$(mktemp -d)}"
mkdir -p "$work" && cd "$work"
t() { local s; s=$(date +%s.%N); "$@" > last.out 2>&1; echo "$(echo "$(date +%s.%N) - $s" | bc) s :: $*"; }
"$Z" compile "$M/model.onnx" --calibration "$M/calibration.json" --out lenet --proof-mode plain > /dev/null
t "$Z" ptau new 18 p18.ptau
t "$Z" ceremony init lenet --ptau p18.ptau -o 0.zkey
t "$Z" ceremony contribute 0.zkey 1.zkey --entropy x
t "$Z" ceremony contribute 1.zkey 2.zkey --entropy y
t "$Z" ceremony verify-step 1.zkey 2.zkey
t "$Z" ceremony verify lenet --ptau p18.ptau 2.zkey
t "$S" zkey contribute 2.zkey 3.zkey --name=snarkjs -e=z
t "$Z" ceremony beacon 3.zkey final.zkey 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 10
t "$Z" ceremony finalize final.zkey lenet --ptau p18.ptau
"$Z" ceremony r1cs lenet -o lenet.r1cs > /dev/null
t "$S" zkey verify lenet.r1cs p18.ptau final.zkey
grep -q "ZKey Ok!" last.out && echo "snarkjs: ZKey Ok!"
rm -rf dev && mkdir dev && cp lenet/model.json dev/ && "$Z" setup dev > /dev/null
for _ in 1 2 3 4 5; do
  for d in lenet dev; do
    "$Z" prove "$d" --input "$M/input.json" --out proof.json 2>&1 | grep -o "Groth16 [0-9.]* s" | sed "s|^|$d |"
  done
done
