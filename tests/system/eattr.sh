#!/usr/bin/env bash
# Extra attributes honoured through the mount: undeletable, immutable,
# appendonly (files and directories), noowner, and the cache attributes
# (noattrcache: another mount's change shows at once; nodatacache: reads
# bypass the page cache).
. "$(dirname "$0")/lib.sh"
start_cluster
cd "$MNT"
seteattr() { "$TOOLS/mfsseteattr" "$@" >/dev/null || fail "mfsseteattr $*"; }
deleattr() { "$TOOLS/mfsdeleattr" "$@" >/dev/null || fail "mfsdeleattr $*"; }
# denied WHAT CMD...: CMD must fail with "Operation not permitted"
denied() {
  local what=$1
  shift
  if "$@" 2>"$T/err"; then fail "$what succeeded"; fi
  grep -q "Operation not permitted" "$T/err" || fail "$what: expected EPERM, got: $(cat "$T/err")"
}

# ---- undeletable: no unlink, no rename, no replacing; data still changes
mkdir d
echo one >d/u
seteattr -f undeletable d/u
denied "rm of an undeletable file" rm d/u
denied "rename of an undeletable file" mv d/u d/v
echo x >d/other
denied "rename over an undeletable file" mv d/other d/u
echo two >d/u || fail "write to an undeletable file"
check_eq "undeletable file is writable" two "$(cat d/u)"
deleattr -f undeletable d/u
rm d/u || fail "rm after removing undeletable"

# ---- immutable file: nothing changes
echo fixed >d/i
seteattr -f immutable d/i
denied "write to an immutable file" sh -c 'echo more >>d/i'
denied "truncate of an immutable file" truncate -s 0 d/i
denied "chmod of an immutable file" chmod 600 d/i
denied "chown of an immutable file" chown 1:1 d/i
denied "rm of an immutable file" rm d/i
denied "hard link to an immutable file" ln d/i d/i2
check_eq "immutable content" fixed "$(cat d/i)"
# ---- immutable directory: no names added or removed
mkdir d/frozen
echo in >d/frozen/f
seteattr -f immutable d/frozen
denied "create in an immutable directory" touch d/frozen/new
denied "mkdir in an immutable directory" mkdir d/frozen/sub
denied "rm in an immutable directory" rm d/frozen/f
echo changed >d/frozen/f || fail "write to a file inside an immutable directory"
deleattr -f immutable d/frozen d/i

# ---- appendonly: O_APPEND only, no truncate, no unlink
printf 'a\n' >d/log
seteattr -f appendonly d/log
printf 'b\n' >>d/log || fail "append to an appendonly file"
denied "overwrite of an appendonly file" sh -c 'printf c >d/log'
denied "write without O_APPEND" dd if=/dev/zero of=d/log bs=1 count=1 conv=notrunc status=none
denied "truncate of an appendonly file" truncate -s 0 d/log
denied "rm of an appendonly file" rm d/log
check_eq "appendonly content" "a b" "$(tr '\n' ' ' <d/log | sed 's/ $//')"
mkdir d/adir
seteattr -f appendonly d/adir
touch d/adir/new || fail "create in an appendonly directory"
denied "rm in an appendonly directory" rm d/adir/new
deleattr -f appendonly d/log d/adir

# ---- noowner: every user counts as the owner
echo mine >d/shared
chmod 600 d/shared
as_user() { setpriv --reuid=1000 --regid=1000 --clear-groups "$@"; }
as_user cat d/shared >/dev/null 2>&1 && fail "user 1000 reads a 0600 root file"
seteattr -f noowner d/shared
check_eq "noowner: user 1000 reads as owner" mine "$(as_user cat d/shared)"
check_eq "noowner: owner as user 1000 sees it" 1000 "$(as_user stat -c %u d/shared)"
as_user chmod 644 d/shared || fail "noowner: chmod by another user"
check_eq "noowner chmod" 644 "$(stat -c %a d/shared)"

# ---- noattrcache: a change through a second mount shows at once
mount_client "$T/mnt2"
echo 12345 >d/sized
seteattr -f noattrcache d/sized
stat -c %s d/sized >/dev/null
echo 1234567890 >"$T/mnt2/d/sized"
check_eq "noattrcache: size seen at once" 11 "$(stat -c %s d/sized)"

# ---- nodatacache: reads come from the cluster, not the page cache
echo old >d/nocache
seteattr -f nodatacache d/nocache
cat d/nocache >/dev/null
echo new >"$T/mnt2/d/nocache"
check_eq "nodatacache: data changed elsewhere is read at once" new "$(cat d/nocache)"
pass
