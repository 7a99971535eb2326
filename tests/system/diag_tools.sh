#!/usr/bin/env bash
# The diagnostic and repair tools on a real cluster: mfsfileinfo,
# mfscheckfile, mfsfilepaths, mfsdirinfo and mfsfilerepair, each checked
# against what is really there (chunk files on each chunkserver's disk,
# known hard links, known lengths). Then every copy of one chunk is lost:
# the tools show it, a read of that part fails with EIO (not a hang),
# mfsfilerepair makes the file readable with zeros there, the rest of the
# file and every other file stay as they were, and the repair survives a
# master restart (changelog replay).
MOUNT_OPTS=mfsioretries=4  # a read of a lost chunk gives up after ~3 s
. "$(dirname "$0")/lib.sh"
start_cluster
cd "$MNT"
MiB=1048576
CHUNK=$((64 * MiB))

# ---- the files
mkdir -p d/sub d2
head -c $MiB /dev/urandom >"$T/src/p0"
head -c $MiB /dev/urandom >"$T/src/p2"
# big: chunk 0 data, chunk 1 a hole, chunk 2 data (length 129 MiB)
dd if="$T/src/p0" of=d/big bs=1M conv=notrunc,fsync status=none
dd if="$T/src/p2" of=d/big bs=1M seek=128 conv=notrunc,fsync status=none
ln d/big d/sub/big2
ln d/big top_link
head -c 100000 /dev/urandom >d2/small
head -c 200000 /dev/urandom >d2/other
: >d2/empty
touch d2/one && tool_ok mfssetgoal 1 d2/one && head -c 70000 /dev/urandom >d2/one
sync
declare -A SHA=()
for f in d2/small d2/other d2/one; do SHA[$f]=$(sha "$f"); done
BIG_INO=$(stat -c %i d/big)

# ---- every tool has --help
for t in mfsfileinfo mfscheckfile mfsfilepaths mfsdirinfo mfsfilerepair; do
  tool_ok "$t" --help
  [[ "$OUT" == *"$t"* ]] || fail "$t --help does not name the command: $OUT"
done

# chunk_holders ID VERSION: the chunkservers (by index) whose disk holds that chunk file
chunk_holders() {
  local name i out=""
  name=$(printf 'chunk_%016X_%08X.mfs' "$1" "$2")
  for ((i = 1; i <= CHUNKSERVERS; i++)); do
    [[ -n "$(find "$(cs_disk "$i")" -name "$name" -type f)" ]] && out+="$i "
  done
  echo "${out% }"
}
# cs_of_port PORT: the chunkserver index listening there
cs_of_port() {
  local i
  for ((i = 1; i <= CHUNKSERVERS; i++)); do [[ "$(cs_port "$i")" == "$1" ]] && { echo "$i"; return; }; done
  echo "?"
}

# check_fileinfo FILE: every chunk mfsfileinfo lists with valid copies is on
# exactly the listed chunkservers' disks, as that id and version. Sets
# CHUNK_ID[i], CHUNK_VER[i], CHUNK_AT[i] ("" for holes and lost chunks).
declare -A CHUNK_ID=() CHUNK_VER=() CHUNK_AT=()
RE_CHUNK=$'^\tchunk ([0-9]+): ([0-9A-F]{16})_([0-9A-F]{8}) / \\(id:([0-9]+) ver:([0-9]+)\\)$'
RE_HOLE=$'^\tchunk ([0-9]+): empty$'
RE_COPY=$'^\t\tcopy [0-9]+: '"${TEST_HOST//./\\.}"':([0-9]+) \(status:VALID\)$'
check_fileinfo() {
  local f=$1 line idx="" id ver at
  tool_ok mfsfileinfo "$f"
  [[ "$(head -n 1 "$T/out")" == "$f:" ]] || fail "mfsfileinfo $f: first line '$(head -n 1 "$T/out")'"
  CHUNK_ID=() CHUNK_VER=() CHUNK_AT=()
  flush() {
    [[ -n "$idx" && -n "${CHUNK_ID[$idx]:-}" ]] || return 0
    at=$(tr ' ' '\n' <<<"${CHUNK_AT[$idx]}" | { grep . || true; } | sort -n | tr '\n' ' ')
    at=${at% }
    CHUNK_AT[$idx]=$at
    check_eq "mfsfileinfo $f chunk $idx: servers holding chunk file $(printf '%016X_%08X' "${CHUNK_ID[$idx]}" "${CHUNK_VER[$idx]}")" \
      "$(chunk_holders "${CHUNK_ID[$idx]}" "${CHUNK_VER[$idx]}")" "$at"
  }
  while IFS= read -r line; do
    if [[ "$line" =~ $RE_CHUNK ]]; then
      flush
      idx=${BASH_REMATCH[1]}
      id=${BASH_REMATCH[4]}
      ver=${BASH_REMATCH[5]}
      check_eq "chunk id hex and decimal agree" "$(printf '%016X_%08X' "$id" "$ver")" "${BASH_REMATCH[2]}_${BASH_REMATCH[3]}"
      CHUNK_ID[$idx]=$id CHUNK_VER[$idx]=$ver CHUNK_AT[$idx]=""
    elif [[ "$line" =~ $RE_HOLE ]]; then
      flush
      idx=${BASH_REMATCH[1]}
    elif [[ "$line" =~ $RE_COPY ]]; then
      CHUNK_AT[$idx]+=" $(cs_of_port "${BASH_REMATCH[1]}")"
    elif [[ "$line" == $'\t\tno valid copies !!!' || "$line" == "$f:" || "$line" == $'\tno chunks - empty file' ]]; then
      :
    else
      fail "mfsfileinfo $f: unexpected line '$line'"
    fi
  done <"$T/out"
  flush
}

# ---- mfsfileinfo against the chunk files on disk
check_fileinfo d/big
grep -qx $'\tchunk 1: empty' "$T/out" || fail "mfsfileinfo: the hole of d/big is not 'chunk 1: empty': $OUT"
[[ -n "${CHUNK_ID[0]:-}" && -n "${CHUNK_ID[2]:-}" && -z "${CHUNK_ID[1]:-}" ]] || fail "mfsfileinfo d/big: chunks 0 and 2, hole 1 expected: $OUT"
check_eq "d/big: copies of chunk 0 (goal 2)" 2 "$(wc -w <<<"${CHUNK_AT[0]}")"
check_eq "d/big: copies of chunk 2 (goal 2)" 2 "$(wc -w <<<"${CHUNK_AT[2]}")"
check_eq "mfsfileinfo d/big: lines" 8 "$(wc -l <"$T/out")"
LOST_ID=${CHUNK_ID[2]} LOST_VER=${CHUNK_VER[2]} LOST_AT=${CHUNK_AT[2]}
KEPT_ID=${CHUNK_ID[0]}
check_fileinfo d2/one
check_eq "d2/one (goal 1): copies" 1 "$(wc -w <<<"${CHUNK_AT[0]}")"
tool_ok mfsfileinfo d2/empty
check_eq "mfsfileinfo of an empty file" $'d2/empty:\n\tno chunks - empty file' "$OUT"
declare -A INFO_BEFORE=()
for f in d2/small d2/other d2/one; do
  check_fileinfo "$f"
  # chunk ids and versions, and how many valid copies (which servers may
  # change: the chunk loop moves copies while chunkservers restart)
  INFO_BEFORE[$f]=$(sed 's/copy [0-9]*: .*(status:/copy (status:/' "$T/out")
done
tool_ok mfsfileinfo d2/small d2/one
[[ "$(sed 's/copy [0-9]*: .*(status:/copy (status:/' "$T/out")" == "${INFO_BEFORE[d2/small]}"$'\n'"${INFO_BEFORE[d2/one]}" ]] ||
  fail "mfsfileinfo with two files: $OUT"

# ---- mfscheckfile
tool_ok mfscheckfile d/big
check_eq "mfscheckfile d/big" "$(printf 'd/big:\n chunks with 2 copies:   %10d' 2)" "$OUT"
run_tool mfscheckfile -h d/big
check_eq "mfscheckfile -h (MooseFS 3.0.117's widths)" "$(printf 'd/big:\n chunks with 2 copies:        2')" "$OUT"
tool_ok mfscheckfile d2/one
check_eq "mfscheckfile d2/one" "$(printf 'd2/one:\n chunks with 1 copy:     %10d' 1)" "$OUT"
tool_ok mfscheckfile d2/empty
check_eq "mfscheckfile of an empty file" "d2/empty:" "$OUT"
truncate -s 200000000 sparse # holes only: MooseFS calls it empty too
tool_ok mfsfileinfo sparse
check_eq "mfsfileinfo of a file of holes" $'sparse:\n\tno chunks - empty file' "$OUT"
rm sparse

# ---- mfsfilepaths: the three names of d/big, by path and by inode number
# as MooseFS prints them: from the mounted folder, no leading '/'
WANT_PATHS=$(printf '%s\n' d/big d/sub/big2 top_link)
for arg in d/big top_link; do
  tool_ok mfsfilepaths "$arg"
  check_eq "mfsfilepaths $arg" "$arg:"$'\n'"$WANT_PATHS" "$OUT"
done
tool_ok mfsfilepaths "$BIG_INO"
check_eq "mfsfilepaths $BIG_INO (inode number)" "$BIG_INO:"$'\n'"$WANT_PATHS" "$OUT"
tool_ok mfsfilepaths d/sub
check_eq "mfsfilepaths of a directory" $'d/sub:\nd/sub' "$OUT"
tool_ok mfsfilepaths .
check_eq "mfsfilepaths of the root" $'.:\n/' "$OUT"
rm top_link
tool_ok mfsfilepaths d/big
check_eq "mfsfilepaths after removing a link" $'d/big:\nd/big\nd/sub/big2' "$OUT"
# a mount of the subfolder d sees the paths from its own root
mount_client "$T/mnt_d" -S /d
tool_ok mfsfilepaths "$T/mnt_d/sub/big2"
check_eq "mfsfilepaths in a subfolder mount" "$T/mnt_d/sub/big2:"$'\nbig\nsub/big2' "$OUT"
umount_client "$T/mnt_d"
# a deleted file (in the trash) by its inode number: its former path
echo gone >d2/gone
GONE_INO=$(stat -c %i d2/gone)
rm d2/gone
tool_ok mfsfilepaths "$GONE_INO"
check_eq "mfsfilepaths of a trash file" "$GONE_INO:"$'\n'"./trash/d2/gone" "$OUT"
# and through the meta mount, where the trash file has a name
META=$T/meta
mount_client "$META" -m
GONE=$META/trash/$(ls "$META/trash" | grep "^$(printf '%08X' "$GONE_INO")|")
tool_ok mfscheckfile "$GONE"
check_eq "mfscheckfile of a trash file" "$(printf '%s:\n chunks with 2 copies:   %10d' "$GONE" 1)" "$OUT"
check_fileinfo "$GONE"
check_eq "mfsfileinfo of a trash file: copies" 2 "$(wc -w <<<"${CHUNK_AT[0]}")"
tool_ok mfsfilepaths "$GONE"
check_eq "mfsfilepaths in the meta mount" "$GONE:"$'\n'"./trash/d2/gone" "$OUT"
# the meta mount's own directories are not inodes of the namespace (the
# test's first inodes, the probe file among them, are in the trash)
tool_fails "$META/trash: request to the master failed: Operation not permitted" mfsdirinfo "$META/trash"
tool_fails "$META: request to the master failed: Operation not permitted" mfsfilepaths "$META"
tool_fails "$META/sustained: not a file" mfsfilerepair "$META/sustained"
# and it passes diagnostics only: no goal changes through it
tool_fails "Operation not permitted" mfssetgoal -r 1 "$META/trash"
umount_client "$META"

# ---- mfsdirinfo
# size of one chunk slot: 8 KiB header + data to the end of its last 64 KiB block
BIG_LEN=$((128 * MiB + MiB))
check_eq "length of d/big" "$BIG_LEN" "$(stat -c %s d/big)"
chunk_size() {  # chunk_size LENGTH INDEX
  local len=$1 idx=$2 last
  last=$(((len - 1) / CHUNK))
  if ((idx < last)); then echo $((CHUNK + 8192)); else echo $(((((len - 1) % CHUNK + 65536) / 65536) * 65536 + 8192)); fi
}
BIG_SIZE=$(($(chunk_size $BIG_LEN 0) + $(chunk_size $BIG_LEN 2)))
# d: d, d/sub (2 dirs), d/big and its link d/sub/big2 (each name counts)
# dirinfo_text HEADER INODES DIRS FILES CHUNKS LENGTH SIZE REALSIZE: the expected output
dirinfo_text() {
  printf '%s\n inodes:       %20d\n  directories: %20d\n  files:       %20d\n chunks:       %20d\n length:       %20d\n size:         %20d\n realsize:     %20d' "$@"
}
tool_ok mfsdirinfo d
check_eq "mfsdirinfo d" "$(dirinfo_text d: 4 2 2 4 $((2 * BIG_LEN)) $((2 * BIG_SIZE)) $((4 * BIG_SIZE)))" "$OUT"
# precise: the linked file and its chunks count once; realsize by real copies (2 each)
tool_ok mfsdirinfo -p d
check_eq "mfsdirinfo -p d" "$(dirinfo_text 'd (precise data):' 3 2 1 2 "$BIG_LEN" "$BIG_SIZE" $((2 * BIG_SIZE)))" "$OUT"
tool_ok mfsdirinfo -l -s d/big
check_eq "mfsdirinfo -l -s of a file" "$BIG_LEN"$'\t'"$BIG_SIZE"$'\t'"d/big" "$OUT"
tool_ok mfsdirinfo -c -h d
check_eq "mfsdirinfo -c -h" $'4\td' "$OUT"
tool_ok mfsdirinfo -r -m d
check_eq "mfsdirinfo -r -m (MiB, rounded up)" "$(((4 * BIG_SIZE + MiB - 1) / MiB))"$'\t'"d" "$OUT"
# d2 holds only files written from the start, below 64 MiB: each chunk file
# on disk is exactly its header and data, so the realsize is the sum over
# every chunkserver's copies of (header + data rounded up to 64 KiB).
DISK_REAL=0
for f in d2/small d2/other d2/one; do
  check_fileinfo "$f"
  name=$(printf 'chunk_%016X_%08X.mfs' "${CHUNK_ID[0]}" "${CHUNK_VER[0]}")
  while read -r sz; do
    DISK_REAL=$((DISK_REAL + 8192 + ((sz - 8192 + 65535) / 65536) * 65536))
  done < <(find "$T"/cs*/disk -name "$name" -type f -printf '%s\n')
done
tool_ok mfsdirinfo -r d2
check_eq "mfsdirinfo -r d2 = the chunk files on disk" "$DISK_REAL"$'\t'"d2" "$OUT"
tool_ok mfsdirinfo -i -d -f -c -l d2
check_eq "mfsdirinfo -idfcl d2" "5"$'\t'"1"$'\t'"4"$'\t'"3"$'\t'"$((100000 + 200000 + 70000))"$'\t'"d2" "$OUT"

# ---- lose every copy of chunk 2 of d/big: its chunk files go while the
# chunkservers holding it are down
log "losing chunk $(printf '%016X' "$LOST_ID") (on chunkservers $LOST_AT)"
for i in $LOST_AT; do
  stop_chunkserver "$i"
  rm -f "$(cs_disk "$i")"/*/"$(printf 'chunk_%016X_%08X.mfs' "$LOST_ID" "$LOST_VER")"
done
for i in $LOST_AT; do start_chunkserver "$i"; done
wait_chunkservers "$CHUNKSERVERS" 60 noprobe
check_eq "chunk files of the lost chunk left" "" "$(chunk_holders "$LOST_ID" "$LOST_VER")"
wait_until 30 "chunk 0 of d/big back at 2 copies" eval \
  '[[ "$("$TOOLS/mfscheckfile" d/big)" == *"chunks with 2 copies:   "*1 ]]'
tool_ok mfscheckfile d/big
check_eq "mfscheckfile with a lost chunk" "$(printf 'd/big:\n chunks with 0 copies:   %10d\n chunks with 2 copies:   %10d' 1 1)" "$OUT"
tool_ok mfscli -H "$TEST_HOST" -P "$CL_PORT" -SMF
check_eq "mfscli -SMF with chunk 2 of d/big lost (and of its hard link)" \
  "$(printf 'missing files:\t%s\t%s\t2\t%016X\tNO COPY\n' /d/big "$(stat -c %i d/big)" "$LOST_ID" \
    /d/sub/big2 "$(stat -c %i d/big)" "$LOST_ID")" "$OUT"
check_fileinfo d/big
grep -A1 -x $'\tchunk 2: .*' "$T/out" | tail -n 1 | grep -qx $'\t\tno valid copies !!!' ||
  fail "mfsfileinfo does not say chunk 2 has no valid copies: $OUT"

# reading the lost part fails with EIO, in bounded time; the rest reads
drop_caches
start=$(date +%s)
if timeout 60 dd if=d/big of="$T/part2" bs=1M skip=128 count=1 status=none 2>"$T/dd.err"; then
  fail "reading the lost chunk succeeded"
fi
took=$(($(date +%s) - start))
grep -q "Input/output error" "$T/dd.err" || fail "reading the lost chunk: expected EIO, got: $(cat "$T/dd.err")"
((took < 50)) || fail "reading the lost chunk took ${took}s (timeout?)"
log "read of the lost chunk failed with EIO after ${took}s"
check_eq "chunk 0 of d/big still reads" "$(sha "$T/src/p0")" "$(dd if=d/big bs=1M count=1 status=none | sha256sum | cut -d' ' -f1)"

# ---- mfsfilerepair: root only
RC=0
setpriv --reuid=65534 --regid=65534 --clear-groups -- "$TOOLS/mfsfilerepair" d/big >"$T/out" 2>"$T/err" || RC=$?
((RC == 1)) || fail "mfsfilerepair as nobody: status $RC"
check_eq "mfsfilerepair as nobody" "d/big: Operation not permitted" "$(cat "$T/err")"

# ---- mfsfilerepair: the lost chunk becomes zeros, the rest stays
tool_ok mfsfilerepair d/big
check_eq "mfsfilerepair d/big" "$(printf 'd/big:\n chunks not changed: %10d\n chunks erased:      %10d\n chunks repaired:    %10d' 1 1 0)" "$OUT"
drop_caches
check_eq "length after repair" "$BIG_LEN" "$(stat -c %s d/big)"
timeout 60 cat d/big >"$T/big.after" || fail "d/big does not read after mfsfilerepair"
check_eq "chunk 0 after repair" "$(sha "$T/src/p0")" "$(head -c $MiB "$T/big.after" | sha256sum | cut -d' ' -f1)"
head -c $MiB /dev/zero >"$T/zeros"
check_eq "the lost part reads as zeros" "$(sha "$T/zeros")" "$(tail -c $MiB "$T/big.after" | sha256sum | cut -d' ' -f1)"
check_eq "the hole and the lost chunk read as zeros" 0 \
  "$(tail -c +$((MiB + 1)) "$T/big.after" | tr -d '\0' | wc -c)"
check_fileinfo d/big
[[ -z "${CHUNK_ID[2]:-}" ]] && grep -qx $'\tchunk 2: empty' "$T/out" || fail "mfsfileinfo after repair: chunk 2 is not empty: $OUT"
check_eq "chunk 0 kept its id" "$KEPT_ID" "${CHUNK_ID[0]}"
tool_ok mfscli -H "$TEST_HOST" -P "$CL_PORT" -SMF
check_eq "mfscli -SMF after mfsfilerepair" "" "$OUT"
tool_ok mfscheckfile d/big
check_eq "mfscheckfile after repair" "$(printf 'd/big:\n chunks with 2 copies:   %10d' 1)" "$OUT"
# the other files: same data, same chunks, same copies
for f in d2/small d2/other d2/one; do
  check_eq "$f untouched (data)" "${SHA[$f]}" "$(sha "$f")"
  check_fileinfo "$f"
  check_eq "$f untouched (chunks and copies)" "${INFO_BEFORE[$f]}" "$(sed 's/copy [0-9]*: .*(status:/copy (status:/' "$T/out")"
done
# a second repair has nothing to do
tool_ok mfsfilerepair -n d/big d2/small
check_eq "mfsfilerepair again" "$(printf 'd/big:\n chunks not changed: %10d\n chunks erased:      %10d\n chunks repaired:    %10d\nd2/small:\n chunks not changed: %10d\n chunks erased:      %10d\n chunks repaired:    %10d' 1 0 0 1 0 0)" "$OUT"
grep -q '|REPAIR('"$BIG_INO"',2,0)$' "$MASTER_DIR"/data/changelog.*.mfs || fail "no REPAIR($BIG_INO,2,0) line in the changelog"

# ---- the repair is metadata: it survives a master restart
stop_master
start_master
wait_chunkservers "$CHUNKSERVERS" 60 noprobe
wait_until 30 "the mount to reach the new master" eval 'timeout 10 stat d/big >/dev/null 2>&1'
tool_ok mfsfileinfo d/big
grep -qx $'\tchunk 2: empty' "$T/out" || fail "mfsfileinfo after a master restart: chunk 2 is not empty: $OUT"
drop_caches
check_eq "d/big after a master restart" "$(sha "$T/big.after")" "$(timeout 60 cat d/big | sha256sum | cut -d' ' -f1)"

# ---- error paths, once per tool
for t in mfsfileinfo mfscheckfile mfsfilepaths mfsdirinfo mfsfilerepair; do
  tool_fails "/tmp: not MFS object" "$t" /tmp
  tool_fails "nothere: No such file or directory" "$t" nothere
  [[ "$(wc -l <<<"$ERR")" == 1 ]] || fail "$t nothere: more than one line on stderr: $ERR"
done
for t in mfsfileinfo mfscheckfile mfsfilerepair; do tool_fails "d: not a file" "$t" d; done
tool_fails "4000000000: No such file or directory" mfsfilepaths 4000000000
(cd /tmp && tool_fails "$BIG_INO: not MFS object" mfsfilepaths "$BIG_INO")
tool_fails "mfsdirinfo" mfsdirinfo -n -h d
tool_fails "mfsfileinfo" mfsfileinfo
# a failing path does not stop the others, and the status says so
run_tool mfscheckfile nothere d2/small
((RC == 1)) && [[ "$OUT" == "d2/small:"* ]] || fail "mfscheckfile nothere d2/small: status $RC, output '$OUT'"

pass
