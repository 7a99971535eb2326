#!/usr/bin/env bash
# Everyday programs on the mount: cp -a, tar, rsync, git, sqlite3, df and an
# editor-style save (write a temporary file, rename it over the original).
. "$(dirname "$0")/lib.sh"
start_cluster

for tool in tar rsync git sqlite3 diff df; do
  command -v "$tool" >/dev/null || fail "tool '$tool' is missing (./antler test installs it)"
done

# A source tree: kernel headers (from linux-libc-dev, pulled in by
# build-essential) plus symlinks, an empty directory, odd modes and a sparse file.
SRC=$T/src/tree
mkdir -p "$SRC"
[[ -d /usr/include/linux ]] || fail "/usr/include/linux is missing (linux-libc-dev)"
cp -a /usr/include/linux "$SRC/linux"
mkdir -p "$SRC/extra/empty" "$SRC/extra/deep/a/b/c/d"
echo deep >"$SRC/extra/deep/a/b/c/d/leaf"
ln -s ../linux/fs.h "$SRC/extra/link-to-fs.h"
ln -s nowhere "$SRC/extra/dangling"
echo x >"$SRC/extra/mode700"; chmod 0700 "$SRC/extra/mode700"
echo y >"$SRC/extra/mode444"; chmod 0444 "$SRC/extra/mode444"
truncate -s 5M "$SRC/extra/sparse"
head -c 3000000 /dev/urandom >"$SRC/extra/random"
nfiles=$(find "$SRC" | wc -l)

same_tree() {
  diff -r --no-dereference "$1" "$2" >"$T/diff.out" 2>&1 || fail "$3: trees differ: $(head -n 1 "$T/diff.out")"
  # modes and symlink targets too
  (cd "$1" && find . -printf '%p %y %m %l\n' | sort) >"$T/meta1"
  (cd "$2" && find . -printf '%p %y %m %l\n' | sort) >"$T/meta2"
  diff "$T/meta1" "$T/meta2" >"$T/diff.out" || fail "$3: names, types, modes or link targets differ: $(sed -n 2p "$T/diff.out")"
}

# cp -a
cp -a "$SRC" "$MNT/cp" || fail "cp -a of a $nfiles-entry tree failed"
same_tree "$SRC" "$MNT/cp" "cp -a"
log "cp -a of $nfiles entries: ok"

# tar: extract a tarball onto the mount, and create one from the mount
tar -C "$T/src" -cf "$T/tree.tar" tree
mkdir "$MNT/tarx"
tar -C "$MNT/tarx" -xf "$T/tree.tar" || fail "tar x onto the mount failed"
same_tree "$SRC" "$MNT/tarx/tree" "tar x"
tar -C "$MNT/tarx" -cf "$T/back.tar" tree || fail "tar c from the mount failed"
mkdir "$T/untar" && tar -C "$T/untar" -xf "$T/back.tar"
same_tree "$SRC" "$T/untar/tree" "tar c from the mount"
log "tar: ok"

# rsync -a, then an rsync --checksum dry run must find nothing to do
rsync -a "$SRC/" "$MNT/rsync/" || fail "rsync -a onto the mount failed"
changes=$(rsync -a --checksum --omit-dir-times --dry-run --itemize-changes "$SRC/" "$MNT/rsync/") || fail "rsync --checksum compare failed"
[[ -z "$changes" ]] || fail "rsync --checksum finds differences: $(head -n 1 <<<"$changes")"
same_tree "$SRC" "$MNT/rsync" "rsync -a"
# a second rsync after a change updates just that file
echo changed >>"$SRC/extra/mode444.new" && cp "$SRC/extra/random" "$SRC/extra/random2"
rsync -a "$SRC/" "$MNT/rsync/" || fail "incremental rsync failed"
same_tree "$SRC" "$MNT/rsync" "incremental rsync"
log "rsync: ok"

# git: clone a local repository onto the mount, fsck, commit there, clone back
export GIT_AUTHOR_NAME=antler GIT_AUTHOR_EMAIL=antler@localhost GIT_COMMITTER_NAME=antler GIT_COMMITTER_EMAIL=antler@localhost
git init -q "$T/repo"
cp -a "$SRC/linux" "$T/repo/"
git -C "$T/repo" add -A && git -C "$T/repo" commit -qm first
echo second >"$T/repo/second" && git -C "$T/repo" add second && git -C "$T/repo" commit -qm second
git clone -q --no-hardlinks "$T/repo" "$MNT/clone" || fail "git clone onto the mount failed"
git -C "$MNT/clone" fsck --full --strict 2>"$T/fsck.out" || fail "git fsck in the clone failed: $(head -n 1 "$T/fsck.out")"
check_eq "HEAD of the clone" "$(git -C "$T/repo" rev-parse HEAD)" "$(git -C "$MNT/clone" rev-parse HEAD)"
git -C "$MNT/clone" status --porcelain >"$T/status.out" || fail "git status in the clone failed"
[[ -s "$T/status.out" ]] && fail "fresh clone is not clean: $(head -n 1 "$T/status.out")"
echo third >"$MNT/clone/third"
git -C "$MNT/clone" add third && git -C "$MNT/clone" commit -qm third || fail "git commit on the mount failed"
git -C "$MNT/clone" gc -q || fail "git gc on the mount failed"
git -C "$MNT/clone" fsck --full --strict 2>"$T/fsck.out" || fail "git fsck after commit and gc failed: $(head -n 1 "$T/fsck.out")"
git clone -q "$MNT/clone" "$T/clone2" || fail "git clone from the mount failed"
check_eq "HEAD cloned back from the mount" "$(git -C "$MNT/clone" rev-parse HEAD)" "$(git -C "$T/clone2" rev-parse HEAD)"
log "git: ok"

# sqlite3: 1000 rows, 100 of them in their own transactions (each one syncs)
DB=$MNT/test.db
sqlite3 "$DB" 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);' || fail "sqlite3 CREATE TABLE on the mount failed"
{
  for ((i = 1; i <= 100; i++)); do echo "INSERT INTO t (v) VALUES ('row $i');"; done
  echo "BEGIN;"
  for ((i = 101; i <= 1000; i++)); do echo "INSERT INTO t (v) VALUES ('row $i');"; done
  echo "COMMIT;"
} | sqlite3 "$DB" || fail "sqlite3 inserts failed"
check_eq "sqlite3 row count" 1000 "$(sqlite3 "$DB" 'SELECT count(*) FROM t;')"
check_eq "sqlite3 integrity check" ok "$(sqlite3 "$DB" 'PRAGMA integrity_check;')"
sqlite3 "$DB" 'PRAGMA journal_mode=WAL;' >/dev/null || fail "sqlite3 switch to WAL failed"
sqlite3 "$DB" "UPDATE t SET v = 'updated' WHERE id % 2 = 0;" || fail "sqlite3 update in WAL mode failed"
check_eq "sqlite3 updated rows" 500 "$(sqlite3 "$DB" "SELECT count(*) FROM t WHERE v = 'updated';")"
log "sqlite3: ok"

# df shows the file system
df -P "$MNT" >"$T/df.out" || fail "df on the mount failed"
read -r _ blocks _ avail _ mp < <(tail -n 1 "$T/df.out")
check_eq "df mount point" "$MNT" "$mp"
((blocks > 0)) || fail "df reports a size of 0 for the mount"
((avail > 0)) || fail "df reports 0 available on the mount"
stat -f -c %T "$MNT" | grep -qi fuse || fail "stat -f does not report a FUSE file system: $(stat -f -c %T "$MNT")"

# an editor-style save: write a temporary file, fsync, rename over the original
printf 'version 1\n' >"$MNT/doc.txt"
ino1=$(stat -c %i "$MNT/doc.txt")
"$PYTHON" - "$MNT/doc.txt" <<'PY' || fail "editor-style save (write temp, fsync, rename) failed"
import os, sys
path = sys.argv[1]
tmp = path + ".swp"
with open(tmp, "w") as f:
    f.write("version 2\n")
    f.flush()
    os.fsync(f.fileno())
os.rename(tmp, path)
dfd = os.open(os.path.dirname(path), os.O_RDONLY)
os.fsync(dfd)
os.close(dfd)
PY
check_eq "content after editor-style save" "version 2" "$(cat "$MNT/doc.txt")"
[[ "$(stat -c %i "$MNT/doc.txt")" != "$ino1" ]] || fail "editor-style save kept the old inode"
[[ -e "$MNT/doc.txt.swp" ]] && fail "temporary file still exists after rename"
sed -i 's/version 2/version 3/' "$MNT/doc.txt" || fail "sed -i on the mount failed"
check_eq "content after sed -i" "version 3" "$(cat "$MNT/doc.txt")"

# everything again from a fresh mount
remount_client
same_tree "$SRC" "$MNT/rsync" "rsync copy after remount"
same_tree "$T/src/tree/linux" "$MNT/cp/linux" "cp copy after remount"
git -C "$MNT/clone" fsck --full --strict 2>"$T/fsck.out" || fail "git fsck after remount failed: $(head -n 1 "$T/fsck.out")"
check_eq "sqlite3 row count after remount" 1000 "$(sqlite3 "$DB" 'SELECT count(*) FROM t;')"
check_eq "content after remount" "version 3" "$(cat "$MNT/doc.txt")"
pass
