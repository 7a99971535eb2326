#!/usr/bin/env bash
# A full disk is not a failed disk. Chunkserver 1's only disk is a small
# tmpfs; once a file's chunk is on it, something else fills it up. Writes
# into that chunk then fail with ENOSPC for the application (not EIO), again
# and again, without the disk being marked damaged (it would be after more
# than HDD_ERROR_TOLERANCE_COUNT I/O errors); mfscli -SHD says it is full;
# the file's data still reads back; the master's deletion of a removed file
# still frees its chunk file; and once space is freed the disk takes new
# data again. The tmpfs lives under $T: lib.sh's cleanup unmounts it even
# when the test fails.
CHUNKSERVERS=1
. "$(dirname "$0")/lib.sh"

write_cs_cfg 1
DISK=$(cs_disk 1)
mount -t tmpfs -o size=160m antler-disk-full "$DISK" || fail "cannot mount a tmpfs on $DISK"
echo "HDD_LEAVE_SPACE_DEFAULT = 1MiB" >>"$(cs_dir 1)/mfschunkserver.cfg"
start_cluster
cd "$MNT"
tool_ok mfssetgoal 1 .
tool_ok mfssettrashtime 0 .

head -c 1048576 /dev/urandom >"$T/a"
cp "$T/a" a
sync -f a
[[ -n "$(find "$DISK" -name 'chunk_*.mfs')" ]] || fail "a's chunk is not on the tmpfs disk"

# Something else fills the disk.
dd if=/dev/zero of="$DISK/filler" bs=1M status=none 2>/dev/null || true
log "disk filled: $(df -h --output=avail "$DISK" | tail -n 1 | tr -d ' ') left"

for i in 1 2 3 4; do
  if dd if=/dev/urandom of=a bs=64k count=8 seek=$((16 + 8 * i)) conv=notrunc,fsync status=none 2>"$T/dd.err"; then
    fail "write $i into a chunk on a full disk succeeded"
  fi
  grep -q "No space left on device" "$T/dd.err" || fail "write $i on a full disk: expected ENOSPC, got: $(cat "$T/dd.err")"
done
log "4 writes on the full disk failed with ENOSPC"

disk_status() { cli_ok -SHD; disk_line 1 | cut -f5; }
shows_full() { [[ "$(disk_status)" == "ok (full)" ]]; }
wait_until 10 "mfscli -SHD to show the disk full" shows_full
daemon_alive cs1 || fail "the chunkserver stopped"
drop_caches
check_eq "a read back from the full disk" "$(sha "$T/a")" "$(sha <(head -c 1048576 a))"

# A removed file's chunk goes, full disk or not.
id=$(find "$DISK" -name 'chunk_*.mfs' | head -n 1 | xargs basename | cut -d_ -f2)
rm a
gone() { [[ -z "$(find "$DISK" -name "chunk_${id}_*")" ]]; }
wait_until 60 "the chunk of the removed file to be deleted from the full disk" gone

# Space freed: the disk takes new data again, and was never damaged.
rm -f "$DISK/filler"
has_room() { [[ "$(disk_status)" == ok ]]; }
wait_until 20 "mfscli -SHD to show the disk with room again" has_room
head -c 3000000 /dev/urandom >"$T/b"
cp "$T/b" b
sync -f b
drop_caches
check_eq "a file written after space was freed" "$(sha "$T/b")" "$(sha b)"
pass
