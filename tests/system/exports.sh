#!/usr/bin/env bash
# mfsexports.cfg as a user meets it. Clients come from different loopback
# addresses (127.0.0.x, all of 127/8 is loopback) with mfsmount -o mfsbind=,
# so that rules for different addresses can be told apart:
# refused address, passwords (challenge-response), ro, disable=, maproot and
# mapall, subfolder exports that cannot be escaped, alldirs, mingoal/maxgoal,
# SIGHUP reload, and the one-line error for a bad line.
. "$(dirname "$0")/lib.sh"

[[ "$TEST_HOST" == 127.0.0.1 ]] || fail "exports.sh needs the loopback cluster on 127.0.0.1 (ANTLER_TEST_HOST=$TEST_HOST)"
if ! id antlertest >/dev/null 2>&1; then
  useradd --no-create-home --user-group --shell /usr/sbin/nologin antlertest || fail "useradd antlertest failed"
fi
U=$(id -u antlertest)
G=$(id -g antlertest)

EXPORTS=(
  "127.0.0.1  /          rw,alldirs,maproot=0"
  "127.0.0.2  /pw        rw,maproot=0,password=Xyzzy-42"
  "127.0.0.2  /md5       rw,maproot=0,md5pass=5ebe2294ecd0e0f08eab7690d2a6ee69"
  "127.0.0.3  /ro        ro,maproot=0"
  "127.0.0.4  /sub       rw,maproot=0"
  "127.0.0.5  /sub       rw,maproot=0,alldirs"
  "127.0.0.6  /own       rw,maproot=1234:1235,mapall=2345:2346"
  "127.0.0.7  /goal3     rw,maproot=0,mingoal=3"
  "127.0.0.8  /goal1     rw,maproot=0,maxgoal=1"
  "127.0.0.9  /dis       rw,maproot=0,disable=chmod:mkdir:unlink"
  "127.0.0.13 /ro        rw,maproot=0"
  "127.0.0.14 /ig        rw,maproot=0,ignoregid"
  "127.0.0.15 /          rw,minversion=200.0.0"
  "127.0.0.16 .          rw"
  "127.0.0.17 /          rw"
  "127.0.0.18 /          rw"
  "127.0.0.19-127.0.0.20 /  rw,dynamicip"
)
write_master_cfg "$MASTER_DIR" "$ML_PORT" "$CS_PORT" "$CL_PORT" "${EXPORTS[@]}"
start_cluster
cd /

mkdir -p "$MNT/pw" "$MNT/md5" "$MNT/ro" "$MNT/sub/deeper" "$MNT/own" "$MNT/goal3" "$MNT/goal1" "$MNT/dis" "$MNT/ig"
chmod 1777 "$MNT/own"
echo top >"$MNT/top-secret"
echo inside >"$MNT/sub/inside"
echo old >"$MNT/ro/file"
echo keep >"$MNT/dis/file"
mkdir "$MNT/ro/dir"

# mount_from IP MOUNTPOINT [mfsmount args...]: mount from source address IP.
mount_from() {
  local ip=$1 mp=$2
  shift 2
  mount_client "$mp" -o "mfsbind=$ip" "$@"
}

# refused WHY IP MOUNTPOINT [mfsmount args...]: the mount must fail at once,
# non-zero, with a message; prints the message.
refused() {
  local why=$1 ip=$2 mp=$3 rc=0
  shift 3
  mkdir -p "$mp"
  timeout 30 "$MFSMOUNT" "$mp" -H "$TEST_HOST" -P "$CL_PORT" -f -o "mfsbind=$ip" "$@" \
    </dev/null >"$T/refused.out" 2>"$T/refused.err" || rc=$?
  if grep -qF " $mp fuse" /proc/mounts; then
    MOUNTS+=("$mp")
    fail "$why: the mount from $ip was accepted"
  fi
  ((rc != 124)) || fail "$why: mfsmount hung for 30s instead of being refused"
  ((rc != 0)) || fail "$why: mfsmount exited 0 without mounting"
  [[ -s "$T/refused.err" ]] || fail "$why: mfsmount gave no message"
  tail -n 1 "$T/refused.err"
}

# ---- wrong address: no rule for 127.0.0.10
msg=$(refused "a mount from an address without a rule" 127.0.0.10 "$T/m-none")
grep -qF "do not allow 127.0.0.10" <<<"$msg" || fail "refusal of 127.0.0.10 is not clear: '$msg'"
log "unknown address refused: $msg"
# 127.0.0.3 may mount /ro only
msg=$(refused "127.0.0.3 mounting / (exported to it: /ro only)" 127.0.0.3 "$T/m-none")
grep -qF "do not allow 127.0.0.3" <<<"$msg" || fail "refusal of 127.0.0.3 for / is not clear: '$msg'"

# ---- passwords
msg=$(refused "no password for a password export" 127.0.0.2 "$T/m-pw" -S /pw)
grep -qiF "password is needed" <<<"$msg" || fail "refusal without password is not clear: '$msg'"
msg=$(refused "a wrong password" 127.0.0.2 "$T/m-pw" -S /pw -o mfspassword=bad)
grep -qiF "wrong password" <<<"$msg" || fail "refusal of a wrong password is not clear: '$msg'"
msg=$(refused "a wrong md5pass" 127.0.0.2 "$T/m-pw" -S /pw -o mfsmd5pass=00000000000000000000000000000000)
grep -qiF "wrong password" <<<"$msg" || fail "refusal of a wrong md5pass is not clear: '$msg'"
log "wrong password refused: $msg"
grep -qF "password checked" "$T/log/mfsmaster.log" && fail "the master accepted a password it should not have"
mount_from 127.0.0.2 "$T/m-pw" -S /pw -o mfspassword=Xyzzy-42
echo hello >"$T/m-pw/f"
check_eq "file written through the password mount" hello "$(cat "$MNT/pw/f")"
umount_client "$T/m-pw"
# md5pass= on the master side, mfsmd5pass= (hex of MD5("secret")) on the client
mount_from 127.0.0.2 "$T/m-md5" -S /md5 -o mfsmd5pass=5EBE2294ECD0E0F08EAB7690D2A6EE69
touch "$T/m-md5/x"
umount_client "$T/m-md5"
mount_from 127.0.0.2 "$T/m-md5" -S /md5 -o mfspassword=secret
umount_client "$T/m-md5"
# the password itself never crossed the wire: it is nowhere in the master's log
grep -qF "Xyzzy-42" "$T/log/mfsmaster.log" && fail "the password shows in the master's log"
log "right passwords accepted (mfspassword and mfsmd5pass)"

# -p: the password typed on the terminal. ask_tty PASSWORD COMMAND...: runs
# COMMAND on a pseudo-terminal, types PASSWORD once the prompt has turned the
# echo off, prints what COMMAND wrote and exits with its status.
ask_tty() {
  "$PYTHON" - "$@" <<'PY'
import os, pty, select, sys, termios, time
password, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out, typed, deadline = b"", False, time.time() + 30
while time.time() < deadline:
    if not typed and b"Password:" in out and not termios.tcgetattr(fd)[3] & termios.ECHO:
        os.write(fd, password.encode() + b"\n")
        typed = True
    if not select.select([fd], [], [], 0.1)[0]:
        continue
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status) if typed else 99)
PY
}
mkdir -p "$T/m-tty"
rc=0
out=$(ask_tty wrong "$MFSMOUNT" "$T/m-tty" -H "$TEST_HOST" -P "$CL_PORT" -o mfsbind=127.0.0.2 -S /pw -p) || rc=$?
((rc != 0 && rc != 99)) || fail "mfsmount -p with a wrong password: status $rc, output '$out'"
grep -qF "wrong password" <<<"$out" || fail "mfsmount -p with a wrong password: no clear message: '$out'"
out=$(ask_tty Xyzzy-42 "$MFSMOUNT" "$T/m-tty" -H "$TEST_HOST" -P "$CL_PORT" -o mfsbind=127.0.0.2 -S /pw -p) ||
  fail "mfsmount -p with the right password failed: '$out'"
pid=$(pgrep -f -- "$MFSMOUNT $T/m-tty" | head -n 1 || true)
[[ -n "$pid" ]] && record_pid "mount:$T/m-tty" "$pid"
grep -qF " $T/m-tty fuse" /proc/mounts || fail "mfsmount -p with the right password did not mount: '$out'"
MOUNTS+=("$T/m-tty")
check_eq "file seen through the -p mount" hello "$(cat "$T/m-tty/f")"
umount_client "$T/m-tty"
log "mfsmount -p: wrong password refused, right one accepted"

# ---- ro: every kind of write is EROFS
mount_from 127.0.0.3 "$T/m-ro" -S /ro
R=$T/m-ro
check_eq "content of the ro mount" old "$(cat "$R/file")"
erofs() {
  local what=$1 err
  shift
  if err=$("$@" 2>&1); then fail "ro export: $what succeeded"; fi
  grep -qF "Read-only file system" <<<"$err" || fail "ro export: $what failed but not with EROFS: '$err'"
}
# every_write_erofs DIR: DIR holds 'file' (content old) and 'dir'
every_write_erofs() {
  local R=$1
  erofs create touch "$R/new"
  erofs mkdir mkdir "$R/newdir"
  erofs write sh -c "echo more >>'$R/file'"
  erofs truncate truncate -s 0 "$R/file"
  erofs chmod chmod 600 "$R/file"
  erofs chown chown 1:1 "$R/file"
  erofs rename mv "$R/file" "$R/renamed"
  erofs unlink rm -f "$R/file"
  erofs rmdir rmdir "$R/dir"
  erofs symlink ln -s file "$R/sym"
  erofs link ln "$R/file" "$R/hard"
  erofs mkfifo mkfifo "$R/fifo"
  if setfattr -n user.probe -v 1 "$MNT/top-secret" 2>/dev/null; then
    erofs setxattr setfattr -n user.x -v 1 "$R/file"
  fi
}
every_write_erofs "$R"
check_eq "file after refused writes" old "$(cat "$MNT/ro/file")"
check_eq "mode after refused chmod" 644 "$(stat -c %a "$MNT/ro/file")"
check_eq "names after refused writes" "dir file" "$(ls "$MNT/ro" | tr '\n' ' ' | sed 's/ $//')"
umount_client "$T/m-ro"
log "ro export: every write refused with EROFS"

# ---- disable=: EPERM for the disabled operations, the rest works
mount_from 127.0.0.9 "$T/m-dis" -S /dis
D=$T/m-dis
eperm() {
  local what=$1 err
  shift
  if err=$("$@" 2>&1); then fail "disable=: $what succeeded"; fi
  grep -qF "Operation not permitted" <<<"$err" || fail "disable=: $what failed but not with EPERM: '$err'"
}
eperm chmod chmod 600 "$D/file"
eperm mkdir mkdir "$D/d"
eperm unlink rm -f "$D/file"
echo new >"$D/other" || fail "disable=chmod:mkdir:unlink also stopped file creation"
mv "$D/other" "$D/other2" || fail "disable=chmod:mkdir:unlink also stopped rename"
check_eq "content under disable=" keep "$(cat "$D/file")"
umount_client "$T/m-dis"
log "disable=chmod:mkdir:unlink: EPERM for those, the rest works"

# ---- maproot / mapall change the owner of created files
mount_from 127.0.0.6 "$T/m-own" -S /own -o allow_other
touch "$T/m-own/by-root"
setpriv --reuid="$U" --regid="$G" --init-groups -- touch "$T/m-own/by-user" ||
  fail "antlertest could not create a file through the mapall mount"
check_eq "owner of a file root created (maproot=1234:1235)" 1234:1235 "$(stat -c %u:%g "$MNT/own/by-root")"
check_eq "owner of a file antlertest created (mapall=2345:2346)" 2345:2346 "$(stat -c %u:%g "$MNT/own/by-user")"
umount_client "$T/m-own"
log "maproot and mapall applied"

# ---- ignoregid: every non-owner gets the group bits
echo group >"$MNT/ig/g660"
chmod 660 "$MNT/ig/g660"
echo owner >"$MNT/ig/o600"
chmod 600 "$MNT/ig/o600"
mount_from 127.0.0.14 "$T/m-ig" -S /ig -o allow_other
out=$(setpriv --reuid="$U" --regid="$G" --init-groups -- cat "$T/m-ig/g660" 2>&1) ||
  fail "ignoregid: antlertest (not in group root) could not read a root:root 0660 file: $out"
check_eq "0660 file read under ignoregid" group "$out"
setpriv --reuid="$U" --regid="$G" --init-groups -- cat "$T/m-ig/o600" >/dev/null 2>&1 &&
  fail "ignoregid: antlertest could read a 0600 file of root"
umount_client "$T/m-ig"
log "ignoregid: group bits for every non-owner"

# ---- minversion: this client (0.x) is too old for 127.0.0.15's rule
msg=$(refused "a client below minversion" 127.0.0.15 "$T/m-none")
grep -qF "below the minversion" <<<"$msg" || fail "refusal below minversion is not clear: '$msg'"

# ---- meta mounts: only from a rule for '.'
msg=$(refused "a meta mount without a '.' rule" 127.0.0.1 "$T/m-meta" -m)
grep -qF "do not allow 127.0.0.1 to mount the meta file system" <<<"$msg" || fail "refusal of the meta mount is not clear: '$msg'"
msg=$(refused "a namespace mount from an address with only a '.' rule" 127.0.0.16 "$T/m-meta")
grep -qF "do not allow 127.0.0.16" <<<"$msg" || fail "refusal of 127.0.0.16 for / is not clear: '$msg'"
mount_from 127.0.0.16 "$T/m-meta" -m
[[ -d "$T/m-meta/trash" ]] || fail "the meta mount from 127.0.0.16 has no trash/"
umount_client "$T/m-meta"
log "meta mounts: refused without a '.' rule, accepted with one"

# ---- dynamicip: a session may come back from another address only with it.
# A bare protocol client (python) registers from one address, then tries to
# resume its session from another, as a client behind a changing address would.
resume_from() {
  "$PYTHON" - "$CL_PORT" "$@" <<'PY'
import socket, struct, sys
port, first, second = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def text(x):
    b = x if isinstance(x, bytes) else x.encode()
    return struct.pack("<I", len(b)) + b
def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise SystemExit("connection closed by the master")
        out += chunk
    return out
def register(src, session, secret=b""):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(src, 0))
    hello = struct.pack("<IQQQB", 1, 0, 0, 0, 1) + text("exports.sh")
    sock.sendall(struct.pack("<II", 1, len(hello)) + hello)
    t, n = struct.unpack("<II", recv_exact(sock, 8)); recv_exact(sock, n)
    reg = (struct.pack("<I", 7) + text("/") + text(secret) + struct.pack("<Q", session) + text("probe from " + src)
           + b"\0\0" + struct.pack("<I", 0x000100))
    sock.sendall(struct.pack("<II", 100, len(reg)) + reg)
    t, n = struct.unpack("<II", recv_exact(sock, 8))
    p = recv_exact(sock, n)
    if t != 101:
        raise SystemExit("unexpected reply type %d" % t)
    req, status, sid, ro, mlen = struct.unpack_from("<IBQ?I", p)
    secret = b""
    if status == 0:  # then the session's secret, which resumes it
        (slen,) = struct.unpack_from("<I", p, 18 + mlen)
        secret = p[22 + mlen:22 + mlen + slen]
    return sock, status, sid, p[18:18 + mlen].decode(), secret
keep, status, sid, msg, secret = register(first, 0)
if status != 0:
    raise SystemExit("registration from %s refused: %s" % (first, msg))
_, status, sid2, msg, _ = register(second, sid, secret)
print("accepted" if status == 0 and sid2 == sid else "refused: " + msg)
PY
}
out=$(resume_from 127.0.0.17 127.0.0.18) || fail "protocol client: $out"
[[ "$out" == refused:*"no dynamicip"* ]] || fail "a session resumed from another address without dynamicip: '$out'"
out=$(resume_from 127.0.0.19 127.0.0.20) || fail "protocol client: $out"
check_eq "a session resumed from another address with dynamicip" accepted "$out"
log "dynamicip: sessions move between addresses only with it"

# ---- subfolder export: its root is the subfolder, no way out
mount_from 127.0.0.4 "$T/m-sub" -S /sub
check_eq "root of the /sub export" "deeper inside" "$(ls "$T/m-sub" | tr '\n' ' ' | sed 's/ $//')"
[[ -e "$T/m-sub/../top-secret" || -e "$T/m-sub/deeper/../../top-secret" ]] && fail "reached the file system root from a /sub export"
check_eq "'..' of the export root" "$(stat -c %i "$T")" "$(stat -c %i "$T/m-sub/..")"
check_eq "'..' of a folder inside" "$(stat -c %i "$T/m-sub")" "$(stat -c %i "$T/m-sub/deeper/..")"
umount_client "$T/m-sub"
msg=$(refused "a subfolder with '..'" 127.0.0.4 "$T/m-sub" -S /sub/..)
grep -qF ".." <<<"$msg" || fail "refusal of -S /sub/.. is not clear: '$msg'"
msg=$(refused "a deeper folder without alldirs" 127.0.0.4 "$T/m-sub" -S /sub/deeper)
grep -qF "do not allow" <<<"$msg" || fail "refusal of /sub/deeper without alldirs is not clear: '$msg'"
mount_from 127.0.0.5 "$T/m-deep" -S /sub/deeper
touch "$T/m-deep/from-deep"
[[ -e "$MNT/sub/deeper/from-deep" ]] || fail "alldirs mount of /sub/deeper does not write there"
umount_client "$T/m-deep"
log "subfolder exports: root is the subfolder, '..' refused, alldirs works"

# ---- mingoal / maxgoal clamp the goal (2 here) a new file inherits
# copies_of_new_file FILE WANT: writes FILE (one chunk), waits until its chunk
# has WANT copies, then checks that it stays so (no replication to another goal).
copies_of_new_file() {
  local f=$1 want=$2 i n=0
  chunk_files >"$T/before"
  head -c 1048576 /dev/urandom >"$f"
  for ((i = 0; i < 40; i++)); do
    n=$(chunk_files | comm -13 "$T/before" - | wc -l)
    ((n == want)) && break
    sleep 0.5
  done
  sleep 3
  chunk_files | comm -13 "$T/before" - | wc -l
}
mount_from 127.0.0.7 "$T/m-g3" -S /goal3
check_eq "copies of a file under mingoal=3" 3 "$(copies_of_new_file "$T/m-g3/f" 3)"
check_eq "mfsgetgoal under mingoal=3" "$T/m-g3/f: 3" "$("$TOOLS/mfsgetgoal" "$T/m-g3/f" 2>&1)"
if "$TOOLS/mfssetgoal" 2 "$T/m-g3/f" >"$T/out" 2>&1; then fail "mfssetgoal 2 succeeded under mingoal=3: $(cat "$T/out")"; fi
grep -qF "Operation not permitted" "$T/out" || fail "mfssetgoal 2 under mingoal=3: not EPERM: $(cat "$T/out")"
"$TOOLS/mfssetgoal" 5 "$T/m-g3/f" >"$T/out" 2>&1 || fail "mfssetgoal 5 refused under mingoal=3: $(cat "$T/out")"
umount_client "$T/m-g3"
mount_from 127.0.0.8 "$T/m-g1" -S /goal1
check_eq "copies of a file under maxgoal=1" 1 "$(copies_of_new_file "$T/m-g1/f" 1)"
umount_client "$T/m-g1"
check_eq "copies of a file under no goal rule (DEFAULT_GOAL 2)" 2 "$(copies_of_new_file "$MNT/f" 2)"
log "mingoal/maxgoal clamp the inherited goal"

# ---- SIGHUP: a new rule applies to a new mount; a bad file keeps the old rules
refused "127.0.0.11 before the reload" 127.0.0.11 "$T/m-new" >/dev/null
printf '%s\n' "127.0.0.11 /sub rw,maproot=0" >>"$MASTER_DIR/mfsexports.cfg"
kill -HUP "${PIDS[master]}"
wait_until 20 "the master to log the exports reload" grep -qF "exports reloaded" "$T/log/mfsmaster.log"
mount_from 127.0.0.11 "$T/m-new" -S /sub
[[ -e "$T/m-new/inside" ]] || fail "the mount allowed by the reloaded exports does not show /sub"
umount_client "$T/m-new"
printf '%s\n' "127.0.0.12 /sub rw,maxgoal=12" >>"$MASTER_DIR/mfsexports.cfg"
bad_line=$(wc -l <"$MASTER_DIR/mfsexports.cfg")
kill -HUP "${PIDS[master]}"
wait_until 20 "the master to log the refused reload" grep -qF "exports not reloaded" "$T/log/mfsmaster.log"
msg=$(grep -F "exports not reloaded" "$T/log/mfsmaster.log" | tail -n 1)
grep -qF "$MASTER_DIR/mfsexports.cfg:$bad_line: maxgoal:" <<<"$msg" || fail "the reload error does not name file, line and key: '$msg'"
daemon_alive master || fail "the master died on a bad exports reload"
mount_from 127.0.0.11 "$T/m-new" -S /sub
umount_client "$T/m-new"
log "SIGHUP reload: new rule applied, bad file refused with '$msg'"

# ---- the master itself refuses writes of a read-only session: a mount made
# read-write whose export became ro (file changed, master restarted: the
# client re-registers under the new rule while the kernel mount stays rw)
mount_from 127.0.0.13 "$T/m-ro2" -S /ro
grep -F " $T/m-ro2 " /proc/mounts | grep -q " rw," || fail "the 127.0.0.13 mount is not read-write to begin with"
sed -i -e '/^127.0.0.12 /d' -e 's|^127.0.0.13 .*|127.0.0.13 /ro ro,maproot=0|' "$MASTER_DIR/mfsexports.cfg"
stop_master
start_master
wait_until 60 "the 127.0.0.13 mount to re-register" test -e "$T/m-ro2/file"
grep -F " $T/m-ro2 " /proc/mounts | grep -q " rw," || fail "the 127.0.0.13 kernel mount is no longer read-write"
every_write_erofs "$T/m-ro2"
check_eq "file after writes refused by the master" old "$(cat "$MNT/ro/file")"
check_eq "names after writes refused by the master" "dir file" "$(ls "$MNT/ro" | tr '\n' ' ' | sed 's/ $//')"
umount_client "$T/m-ro2"
log "read-only session: the master refuses every write with EROFS"

# ---- a bad line stops the master from starting, with a one-line error
BAD=$T/bad
write_master_cfg "$BAD" $((BASE_PORT + 7)) $((BASE_PORT + 8)) $((BASE_PORT + 9)) "* / rw" "10.0.0.0/8 / rw,mapall=no_such_user_xyz"
rc=0
timeout 30 "$MFSMASTER" -c "$BAD/mfsmaster.cfg" -f start >"$T/out" 2>"$T/err" </dev/null || rc=$?
((rc != 0 && rc != 124)) || fail "mfsmaster with a bad exports line: exit status $rc, expected a start-up failure"
grep -qF "$BAD/mfsexports.cfg:3: mapall: unknown user 'no_such_user_xyz'" "$T/err" ||
  fail "mfsmaster's message does not name file, line and key: '$(cat "$T/err")'"
port_busy $((BASE_PORT + 9)) && fail "a master with a bad exports file listens"
log "bad exports line: $(grep -F "mfsexports.cfg:3" "$T/err" | head -n 1)"

pass
