#!/usr/bin/env bash
# Snapshots: instant lazy copies that share chunks. Writes after the snapshot,
# to either side, in several chunks, are seen only by that side (copy on
# write on the chunkservers); truncation of a shared chunk; deleting either
# side frees only unshared chunks; tree snapshots with -o, -c, -p;
# mfsrmsnapshot and mfsappendchunks; the error paths.
. "$(dirname "$0")/lib.sh"
start_cluster
cd "$MNT"
"$TOOLS/mfssettrashtime" 0 . >/dev/null  # deleted files go at once: chunk counts below are exact

run() {
  RC=0
  "$TOOLS/$1" "${@:2}" >"$T/out" 2>"$T/err" || RC=$?
  OUT=$(cat "$T/out")
  ERR=$(cat "$T/err")
}
expect_ok() {
  run "$@"
  ((RC == 0)) || fail "$* failed (status $RC): $ERR"
}
# chunks other than those present at the start (lib.sh's probe file may sit in the trash)
base=$(chunk_files | xargs -r -n1 basename | cut -d_ -f2 | sort -u | wc -l)
distinct_chunks() { echo $(($(chunk_files | xargs -r -n1 basename | cut -d_ -f2 | sort -u | wc -l) - base)); }
chunks_are() { [[ $(distinct_chunks) == "$1" ]]; }
# patch FILE OFFSET_MIB TEXT: writes TEXT at OFFSET_MIB MiB into FILE, in place.
patch() { printf '%s' "$3" | dd of="$1" bs=1M seek="$2" conv=notrunc status=none; }
at() { dd if="$1" bs=1M skip="$2" count=1 status=none | head -c "$3"; }

# ---- a file of three chunks (64 + 64 + 2 MiB)
dd if=/dev/urandom of=src bs=1M count=130 status=none
sha_src=$(sha src)
before=$(distinct_chunks)
check_eq "chunks of src" 3 "$before"
expect_ok mfsmakesnapshot src snap
check_eq "snapshot content" "$sha_src" "$(sha snap)"
check_eq "a snapshot makes no new chunks" 3 "$(distinct_chunks)"
check_eq "snapshot size" "$(stat -c %s src)" "$(stat -c %s snap)"

# writes after the snapshot: source in chunks 0 and 2, snapshot in chunk 1
patch src 1 SOURCE-ZERO
patch src 129 SOURCE-TWO
patch snap 70 SNAP-ONE
sync
drop_caches
check_eq "source sees its write in chunk 0" SOURCE-ZERO "$(at src 1 11)"
check_eq "source sees its write in chunk 2" SOURCE-TWO "$(at src 129 10)"
[[ "$(at snap 1 11)" != SOURCE-ZERO ]] || fail "snapshot sees the source's write in chunk 0"
[[ "$(at snap 129 10)" != SOURCE-TWO ]] || fail "snapshot sees the source's write in chunk 2"
check_eq "snapshot sees its write in chunk 1" SNAP-ONE "$(at snap 70 8)"
[[ "$(at src 70 8)" != SNAP-ONE ]] || fail "source sees the snapshot's write in chunk 1"
check_eq "each written chunk was copied once" 6 "$(distinct_chunks)"
# the untouched bytes are still the original ones on both sides
dd if=src bs=1M skip=10 count=50 status=none | sha256sum >"$T/a"
dd if=snap bs=1M skip=10 count=50 status=none | sha256sum >"$T/b"
cmp -s "$T/a" "$T/b" || fail "shared chunk 0 differs outside the written bytes"

# truncation inside a shared chunk: only the truncated side changes
expect_ok mfsmakesnapshot src snap2
truncate -s 100M snap2
drop_caches
check_eq "truncated snapshot size" $((100 << 20)) "$(stat -c %s snap2)"
check_eq "source size after truncating its snapshot" $((130 << 20)) "$(stat -c %s src)"
check_eq "source chunk 1 after truncating the snapshot" "$(at snap2 70 64)" "$(at src 70 64)"
[[ "$(dd if=src bs=1M skip=100 count=1 status=none | tr -d '\0' | wc -c)" -gt 0 ]] ||
  fail "source lost data past the snapshot's truncation point"

# deleting a side frees only what is not shared
rm snap2
sync
wait_until 30 "chunks of snap2 freed" chunks_are 6
rm src
wait_until 30 "chunks of src freed" chunks_are 3
drop_caches
check_eq "snapshot still complete after the source is gone" SNAP-ONE "$(at snap 70 8)"
rm snap

# ---- trees: -o merges, -c takes the caller's ownership and umask, -p keeps hard links
mkdir -p t/sub
echo one >t/a
echo two >t/sub/b
ln t/a t/hard
chown 1000:1000 t/a
chmod 0640 t/a
expect_ok mfsmakesnapshot t t2
check_eq "tree snapshot content" two "$(cat t2/sub/b)"
check_eq "owner kept without -c" 1000 "$(stat -c %u t2/a)"
[[ "$(stat -c %i t2/a)" != "$(stat -c %i t2/hard)" ]] || fail "without -p hard links become separate files"
run mfsmakesnapshot t/a t2/sub/b
((RC != 0)) && [[ "$ERR" == *"t2/sub/b: File exists"* ]] || fail "snapshot onto an existing file: rc $RC, '$ERR'"
# into an existing directory: like cp, the snapshot goes inside it
mkdir m
expect_ok mfsmakesnapshot t m
check_eq "snapshot into a directory" one "$(cat m/t/a)"
run mfsmakesnapshot t m
((RC != 0)) && [[ "$ERR" == *"m/t: File exists"* ]] || fail "snapshot onto an existing tree: rc $RC, '$ERR'"
echo changed >t/sub/b
echo extra >m/t/only-in-target
expect_ok mfsmakesnapshot -o t m
check_eq "-o replaced the file" changed "$(cat m/t/sub/b)"
check_eq "-o merged (kept target-only files)" extra "$(cat m/t/only-in-target)"
(umask 077 && "$TOOLS/mfsmakesnapshot" -c -p t t3) || fail "mfsmakesnapshot -c -p failed"
check_eq "-c owner" 0 "$(stat -c %u t3/a)"
check_eq "-c mode (umask 077)" 600 "$(stat -c %a t3/a)"
check_eq "-p keeps the hard link" "$(stat -c %i t3/a)" "$(stat -c %i t3/hard)"
mkdir dir
expect_ok mfsmakesnapshot t/a t/sub/b dir
check_eq "several sources into a directory" "one changed" "$(cat dir/a) $(cat dir/b)"
run mfsmakesnapshot t/a t/sub/b t/a
((RC != 0)) && [[ "$ERR" == *"is not a directory"* ]] || fail "several sources to a file: rc $RC, '$ERR'"
run mfsmakesnapshot t t/sub/inside
((RC != 0)) && [[ "$ERR" == *"Invalid argument"* ]] || fail "snapshot into itself: rc $RC, '$ERR'"
run mfsmakesnapshot /etc/hostname x
((RC != 0)) && [[ "$ERR" == *"/etc/hostname: not MFS object"* ]] || fail "source outside: rc $RC, '$ERR'"
chmod 0700 t
RC=0
setpriv --reuid=1000 --regid=1000 --clear-groups "$TOOLS/mfsmakesnapshot" t/a /"$MNT"/dir/x 2>"$T/err" || RC=$?
((RC != 0)) && grep -q "Permission denied" "$T/err" || fail "snapshot without access: rc $RC, $(cat "$T/err")"

# ---- mfsrmsnapshot
expect_ok mfsrmsnapshot t2 t3 m
[[ -e t2 || -e t3 || -e m ]] && fail "mfsrmsnapshot left something"
run mfsrmsnapshot nosuch
((RC != 0)) || fail "mfsrmsnapshot of a missing path succeeded"

# ---- mfsappendchunks: chunks appended at 64 MiB boundaries, shared
printf 'head' >cat
dd if=/dev/urandom of=part bs=1M count=3 status=none
expect_ok mfsappendchunks cat part part
check_eq "appended length" $(((64 << 20) * 2 + (3 << 20))) "$(stat -c %s cat)"
check_eq "appended data" "$(sha part)" "$(dd if=cat bs=1M skip=128 status=none | sha256sum | cut -d' ' -f1)"
check_eq "the gap reads as zeros" 0 "$(dd if=cat bs=1M skip=1 count=63 status=none | tr -d '\0' | wc -c)"
patch cat 64 CHANGED
drop_caches
[[ "$(head -c 7 part)" != CHANGED ]] || fail "a write to the appended copy changed the source"
expect_ok mfsappendchunks new part
check_eq "appendchunks creates the destination" "$(sha part)" "$(sha new)"

pass
