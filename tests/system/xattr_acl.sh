#!/usr/bin/env bash
# Extended attributes and POSIX ACLs through the mount, with the real tools
# (setfattr/getfattr from attr, setfacl/getfacl from acl) and ordinary users
# (uids 4001 and 4002, no passwd entries needed): the namespaces and their
# rules, Linux's limits and error codes, ACL entries and masks allowing and
# denying, chmod moving the mask, default ACLs inherited with the umask
# ignored, mfsnoxattrs, and everything surviving a master crash (-a) and a
# clean restart.
# shellcheck disable=SC2012  # ls -l is what a user reads the "+" of an ACL from
MOUNT_OPTS=allow_other
. "$(dirname "$0")/lib.sh"
start_cluster
cd /
chmod 0755 "$MNT"
U1=4001 U2=4002 G1=5001

# run_as UID GID GROUPS CMD...: run as that user (GROUPS: comma list or "-")
run_as() {
  local uid=$1 gid=$2 groups=$3
  shift 3
  if [[ $groups == - ]]; then setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
  else setpriv --reuid="$uid" --regid="$gid" --groups="$groups" -- "$@"; fi
}
u1() { run_as "$U1" "$U1" - "$@"; }
u2() { run_as "$U2" "$U2" - "$@"; }
u2g1() { run_as "$U2" "$U2" "$G1" "$@"; }
denied() {  # denied WHO WHAT CMD...
  local who=$1 what=$2
  shift 2
  if "$who" "$@" >/dev/null 2>&1; then fail "$who could $what"; fi
}
allowed() {
  local who=$1 what=$2 err
  shift 2
  err=$("$who" "$@" 2>&1) || fail "$who could not $what: $err"
}

# xa OP PATH ARGS...: one system call, printing its result or errno name
#   get PATH NAME SIZE | list PATH SIZE | set PATH NAME LEN create|replace|0 |
#   sethex PATH NAME HEXVALUE | remove PATH NAME
cat >"$T/xa.py" <<'PY'
import ctypes, errno, sys
libc = ctypes.CDLL(None, use_errno=True)
op, path = sys.argv[1], sys.argv[2].encode()
if op == "get":
    size = int(sys.argv[4])
    buf = ctypes.create_string_buffer(max(size, 1))
    rc = libc.getxattr(path, sys.argv[3].encode(), buf if size else None, ctypes.c_size_t(size))
elif op == "list":
    size = int(sys.argv[3])
    buf = ctypes.create_string_buffer(max(size, 1))
    rc = libc.listxattr(path, buf if size else None, ctypes.c_size_t(size))
elif op == "set":
    value = b"v" * int(sys.argv[4])
    flags = {"0": 0, "create": 1, "replace": 2}[sys.argv[5]]
    rc = libc.setxattr(path, sys.argv[3].encode(), value, ctypes.c_size_t(len(value)), flags)
    rc = "ok" if rc == 0 else rc
elif op == "sethex":
    value = bytes.fromhex(sys.argv[4])
    rc = libc.setxattr(path, sys.argv[3].encode(), value, ctypes.c_size_t(len(value)), 0)
    rc = "ok" if rc == 0 else rc
elif op == "remove":
    rc = libc.removexattr(path, sys.argv[3].encode())
    rc = "ok" if rc == 0 else rc
# EOPNOTSUPP and ENOTSUP are one number on Linux; Python names it ENOTSUP
print(errno.errorcode[ctypes.get_errno()] if rc == -1 else rc)
PY
chmod 0644 "$T/xa.py"
chmod 0755 "$T"
xa() { /usr/bin/python3 "$T/xa.py" "$@"; }

# ------------------------------------------------------------ user.* xattrs
f="$MNT/f"
echo data >"$f"
setfattr -n user.color -v blue "$f"
check_eq "user.color read back" blue "$(getfattr --only-values -n user.color "$f")"
setfattr -n user.bin -v 0x00ff0a2c28 "$f"
check_eq "binary value read back (hex)" 0x00ff0a2c28 "$(getfattr -e hex -n user.bin "$f" | sed -n 's/^user.bin=//p')"
check_eq "names listed" "user.bin user.color" "$(getfattr -m - "$f" | grep -v '^#' | sort | xargs)"
check_eq "getxattr size 0 gives the length" 4 "$(xa get "$f" user.color 0)"
check_eq "getxattr with a too small buffer" ERANGE "$(xa get "$f" user.color 3)"
check_eq "listxattr with a too small buffer" ERANGE "$(xa list "$f" 5)"
check_eq "XATTR_CREATE on an existing name" EEXIST "$(xa set "$f" user.color 3 create)"
check_eq "XATTR_REPLACE on a missing name" ENODATA "$(xa set "$f" user.nope 3 replace)"
check_eq "XATTR_REPLACE on an existing name" ok "$(xa set "$f" user.color 3 replace)"
check_eq "XATTR_CREATE on a new name" ok "$(xa set "$f" user.new 0 create)"
check_eq "an empty value" 0 "$(xa get "$f" user.new 0)"
setfattr -x user.new "$f"
check_eq "removed attribute" ENODATA "$(xa get "$f" user.new 0)"
check_eq "removing a missing attribute" ENODATA "$(xa remove "$f" user.new)"
check_eq "unknown namespace" ENOTSUP "$(xa set "$f" foo.bar 1 0)"
check_eq "unknown system.* name" ENOTSUP "$(xa set "$f" system.foo 1 0)"
check_eq "a 255-byte name" ok "$(xa set "$f" "user.$(printf 'n%.0s' {1..250})" 1 0)"
check_eq "a 256-byte name" ERANGE "$(xa set "$f" "user.$(printf 'n%.0s' {1..251})" 1 0)"
check_eq "a 64 KiB value" ok "$(xa set "$f" user.big 65536 0)"
check_eq "length of the 64 KiB value" 65536 "$(xa get "$f" user.big 0)"
check_eq "a value over 64 KiB" E2BIG "$(xa set "$f" user.big2 65537 0)"
head -c 65536 /dev/urandom >"$T/big"
# too long for a command line: through setfattr --restore
{ echo "# file: $f"; echo "user.rand=0x$(od -An -v -tx1 "$T/big" | tr -d ' \n')"; } >"$T/restore"
setfattr --restore="$T/restore"
check_eq "64 KiB random value read back" "$(sha "$T/big")" \
  "$(getfattr --only-values -n user.rand "$f" | sha256sum | cut -d' ' -f1)"
setfattr -x user.rand "$f"
mkdir "$MNT/dir"
setfattr -n user.d -v 1 "$MNT/dir"
ln -s f "$MNT/sym"
mkfifo "$MNT/fifo"
# (setfattr -h: the link itself, not its target)
if setfattr -h -n user.a -v 1 "$MNT/sym" 2>"$T/err"; then fail "user.* set on a symlink itself"; fi
grep -q "Operation not permitted" "$T/err" || fail "user.* on a symlink: want EPERM, got: $(cat "$T/err")"
check_eq "user.* on a FIFO" EPERM "$(xa set "$MNT/fifo" user.a 1 0)"
log "user.* attributes, limits and error codes as Linux"

# -------------------------------------------------- trusted.* and security.*
setfattr -n trusted.t -v root-only "$f"
setfattr -n security.s -v sec "$f"
check_eq "trusted.* read by root" root-only "$(getfattr --only-values -n trusted.t "$f")"
check_eq "trusted.* read by a user" ENODATA "$(u1 /usr/bin/python3 "$T/xa.py" get "$f" trusted.t 0)"
check_eq "trusted.* written by a user" EPERM "$(u1 /usr/bin/python3 "$T/xa.py" set "$f" trusted.u 1 0)"
check_eq "names a user sees" "security.s user.big user.bin user.color" \
  "$(u1 getfattr -m - "$f" 2>/dev/null | grep -v '^#' | grep . | sort | grep -v '^user.nnn' | xargs)"
check_eq "security.* read by a user" 3 "$(u1 /usr/bin/python3 "$T/xa.py" get "$f" security.s 0)"
check_eq "security.* written by a user" EPERM "$(u1 /usr/bin/python3 "$T/xa.py" set "$f" security.x 1 0)"
# user.* follows the file's permissions: 0644 root file, read yes, write no
check_eq "user.* read by a user with r" 3 "$(u1 /usr/bin/python3 "$T/xa.py" get "$f" user.color 0)"
check_eq "user.* written by a user without w" EACCES "$(u1 /usr/bin/python3 "$T/xa.py" set "$f" user.x 1 0)"
chmod 0640 "$f"
check_eq "user.* read by a user without r" EACCES "$(u1 /usr/bin/python3 "$T/xa.py" get "$f" user.color 0)"
log "trusted.* root only, security.* written by root only, user.* by file permissions"

# ------------------------------------------------------------- access ACLs
a="$MNT/acl"
echo secret >"$a"
chmod 0640 "$a"
denied u1 "read a 0640 root file" cat "$a"
setfacl -m u:$U1:r "$a"
allowed u1 "read a file through its named-user ACL entry" cat "$a"
denied u2 "read the file without an ACL entry" cat "$a"
denied u1 "write with a read-only ACL entry" sh -c "echo x >>'$a'"
check_eq "ls -l marks the ACL" "-rw-r-----+" "$(stat -c %A "$a")$(ls -l "$a" | cut -c11)"
setfacl -m u:$U1:rw "$a"
allowed u1 "append through an rw ACL entry" sh -c "echo more >>'$a'"
check_eq "mode group bits are the mask" 660 "$(stat -c %a "$a")"
setfacl -m m::r "$a"
denied u1 "write once the mask drops w" sh -c "echo x >>'$a'"
check_eq "effective rights shown by getfacl" "user:$U1:rw-	#effective:r--" "$(getfacl -n "$a" 2>/dev/null | grep "^user:$U1")"
chmod 0600 "$a"
check_eq "chmod g-r moves the mask" "mask::---" "$(getfacl -n "$a" 2>/dev/null | grep '^mask')"
denied u1 "read once chmod cleared the mask" cat "$a"
chmod 0660 "$a"
check_eq "chmod g+rw moves the mask back" "mask::rw-" "$(getfacl -n "$a" 2>/dev/null | grep '^mask')"
allowed u1 "append after chmod 0660 restored the mask" sh -c "echo again >>'$a'"
# a named group
setfacl -m g:$G1:rw "$a"
allowed u2g1 "read through a named-group entry (as member of $G1)" cat "$a"
denied u2 "read without that group" cat "$a"
# only the owner (or root) changes an ACL
denied u1 "change the ACL of a file it does not own" setfacl -m u:$U1:rwx "$a"
check_eq "access ACL in getfacl" "user::rw- user:$U1:rw- group::r-- group:$G1:rw- mask::rw- other::---" \
  "$(getfacl -n "$a" 2>/dev/null | grep -v '^#' | xargs)"
# cp -a carries ACLs and attributes along
setfattr -n user.note -v copied "$a"
cp -a "$a" "$MNT/acl-copy"
check_eq "ACL of a cp -a copy" "$(getfacl -n "$a" 2>/dev/null | grep -v '^#' | xargs)" \
  "$(getfacl -n "$MNT/acl-copy" 2>/dev/null | grep -v '^#' | xargs)"
check_eq "attribute of a cp -a copy" copied "$(getfattr --only-values -n user.note "$MNT/acl-copy")"
# a directory: named user may enter and create, others not
mkdir -m 0700 "$MNT/private"
setfacl -m u:$U1:rwx "$MNT/private"
allowed u1 "create a file in a 0700 directory through the ACL" touch "$MNT/private/u1file"
denied u2 "list a 0700 directory" ls "$MNT/private"
check_eq "owner of the file created through the ACL" "$U1" "$(stat -c %u "$MNT/private/u1file")"
# removing the ACL
setfacl -b "$a"
check_eq "no ACL after setfacl -b (group bits: the owning group entry)" "-rw-r-----" "$(ls -l "$a" | cut -c1-11 | xargs)"
denied u1 "read after setfacl -b" cat "$a"
log "access ACLs: named users and groups, mask, chmod, owner-only changes"

# ------------------------------------------------------------ default ACLs
d="$MNT/inherit"
mkdir "$d"
setfacl -d -m u:$U1:rwx,g::rx,o::- "$d"
chmod 0777 "$d"
(umask 077 && touch "$d/file" && mkdir "$d/sub" && mkfifo "$d/fifo")
check_eq "file under a default ACL (umask 077 ignored)" "-rw-rw----+" "$(ls -ld "$d/file" | cut -c1-11)"
check_eq "its ACL" "user::rw- user:$U1:rwx #effective:rw- group::r-x #effective:r-- mask::rw- other::---" \
  "$(getfacl -n "$d/file" 2>/dev/null | grep -v '^#' | xargs)"
check_eq "directory under a default ACL" "drwxrwx---+" "$(ls -ld "$d/sub" | cut -c1-11)"
check_eq "its default ACL" "$(getfacl -n -d "$d" 2>/dev/null | grep -v '^#' | xargs)" \
  "$(getfacl -n -d "$d/sub" 2>/dev/null | grep -v '^#' | xargs)"
check_eq "FIFO under a default ACL" "prw-rw----+" "$(ls -ld "$d/fifo" | cut -c1-11)"
(umask 077 && touch "$d/sub/deeper")
check_eq "inherited again one level down" "-rw-rw----+" "$(ls -ld "$d/sub/deeper" | cut -c1-11)"
allowed u1 "write a file through its inherited ACL" sh -c "echo x >>'$d/sub/deeper'"
allowed u1 "create a file as the named user" touch "$d/byu1"
check_eq "user's own file under the default ACL" "-rw-rw----+" "$(ls -ld "$d/byu1" | cut -c1-11)"
# without a default ACL the umask applies
(umask 077 && touch "$MNT/plainfile" && mkdir "$MNT/plaindir")
(umask 022 && touch "$MNT/plain022")
check_eq "umask 077 without a default ACL" "-rw-------" "$(ls -ld "$MNT/plainfile" | cut -c1-10)"
check_eq "umask 077 directory without a default ACL" "drwx------" "$(ls -ld "$MNT/plaindir" | cut -c1-10)"
check_eq "umask 022 without a default ACL" "-rw-r--r--" "$(ls -ld "$MNT/plain022" | cut -c1-10)"
# (setfacl refuses by itself; the raw ACL: version 2, u::rwx g::r-x o::r-x)
acl_hex=02000000010007000000000004000500000000002000050000000000
check_eq "default ACL on a file" EACCES "$(xa sethex "$f" system.posix_acl_default $acl_hex)"
check_eq "a malformed ACL" EINVAL "$(xa sethex "$d" system.posix_acl_default 0200000001000700)"
setfacl -k "$d/sub"
check_eq "setfacl -k removes the default ACL" "" "$(getfacl -n -d "$d/sub" 2>/dev/null | grep -v '^#' | xargs)"
log "default ACLs inherited by files, directories and FIFOs; umask ignored under them only"

# ------------------------------------------------------------------ snapshots
(cd "$MNT" && "$TOOLS/mfsmakesnapshot" inherit inherit-snap >/dev/null) || fail "mfsmakesnapshot failed"
check_eq "xattrs of a snapshot copy" blue-ish "$(setfattr -n user.c -v blue-ish "$d/file" && cd "$MNT" &&
  "$TOOLS/mfsmakesnapshot" inherit/file file-snap >/dev/null && getfattr --only-values -n user.c file-snap)"
check_eq "ACLs of a snapshot copy" "$(getfacl -n -R "$d" 2>/dev/null | grep -v '^#' | xargs)" \
  "$(getfacl -n -R "$MNT/inherit-snap" 2>/dev/null | grep -v '^#' | xargs)"
log "snapshots copy extended attributes and ACLs"

# --------------------------------------------------------------- mfsnoxattrs
mount_client "$T/noxattr" -o mfsnoxattrs
if setfattr -n user.x -v 1 "$T/noxattr/f" 2>"$T/err"; then fail "setfattr worked with mfsnoxattrs"; fi
grep -q "Operation not supported" "$T/err" || fail "mfsnoxattrs: want EOPNOTSUPP, got: $(cat "$T/err")"
check_eq "getxattr with mfsnoxattrs" ENOTSUP "$(xa get "$T/noxattr/f" user.color 0)"
umount_client "$T/noxattr"
log "mfsnoxattrs turns extended attributes off"

# ------------------------------------------------------- persistence
snapshot() {
  getfattr -R -d -m - -e hex "$MNT" 2>/dev/null | grep -v '^user.nnn'
  getfacl -R -n "$MNT" 2>/dev/null
}
sync -f "$MNT"
before=$(snapshot)
[[ "$before" == *"user.color"* && "$before" == *"default:user:$U1:rwx"* ]] || fail "snapshot of the attributes is incomplete"
kill9_master
sleep 1
start_master -a
wait_chunkservers "$CHUNKSERVERS" 60 noprobe
recovered=0
for ((i = 0; i < 60; i++)); do
  if timeout 10 stat "$f" >/dev/null 2>&1; then recovered=1; break; fi
  sleep 1
done
((recovered)) || fail "the mount did not reconnect to the restarted master within 60s"
check_eq "xattrs and ACLs after kill -9 and mfsmaster -a" "$before" "$(snapshot)"
allowed u1 "write through an inherited ACL after recovery" sh -c "echo y >>'$d/sub/deeper'"
umount_client
stop_master
start_master
wait_chunkservers "$CHUNKSERVERS" 60
mount_client
check_eq "xattrs and ACLs after a clean restart (image)" "$before" "$(snapshot)"
pass
