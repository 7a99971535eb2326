# shellcheck shell=bash source-path=SCRIPTDIR
# tests/system/lib.sh: a private Antler cluster for one system test.
#
# A test script does
#     . "$(dirname "$0")/lib.sh"      # $1 of the script is the build directory
#     start_cluster                   # master, $CHUNKSERVERS chunkservers, a mount at $MNT
#     ...checks, with fail / check_eq...
#     pass
#
# Everything lives in a fresh temporary directory $T with its own port range,
# so a test never touches another cluster (`./antler up`, or another test).
# An EXIT trap unmounts, stops every process this test started by its pid
# (never by name) and removes $T, also when the test fails; on failure it
# prints the tail of each daemon log first. ANTLER_KEEP_TMP=1 keeps $T.
#
# Knobs (environment): CHUNKSERVERS (default 3), TEST_TIMEOUT (seconds,
# default 540: below ctest's 600 so that cleanup still runs), MOUNT_OPTS
# (extra -o options for mfsmount), MASTER_EXTRA_CFG (lines added to the
# master's config, e.g. "CHUNKS_SOFT_DEL_LIMIT = 5"; later lines win), ANTLER_BUILD_DIR (if no $1),
# ANTLER_TEST_HOST (default 127.0.0.1).

set -euo pipefail

TEST_NAME=$(basename "$0" .sh)
CHUNKSERVERS=${CHUNKSERVERS:-3}
TEST_TIMEOUT=${TEST_TIMEOUT:-540}
MOUNT_OPTS=${MOUNT_OPTS:-}
MASTER_EXTRA_CFG=${MASTER_EXTRA_CFG:-}
# The address every daemon listens on and connects to. Loopback; a test run
# inside a network namespace may use that namespace's own address instead.
TEST_HOST=${ANTLER_TEST_HOST:-127.0.0.1}
export TEST_HOST

# What ./antler and this harness share: say/die, ports, processes, mounts,
# the daemon configs.
# shellcheck source=../common/cluster.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common/cluster.sh"

# ------------------------------------------------------------------ reporting

# shellcheck disable=SC2034  # read by say and die
SAY_AS=$TEST_NAME SAY_CLOCK=1 DIE_TAG="FAIL: "

log() { say "$@"; }

# fail MSG: one line "FAIL: TEST: MSG", then exit 1 (the EXIT trap cleans up).
fail() { die "$@"; }

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
  [[ "$2" == "$3" ]] || fail "$1: expected '$2', got '$3'"
}

pass() {
  printf 'PASS: %s\n' "$TEST_NAME"
  exit 0
}

# ------------------------------------------------------------------ binaries

BUILD_DIR=${1:-${ANTLER_BUILD_DIR:-}}
[[ -n "$BUILD_DIR" ]] || fail "usage: $0 BUILD_DIR (the cmake build directory, e.g. build/release)"
BUILD_DIR=$(cd "$BUILD_DIR" 2>/dev/null && pwd) || fail "build directory '${1:-$ANTLER_BUILD_DIR}' does not exist"
MFSMASTER=$BUILD_DIR/daemons/master/mfsmaster
MFSCHUNKSERVER=$BUILD_DIR/daemons/chunkserver/mfschunkserver
MFSMOUNT=$BUILD_DIR/client/fuse/mfsmount
TOOLS=$BUILD_DIR/tools  # mfs* tool symlinks: "$TOOLS/mfsgetgoal" ...
for b in "$MFSMASTER" "$MFSCHUNKSERVER" "$MFSMOUNT"; do
  [[ -x "$b" ]] || fail "binary $b is missing (build first: cmake --build $BUILD_DIR)"
done
[[ $EUID -eq 0 ]] || fail "system tests need root (FUSE mounts, drop_caches, other users)"
for tool in ss fusermount3 mountpoint sha256sum; do
  command -v "$tool" >/dev/null || fail "tool '$tool' is missing (./antler test installs it)"
done
PYTHON=$(command -v /usr/bin/python3 || command -v python3 || true)
[[ -n "$PYTHON" ]] || fail "python3 is missing (./antler test installs it)"

# ------------------------------------------------------------------ workspace

T=$(mktemp -d "${TMPDIR:-/tmp}/antler-$TEST_NAME.XXXXXX")
chmod 755 "$T"  # other users (permissions.sh) must reach the mount point
mkdir -p "$T/log" "$T/pids" "$T/src"
MNT=$T/mnt
mkdir -p "$MNT"

declare -A PIDS=()       # role (master, cs1, mount:/path, ...) -> pid
declare -a MOUNTS=()     # mount points this test mounted
WATCHDOG_PID=

# pid_is_ours PID: alive and started by this test (its command line names $T).
pid_is_ours() { cmdline_has "$1" "$T"; }

# record_pid ROLE PID
record_pid() {
  PIDS[$1]=$2
  echo "$2" >"$T/pids/${1//\//_}"
}

forget_pid() {
  unset "PIDS[$1]"
  rm -f "$T/pids/${1//\//_}"
}

# stop_pids TIMEOUT PID...: SIGTERM, then SIGKILL for those still there after TIMEOUT s.
stop_pids() {
  local timeout=$1 pid i
  shift
  local -a live=()
  for pid in "$@"; do
    if pid_is_ours "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      live+=("$pid")
    fi
  done
  for ((i = 0; i < timeout * 10 && ${#live[@]} > 0; i++)); do
    local -a still=()
    for pid in "${live[@]}"; do
      pid_is_ours "$pid" && still+=("$pid")
    done
    live=("${still[@]+"${still[@]}"}")
    ((${#live[@]} > 0)) && sleep 0.1
  done
  for pid in "${live[@]+"${live[@]}"}"; do
    log "pid $pid ($({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | cut -c1-80)) did not stop within ${timeout}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  done
  # reap our own children so that no zombie keeps looking alive
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

dump_logs() {
  local f
  for f in "$T"/log/*.log; do
    [[ -s "$f" ]] || continue
    printf '\n----- last lines of %s -----\n' "$(basename "$f")" >&2
    tail -n 25 "$f" >&2
  done
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT TERM INT HUP ERR
  if [[ -n "$WATCHDOG_PID" ]]; then
    # shellcheck disable=SC2046  # the watchdog and its sleep
    kill $(ps -o pid= --ppid "$WATCHDOG_PID") "$WATCHDOG_PID" 2>/dev/null
    wait "$WATCHDOG_PID" 2>/dev/null
  fi
  [[ -f "$T/timed-out" ]] && rc=1
  ((rc != 0)) && dump_logs
  local m role
  for m in "${MOUNTS[@]+"${MOUNTS[@]}"}"; do
    is_mounted "$m" && unmount_lazy "$m"
  done
  local -a mounts=() others=()
  for role in "${!PIDS[@]}"; do
    if [[ $role == mount:* ]]; then mounts+=("${PIDS[$role]}"); else others+=("${PIDS[$role]}"); fi
  done
  ((${#mounts[@]} > 0)) && stop_pids 10 "${mounts[@]}"
  ((${#others[@]} > 0)) && stop_pids 30 "${others[@]}"
  # anything still mounted below $T (e.g. by a crashed helper) goes lazily
  grep -F " $T/" /proc/mounts | awk '{print $2}' | while read -r m; do umount -l "$m" 2>/dev/null; done
  if [[ "${ANTLER_KEEP_TMP:-0}" == 1 ]]; then
    log "kept $T"
  else
    rm -rf --one-file-system "$T"
  fi
  exit "$rc"
}
trap cleanup EXIT
on_signal() {
  [[ -f "$T/timed-out" ]] && fail "timed out after ${TEST_TIMEOUT}s (TEST_TIMEOUT)"
  fail "terminated by a signal"
}
trap on_signal TERM INT HUP

# A command that fails where nothing checks it ends the test (set -e); say
# which one, so that every failure has its one-line reason. Subshells (such
# as command substitutions) leave that to the command that uses them.
on_err() {
  local rc=$? line=$1 cmd=$2
  [[ $BASHPID == "$$" ]] || return 0
  fail "unexpected failure (status $rc) of '$cmd' at $(basename "${BASH_SOURCE[1]:-$0}"):$line"
}
set -E
trap 'on_err "$LINENO" "$BASH_COMMAND"' ERR

# The watchdog ends a hung test before ctest's TIMEOUT does (which would give
# no chance to clean up): it kills the mounts (so that file operations blocked
# on FUSE return), then the test's other children and the test itself.
(
  set +e
  # A Ctrl-C to the process group must not look like a time-out: only a
  # sleep that ran its course counts.
  trap '' INT
  sleep "$TEST_TIMEOUT" </dev/null >/dev/null 2>&1 || exit 0
  touch "$T/timed-out"
  for f in "$T"/pids/mount:*; do [[ -f "$f" ]] && kill -KILL "$(cat "$f")" 2>/dev/null; done
  daemons=" $(cat "$T"/pids/* 2>/dev/null | tr '\n' ' ') "
  for c in $(ps -o pid= --ppid $$); do
    [[ "$c" == "$BASHPID" || "$daemons" == *" $c "* ]] || kill -TERM "$c" 2>/dev/null
  done
  kill -TERM $$ 2>/dev/null
) &
WATCHDOG_PID=$!

# ------------------------------------------------------------------ ports

# A block of PORT_BLOCK free ports below the ephemeral range, starting from a
# place derived from this test's pid. Layout inside the block:
#   +0 metaloggers (MATOML), +1 chunkservers (MATOCS), +2 clients (MATOCL),
#   +2+i chunkserver i, the rest free for a test's extra daemons.
PORT_BLOCK=$((CHUNKSERVERS + 13))
pick_ports() {
  local start=$((20000 + ($$ * 37) % 10000)) base p try ok
  for ((try = 0; try < 200; try++)); do
    base=$((20000 + (start - 20000 + try * PORT_BLOCK) % 12000))
    ok=1
    for ((p = base; p < base + PORT_BLOCK; p++)); do
      if port_busy "$p"; then ok=0; break; fi
    done
    if ((ok)); then
      BASE_PORT=$base
      return 0
    fi
  done
  fail "no block of $PORT_BLOCK free ports found between 20000 and 32000"
}
pick_ports
ML_PORT=$BASE_PORT
CS_PORT=$((BASE_PORT + 1))
CL_PORT=$((BASE_PORT + 2))
cs_port() { echo $((BASE_PORT + 2 + $1)); }

# ------------------------------------------------------------------ helpers

# wait_until TIMEOUT DESCRIPTION COMMAND...: poll every 0.2 s; fail on timeout.
wait_until() {
  local timeout=$1 what=$2
  shift 2
  poll_until "$timeout" "$@" || fail "timed out after ${timeout}s waiting for $what"
}

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# start_daemon ROLE LOGNAME COMMAND...: runs COMMAND in the foreground mode
# of the daemon, in the background, stderr to $T/log/LOGNAME.log.
start_daemon() {
  local role=$1 logname=$2
  shift 2
  spawn_logged "$T/log/$logname.log" "$@"
  record_pid "$role" "$SPAWNED"
}

# adopt_daemon ROLE LOCKFILE: a daemon that detached on its own (started
# without -f) is recorded by the pid in its lock file, so that the cleanup
# stops it too.
adopt_daemon() {
  local pid
  pid=$(cat "$2" 2>/dev/null || true)
  [[ -n "$pid" ]] && pid_is_ours "$pid" && record_pid "$1" "$pid"
  return 0
}

# daemon_alive ROLE: the process is still there (reaps it if it is gone).
daemon_alive() { pid_alive "${PIDS[$1]:-}"; }

# wait_listening ROLE LOGNAME TIMEOUT PORT...: the daemon listens on all ports.
wait_listening() {
  local role=$1 logname=$2 timeout=$3 r=0
  shift 3
  wait_listening_pid "${PIDS[$role]}" "$timeout" "$@" || r=$?
  if ((r == 1)); then
    local rc=0
    wait "${PIDS[$role]}" 2>/dev/null || rc=$?
    forget_pid "$role"
    fail "$role exited during start-up (status $rc): $(last_log_lines "$T/log/$logname.log" 1)"
  fi
  ((r == 0)) || fail "$role does not listen on port(s) $* after ${timeout}s"
}

# ------------------------------------------------------------------ master

MASTER_DIR=$T/master
MASTER_CFG=$MASTER_DIR/mfsmaster.cfg

# write_master_cfg DIR ML CS CL [EXPORT_LINE...]: config, exports and an
# empty data folder in DIR (a new file system).
write_master_cfg() {
  local dir=$1 ml=$2 cs=$3 cl=$4
  shift 4
  mkdir -p "$dir"
  local -a exports=("$@")
  ((${#exports[@]} > 0)) || exports=("*  /  rw,alldirs,admin,maproot=0" "*  .  rw")
  printf '%s\n' "# Antler system test: $TEST_NAME" "${exports[@]}" >"$dir/mfsexports.cfg"
  local -a extra=("REPLICATIONS_DELAY_INIT = 1" "REPLICATIONS_DELAY_DISCONNECT = 2" "CHUNKS_LOOP_MIN_TIME = 1")
  [[ -z "$MASTER_EXTRA_CFG" ]] || extra+=("$MASTER_EXTRA_CFG")
  write_master_cfg_file "$dir" "$TEST_HOST" "$ml" "$cs" "$cl" "Antler system test: $TEST_NAME" "${extra[@]}"
}

# start_master [-a]: starts (or restarts) this test's master, waits for its ports.
start_master() {
  [[ -f "$MASTER_CFG" ]] || write_master_cfg "$MASTER_DIR" "$ML_PORT" "$CS_PORT" "$CL_PORT"
  daemon_alive master && fail "start_master: the master is already running"
  start_daemon master mfsmaster "$MFSMASTER" -c "$MASTER_CFG" -f "$@" start
  wait_listening master mfsmaster 60 "$ML_PORT" "$CS_PORT" "$CL_PORT"
  log "master pid ${PIDS[master]} on ports $ML_PORT-$CL_PORT"
}

# stop_master: SIGTERM and wait for a clean exit (fails if it needs SIGKILL).
stop_master() {
  stop_role master 60
}

kill9_master() {
  kill9_role master
}

stop_role() {
  local role=$1 timeout=$2 pid=${PIDS[$1]:-} i
  [[ -n "$pid" ]] || fail "stop $role: not started"
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone "$pid" "$timeout" || fail "$role (pid $pid) did not stop within ${timeout}s of SIGTERM"
  local rc=0
  wait "$pid" 2>/dev/null || rc=$?
  forget_pid "$role"
  ((rc == 0)) || fail "$role (pid $pid) exited with status $rc after SIGTERM"
  log "$role stopped"
}

kill9_role() {
  local role=$1 pid=${PIDS[$1]:-}
  [[ -n "$pid" ]] || fail "kill -9 $role: not started"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  forget_pid "$role"
  log "$role (pid $pid) killed with SIGKILL"
}

# ------------------------------------------------------------------ chunkservers

cs_dir() { echo "$T/cs$1"; }
cs_disk() { echo "$T/cs$1/disk"; }

# write_cs_cfg I [MASTER_PORT]
write_cs_cfg() {
  local i=$1 master_port=${2:-$CS_PORT}
  write_cs_cfg_file "$(cs_dir "$i")" "$TEST_HOST" "$master_port" "$(cs_port "$i")" \
    "Antler system test: $TEST_NAME, chunkserver $i"
}

# write_cs_cfgs_own_addresses: chunkserver I (each of CHUNKSERVERS) listens on
# 127.0.0.1I (127.0.0.11, .12, ...), so that mfstopology.cfg can place them.
write_cs_cfgs_own_addresses() {
  local i
  for ((i = 1; i <= CHUNKSERVERS; i++)); do
    write_cs_cfg "$i"
    sed -i "s/^CSSERV_LISTEN_HOST = .*/CSSERV_LISTEN_HOST = 127.0.0.1$i/" "$(cs_dir "$i")/mfschunkserver.cfg"
  done
}

start_chunkserver() {
  local i=$1 dir
  dir=$(cs_dir "$i")
  [[ -f "$dir/mfschunkserver.cfg" ]] || write_cs_cfg "$i"
  daemon_alive "cs$i" && fail "start_chunkserver $i: already running"
  start_daemon "cs$i" "mfschunkserver$i" "$MFSCHUNKSERVER" -c "$dir/mfschunkserver.cfg" -f start
  wait_listening "cs$i" "mfschunkserver$i" 60 "$(cs_port "$i")"
  log "chunkserver $i pid ${PIDS[cs$i]} on port $(cs_port "$i")"
}

stop_chunkserver() { stop_role "cs$1" 60; }
kill9_chunkserver() { kill9_role "cs$1"; }

# registered_chunkservers: how many of this test's running chunkservers hold
# an established connection to the master's chunkserver port. A chunkserver
# registers as the first thing on that connection, and the master drops it if
# the registration is refused.
registered_chunkservers() {
  local role
  local -a pids=()
  for role in "${!PIDS[@]}"; do
    [[ $role == cs* ]] && pids+=("${PIDS[$role]}")
  done
  count_connected "$CS_PORT" "${pids[@]+"${pids[@]}"}"
}

# wait_chunkservers N [TIMEOUT [noprobe]]: until N chunkservers are connected
# to the master and, with a mount (unless noprobe), until a goal-2 write succeeds.
wait_chunkservers() {
  local want=$1 timeout=${2:-60} probe=${3:-probe} i stable=0 n=0
  for ((i = 0; i < timeout * 5; i++)); do
    daemon_alive master || fail "the master died while waiting for chunkservers"
    n=$(registered_chunkservers)
    # connected in 5 polls in a row (1 s): a chunkserver that the master
    # drops right after registering does not count
    if ((n >= want)); then stable=$((stable + 1)); else stable=0; fi
    ((stable >= 5)) && break
    sleep 0.2
  done
  ((stable >= 5)) ||
    fail "$want chunkservers did not stay connected to the master within ${timeout}s (now $n; see the master and chunkserver logs)"
  if [[ $probe != noprobe ]] && ((${#MOUNTS[@]} > 0)); then
    probe_write "${MOUNTS[0]}" "$timeout"
  fi
}

# probe_write DIR [TIMEOUT]: a 1 MiB write with fsync succeeds, reads back
# right, and its chunk has 2 copies (goal 2; 1 with a single chunkserver).
probe_write() {
  local dir=$1 timeout=${2:-60} i j copies=0 want=2 why
  ((CHUNKSERVERS < 2)) && want=1
  head -c 1048576 /dev/urandom >"$T/probe.src"
  for ((i = 0; i < timeout; i++)); do
    chunk_files >"$T/probe.before"
    if timeout 60 dd if="$T/probe.src" of="$dir/.probe" bs=1M conv=fsync status=none 2>"$T/probe.err"; then
      if cmp -s "$T/probe.src" "$dir/.probe"; then
        for ((j = 0; j < 10; j++)); do
          copies=$(chunk_files | comm -13 "$T/probe.before" - | wc -l)
          ((copies >= want)) && break
          sleep 0.5
        done
        rm -f "$dir/.probe"
        ((copies >= want)) && return 0
        why="the probe's chunk has $copies copies, not $want"
      else
        why="the probe read back wrong"
      fi
    else
      why="write failed: $(tail -n 1 "$T/probe.err")"
    fi
    sleep 1
  done
  fail "probe write to $dir not right for ${timeout}s: $why"
}

# ------------------------------------------------------------------ mfs* tools

# run_tool TOOL ARGS...: runs "$TOOLS/TOOL"; stdout in $OUT (and $T/out),
# stderr in $ERR (and $T/err), exit status in $RC.
run_tool() {
  RC=0
  "$TOOLS/$1" "${@:2}" >"$T/out" 2>"$T/err" || RC=$?
  OUT=$(cat "$T/out")
  ERR=$(cat "$T/err")
}
# tool_ok TOOL ARGS...: run_tool, which must succeed.
tool_ok() {
  run_tool "$@"
  ((RC == 0)) || fail "$* failed (status $RC): $ERR"
}
# tool_fails 'TEXT' TOOL ARGS...: run_tool, which must fail with TEXT in stderr.
tool_fails() {
  local want=$1
  shift
  run_tool "$@"
  ((RC != 0)) || fail "$* succeeded; expected failure '$want'"
  [[ "$ERR" == *"$want"* ]] || fail "$*: expected error containing '$want', got '$ERR'"
}

# ------------------------------------------------------------------ mfscli

# What the master itself says, as an operator asks it: tests check state
# here rather than in the daemons' logs.
# cli ARGS...: mfscli against this test's master (as run_tool: $OUT, $ERR, $RC).
cli() { run_tool mfscli -H "$TEST_HOST" -P "$CL_PORT" "$@"; }
cli_ok() {
  cli "$@"
  ((RC == 0)) || fail "mfscli $* failed (status $RC): $ERR"
}
# cli_field PREFIX N: field N (tab-separated, 1 = the title) of the first
# line of $OUT that starts with PREFIX.
cli_field() { printf '%s\n' "$OUT" | awk -F'\t' -v p="$1" -v n="$2" 'index($0, p) == 1 { print $n; exit }'; }
# json_eval EXPR: the Python expression EXPR evaluated with d = the JSON
# document in $OUT (mfscli -j), printed; fails the test when $OUT is not JSON.
json_eval() {
  local v
  v=$("$PYTHON" -c 'import json, sys; d = json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$1" <<<"$OUT") ||
    fail "not a JSON document with $1: '$(head -c 300 <<<"$OUT")'"
  printf '%s\n' "$v"
}
# cs_line I, down_line I: chunkserver I's line in $OUT of -SCS, connected or
# disconnected (nothing if it is not listed so).
cs_line() { printf '%s\n' "$OUT" | grep -P "^chunk servers:\t$TEST_HOST\t$(cs_port "$1")\t" || true; }
down_line() { printf '%s\n' "$OUT" | grep -P "^Disconnected chunk servers:\t$TEST_HOST\t$(cs_port "$1")\t" || true; }
# disk_line I [DISK]: the line in $OUT of -SHD of chunkserver I's DISK
# (default its first, $(cs_disk I)); field 3 chunks, 5 status.
disk_line() { printf '%s\n' "$OUT" | grep -F -- "$TEST_HOST:$(cs_port "$1"):${2:-$(cs_disk "$1")}/	" || true; }
# chunk_classes: "missing endangered undergoal stable overgoal" of mfscli -SIC.
chunk_classes() {
  cli_ok -SIC
  local c
  for c in missing endangered undergoal stable overgoal; do
    printf '%s ' "$(cli_field "all chunks matrix:	chunkclass $c:" 3)"
  done
}
# chunks_at_goal N: the master counts N chunks, each with exactly its goal
# of valid copies (none missing, endangered, under or over goal).
chunks_at_goal() { [[ "$(chunk_classes)" == "0 0 0 $1 0 " ]]; }
# master_at_goal: chunks_at_goal, N being the chunk ids on the disks.
master_at_goal() { chunks_at_goal "$(chunk_files | sed -E 's|.*/chunk_([0-9A-F]{16})_.*|\1|' | sort -u | wc -l)"; }
# chunk_class NAME: chunks in class NAME of mfscli -SIC (missing, endangered,
# undergoal, stable, overgoal, pending deletion).
chunk_class() {
  cli_ok -SIC
  cli_field "all chunks matrix:	chunkclass $1:" 3
}
# cs_away_for I S: mfscli -SCS lists chunkserver I as disconnected for S s
# or more (the master's own clock).
cs_away_for() {
  cli_ok -SCS
  local away
  away=$(down_line "$1" | cut -f6)
  [[ "$away" =~ ^([0-9]+)\ s$ ]] && ((BASH_REMATCH[1] >= $2))
}

# ------------------------------------------------------------------ mounts

# mount_client [MOUNTPOINT] [mfsmount options...]: mounts (default $MNT) and
# waits until the mount answers.
mount_client() {
  local mp=${1:-$MNT}
  (($# > 0)) && shift
  mkdir -p "$mp"
  local -a opts=()
  [[ -n "$MOUNT_OPTS" ]] && opts=(-o "$MOUNT_OPTS")
  local role="mount:$mp"
  start_daemon "$role" mfsmount "$MFSMOUNT" "$mp" -H "$TEST_HOST" -P "$CL_PORT" -f "${opts[@]+"${opts[@]}"}" "$@"
  local i
  for ((i = 0; i < 300; i++)); do
    if ! daemon_alive "$role"; then
      local rc=0
      wait "${PIDS[$role]}" 2>/dev/null || rc=$?
      forget_pid "$role"
      fail "mfsmount on $mp exited (status $rc): $(last_log_lines "$T/log/mfsmount.log" 1)"
    fi
    is_mounted "$mp" && mount_answers "$mp" && break
    sleep 0.2
  done
  is_mounted "$mp" || fail "mfsmount did not mount $mp within 60s"
  MOUNTS+=("$mp")
  log "mounted $mp (mfsmount pid ${PIDS[$role]})"
}

# umount_client [MOUNTPOINT]: unmount and wait for mfsmount to exit.
umount_client() {
  local mp=${1:-$MNT} role="mount:${1:-$MNT}" i
  timeout 30 fusermount3 -u "$mp" 2>"$T/umount.err" || fail "fusermount3 -u $mp failed: $(cat "$T/umount.err")"
  local t0=$SECONDS
  wait_gone "${PIDS[$role]}" 60 || fail "mfsmount (pid ${PIDS[$role]}) still running 60s after unmount of $mp"
  ((SECONDS - t0 > 5)) && log "mfsmount took $((SECONDS - t0))s to exit after the unmount"
  wait "${PIDS[$role]}" 2>/dev/null || true
  forget_pid "$role"
  local -a keep=()
  local m
  for m in "${MOUNTS[@]}"; do [[ "$m" == "$mp" ]] || keep+=("$m"); done
  MOUNTS=("${keep[@]+"${keep[@]}"}")
}

remount_client() {
  umount_client "$@"
  mount_client "$@"
}

# start_cluster: master, $CHUNKSERVERS chunkservers, mount at $MNT, ready to write.
start_cluster() {
  start_master
  local i
  for ((i = 1; i <= CHUNKSERVERS; i++)); do start_chunkserver "$i"; done
  mount_client
  wait_chunkservers "$CHUNKSERVERS"
  log "cluster ready: $CHUNKSERVERS chunkservers, mount $MNT"
}

# chunk_files [I...]: chunk files in the disk folders of the given (default all) chunkservers.
chunk_files() {
  local -a dirs=()
  local i
  if (($# == 0)); then
    for ((i = 1; i <= CHUNKSERVERS; i++)); do dirs+=("$(cs_disk "$i")"); done
  else
    for i in "$@"; do dirs+=("$(cs_disk "$i")"); done
  fi
  find "${dirs[@]}" -name 'chunk_*.mfs' -type f 2>/dev/null | sort
}
