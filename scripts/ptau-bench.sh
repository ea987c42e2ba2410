#!/usr/bin/env bash
# Times a phase-1 ceremony at power $P (default 18; BENCHMARKS.md, "Trusted setup"): the empty
# accumulator, two contributions and a beacon with zkinfer, one contribution with snarkjs between
# them, our verification and snarkjs's of the same transcript, then prepare. Needs the release
# binary and `npm ci --prefix contracts`. Writes into $1 (default: a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
Z="${Z:-${CARGO_TARGET_DIR:-$root/target}/release/zkinfer}"
S="$root/contracts/node_modules/.bin/snarkjs"
P="${P:-18}"
work="${1:-$(mktemp -d)}"
mkdir -p "$work" && cd "$work"
t() { local s; s=$(date +%s.%N); "$@" > last.out 2>&1; echo "$(echo "$(date +%s.%N) - $s" | bc) s :: $*"; }
t "$Z" ptau new "$P" 0.ptau --empty
t "$Z" ptau contribute 0.ptau 1.ptau --name a --entropy x
t "$S" powersoftau contribute 1.ptau 2.ptau --name=snarkjs -e=y
t "$Z" ptau contribute 2.ptau 3.ptau --name b --entropy z
t "$Z" ptau beacon 3.ptau 4.ptau 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 10
t "$Z" ptau verify 4.ptau
grep -q "the transcript (4 contributions)" last.out && echo "zkinfer: transcript verified"
t "$S" powersoftau verify 4.ptau
grep -q "Powers of Tau Ok!" last.out && echo "snarkjs: Powers of Tau Ok!"
t "$Z" ptau new "$P" quick.ptau
