#!/usr/bin/env bash
# Sparse files and truncation: every operation is done on a file in the mount
# and on a local reference file, and the two must stay identical (cmp), also
# after drop_caches and a remount. Holes read as zeros; data cut off by a
# truncate must not come back when the file grows again.
. "$(dirname "$0")/lib.sh"
start_cluster

L=$T/ref
M=$MNT/sparse
step=0

same() {
  step=$((step + 1))
  local ls ms
  ls=$(stat -c %s "$L")
  ms=$(stat -c %s "$M") || fail "step $step ($1): stat failed"
  check_eq "size after step $step ($1)" "$ls" "$ms"
  cmp "$L" "$M" >"$T/cmp.out" 2>&1 || fail "step $step ($1): content differs: $(head -n 1 "$T/cmp.out")"
}

# write_at OFFSET BYTES_FILE: write the file's bytes at OFFSET, without truncating
write_at() {
  local f
  for f in "$L" "$M"; do
    dd if="$2" of="$f" oflag=seek_bytes seek="$1" bs=64K conv=notrunc status=none ||
      fail "write of $(stat -c %s "$2") bytes at $1 into $f failed"
  done
}
trunc() {
  truncate -s "$1" "$L"
  truncate -s "$1" "$M" || fail "truncate -s $1 on the mount failed"
}

head -c 3 /dev/urandom >"$T/b3"
head -c $((200 * 1024)) /dev/urandom >"$T/b200k"
head -c $((3 << 20)) /dev/urandom >"$T/b3m"

: >"$L"; : >"$M"
same "create empty"
trunc $((10 << 20));                    same "truncate up an empty file to 10 MiB: all zeros"
write_at $((5 << 20)) "$T/b3";          same "3 bytes in the middle of the hole"
write_at $((100 << 20)) "$T/b3";        same "3 bytes at 100 MiB: hole across the first chunk boundary"
trunc $((5 * 1048576 + 1));             same "truncate down into the 3 bytes"
trunc $((70 << 20));                    same "truncate up past the chunk boundary: old bytes stay zero"
write_at $((64 * 1048576 - 1000)) "$T/b3m"; same "3 MiB across the chunk boundary"
trunc $((64 * 1048576 + 17));           same "truncate down to just past the chunk boundary"
trunc 65537;                            same "truncate down to 64 KiB + 1"
write_at 0 "$T/b200k";                  same "200 KiB at 0 (extends)"
trunc 65537;                            same "truncate down inside a block"
trunc 1000000;                          same "truncate up again: the tail of the cut block is zeros"
trunc 0;                                same "truncate to 0"
trunc 1000;                             same "truncate up to 1000"
write_at 4096 "$T/b3";                  same "3 bytes at 4096"

# A fresh sparse file written only far past its end.
L2=$T/ref2; M2=$MNT/sparse2
dd if="$T/b200k" of="$L2" bs=1K seek=$((130 * 1024)) status=none
dd if="$T/b200k" of="$M2" bs=1K seek=$((130 * 1024)) status=none || fail "write at 130 MiB into a new file failed"
check_eq "size of a file written only at 130 MiB" "$(stat -c %s "$L2")" "$(stat -c %s "$M2")"
cmp "$L2" "$M2" >/dev/null || fail "file written at 130 MiB: holes or data differ"
# a hole reads as zeros
got=$(dd if="$M2" bs=1M skip=70 count=1 status=none | tr -d '\0' | wc -c)
check_eq "non-zero bytes in a hole at 70 MiB" 0 "$got"

drop_caches
cmp "$L" "$M" >/dev/null || fail "after drop_caches: the file differs from the reference"
cmp "$L2" "$M2" >/dev/null || fail "after drop_caches: the sparse file differs from the reference"
remount_client
cmp "$L" "$M" >/dev/null || fail "after remount: the file differs from the reference"
cmp "$L2" "$M2" >/dev/null || fail "after remount: the sparse file differs from the reference"
# truncate on an open descriptor (ftruncate) via python
"$PYTHON" - "$L" "$M" <<'PY' || fail "ftruncate through an open descriptor gave different results"
import os, sys
for p in sys.argv[1:]:
    fd = os.open(p, os.O_RDWR)
    os.ftruncate(fd, 12345)
    os.pwrite(fd, b"xyz", 20000)
    os.ftruncate(fd, 20001)
    os.close(fd)
a, b = (open(p, "rb").read() for p in sys.argv[1:])
sys.exit(0 if a == b else 1)
PY
pass
