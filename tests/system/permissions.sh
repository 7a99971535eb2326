#!/usr/bin/env bash
# POSIX permissions as seen by an ordinary user (antlertest) on the mount:
# mode bits, ownership changes, the sticky bit, setgid directories, and
# FIFOs (which the kernel opens without asking the file system).
MOUNT_OPTS=allow_other
. "$(dirname "$0")/lib.sh"

if ! id antlertest >/dev/null 2>&1; then
  useradd --no-create-home --user-group --shell /usr/sbin/nologin antlertest || fail "useradd antlertest failed"
fi
# supplementary group 'users' (gid 100 on Debian) for the group-permission checks
id -nG antlertest | tr ' ' '\n' | grep -qx users || usermod -a -G users antlertest || fail "usermod -G users antlertest failed"
U=$(id -u antlertest)
G=$(id -g antlertest)
USERS_GID=$(getent group users | cut -d: -f3)

start_cluster
chmod 0755 "$MNT"  # the root of a new file system may be 0777

# as_user CMD...: run as antlertest, with its supplementary groups
as_user() { setpriv --reuid="$U" --regid="$G" --init-groups -- "$@"; }
# denied WHAT CMD...: the command, run as antlertest, must fail
denied() {
  local what=$1
  shift
  if as_user "$@" 2>/dev/null; then fail "antlertest could $what"; fi
}
allowed() {
  local what=$1 err
  shift
  err=$(as_user "$@" 2>&1) || fail "antlertest could not $what: $err"
}

cd /
as_user test -r "$MNT" || fail "antlertest cannot see the mount (allow_other)"

# root-owned files
echo secret >"$MNT/root644"; chmod 0644 "$MNT/root644"
echo secret >"$MNT/root600"; chmod 0600 "$MNT/root600"
allowed "read a 0644 root file" cat "$MNT/root644"
denied "append to a root-owned 0644 file" sh -c "echo x >>'$MNT/root644'"
denied "truncate a root-owned 0644 file" truncate -s 0 "$MNT/root644"
check_eq "root file content after refused writes" secret "$(cat "$MNT/root644")"
denied "read a root-owned 0600 file" cat "$MNT/root600"
denied "create a file in the root-owned 0755 root directory" touch "$MNT/userfile"
denied "chmod a root-owned file" chmod 0666 "$MNT/root644"
check_eq "mode after refused chmod" 644 "$(stat -c %a "$MNT/root644")"
denied "chown a root-owned file to itself" chown antlertest "$MNT/root644"

# group permissions through a supplementary group
echo g >"$MNT/group660"; chgrp users "$MNT/group660"; chmod 0660 "$MNT/group660"
allowed "write a 0660 file of its supplementary group 'users'" sh -c "echo more >>'$MNT/group660'"
echo o >"$MNT/other640"; chmod 0640 "$MNT/other640"
denied "read a 0640 root:root file" cat "$MNT/other640"

# its own directory
mkdir "$MNT/home"; chown antlertest:antlertest "$MNT/home"; chmod 0755 "$MNT/home"
allowed "create a file in its own directory" sh -c "echo mine >'$MNT/home/own'"
check_eq "owner of a file antlertest created" "$U:$G" "$(stat -c %u:%g "$MNT/home/own")"
allowed "chmod its own file" chmod 0600 "$MNT/home/own"
check_eq "mode after chmod by the owner" 600 "$(stat -c %a "$MNT/home/own")"
denied "chown its own file to root" chown root "$MNT/home/own"
denied "give its own file to another group it is not in (root)" chgrp root "$MNT/home/own"
allowed "give its own file to a group it is in (users)" chgrp users "$MNT/home/own"
check_eq "group after chgrp by the owner" "$USERS_GID" "$(stat -c %g "$MNT/home/own")"
allowed "mkdir in its own directory" mkdir "$MNT/home/sub"
allowed "remove its own files" rm -r "$MNT/home/sub"
chmod 0555 "$MNT/home"
denied "create a file in its own directory after chmod 0555 (read-only directory)" touch "$MNT/home/new"
chmod 0755 "$MNT/home"
touch "$MNT/home/byroot"
denied "write root's file in its own directory" sh -c "echo x >>'$MNT/home/byroot'"

# a /tmp-like directory: 1777
mkdir "$MNT/tmp"; chmod 1777 "$MNT/tmp"
echo r >"$MNT/tmp/rootfile"; chmod 0666 "$MNT/tmp/rootfile"
allowed "create a file in a 1777 directory" sh -c "echo u >'$MNT/tmp/userfile'"
denied "delete root's file in a sticky directory" rm -f "$MNT/tmp/rootfile"
denied "rename root's file in a sticky directory" mv "$MNT/tmp/rootfile" "$MNT/tmp/stolen"
[[ -f "$MNT/tmp/rootfile" ]] || fail "root's file vanished from the sticky directory"
allowed "write root's 0666 file in a sticky directory" sh -c "echo w >>'$MNT/tmp/rootfile'"
allowed "delete its own file in a sticky directory" rm "$MNT/tmp/userfile"
# control: without the sticky bit the same deletion is allowed
mkdir "$MNT/open"; chmod 0777 "$MNT/open"; echo r >"$MNT/open/rootfile"
allowed "delete root's file in a 0777 directory without sticky bit" rm -f "$MNT/open/rootfile"

# setgid directory: new files take the directory's group, new directories also the bit
mkdir "$MNT/shared"; chgrp users "$MNT/shared"; chmod 2777 "$MNT/shared"
allowed "create a file in a setgid directory" touch "$MNT/shared/f"
check_eq "group of a file created in a setgid directory" "$USERS_GID" "$(stat -c %g "$MNT/shared/f")"
check_eq "owner of that file" "$U" "$(stat -c %u "$MNT/shared/f")"
allowed "mkdir in a setgid directory" mkdir "$MNT/shared/d"
check_eq "group of a directory created in a setgid directory" "$USERS_GID" "$(stat -c %g "$MNT/shared/d")"
[[ -g "$MNT/shared/d" ]] || fail "a directory created in a setgid directory lacks the setgid bit"
mkdir "$MNT/plain"; chmod 0777 "$MNT/plain"
allowed "create a file in a plain directory" touch "$MNT/plain/f"
check_eq "group of a file created in a plain directory" "$G" "$(stat -c %g "$MNT/plain/f")"

# FIFOs: the kernel opens them without asking the file system, so the mount
# has it check permissions itself (POSIX ACLs negotiated, as
# default_permissions). open_fifo PATH r|w: a non-blocking open (a write-only
# one without a reader fails with ENXIO, which means it passed the check)
cat >"$T/open_fifo.py" <<'PY'
import errno, os, sys
flags = os.O_NONBLOCK | (os.O_RDONLY if sys.argv[2] == "r" else os.O_WRONLY)
try:
    os.close(os.open(sys.argv[1], flags))
except OSError as e:
    if e.errno != errno.ENXIO:
        sys.exit(errno.errorcode[e.errno])
PY
open_fifo() { as_user timeout 10 python3 "$T/open_fifo.py" "$@" 2>&1; }
mkfifo -m 0600 "$MNT/fifo600"
mkfifo -m 0644 "$MNT/fifo644"
mkfifo -m 0666 "$MNT/fifo666"
mkfifo "$MNT/home/fifo077"; chown antlertest "$MNT/home/fifo077"; chmod 0077 "$MNT/home/fifo077"
mkfifo -m 0660 "$MNT/fifo660users"; chgrp users "$MNT/fifo660users"
mkfifo -m 0600 "$MNT/fifoacl"; setfacl -m "u:antlertest:r" "$MNT/fifoacl"
check_eq "opening root's 0600 FIFO for reading" EACCES "$(open_fifo "$MNT/fifo600" r)"
check_eq "opening root's 0644 FIFO for writing" EACCES "$(open_fifo "$MNT/fifo644" w)"
check_eq "opening its own 0077 FIFO for reading" EACCES "$(open_fifo "$MNT/home/fifo077" r)"
check_eq "opening root's 0644 FIFO for reading" "" "$(open_fifo "$MNT/fifo644" r)"
check_eq "opening root's 0666 FIFO for writing" "" "$(open_fifo "$MNT/fifo666" w)"
check_eq "opening a 0660 FIFO of its supplementary group" "" "$(open_fifo "$MNT/fifo660users" r)"
check_eq "opening a 0600 FIFO whose ACL lets it read, for reading" "" "$(open_fifo "$MNT/fifoacl" r)"
check_eq "opening that FIFO for writing" EACCES "$(open_fifo "$MNT/fifoacl" w)"
# data passes through a FIFO on the mount as through a local one
mkfifo -m 0666 "$MNT/pipe"
(as_user timeout 10 sh -c "echo through >'$MNT/pipe'") &
writer=$!
check_eq "what a reader gets from a FIFO on the mount" through "$(as_user timeout 10 cat "$MNT/pipe")"
wait "$writer" || fail "the FIFO's writer failed"


# all of it survives a remount
remount_client
check_eq "mode of the sticky directory after remount" 1777 "$(stat -c %a "$MNT/tmp")"
check_eq "mode of the setgid directory after remount" 2777 "$(stat -c %a "$MNT/shared")"
check_eq "owner of antlertest's file after remount" "$U:$USERS_GID" "$(stat -c %u:%g "$MNT/home/own")"
denied "delete root's file in a sticky directory after remount" rm -f "$MNT/tmp/rootfile"
denied "append to a root-owned 0644 file after remount" sh -c "echo x >>'$MNT/root644'"
check_eq "opening root's 0600 FIFO for reading after remount" EACCES "$(open_fifo "$MNT/fifo600" r)"
pass
