#!/usr/bin/env bash
# Chunk versions after a master restart. The master logs a version change
# before its chunkservers make it, so a crash in between leaves every copy of
# a chunk one version behind: the chunk loop's first pass raises them (the
# data is the chunk's). A copy one version behind while another copy has the
# current version missed a write: it is stale and is deleted, and the chunk
# is brought back to its goal. Both states are made on the disks while the
# cluster is stopped.
CHUNKSERVERS=3
# the first pass only after every chunkserver has registered
MASTER_EXTRA_CFG="REPLICATIONS_DELAY_INIT = 4"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/chunks_lib.sh"
start_cluster

# new_chunk FILE: writes 1 MB to FILE, then changes it in place (version 2);
# prints the id of its chunk.
new_chunk() {
  local before
  before=$(chunk_summary | awk '{print $1}')
  head -c 1000000 /dev/urandom >"$T/src/$1"
  dd if="$T/src/$1" of="$MNT/$1" bs=1M conv=fsync status=none
  head -c 5000 /dev/urandom >"$T/patch"
  dd if="$T/patch" of="$T/src/$1" conv=notrunc status=none
  dd if="$T/patch" of="$MNT/$1" conv=notrunc,fsync status=none
  comm -13 <(echo "$before") <(chunk_summary | awk '{print $1}')
}
a=$(new_chunk a)
b=$(new_chunk b)
[[ "$a" =~ ^[0-9A-F]{16}$ && "$b" =~ ^[0-9A-F]{16}$ ]] || fail "expected one new chunk per file, got '$a' and '$b'"
at_v2() { [[ "$(chunk_summary | awk -v a="$a" -v b="$b" '($1 == a || $1 == b) && $2 == 2 && $3 == 0' | wc -l)" == 2 ]] &&
  [[ -z "$(chunk_copies | awk -v a="$a" -v b="$b" '($1 == a || $1 == b) && $2 != "00000002"')" ]]; }
wait_until 20 "2 copies at version 2 of both chunks" at_v2

umount_client
stop_master
for i in 1 2 3; do stop_chunkserver "$i"; done
# set_version_1 PATH: the chunk file at PATH becomes version 1 (header and name)
set_version_1() {
  "$PYTHON" -c 'import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(16); f.write(struct.pack("<I", 1))' "$1"
  mv "$1" "${1%_00000002.mfs}_00000001.mfs"
}
for f in $(chunk_files | grep "chunk_${a}_"); do set_version_1 "$f"; done
stale=$(chunk_files | grep "chunk_${b}_" | head -n 1)
set_version_1 "$stale"
stale=${stale%_00000002.mfs}_00000001.mfs
log "chunk $a: every copy at version 1 now; chunk $b: one copy at version 1 ($stale)"

for i in 1 2 3; do start_chunkserver "$i"; done
start_master
mount_client
wait_chunkservers 3 60 noprobe
wait_until 30 "the copies of chunk $a raised to version 2 and the stale copy of $b replaced" at_v2
grep -q "chunk $a: no copy has version 2; raising the copies of version 1" "$T/log/mfsmaster.log" ||
  fail "the master did not log raising chunk $a"
[[ ! -e "$stale" ]] || fail "the stale copy $stale is still there"
drop_caches
check_eq "file a (its copies raised)" "$(sha "$T/src/a")" "$(sha "$MNT/a")"
check_eq "file b (its stale copy replaced)" "$(sha "$T/src/b")" "$(sha "$MNT/b")"
pass
