#!/usr/bin/env bash
# rename(2) and renameat2(2) semantics, symbolic and hard links.
. "$(dirname "$0")/lib.sh"
start_cluster

cd "$MNT"

# errno_of OP A B: runs a python rename variant, prints "ok" or the errno name.
#   OP: rename | noreplace | exchange
errno_of() {
  "$PYTHON" - "$@" <<'PY'
import ctypes, errno, os, sys
op, a, b = sys.argv[1:4]
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
flags = {"rename": 0, "noreplace": 1, "exchange": 2}[op]  # RENAME_NOREPLACE, RENAME_EXCHANGE
if libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), flags) == 0:
    print("ok")
else:
    print(errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno())))
PY
}

# rename over an existing file
echo one >a; echo two >b
ino_a=$(stat -c %i a)
mv a b || fail "mv a b (b exists) failed"
[[ -e a ]] && fail "a still exists after rename over b"
check_eq "content of b after rename a -> b" one "$(cat b)"
check_eq "inode of b after rename a -> b" "$ino_a" "$(stat -c %i b)"

# across directories, file and directory
mkdir -p d1/sub d2
echo x >d1/file
mv d1/file d2/moved || fail "rename of a file across directories failed"
check_eq "content after cross-directory rename" x "$(cat d2/moved)"
[[ -e d1/file ]] && fail "source still exists after cross-directory rename"
mv d1/sub d2/sub || fail "rename of a directory across directories failed"
check_eq "inode of d2/sub/.. (parent after directory move)" "$(stat -c %i d2)" "$(stat -c %i d2/sub/..)"
check_eq "link count of d1 after its subdirectory left" 2 "$(stat -c %h d1)"
check_eq "link count of d2 with one subdirectory" 3 "$(stat -c %h d2)"

# a directory over an empty directory
mkdir src empty; echo in >src/inner
check_eq "rename directory over an empty directory" ok "$(errno_of rename src empty)"
check_eq "content moved with the directory" in "$(cat empty/inner)"
[[ -e src ]] && fail "source directory still exists after rename over an empty one"

# onto a non-empty directory: ENOTEMPTY; the file/dir type mismatches
mkdir src2 full; echo keep >full/f
check_eq "rename directory onto a non-empty directory" ENOTEMPTY "$(errno_of rename src2 full)"
check_eq "the non-empty target is untouched" keep "$(cat full/f)"
[[ -d src2 ]] || fail "source directory vanished after a refused rename"
echo f >plain
check_eq "rename file over a directory" EISDIR "$(errno_of rename plain src2)"
check_eq "rename directory over a file" ENOTDIR "$(errno_of rename src2 plain)"
check_eq "rename of a missing file" ENOENT "$(errno_of rename missing whatever)"
check_eq "rename a directory into itself" EINVAL "$(errno_of rename d2 d2/sub/inside)"

# RENAME_NOREPLACE and RENAME_EXCHANGE
echo left >l; echo right >r
check_eq "RENAME_NOREPLACE onto an existing name" EEXIST "$(errno_of noreplace l r)"
check_eq "file kept after refused RENAME_NOREPLACE" right "$(cat r)"
check_eq "RENAME_NOREPLACE onto a free name" ok "$(errno_of noreplace l l2)"
check_eq "content after RENAME_NOREPLACE" left "$(cat l2)"
check_eq "RENAME_EXCHANGE of two files" ok "$(errno_of exchange l2 r)"
check_eq "content of l2 after exchange" right "$(cat l2)"
check_eq "content of r after exchange" left "$(cat r)"
check_eq "RENAME_EXCHANGE of a file and a directory" ok "$(errno_of exchange r d1)"
[[ -d r && -f d1 ]] || fail "RENAME_EXCHANGE of a file and a directory did not swap their types"
check_eq "content of d1 (now the file) after exchange" left "$(cat d1)"
check_eq "RENAME_EXCHANGE with a missing name" ENOENT "$(errno_of exchange l2 nothere)"

# symbolic links
ln -s d2/moved sym || fail "symlink failed"
check_eq "readlink" d2/moved "$(readlink sym)"
check_eq "read through a symlink" x "$(cat sym)"
mv sym sym2 || fail "rename of a symlink failed"
check_eq "readlink after rename" d2/moved "$(readlink sym2)"

# hard links
echo shared >h1
ln h1 h2 || fail "ln (hard link) failed"
check_eq "link count after ln" 2 "$(stat -c %h h1)"
check_eq "same inode" "$(stat -c %i h1)" "$(stat -c %i h2)"
echo more >>h2
check_eq "append through one link seen through the other" "shared
more" "$(cat h1)"
mkdir -p links && ln h1 links/h3 || fail "hard link into another directory failed"
check_eq "link count with three links" 3 "$(stat -c %h h2)"
rm h1
check_eq "link count after unlinking one" 2 "$(stat -c %h h2)"
check_eq "content kept after unlinking one link" "shared
more" "$(cat links/h3)"
rm h2
check_eq "link count after unlinking two" 1 "$(stat -c %h links/h3)"
ln d2 dirlink 2>/dev/null && fail "a hard link to a directory was allowed"

# a file unlinked while open lives on until it is closed
"$PYTHON" - "$MNT/open-unlinked" <<'PY' >"$T/unlinked.out" 2>&1 || fail "file unlinked while open: $(tail -n 1 "$T/unlinked.out")"
import os, sys
path = sys.argv[1]
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
first = os.urandom(200000)
os.write(fd, first)
os.unlink(path)
if os.path.exists(path):
    sys.exit("the name still exists after unlink")
second = os.urandom(3 << 20)
os.write(fd, second)
os.fsync(fd)
st = os.fstat(fd)
if st.st_nlink != 0:
    sys.exit(f"fstat gives {st.st_nlink} links after unlink, expected 0")
if st.st_size != len(first) + len(second):
    sys.exit(f"fstat gives size {st.st_size}, expected {len(first) + len(second)}")
os.lseek(fd, 0, os.SEEK_SET)
data = b""
while True:
    piece = os.read(fd, 1 << 20)
    if not piece:
        break
    data += piece
os.close(fd)
if data != first + second:
    sys.exit(f"read back {len(data)} bytes that differ from the {len(first) + len(second)} written")
PY

# everything holds after a remount
cd /
remount_client
cd "$MNT"
check_eq "b after remount" one "$(cat b)"
[[ -d r ]] || fail "r is no longer a directory after remount"
check_eq "empty/inner after remount" in "$(cat empty/inner)"
check_eq "d1 after remount" left "$(cat d1)"
check_eq "links/h3 after remount" "shared
more" "$(cat links/h3)"
check_eq "link count after remount" 1 "$(stat -c %h links/h3)"
check_eq "readlink after remount" d2/moved "$(readlink sym2)"
cd /
pass
