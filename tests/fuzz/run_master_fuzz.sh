#!/bin/bash
# Builds master_fuzz (master_fuzz.cc) in a clang build directory of its own,
# with the master libraries instrumented for libFuzzer, ASan and UBSan, and
# runs it. Exits non-zero if the build fails or the fuzzer finds anything
# (crash, sanitizer report, broken invariant, hang); the input is then in
# BUILD_DIR/run/crashes/.
# usage: run_master_fuzz.sh SOURCE_DIR BUILD_DIR [SECONDS [LIBFUZZER_FLAG...]]
#   e.g. run_master_fuzz.sh . build/fuzz-master 300
#   Reproduce: BUILD_DIR/tests/fuzz/master_fuzz CRASH_FILE
# Environment: FUZZ_JOBS (ninja -j, default 2).
set -euo pipefail
src=$(cd "$1" && pwd) build=$2 secs=${3:-60}
shift $(($# < 3 ? $# : 3))
mkdir -p "$build"
build=$(cd "$build" && pwd)

# Every library of this build directory gets the coverage instrumentation;
# UBSan findings stop the run (-fno-sanitize-recover) as ASan's do.
flags="-O1 -gline-tables-only -fno-omit-frame-pointer -D_GLIBCXX_ASSERTIONS"
flags+=" -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
nice cmake -G Ninja -S "$src" -B "$build" -Wno-dev \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG= -DCMAKE_C_FLAGS_DEBUG= \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
  -DANTLER_FUZZ=ON >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
nice ninja -C "$build" -j"${FUZZ_JOBS:-2}" master_fuzz

out=$build/run
mkdir -p "$out/corpus" "$out/seeds" "$out/crashes"
log=$out/master_fuzz.log
status=0
# Findings that were fixed stay fixed: their inputs pass with no allowance,
# and within a memory limit far below what the length-proportional ones took
# (a 512 MiB chunk table, 2^26 file info entries).
fixed="unlogged-chunk-id open-dir-dotdot open-dir-create fileinfo-of-4pib-file chunk-at-last-slot"
mkdir -p "$out/findings"
for f in $fixed; do
  rm -f "$out/findings/$f"
done
ANTLER_MASTER_FUZZ_FINDINGS=$out/findings "$build/tests/fuzz/master_fuzz" -runs=0 >/dev/null 2>&1 || true
for f in $fixed; do
  [ -s "$out/findings/$f" ] || { echo "master_fuzz: finding $f was not written"; exit 1; }
  ANTLER_MASTER_FUZZ_STRICT=1 "$build/tests/fuzz/master_fuzz" -rss_limit_mb=1024 -malloc_limit_mb=64 -timeout=60 \
    "$out/findings/$f" >"$out/finding-$f.log" 2>&1 ||
    { tail -n 30 "$out/finding-$f.log"; echo "master_fuzz: fixed finding $f is back"; exit 1; }
done
# ANTLER_MASTER_FUZZ_SEEDS: the target writes its seed inputs there first.
ANTLER_MASTER_FUZZ_SEEDS=$out/seeds "$build/tests/fuzz/master_fuzz" \
  -max_total_time="$secs" -max_len=4096 -len_control=0 -timeout=25 -rss_limit_mb=4096 -print_final_stats=1 \
  -artifact_prefix="$out/crashes/" "$@" "$out/corpus" "$out/seeds" >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  # The report (stack, sanitizer summary, the input's file) is what matters.
  sed -n '/^==[0-9]*==\|runtime error\|master_fuzz: /,$p' "$log" | head -n 150
  echo "master_fuzz failed (exit $status); full log: $log; inputs: $out/crashes/"
  exit "$status"
fi
tail -n 15 "$log"
