#!/usr/bin/env bash
# /metrics and /health of every daemon and the mount (docs/metrics.md), on a
# real cluster with a metalogger (SYNC_METALOGGERS = 1):
# - each /metrics passes `promtool check metrics` (Debian's Prometheus);
# - the figures agree with what mfscli -j and the disks say;
# - a real Prometheus scrapes all five and answers queries with them, and
#   every expression of every Grafana dashboard returns series;
# - /health is 200 with what the daemon does, and 503 with why not when the
#   master is gone (chunkserver: not registered; metalogger, mount: not
#   connected), and 200 again when it is back; other paths are 404, other
#   methods 405;
# - a mount asking for a metrics port that is taken is refused.
CHUNKSERVERS=2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../common/prometheus.sh"
MFSMETALOGGER=$BUILD_DIR/daemons/metalogger/mfsmetalogger
[[ -x "$MFSMETALOGGER" ]] || fail "mfsmetalogger is not built"
prometheus_tools

P_MOUNT=$((BASE_PORT + 9))
P_MASTER=$((BASE_PORT + 10))
P_ML=$((BASE_PORT + 13))
P_PROM=$((BASE_PORT + 14))
p_cs() { echo $((BASE_PORT + 10 + $1)); }
MASTER_EXTRA_CFG="METRICS_LISTEN_PORT = $P_MASTER
SYNC_METALOGGERS = 1"
for i in 1 2; do
  write_cs_cfg "$i"
  sed -i "s/^METRICS_LISTEN_PORT = .*/METRICS_LISTEN_PORT = $(p_cs "$i")/" "$(cs_dir "$i")/mfschunkserver.cfg"
done
# the metalogger before the rest: with SYNC_METALOGGERS = 1 the first change
# waits for it
start_master
ML=$T/ml
mkdir -p "$ML"
printf '%s\n' "WORKING_USER = root" "DATA_PATH = $ML" "MASTER_HOST = $TEST_HOST" "MASTER_PORT = $ML_PORT" \
  "MASTER_RECONNECTION_DELAY = 1" "METRICS_LISTEN_PORT = $P_ML" >"$ML/mfsmetalogger.cfg"
start_daemon ml mfsmetalogger "$MFSMETALOGGER" -c "$ML/mfsmetalogger.cfg" -f start
for i in 1 2; do start_chunkserver "$i"; done
MOUNT_OPTS="mfsmetricsport=$P_MOUNT"
mount_client
wait_chunkservers 2

url() { echo "http://$TEST_HOST:$1$2"; }
# value PORT SERIES: the value of SERIES (name and labels, exactly as
# exposed) in PORT's /metrics, or nothing.
value() {
  http_get "$(url "$1" /metrics)"
  [[ $HTTP_STATUS == 200 ]] || fail "GET /metrics on port $1: $HTTP_STATUS $HTTP_BODY"
  printf '%s\n' "$HTTP_BODY" | awk -v s="$2" 'index($0, s " ") == 1 { print $2; exit }'
}
healthy() {  # healthy PORT WORDS: /health is 200 and its line starts with WORDS
  http_get "$(url "$1" /health)"
  [[ $HTTP_STATUS == 200 && $HTTP_BODY == "$2"* ]]
}
unhealthy() {  # unhealthy PORT WORDS: /health is 503 and its line starts with WORDS
  http_get "$(url "$1" /health)"
  [[ $HTTP_STATUS == 503 && $HTTP_BODY == "$2"* ]]
}

wait_until 30 "the metalogger's /health to say it follows" healthy "$P_ML" "following master"
wait_until 10 "the master's /health" healthy "$P_MASTER" "serving: metadata version"
for i in 1 2; do wait_until 10 "chunkserver $i's /health" healthy "$(p_cs "$i")" "registered with master"; done
wait_until 10 "the mount's /health" healthy "$P_MOUNT" "session with master"
log "health: $HTTP_BODY"

# some work: files, data, renames
mkdir -p "$MNT/w"
for i in $(seq 1 30); do head -c $((i * 30000)) /dev/urandom >"$MNT/w/f$i"; done
for i in $(seq 1 10); do mv "$MNT/w/f$i" "$MNT/w/g$i"; done
sync

# ---- every exposition is valid
for p in "$P_MASTER" "$(p_cs 1)" "$(p_cs 2)" "$P_ML" "$P_MOUNT"; do
  http_get "$(url "$p" /metrics)"
  check_eq "GET /metrics on port $p" 200 "$HTTP_STATUS"
  out=$(printf '%s\n' "$HTTP_BODY" | "$PROMTOOL" check metrics 2>&1) || fail "promtool check metrics, port $p: $out"
  [[ -z "$out" ]] || fail "promtool check metrics, port $p: $out"
  for want in process_resident_memory_bytes process_cpu_seconds_total 'antler_build_info{'; do
    grep -q "^$want" <<<"$HTTP_BODY" || fail "port $p: no $want in /metrics"
  done
done
log "promtool check metrics: clean on all five daemons"

# ---- the figures agree with mfscli -j and the disks
cli_ok -j -SIG -SMB
version=$(json_eval 'd["dataset"]["info"]["metadata_version"]')
check_eq "antler_master_metadata_version" "$version" "$(value "$P_MASTER" antler_master_metadata_version)"
check_eq "connected chunkservers" 2 "$(value "$P_MASTER" 'antler_master_chunkservers{state="connected"}')"
check_eq "metaloggers" 1 "$(value "$P_MASTER" antler_master_metaloggers)"
check_eq "sync state" 1 "$(value "$P_MASTER" 'antler_master_sync_state{state="sync"}')"
answers=$(value "$P_MASTER" antler_master_sync_answers_total)
((answers > 30)) || fail "antler_master_sync_answers_total is $answers after 30 creates"
check_eq "answers that waited (mfscli -j)" "$answers" "$(json_eval 'd["dataset"]["sync_metaloggers"]["released_answers"]')"
lookups=$(value "$P_MASTER" 'antler_master_request_duration_seconds_count{request="lookup"}')
((lookups > 0)) || fail "no lookup counted in antler_master_request_duration_seconds"
renames=$(value "$P_MASTER" 'antler_master_request_duration_seconds_count{request="rename"}')
((renames >= 10)) || fail "antler_master_request_duration_seconds_count{request=\"rename\"} is $renames after 10 renames"
ml_has() { (($(value "$P_ML" antler_metalogger_metadata_version) >= $1)); }
wait_until 10 "the metalogger to have version $version" ml_has "$version"
check_eq "metalogger lag" 0 "$(value "$P_ML" antler_metalogger_lag_versions)"
for i in 1 2; do
  disk=$(cs_disk "$i")
  files=$(find "$disk" -name 'chunk_*' -type f | wc -l)
  check_eq "chunkserver $i disk chunks" "$files" "$(value "$(p_cs "$i")" "antler_chunkserver_disk_chunks{disk=\"$disk\"}")"
  written=$(value "$(p_cs "$i")" "antler_chunkserver_disk_written_bytes_total{disk=\"$disk\"}")
  awk -v w="$written" 'BEGIN { exit !(w > 0) }' || fail "chunkserver $i wrote $written bytes to its disk"
done

written=$(value "$P_MOUNT" antler_mount_written_bytes_total)
((written >= 30 * 31 / 2 * 30000)) || fail "antler_mount_written_bytes_total is $written after writing $((30 * 31 / 2 * 30000)) bytes"
creates=$(value "$P_MOUNT" 'antler_mount_operation_duration_seconds_count{op="create"}')
((creates >= 30)) || fail "the mount counted $creates creates after 30"
renames=$(value "$P_MOUNT" 'antler_mount_operation_duration_seconds_count{op="rename"}')
((renames >= 10)) || fail "the mount counted $renames renames after 10"
check_eq "the mount's registrations" 1 "$(value "$P_MOUNT" antler_mount_registrations_total)"

# ---- a real Prometheus scrapes them
PROM=$T/prometheus
mkdir -p "$PROM/data"
cat >"$PROM/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: mfsmaster
    static_configs: [{targets: ["$TEST_HOST:$P_MASTER"]}]
  - job_name: mfschunkserver
    static_configs: [{targets: ["$TEST_HOST:$(p_cs 1)", "$TEST_HOST:$(p_cs 2)"]}]
  - job_name: mfsmetalogger
    static_configs: [{targets: ["$TEST_HOST:$P_ML"]}]
  - job_name: mfsmount
    static_configs: [{targets: ["$TEST_HOST:$P_MOUNT"]}]
YML
"$PROMTOOL" check config "$PROM/prometheus.yml" >"$T/promtool.out" 2>&1 || fail "promtool check config: $(cat "$T/promtool.out")"
start_daemon prometheus prometheus "$PROMETHEUS" --config.file="$PROM/prometheus.yml" --storage.tsdb.path="$PROM/data" \
  --web.listen-address="$TEST_HOST:$P_PROM" --web.enable-lifecycle
query() {  # query EXPR: the first value of an instant query, or nothing
  http_get "http://$TEST_HOST:$P_PROM/api/v1/query?query=$("$PYTHON" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1")"
  [[ $HTTP_STATUS == 200 ]] || return 0
  "$PYTHON" -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' <<<"$HTTP_BODY"
}
scraped() { [[ "$(query 'sum(up)')" == 5 ]]; }
if ! poll_until 60 scraped; then
  http_get "http://$TEST_HOST:$P_PROM/api/v1/targets"
  fail "Prometheus did not scrape all five daemons within 60 s: $HTTP_BODY"
fi
check_eq "Prometheus: antler_master_metadata_version" "$(value "$P_MASTER" antler_master_metadata_version)" \
  "$(query 'antler_master_metadata_version')"
check_eq "Prometheus: chunks on the disks" "$(chunk_files | wc -l)" "$(query 'sum(antler_chunkserver_disk_chunks)')"
check_eq "Prometheus: build info of the five" 5 "$(query 'count(antler_build_info)')"
# every expression of every Grafana dashboard parses and returns series
# (rates need two scrapes inside their 30 s window)
sleep 3
"$PYTHON" "$(dirname "$0")/../monitoring/dashboards.py" query "http://$TEST_HOST:$P_PROM" >"$T/dashboards.out" 2>&1 ||
  fail "$(cat "$T/dashboards.out")"
log "$(cat "$T/dashboards.out")"
stop_role prometheus 30

# ---- bad input on the metrics port: garbage, clients that never finish
# their request or never read, a thousand scrapes at once. The file system's
# own clients never notice, and the port serves again afterwards.
"$PYTHON" - "$TEST_HOST" "$P_MASTER" "$MNT" >"$T/hostile-http.out" 2>&1 <<'PY' || fail "bad input on the metrics port: $(tail -n 3 "$T/hostile-http.out")"
import concurrent.futures, os, socket, sys, time, urllib.request
host, port, mnt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def fs_op(i):  # what a real client does, timed
    t = time.time()
    p = os.path.join(mnt, "w", "probe%d" % i)
    with open(p, "w") as f:
        f.write("x")
    os.stat(p)
    return time.time() - t
# garbage, and requests cut short or never read, holding connections open
held = []
for kind in range(12):
    s = socket.create_connection((host, port), timeout=5)
    if kind % 3 == 0:
        s.sendall(os.urandom(4096))
    elif kind % 3 == 1:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # never finished
    else:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")  # never read
    held.append(s)
worst = max(fs_op(i) for i in range(20))
print("file operations while 12 bad connections are open: worst %.3f s" % worst)
assert worst < 2, "a file operation took %.3f s while the metrics port was busy" % worst
for s in held:
    s.close()
# a thousand scrapes at once (100 at a time), file operations meanwhile
def scrape(_):
    try:
        return urllib.request.urlopen("http://%s:%d/metrics" % (host, port), timeout=30).status
    except Exception as e:
        return str(e)
with concurrent.futures.ThreadPoolExecutor(100) as pool:
    futures = [pool.submit(scrape, i) for i in range(1000)]
    worst = max(fs_op(100 + i) for i in range(20))
    results = [f.result() for f in futures]
ok = sum(1 for r in results if r == 200)
print("1000 concurrent scrapes: %d answered 200; file operations meanwhile: worst %.3f s" % (ok, worst))
assert worst < 2, "a file operation took %.3f s during 1000 scrapes" % worst
assert ok >= 900, "only %d of 1000 scrapes answered: %s" % (ok, [r for r in results if r != 200][:3])
PY
log "$(tr '\n' ';' <"$T/hostile-http.out")"
wait_until 20 "the master's /health after the bad input" healthy "$P_MASTER" "serving: metadata version"
daemon_alive master || fail "the master died after bad input on its metrics port"

# ---- other paths and methods
http_get "$(url "$P_MASTER" /nothing)"
check_eq "GET /nothing" 404 "$HTTP_STATUS"
code=$("$PYTHON" -c 'import sys, urllib.request, urllib.error
try: urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b"x", method="POST"), timeout=5); print(200)
except urllib.error.HTTPError as e: print(e.code)' "$(url "$P_MASTER" /metrics)")
check_eq "POST /metrics" 405 "$code"

# ---- a second mount asking for a port already taken is refused
mkdir -p "$T/mnt2"
rc=0
timeout 60 "$MFSMOUNT" "$T/mnt2" -H "$TEST_HOST" -P "$CL_PORT" -o "mfsmetricsport=$P_MOUNT" >"$T/mnt2.out" 2>&1 || rc=$?
if grep -qF " $T/mnt2 fuse" /proc/mounts; then
  MOUNTS+=("$T/mnt2")
  fail "a mount asking for the taken metrics port $P_MOUNT was made"
fi
((rc != 0 && rc != 124)) || fail "mfsmount -o mfsmetricsport=$P_MOUNT (taken): exit status $rc"
grep -q "cannot listen on .*$P_MOUNT for metrics.*(mfsmetricsport)" "$T/mnt2.out" ||
  fail "mfsmount with a taken metrics port did not say so: $(cat "$T/mnt2.out")"
log "a taken mfsmetricsport: $(head -n 1 "$T/mnt2.out")"

# ---- the master goes: the others say why they are unhealthy
stop_master
wait_until 20 "chunkserver 1's /health to fail" unhealthy "$(p_cs 1)" "not registered with master"
log "chunkserver without master: $HTTP_BODY"
wait_until 30 "the metalogger's /health to fail" unhealthy "$P_ML" "not connected to master"
log "metalogger without master: $HTTP_BODY"
wait_until 30 "the mount's /health to fail" unhealthy "$P_MOUNT" "not connected to master"
log "mount without master: $HTTP_BODY"
http_get "$(url "$P_MASTER" /health)" 2
check_eq "the stopped master's /health" 000 "$HTTP_STATUS"
start_master
wait_until 30 "the metalogger to follow again" healthy "$P_ML" "following master"
wait_until 30 "chunkserver 2 to register again" healthy "$(p_cs 2)" "registered with master"
wait_until 30 "the mount to resume its session" healthy "$P_MOUNT" "session with master"
check_eq "the mount's registrations after the master's restart" 2 "$(value "$P_MOUNT" antler_mount_registrations_total)"
pass
