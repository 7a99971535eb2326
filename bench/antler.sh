# shellcheck shell=bash disable=SC2034
# bench/antler.sh: the Antler cluster of bench/run, sourced by it after
# tests/system/lib.sh (the system-test harness), which does the real work:
# a master, CHUNKSERVERS=3 chunkservers and a mount on 127.0.0.1, in the
# private folder $T with a free port block, DEFAULT_GOAL = 2, and a probe
# write that must show 2 copies before we start. Its EXIT trap stops
# whatever is left by pid and removes $T.

# antler_start: sets ANTLER_MNT.
antler_start() {
  start_cluster
  ANTLER_MNT=$MNT
}

# antler_stop: unmount and stop the daemons by pid (tolerant: the figures are
# taken already; a daemon that needs SIGKILL is logged by stop_pids).
antler_stop() {
  local role
  local -a daemons=()
  if is_mounted "$MNT"; then
    timeout 60 fusermount3 -u "$MNT" 2>/dev/null || unmount_lazy "$MNT" || true
  fi
  MOUNTS=()
  [[ -n "${PIDS[mount:$MNT]:-}" ]] && stop_pids 30 "${PIDS[mount:$MNT]}"
  forget_pid "mount:$MNT"
  for role in "${!PIDS[@]}"; do
    [[ $role == cs* || $role == master ]] && daemons+=("$role")
  done
  for role in "${daemons[@]}"; do
    [[ $role == cs* ]] && stop_pids 60 "${PIDS[$role]}" && forget_pid "$role"
  done
  [[ -n "${PIDS[master]:-}" ]] && stop_pids 120 "${PIDS[master]}" && forget_pid master
  return 0
}

antler_version() {
  local v commit
  v=$("$MFSMASTER" -v 2>&1 | head -n 1) || true
  commit=$(git -C "$BENCH_DIR/.." rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$BENCH_DIR/.." diff --quiet HEAD -- common daemons client 2>/dev/null || commit="$commit+local changes"
  echo "$v, commit $commit"
}
