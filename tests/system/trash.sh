#!/usr/bin/env bash
# Trash and the meta mount (mfsmount -m): deleted files wait in trash/ for
# their trash time, can be read there, restored through trash/undel/ (missing
# directories recreated), purged by unlink; expired entries go by themselves
# with their chunks; files deleted while open show in sustained/ until the
# last close; the trash survives a master restart with -a.
. "$(dirname "$0")/lib.sh"
start_cluster
META=$T/meta
mount_client "$META" -m
cd "$MNT"

trash_entries() { ls "$META/trash" | grep -v '^undel$' || true; }
entry_for() {  # entry_for PATH: the trash entry name of a deleted path
  local want=${1//\//|}
  trash_entries | grep -E "^[0-9A-F]{8}\|${want//|/\\|}\$" || true
}

check_eq "meta root" "sustained trash" "$(ls "$META" | tr '\n' ' ' | sed 's/ $//')"
# only lib.sh's probe file (written and deleted while the cluster started)
check_eq "trash before the test" "|.probe" "$(trash_entries | cut -c9- | sort -u | tr '\n' ' ' | sed 's/ $//')"

mkdir -p a/b
dd if=/dev/urandom of=a/b/file bs=1M count=3 status=none
sum=$(sha a/b/file)
ino=$(stat -c %i a/b/file)
rm a/b/file
name=$(entry_for a/b/file)
check_eq "trash entry name" "$(printf '%08X|a|b|file' "$ino")" "$name"
check_eq "trash file content readable" "$sum" "$(sha "$META/trash/$name")"
check_eq "trash entry size" $((3 << 20)) "$(stat -c %s "$META/trash/$name")"
echo x >"$META/trash/$name" 2>/dev/null && fail "a trash file is writable"
df_trash=$(df --output=size -B1 "$META" | tail -n 1)
((df_trash >= 3 << 20)) || fail "meta statfs does not count the trash bytes ($df_trash)"

# undelete into a tree whose directories are gone: they are recreated
rm -r a
mv "$META/trash/$name" "$META/trash/undel/" || fail "undelete by rename into undel/ failed"
[[ -z "$(entry_for a/b/file)" ]] || fail "entry still in the trash after undelete"
check_eq "undeleted content" "$sum" "$(sha a/b/file)"
check_eq "undeleted inode" "$ino" "$(stat -c %i a/b/file)"

# undelete onto an existing name fails with EEXIST and keeps the entry
rm a/b/file
echo other >a/b/file
name=$(entry_for a/b/file)
# (rename(2) itself: mv's message for EEXIST varies with what it stats first)
got=$("$PYTHON" -c 'import errno, os, sys
try:
    os.rename(sys.argv[1], sys.argv[2]); print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])' "$META/trash/$name" "$META/trash/undel/$name")
check_eq "undelete over an existing name" EEXIST "$got"
check_eq "the existing file is left alone" other "$(cat a/b/file)"
[[ -n "$(entry_for a/b/file)" ]] || fail "entry lost after a refused undelete"

# unlink in the trash purges at once, with the chunks
chunks_before=$(chunk_files | wc -l)
rm "$META/trash/$name"
[[ -z "$(entry_for a/b/file)" ]] || fail "purged entry still listed"
chunk_gone() { (($(chunk_files | wc -l) < chunks_before)); }
wait_until 30 "chunks of the purged file deleted" chunk_gone

# trash time 0: deleted at once; a short trash time: expires by itself
"$TOOLS/mfssettrashtime" 0 a >/dev/null
echo now >a/zero
rm a/zero
[[ -z "$(entry_for a/zero)" ]] || fail "trash time 0 went to the trash"
"$TOOLS/mfssettrashtime" 2 a >/dev/null
echo soon >a/short
rm a/short
[[ -n "$(entry_for a/short)" ]] || fail "deleted file with trash time 2 not in the trash"
no_short() { [[ -z "$(entry_for a/short)" ]]; }
wait_until 30 "expiry of a trash time of 2 s" no_short

# sustained: deleted while open (trash time 0), readable until the last close
# (an open file whose trash time runs out moves to sustained/ the same way)
"$TOOLS/mfssettrashtime" 0 a >/dev/null
echo held >a/open
exec 7<a/open
rm a/open
check_eq "sustained entry" 1 "$(ls "$META/sustained" | wc -l)"
check_eq "sustained file still readable" held "$(cat <&7)"
exec 7<&-
no_sustained() { [[ -z "$(ls "$META/sustained")" ]]; }
wait_until 30 "sustained entry gone after the last close" no_sustained

# the trash survives a crash of the master (recovery with -a)
"$TOOLS/mfssettrashtime" 3600 a >/dev/null
echo keep >a/kept
rm a/kept
kill -9 "${PIDS[master]}"
wait "${PIDS[master]}" 2>/dev/null || true
forget_pid master
start_master -a
has_kept() { [[ -n "$(entry_for a/kept)" ]]; }
wait_until 60 "trash entry after master recovery" has_kept
mv "$META/trash/$(entry_for a/kept)" "$META/trash/undel/"
check_eq "undeleted after recovery" keep "$(cat a/kept)"

# the meta mount is root's: other users need nonrootmeta in the export
if setpriv --reuid=1000 --regid=1000 --clear-groups ls "$META/trash" >/dev/null 2>"$T/err"; then
  fail "a non-root user listed the trash without nonrootmeta"
fi
grep -q "Operation not permitted" "$T/err" || fail "non-root trash listing: $(cat "$T/err")"
umount_client "$META"
sed -i 's/^\*  \.  rw$/*  .  rw,nonrootmeta/' "$MASTER_DIR/mfsexports.cfg"
grep -q nonrootmeta "$MASTER_DIR/mfsexports.cfg" || fail "could not add nonrootmeta to the exports"
reloads=$(grep -c 'exports reloaded' "$T/log/mfsmaster.log" || true)
kill -HUP "${PIDS[master]}"
# (the reload shows nowhere but in the master's log)
reloaded() { (($(grep -c 'exports reloaded' "$T/log/mfsmaster.log" || true) > reloads)); }
wait_until 10 "the master to reload its exports" reloaded
mount_client "$META" -m
setpriv --reuid=1000 --regid=1000 --clear-groups ls "$META/trash" >/dev/null ||
  fail "a non-root user could not list the trash with nonrootmeta"

# bad operations in the meta mount
touch "$META/trash/new" 2>/dev/null && fail "creating a file in the trash succeeded"
mkdir "$META/x" 2>/dev/null && fail "mkdir in the meta root succeeded"
rm "$META/trash/00000000|nothing" 2>/dev/null && fail "removing a missing entry succeeded"
pass
