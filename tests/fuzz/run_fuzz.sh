#!/bin/bash
# Builds the decoder fuzz target with clang's libFuzzer and runs it briefly.
# Exits non-zero if the build fails or the fuzzer finds anything; the input
# is then in BUILD_DIR/fuzz/crashes/.
# usage: run_fuzz.sh SOURCE_DIR BUILD_DIR [SECONDS]
set -euo pipefail
src=$1 build=$2 secs=${3:-20}
out=$build/fuzz
mkdir -p "$out/corpus" "$out/crashes"
# -fno-sanitize-recover: a UBSan finding stops the run as ASan's do (by
# default UBSan prints and goes on, and the run would pass).
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$src" \
  "$src/tests/fuzz/decode_fuzz.cc" -o "$out/decode_fuzz"
log=$out/decode_fuzz.log
status=0
"$out/decode_fuzz" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 -artifact_prefix="$out/crashes/" \
  "$out/corpus" >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  # The whole report: the stack and the input's file come before the last lines.
  sed -n '/^==[0-9]*==\|runtime error/,$p' "$log" | head -n 150
  echo "decode_fuzz failed (exit $status); full log: $log; inputs: $out/crashes/"
  exit "$status"
fi
tail -n 15 "$log"
