#!/usr/bin/env bash
# The master dies (SIGKILL) after files were written with fsync and the
# namespace was changed; `mfsmaster -a` recovers it from its changelog. Every
# fsync'd file and every metadata change is there afterwards, the mount
# carries on by itself, and a clean stop and start
# keeps it all again.
. "$(dirname "$0")/lib.sh"
start_cluster

declare -A want=()
sizes=(0 1000 1048576 $((70 << 20)))
mkdir -p "$MNT/data"
for s in "${sizes[@]}"; do
  head -c "$s" /dev/urandom >"$T/src/f$s"
  want[$s]=$(sha "$T/src/f$s")
  dd if="$T/src/f$s" of="$MNT/data/f$s" bs=1M conv=fsync status=none || fail "fsync'd write of $s bytes failed"
done
mkdir -p "$MNT/a/b/c" "$MNT/gone" "$MNT/olddir"
echo moved >"$MNT/data/tomove"
mv "$MNT/data/tomove" "$MNT/a/b/c/moved"
mv "$MNT/olddir" "$MNT/a/newdir"
rmdir "$MNT/gone"
echo del >"$MNT/data/deleted" && rm "$MNT/data/deleted"
chmod 0750 "$MNT/a/b"
ln -s ../data/f1000 "$MNT/a/sym"
ln "$MNT/data/f1000" "$MNT/a/hard"
truncate -s 123456 "$MNT/data/trunc"
sync -f "$MNT"

verify() {
  local when=$1 s
  for s in "${sizes[@]}"; do
    [[ -f "$MNT/data/f$s" ]] || fail "data/f$s missing $when"
    check_eq "sha256 of data/f$s $when" "${want[$s]}" "$(sha "$MNT/data/f$s")"
  done
  check_eq "renamed file $when" moved "$(cat "$MNT/a/b/c/moved" 2>/dev/null)"
  [[ -e "$MNT/data/tomove" ]] && fail "old name of a renamed file exists $when"
  [[ -d "$MNT/a/newdir" && ! -e "$MNT/olddir" ]] || fail "directory rename lost $when"
  [[ -e "$MNT/gone" ]] && fail "removed directory is back $when"
  [[ -e "$MNT/data/deleted" ]] && fail "deleted file is back $when"
  check_eq "mode of a/b $when" 750 "$(stat -c %a "$MNT/a/b")"
  check_eq "symlink target $when" ../data/f1000 "$(readlink "$MNT/a/sym")"
  check_eq "link count of a hard-linked file $when" 2 "$(stat -c %h "$MNT/data/f1000")"
  check_eq "size of a truncated file $when" 123456 "$(stat -c %s "$MNT/data/trunc")"
  log "all files and changes present $when"
}
verify "before the crash"

# the master dies without warning
kill9_master
sleep 1
start_master -a
wait_chunkservers 3 60 noprobe

# the mount must resume its session by itself: applications see a pause,
# not an error
recovered=0
for ((i = 0; i < 60; i++)); do
  if timeout 10 stat "$MNT/a/b/c/moved" >/dev/null 2>&1; then recovered=1; break; fi
  sleep 1
done
((recovered)) || fail "the mount did not reconnect to the restarted master within 60s"
log "the mount reconnected to the restarted master"
verify "after kill -9 and mfsmaster -a"
probe_write "$MNT"

# new work after the recovery is kept too
head -c $((3 << 20)) /dev/urandom >"$T/src/after"
dd if="$T/src/after" of="$MNT/data/after" bs=1M conv=fsync status=none || fail "write after recovery failed"
mkdir "$MNT/after-dir"

# a clean stop and start (no -a) keeps everything
umount_client
stop_master
start_master
wait_chunkservers 3 60
mount_client
verify "after a clean master stop and start"
check_eq "sha256 of the file written after recovery" "$(sha "$T/src/after")" "$(sha "$MNT/data/after")"
[[ -d "$MNT/after-dir" ]] || fail "directory made after recovery lost over a clean restart"
pass
