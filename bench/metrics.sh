#!/usr/bin/env bash
# bench/metrics.sh: what a Prometheus scrape costs the master.
#
# First, what scraping costs the file system: create of BENCH_METRICS_N
# empty files (default 5000, bench/io.py meta through the mount, one
# process) in BENCH_ROUNDS rounds (default 5) without scraping and as many
# while /metrics of every daemon is scraped each second, alternately; the
# medians are compared.
# Then a master holding BENCH_METRICS_FILES files (default 1000000, made
# through the client core) with one chunkserver and one metalogger is
# scraped BENCH_SCRAPES times (default 2000) in a row. Reported: the time its loop
# spent gathering the figures per scrape (antler_master_scrape_duration_
# seconds, measured by the master itself), the master process's CPU per
# scrape (the loop's part plus the HTTP thread writing the text, from
# /proc/PID/stat), the wall time of a scrape seen by the scraper (median
# and 99th percentile) and the size of the text. The report goes to stdout
# and replaces the "Metrics" section of bench/RESULTS.md (--no-results:
# stdout only).
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=report_args.sh
. "$BENCH_DIR/report_args.sh"
report_args 19 "$@"
FILES=${BENCH_METRICS_FILES:-1000000}
SCRAPES=${BENCH_SCRAPES:-2000}
N=${BENCH_METRICS_N:-5000}
ROUNDS=${BENCH_ROUNDS:-5}
# shellcheck disable=SC2034  # read by lib.sh
TEST_TIMEOUT=3600
# shellcheck disable=SC2034
CHUNKSERVERS=1
BUILD=${ANTLER_BUILD_DIR:-$ROOT/build/release}
# shellcheck source=../tests/system/lib.sh
. "$ROOT/tests/system/lib.sh" "$BUILD"
# shellcheck disable=SC2034
TEST_NAME=bench-metrics SAY_AS=bench-metrics
MFSMETALOGGER=$BUILD/daemons/metalogger/mfsmetalogger
[[ -x "$BUILD/bench/meta_create" && -x "$MFSMETALOGGER" ]] || fail "meta_create or mfsmetalogger is not built in $BUILD"

P_MASTER=$((BASE_PORT + 10))
P_CS=$((BASE_PORT + 11))
P_ML=$((BASE_PORT + 12))
P_MOUNT=$((BASE_PORT + 9))
MASTER_EXTRA_CFG="METRICS_LISTEN_PORT = $P_MASTER"
start_master
write_cs_cfg 1
sed -i "s/^METRICS_LISTEN_PORT = .*/METRICS_LISTEN_PORT = $P_CS/" "$(cs_dir 1)/mfschunkserver.cfg"
start_chunkserver 1
mkdir -p "$T/ml"
printf '%s\n' "WORKING_USER = root" "DATA_PATH = $T/ml" "MASTER_HOST = $TEST_HOST" "MASTER_PORT = $ML_PORT" \
  "MASTER_RECONNECTION_DELAY = 1" "METRICS_LISTEN_PORT = $P_ML" >"$T/ml/mfsmetalogger.cfg"
start_daemon ml mfsmetalogger "$MFSMETALOGGER" -c "$T/ml/mfsmetalogger.cfg" -f start
MOUNT_OPTS="mfsmetricsport=$P_MOUNT"
mount_client
wait_chunkservers 1

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
create_round() {  # create_round DIR: one round of io.py meta; prints its create rate
  mkdir -p "$1"
  python3 "$BENCH_DIR/io.py" meta "$1" "$N" >"$T/meta.out" || fail "io.py meta failed"
  awk '$1 == "create_ops" { print $2 }' "$T/meta.out"
}
plain=() scraped=()
for ((r = 1; r <= ROUNDS; r++)); do
  plain+=("$(create_round "$MNT/plain$r")")
  python3 - "$TEST_HOST" "$P_MASTER" "$P_CS" "$P_ML" "$P_MOUNT" <<'PY' &
import sys, time, urllib.request
host, ports = sys.argv[1], sys.argv[2:]
while True:  # as Prometheus does: every daemon, each second
    t = time.time()
    for p in ports:
        urllib.request.urlopen("http://%s:%s/metrics" % (host, p), timeout=5).read()
    time.sleep(max(0, 1 - (time.time() - t)))
PY
  scraper=$!
  scraped+=("$(create_round "$MNT/scraped$r")")
  kill "$scraper"
  wait "$scraper" 2>/dev/null || true
done
c_plain=$(echo "${plain[*]}" | median)
c_scraped=$(echo "${scraped[*]}" | median)
log "create without scraping ${plain[*]} (median $c_plain); scraped each second ${scraped[*]} (median $c_scraped)"
umount_client

log "creating $FILES files through the client core"
"$BUILD/bench/meta_create" "$TEST_HOST" "$CL_PORT" "$FILES" 8 >"$T/create.out" || fail "meta_create failed"
sleep 2

pid=${PIDS[master]}
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks)
python3 - "http://$TEST_HOST:$P_MASTER/metrics" "$SCRAPES" >"$T/scrapes.out" <<'PY'
import sys, time, urllib.request
url, n = sys.argv[1], int(sys.argv[2])
times, size = [], 0
for _ in range(n):
    t = time.perf_counter()
    body = urllib.request.urlopen(url, timeout=10).read()
    times.append(time.perf_counter() - t)
    size = len(body)
times.sort()
print("p50_ms %.3f" % (times[len(times) // 2] * 1e3))
print("p99_ms %.3f" % (times[int(len(times) * 0.99)] * 1e3))
print("bytes %d" % size)
PY
after=$(ticks)
http_get() { python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "$1"; }
text=$(http_get "http://$TEST_HOST:$P_MASTER/metrics")
sum=$(awk '$1 == "antler_master_scrape_duration_seconds_sum" { print $2 }' <<<"$text")
count=$(awk '$1 == "antler_master_scrape_duration_seconds_count" { print $2 }' <<<"$text")
objects=$(awk '$1 == "antler_master_fs_objects" { print $2 }' <<<"$text")
loop_us=$(awk -v s="$sum" -v c="$count" 'BEGIN { printf "%.1f", s / c * 1e6 }')
cpu_us=$(awk -v a="$before" -v b="$after" -v hz="$hz" -v n="$SCRAPES" 'BEGIN { printf "%.0f", (b - a) / hz / n * 1e6 }')
field() { awk -v k="$1" '$1 == k { print $2 }' "$T/scrapes.out"; }
log "loop ${loop_us} us per scrape; process CPU ${cpu_us} us per scrape; wall p50 $(field p50_ms) ms, p99 $(field p99_ms) ms; $(field bytes) bytes"

report=$(
  cat <<EOF
## Metrics

$(date +%Y-%m-%d), bench/metrics.sh: $SCRAPES scrapes in a row of the master's /metrics while it holds $objects objects (one chunkserver, one metalogger), one run; then the cost of scraping to an application creating files (rounds alternate, so drift hits both columns alike).

| per scrape | |
|---|--:|
| the master's loop, gathering the figures (antler_master_scrape_duration_seconds, mean) | ${loop_us} µs |
| the master process's CPU, loop and HTTP thread (from /proc, ${hz} Hz ticks) | ${cpu_us} µs |
| wall time seen by the scraper, median / 99th percentile | $(field p50_ms) / $(field p99_ms) ms |
| size of the text | $(field bytes) bytes |

| create through the mount, one process, $N files, median of $ROUNDS rounds | ops/s |
|---|--:|
| nothing scraped | $c_plain |
| every daemon's /metrics scraped each second | $c_scraped ($(awk -v a="$c_scraped" -v b="$c_plain" 'BEGIN { printf "%+.1f %%", (a / b - 1) * 100 }')) |

The figures come from what the master keeps (counters, the chunk loop's last pass): the loop's time does not grow with the number of files. The process CPU includes writing the text on civetweb's thread, off the loop. The team's goal is well under a millisecond of master time per scrape.
EOF
)
echo "$report"
if ((WRITE_RESULTS)); then
  python3 "$BENCH_DIR/replace_section.py" "$BENCH_DIR/RESULTS.md" "$report"
fi
pass
