# shellcheck shell=bash
# tests/common/cluster.sh: what ./antler (the local cluster) and
# tests/system/lib.sh (a private cluster per system test, also used by the
# benchmarks in bench/) both need to run Antler daemons from a shell: one
# implementation of each. Sourcing it only defines functions; it starts
# nothing and sets no shell options.
#
# Messages: say and die print "WHO: text" on stderr, WHO being $SAY_AS (the
# script's name if unset); SAY_CLOCK=1 puts the time of day first, and
# DIE_TAG goes before a fatal line (the tests set "FAIL: ").

# ------------------------------------------------------------------ messages

say() {
  if [[ ${SAY_CLOCK:-0} == 1 ]]; then
    printf '%s %s: %s\n' "$(date +%H:%M:%S)" "${SAY_AS:-${0##*/}}" "$*" >&2
  else
    printf '%s: %s\n' "${SAY_AS:-${0##*/}}" "$*" >&2
  fi
}

# die MSG: one line saying why, then exit 1 (the caller's EXIT trap cleans up).
die() {
  printf '%s%s: %s\n' "${DIE_TAG:-}" "${SAY_AS:-${0##*/}}" "$*" >&2
  exit 1
}

# poll_until TIMEOUT COMMAND...: run COMMAND every 0.2 s until it succeeds
# (0) or TIMEOUT seconds have passed (1).
poll_until() {
  local timeout=$1 i
  shift
  for ((i = 0; i < timeout * 5; i++)); do
    "$@" && return 0
    sleep 0.2
  done
  return 1
}

# ------------------------------------------------------------------ ports

# port_busy PORT: something listens on PORT (any address).
port_busy() { [[ -n "$(ss -Hltn "( sport = :$1 )" 2>/dev/null)" ]]; }

# listening_by PORT PID: PID listens on PORT (any address).
listening_by() { ss -Hltnp "( sport = :$1 )" 2>/dev/null | grep -q "pid=$2,"; }

# count_connected PORT PID...: how many of the PIDs hold an established
# connection to PORT (a chunkserver's link to its master: it registers as the
# first thing on it, and the master drops it if the registration is refused).
count_connected() {
  local port=$1 conns pid n=0
  shift
  conns=$(ss -Htnp state established "( dport = :$port )" 2>/dev/null)
  for pid in "$@"; do
    grep -q "pid=$pid," <<<"$conns" && n=$((n + 1))
  done
  echo "$n"
}

# ------------------------------------------------------------------ processes

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
  [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null && [[ "$(ps -o stat= -p "$1" 2>/dev/null)" != Z* ]]
}

# cmdline_has PID TEXT: PID runs and its command line contains TEXT (how a
# script tells its own daemons from others: by their config or folder).
cmdline_has() {
  [[ -n "$1" ]] || return 1
  { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | grep -qF -- "$2"
}

# wait_gone PID TIMEOUT: until PID has exited (0), or TIMEOUT s (1).
wait_gone() {
  local pid=$1 timeout=$2 i
  for ((i = 0; i < timeout * 10; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  ! pid_alive "$pid"
}

# spawn_logged LOG COMMAND...: runs COMMAND in the background, stdin from
# /dev/null, stdout and stderr appended to LOG after a "=== date COMMAND"
# line; its pid goes to SPAWNED. With SPAWN_SETSID=1 it runs in a session
# of its own (a daemon that outlives the script, as ./antler's do).
# shellcheck disable=SC2034  # read by the callers
SPAWNED=
spawn_logged() {
  local logfile=$1
  shift
  mkdir -p "$(dirname "$logfile")"
  echo "=== $(date '+%F %T') $*" >>"$logfile"
  if [[ ${SPAWN_SETSID:-0} == 1 ]]; then
    setsid "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  else
    "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  fi
  # shellcheck disable=SC2034
  SPAWNED=$!
}

# wait_listening_pid PID TIMEOUT PORT...: until PID listens on every PORT (0);
# 1 if PID exits first (its log says why), 2 after TIMEOUT s.
wait_listening_pid() {
  local pid=$1 timeout=$2 i p ok
  shift 2
  for ((i = 0; i < timeout * 5; i++)); do
    pid_alive "$pid" || return 1
    ok=1
    for p in "$@"; do listening_by "$p" "$pid" || { ok=0; break; }; done
    ((ok)) && return 0
    sleep 0.2
  done
  return 2
}

# last_log_lines LOG N: the last N lines of a daemon log, without the "==="
# lines of spawn_logged.
last_log_lines() { grep -v '^===' "$1" 2>/dev/null | tail -n "$2"; }

# ------------------------------------------------------------------ mounts

# is_mounted DIR: a FUSE file system is mounted on DIR.
is_mounted() { grep -qF " $1 fuse" /proc/mounts; }

# mount_answers DIR [TIMEOUT]: statfs on DIR returns within TIMEOUT s (default 10).
mount_answers() { timeout "${2:-10}" stat -f "$1" >/dev/null 2>&1; }

# unmount_lazy DIR: detach DIR now; it goes once no program uses it.
unmount_lazy() { fusermount3 -uz "$1" 2>/dev/null || umount -l "$1" 2>/dev/null; }

drop_caches() {
  sync
  echo 3 >/proc/sys/vm/drop_caches
}

# ------------------------------------------------------------------ configuration

# write_master_cfg_file DIR HOST ML CS CL HEADER [LINE...]: DIR/mfsmaster.cfg
# for a master whose data is DIR/data and exports DIR/mfsexports.cfg, on
# HOST with the metalogger, chunkserver and client ports ML, CS, CL, goal 2
# and an image save every hour, /metrics off (METRICS_LISTEN_PORT = 0: a
# test turns it on with a LINE where it uses it); then the LINEs (later
# lines win).
write_master_cfg_file() {
  local dir=$1 host=$2 ml=$3 cs=$4 cl=$5 header=$6
  shift 6
  mkdir -p "$dir/data"
  {
    cat <<EOF
# $header
DATA_PATH = $dir/data
WORKING_USER = root
EXPORTS_FILENAME = $dir/mfsexports.cfg
MATOML_LISTEN_HOST = $host
MATOML_LISTEN_PORT = $ml
MATOCS_LISTEN_HOST = $host
MATOCS_LISTEN_PORT = $cs
MATOCL_LISTEN_HOST = $host
MATOCL_LISTEN_PORT = $cl
DEFAULT_GOAL = 2
METADATA_SAVE_FREQ = 1
METRICS_LISTEN_PORT = 0
EOF
    (($# == 0)) || printf '%s\n' "$@"
  } >"$dir/mfsmaster.cfg"
}

# write_cs_cfg_file DIR HOST MASTER_PORT PORT HEADER [METRICS_PORT]:
# DIR/mfschunkserver.cfg and DIR/mfshdd.cfg for a chunkserver with one disk,
# DIR/disk, listening on HOST:PORT, whose master is HOST:MASTER_PORT, with
# /metrics on METRICS_PORT (default 0: off).
write_cs_cfg_file() {
  local dir=$1 host=$2 master_port=$3 port=$4 header=$5 metrics_port=${6:-0}
  mkdir -p "$dir/data" "$dir/disk"
  echo "$dir/disk" >"$dir/mfshdd.cfg"
  cat >"$dir/mfschunkserver.cfg" <<EOF
# $header
DATA_PATH = $dir/data
WORKING_USER = root
HDD_CONF_FILENAME = $dir/mfshdd.cfg
MASTER_HOST = $host
MASTER_PORT = $master_port
CSSERV_LISTEN_HOST = $host
CSSERV_LISTEN_PORT = $port
MASTER_RECONNECTION_DELAY = 1
METRICS_LISTEN_PORT = $metrics_port
EOF
}
