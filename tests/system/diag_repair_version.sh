#!/usr/bin/env bash
# mfsfilerepair with only old copies left: every copy of a chunk is two
# versions behind the master (made on the disks while the cluster is
# stopped), so the chunk has no valid copy; mfsfileinfo shows the copies as
# WRONG VERSION, a read fails with EIO, and mfsfilerepair takes the highest
# surviving version: the file reads again (here with the data those copies
# hold) and the copies count as valid.
CHUNKSERVERS=2
MASTER_EXTRA_CFG="REPLICATIONS_DELAY_INIT = 4"
MOUNT_OPTS=mfsioretries=3
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/chunks_lib.sh"
start_cluster

head -c 1000000 /dev/urandom >"$T/f"
cp "$T/f" "$MNT/f"
sync -f "$MNT"
for v in 1 2; do  # two more versions, same data
  dd if="$T/f" of="$MNT/f" bs=1000 count=1 conv=notrunc,fsync status=none
done
id=$(chunk_copies | awk '{print $1}' | sort | uniq -c | awk '$1 == 2 {print $2}' | tail -n 1)
ver=$(chunk_copies | awk -v id="$id" '$1 == id {print $2}' | sort -u)
[[ "$id" =~ ^[0-9A-F]{16}$ && "$ver" == 00000003 ]] || fail "expected one chunk at version 3 on both servers, got '$id' '$ver'"

umount_client
stop_master
for i in 1 2; do stop_chunkserver "$i"; done
for f in $(chunk_files | grep "chunk_${id}_"); do
  "$PYTHON" -c 'import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(16); f.write(struct.pack("<I", 1))' "$f"
  mv "$f" "${f%_00000003.mfs}_00000001.mfs"
done
for i in 1 2; do start_chunkserver "$i"; done
start_master
mount_client
wait_chunkservers 2 60 noprobe
cd "$MNT"

tool_ok mfsfileinfo f
[[ "$OUT" == *"no valid copies !!!"* && $(grep -c "status:WRONG VERSION" "$T/out") == 2 ]] ||
  fail "mfsfileinfo should show no valid copy and two of the wrong version: $OUT"
# -c: each server holds the chunk at another version than the master's
tool_ok mfsfileinfo -c f
check_eq "mfsfileinfo -c: 'wrong chunk version' answers" 2 "$(grep -c "^${TEST_HOST//./\\.}:[0-9]* cs query error: wrong chunk version$" "$T/out")"
check_eq "mfsfileinfo -c: copies without a checksum" 2 "$(grep -c "(status:WRONG VERSION) - can't get checksum$" "$T/out")"
grep -qx $'\t\tno valid copies !!!' "$T/out" || fail "mfsfileinfo -c f: no 'no valid copies' line: $OUT"
if timeout 60 cat f >/dev/null 2>"$T/read.err"; then fail "reading a chunk with no valid copy succeeded"; fi
grep -q "Input/output error" "$T/read.err" || fail "the read should fail with EIO: $(cat "$T/read.err")"
tool_ok mfsfilerepair f
check_eq "mfsfilerepair output" "$(printf 'f:\n chunks not changed: %10d\n chunks erased:      %10d\n chunks repaired:    %10d' 0 0 1)" "$OUT"
tool_ok mfsfileinfo f
check_eq "valid copies after the repair" 2 "$(grep -c "status:VALID" "$T/out")"
tool_ok mfsfileinfo -c f
check_eq "mfsfileinfo -c after the repair: both copies agree" 1 \
  "$(grep -o 'status:VALID ; blocks: 16 ; checksum digest: [0-9A-F]*)$' "$T/out" | sort -u | wc -l)"
check_eq "mfsfileinfo -c after the repair: copies with a checksum" 2 "$(grep -c 'checksum digest' "$T/out")"
drop_caches
check_eq "the file after the repair" "$(sha "$T/f")" "$(sha f)"
cd /
pass
