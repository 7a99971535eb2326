#!/bin/bash
# Builds the decoder fuzz target with clang's libFuzzer and runs it briefly.
# usage: run_fuzz.sh SOURCE_DIR BUILD_DIR [SECONDS]
set -euo pipefail
src=$1 build=$2 secs=${3:-20}
out=$build/fuzz
mkdir -p "$out/corpus"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -I"$src" \
  "$src/tests/fuzz/decode_fuzz.cc" -o "$out/decode_fuzz"
"$out/decode_fuzz" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 "$out/corpus" 2>&1 | tail -n 15
