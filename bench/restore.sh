#!/usr/bin/env bash
# bench/restore.sh: how fast a cluster restores goal 2 after losing one of
# its 3 chunkservers, and what a client gets meanwhile; Antler next to
# Debian's MooseFS 3.0 (each with its default settings).
#
# Each system: 3 chunkservers, goal 2, BENCH_RESTORE_MIB (default 2048) MiB
# in 64 MiB files. A client writes 256 MiB files with fsync in a loop: its
# throughput is measured before the loss (baseline) and during the restore.
# Then chunkserver 3 is killed (SIGKILL); the restore is over when every
# chunk has a copy on both survivors (their chunk files are counted on
# disk). The report goes to stdout and replaces the "Restoring goal"
# section of bench/RESULTS.md (--no-results: stdout only).
#
# environment: BENCH_RESTORE_MIB, BENCH_RESTORE_TIMEOUT (seconds to wait for
# each restore, default 1800), ANTLER_BUILD_DIR.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=report_args.sh
. "$BENCH_DIR/report_args.sh"
report_args 15 "$@"
DATA_MIB=${BENCH_RESTORE_MIB:-2048}
RESTORE_TIMEOUT=${BENCH_RESTORE_TIMEOUT:-1800}

# shellcheck disable=SC2034  # read by lib.sh
TEST_TIMEOUT=$((RESTORE_TIMEOUT * 2 + 1800))
# shellcheck disable=SC2034
CHUNKSERVERS=3
BUILD=${ANTLER_BUILD_DIR:-$ROOT/build/release}
# shellcheck source=../tests/system/lib.sh
. "$ROOT/tests/system/lib.sh" "$BUILD"
# shellcheck disable=SC2034
TEST_NAME=bench-restore SAY_AS=bench-restore
# shellcheck source=moosefs.sh
. "$BENCH_DIR/moosefs.sh"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }

# fill DIR: DATA_MIB MiB in 64 MiB files (the last may be smaller).
fill() {
  local dir=$1 left=$DATA_MIB i=0 n
  mkdir -p "$dir/data"
  while ((left > 0)); do
    n=$((left < 64 ? left : 64))
    head -c $((n << 20)) /dev/urandom >"$dir/data/f$i"
    left=$((left - n))
    i=$((i + 1))
  done
  sync -f "$dir/data"
}

# write_one DIR OUT: one more 256 MiB file with fsync in DIR (new files only:
# nothing is truncated or deleted while chunk files are counted); its
# seconds appended to OUT.
write_one() {
  local t n
  n=$(find "$1" -maxdepth 1 -name 'load*' | wc -l)
  t=$(now)
  dd if="$T/load.src" of="$1/load$n" bs=1M conv=fsync status=none || return 1
  echo "$(since "$t")" >>"$2"
}
# write_loop DIR OUT: write_one until DIR/stop exists.
write_loop() {
  : >"$2"
  while [[ ! -e "$1/stop" ]]; do write_one "$1" "$2" || break; done
}
mibps() { awk '{s += $1; n++} END {if (n) printf "%.0f", n * 256 / s; else print "-"}' "$1"; }

# restored DISK1 DISK2: every chunk id on either disk has a copy on both
# (as nothing is deleted meanwhile, these are all the chunks there are).
restored() {
  local a b
  a=$(find "$1" -name 'chunk_*.mfs' | sed -E 's|.*/chunk_([0-9A-F]{16})_.*|\1|' | sort -u)
  b=$(find "$2" -name 'chunk_*.mfs' | sed -E 's|.*/chunk_([0-9A-F]{16})_.*|\1|' | sort -u)
  [[ -n "$a" && "$a" == "$b" ]]
}

# measure NAME MNT DISK1 DISK2 KILL_CMD...: sets NAME_base, NAME_during, NAME_restore, NAME_chunks
measure() {
  local name=$1 mnt=$2 d1=$3 d2=$4 t writer
  shift 4
  fill "$mnt"
  # both masters hold replication for REPLICATIONS_DELAY_INIT (MooseFS: 60 s)
  # after their start: the loss comes later than that
  while (($(date +%s) - MASTER_STARTED < 65)); do sleep 1; done
  log "$name: $DATA_MIB MiB written; baseline client throughput"
  : >"$T/$name.base"
  write_one "$mnt" "$T/$name.base"
  write_one "$mnt" "$T/$name.base"
  printf -v "${name}_base" '%s' "$(mibps "$T/$name.base")"
  printf -v "${name}_chunks" '%s' "$(find "$d1" "$d2" -name 'chunk_*.mfs' | sed -E 's|.*/chunk_([0-9A-F]{16})_.*|\1|' | sort -u | wc -l)"
  rm -f "$mnt/stop"
  write_loop "$mnt" "$T/$name.during" &
  writer=$!
  sleep 2
  "$@"
  t=$(now)
  local waited=0
  until restored "$d1" "$d2"; do
    sleep 0.5
    waited=$((waited + 1))
    ((waited < RESTORE_TIMEOUT * 2)) || fail "$name: goal not restored within ${RESTORE_TIMEOUT}s"
  done
  printf -v "${name}_restore" '%s' "$(since "$t")"
  touch "$mnt/stop"
  wait "$writer" || true
  printf -v "${name}_during" '%s' "$(mibps "$T/$name.during")"
  rm -f "$mnt"/load* "$mnt/stop"
}

head -c $((256 << 20)) /dev/urandom >"$T/load.src"  # what the client writes

# ---------------------------------------------------------------- Antler
# The master as shipped, not as lib.sh sets it up for quick tests.
# shellcheck disable=SC2034  # read by lib.sh
MASTER_EXTRA_CFG=$'REPLICATIONS_DELAY_INIT = 60\nREPLICATIONS_DELAY_DISCONNECT = 0\nCHUNKS_LOOP_MIN_TIME = 300'
MASTER_STARTED=$(date +%s)
start_cluster
measure antler "$MNT" "$(cs_disk 1)" "$(cs_disk 2)" kill9_chunkserver 3
log "Antler: restored in $antler_restore s; client $antler_base MiB/s before, $antler_during MiB/s during"
umount_client
stop_chunkserver 1
stop_chunkserver 2
stop_master

# ---------------------------------------------------------------- MooseFS
mfs_kill_cs3() {
  kill -9 "${PIDS[mfs-cs3]}"
  wait "${PIDS[mfs-cs3]}" 2>/dev/null || true
  forget_pid mfs-cs3
}
MASTER_STARTED=$(date +%s)
mfs_start
measure moosefs "$MFS_MNT" "$MFS_DIR/cs1/disk" "$MFS_DIR/cs2/disk" mfs_kill_cs3
log "MooseFS: restored in $moosefs_restore s; client $moosefs_base MiB/s before, $moosefs_during MiB/s during"
mfs_stop

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }
report_text() {
  cat <<EOF
## Restoring goal

$(date -u +%Y-%m-%d), bench/restore.sh: 3 chunkservers, goal 2, $DATA_MIB MiB in 64 MiB files ($antler_chunks chunks for Antler, $moosefs_chunks for $(mfs_version)); one chunkserver killed with SIGKILL while a client writes 256 MiB files with fsync in a loop. Restore time: from the kill until both survivors hold a copy of every chunk (counted on disk). Each system with its default settings (Antler's master as shipped: REPLICATIONS_DELAY_INIT 60, REPLICATIONS_DELAY_DISCONNECT 0, CHUNKS_LOOP_MIN_TIME 300, the replication limits 2,1,1,4 and 10,5,2,5; the loss comes more than 65 s after each master's start).

| figure | Antler | MooseFS | ratio |
|---|--:|--:|--:|
| time to restore goal 2 (lower is better) | $antler_restore s | $moosefs_restore s | $(ratio "$antler_restore" "$moosefs_restore") |
| client writes before the loss | $antler_base MiB/s | $moosefs_base MiB/s | $(ratio "$antler_base" "$moosefs_base") |
| client writes during the restore | $antler_during MiB/s | $moosefs_during MiB/s | $(ratio "$antler_during" "$moosefs_during") |

One run of each on this shared 2-core machine with one disk: the replication traffic and the client's writes compete for the same disk and CPUs.
EOF
}
report=$(report_text)
echo "$report"
if ((WRITE_RESULTS)); then
  python3 "$BENCH_DIR/replace_section.py" "$BENCH_DIR/RESULTS.md" "$report"
fi
pass
