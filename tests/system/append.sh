#!/usr/bin/env bash
# O_APPEND from two mounts at once: shell loops of `echo ... >>` and python
# appenders with records of many sizes. Every record must be in the file
# exactly once, whole (none lost, torn or overwritten), also after a remount.
. "$(dirname "$0")/lib.sh"
start_cluster
M2=$T/mnt2
mount_client "$M2"
N=${APPEND_LINES:-500}

# 1. two shell loops, one per mount, plus one more on mount 1
: >"$MNT/log"
wait_until 10 "log to show on the second mount" test -f "$M2/log"
sh_appender() {
  local mp=$1 tag=$2 i
  for ((i = 0; i < N; i++)); do echo "$tag line $i" >>"$mp/log" || return 1; done
}
sh_appender "$MNT" A & pa=$!
sh_appender "$M2" B & pb=$!
sh_appender "$MNT" C & pc=$!
wait "$pa" || fail "appender A (mount 1) failed"
wait "$pb" || fail "appender B (mount 2) failed"
wait "$pc" || fail "appender C (mount 1) failed"

check_lines() {
  local file=$1 when=$2 tag i
  check_eq "lines in the shell-appended log $when" $((3 * N)) "$(wc -l <"$file")"
  for tag in A B C; do
    grep -c "^$tag line [0-9]*\$" "$file" >"$T/count" || true
    check_eq "whole '$tag' lines $when" "$N" "$(cat "$T/count")"
    # each appender's lines in its own order, every number once
    grep "^$tag line " "$file" | cut -d' ' -f3 >"$T/seq.got"
    seq 0 $((N - 1)) >"$T/seq.want"
    cmp -s "$T/seq.want" "$T/seq.got" || fail "lines of '$tag' $when are missing, repeated or out of order"
  done
  check_eq "size of the shell-appended log $when" "$(stat -c %s "$file")" "$(cat "$file" | wc -c)"
}
check_lines "$MNT/log" "on mount 1"
check_lines "$M2/log" "on mount 2"

# 2. python appenders with records from 1 byte to 200 KiB (some cross 64 KiB
# blocks), one O_APPEND descriptor kept open per writer
cat >"$T/app.py" <<'PY'
import os, random, sys
path, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rnd = random.Random(tag)
fd = os.open(path, os.O_WRONLY | os.O_APPEND)
for i in range(n):
    size = rnd.choice([1, 10, 100, 4000, 70000, 200000])
    body = ("%s%06d" % (tag, i)).encode()
    rec = b"<" + body + b":" + (body[:1] * size) + b">\n"
    if os.write(fd, rec) != len(rec):
        sys.exit("short write")
os.close(fd)
PY
cat >"$T/check.py" <<'PY'
import random, sys
path, n, tags = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
want = {}
for tag in tags:
    rnd = random.Random(tag)
    for i in range(n):
        size = rnd.choice([1, 10, 100, 4000, 70000, 200000])
        body = ("%s%06d" % (tag, i)).encode()
        want[body] = b"<" + body + b":" + (body[:1] * size) + b">\n"
data = open(path, "rb").read()
total = sum(len(r) for r in want.values())
if len(data) != total:
    sys.exit("file has %d bytes, the records %d" % (len(data), total))
pos, seen = 0, set()
while pos < len(data):
    end = data.index(b":", pos)
    body = data[pos + 1:end]
    rec = want.get(body)
    if rec is None or data[pos:pos + len(rec)] != rec:
        sys.exit("torn or unknown record at offset %d" % pos)
    if body in seen:
        sys.exit("record %s twice" % body.decode())
    seen.add(body)
    pos += len(rec)
if len(seen) != len(want):
    sys.exit("%d records missing" % (len(want) - len(seen)))
PY
: >"$MNT/records"
wait_until 10 "records to show on the second mount" test -f "$M2/records"
R=$((N / 2))
"$PYTHON" "$T/app.py" "$MNT/records" P "$R" & pa=$!
"$PYTHON" "$T/app.py" "$M2/records" Q "$R" & pb=$!
wait "$pa" || fail "python appender P (mount 1) failed"
wait "$pb" || fail "python appender Q (mount 2) failed"
out=$("$PYTHON" "$T/check.py" "$MNT/records" "$R" P Q 2>&1) || fail "records read on mount 1: $out"
out=$("$PYTHON" "$T/check.py" "$M2/records" "$R" P Q 2>&1) || fail "records read on mount 2: $out"
log "$((3 * N)) shell lines and $((2 * R)) records appended from two mounts, all whole"

drop_caches
remount_client
check_lines "$MNT/log" "after a remount"
out=$("$PYTHON" "$T/check.py" "$MNT/records" "$R" P Q 2>&1) || fail "records after a remount: $out"
pass
