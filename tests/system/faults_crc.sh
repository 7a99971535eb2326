#!/usr/bin/env bash
# A flipped byte in one copy of a chunk (goal 2) is caught by the block CRC:
# reads return the right data from the good copy. With the good copy gone,
# a read either fails (EIO) or returns the right data, never wrong data.
CHUNKSERVERS=3
. "$(dirname "$0")/lib.sh"
start_cluster

head -c $((3 << 20)) /dev/urandom >"$T/src/f"
want=$(sha "$T/src/f")
chunk_files >"$T/before"
dd if="$T/src/f" of="$MNT/f" bs=1M conv=fsync status=none || fail "write of the test file failed"

# its two copies are the chunk files that appeared with it
new_copies() { chunk_files | comm -13 "$T/before" - >"$T/copies"; (($(wc -l <"$T/copies") >= 2)); }
wait_until 30 "two copies of the test file's chunk (goal 2)" new_copies
check_eq "copies of the test file's chunk" 2 "$(wc -l <"$T/copies")"
copy_a=$(sed -n 1p "$T/copies")
copy_b=$(sed -n 2p "$T/copies")
cs_a=$(sed -E 's|.*/cs([0-9]+)/disk/.*|\1|' <<<"$copy_a")
cs_b=$(sed -E 's|.*/cs([0-9]+)/disk/.*|\1|' <<<"$copy_b")
[[ "$cs_a" != "$cs_b" ]] || fail "both copies are on chunkserver $cs_a"
check_eq "chunk file name on both chunkservers" "$(basename "$copy_a")" "$(basename "$copy_b")"

# Stop the chunkserver of copy A (so that nothing of it is cached in the
# process), flip one byte in the data part, start it again.
size=$(stat -c %s "$copy_a")
((size > 8192 + (3 << 20) - 65536)) || fail "chunk file $copy_a is only $size bytes for 3 MiB of data"
off=$((8192 + (size - 8192) / 2))
kill9_chunkserver "$cs_a"
flip_byte() {
  "$PYTHON" - "$1" "$2" <<'PY'
import os, sys
path, off = sys.argv[1], int(sys.argv[2])
fd = os.open(path, os.O_RDWR)
b = os.pread(fd, 1, off)
os.pwrite(fd, bytes([b[0] ^ 0xFF]), off)
os.fsync(fd)
os.close(fd)
PY
}
flip_byte "$copy_a" "$off"
log "flipped the byte at offset $off of $copy_a (chunkserver $cs_a)"
start_chunkserver "$cs_a"
wait_chunkservers 3

# Reads from fresh mounts with cold caches: always the right content.
for round in 1 2 3; do
  remount_client
  drop_caches
  got=$(sha "$MNT/f") || fail "read $round of the file with one damaged copy failed"
  check_eq "sha256 of the file with one damaged copy, read $round" "$want" "$got"
done

# Now take away the good copy's chunkserver: reading must not return the damaged data.
kill9_chunkserver "$cs_b"
remount_client
drop_caches
rc=0
timeout 180 cat "$MNT/f" >"$T/readback" 2>"$T/read.err" || rc=$?
if ((rc == 0)); then
  check_eq "sha256 of a successful read without the good copy (must never be the damaged data)" "$want" "$(sha "$T/readback")"
  log "read without the good copy returned the right data (a good copy was made elsewhere)"
elif ((rc == 124)); then
  fail "read without the good copy hung for 180s instead of failing or succeeding"
else
  log "read without the good copy failed as it should: $(head -n 1 "$T/read.err")"
fi
pass
