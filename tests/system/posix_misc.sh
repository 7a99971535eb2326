#!/usr/bin/env bash
# POSIX details through the mount: O_EXCL, O_TRUNC, fallocate, utimensat
# with UTIME_NOW / UTIME_OMIT and nanoseconds, names of 255 and 256 bytes,
# ELOOP, statfs inode counts, and ATIME_MODE (0 always, 2 relatime, 4
# never), with the attribute cache off so that stat shows the master.
MOUNT_OPTS=mfsattrcacheto=0
. "$(dirname "$0")/lib.sh"
write_master_cfg "$MASTER_DIR" "$ML_PORT" "$CS_PORT" "$CL_PORT"
echo "ATIME_MODE = 0" >>"$MASTER_CFG"
start_cluster
cd "$MNT"

# errno_of PYTHON-STATEMENT: runs it, prints "ok" or the errno name.
errno_of() {
  "$PYTHON" - "$1" <<'PY'
import errno, os, sys
try:
    exec(sys.argv[1])
    print("ok")
except OSError as e:
    print(errno.errorcode.get(e.errno, str(e.errno)))
PY
}

# ---- O_EXCL, O_TRUNC
echo data >x
check_eq "O_CREAT|O_EXCL on an existing file" EEXIST "$(errno_of 'os.open("x", os.O_CREAT | os.O_EXCL | os.O_WRONLY)')"
check_eq "O_CREAT|O_EXCL on a new name" ok "$(errno_of 'os.close(os.open("y", os.O_CREAT | os.O_EXCL | os.O_WRONLY))')"
errno_of 'os.close(os.open("x", os.O_WRONLY | os.O_TRUNC))' >/dev/null
check_eq "O_TRUNC empties" 0 "$(stat -c %s x)"

# ---- fallocate: default mode grows, KEEP_SIZE keeps, hole punching is refused
echo abc >f
fallocate -l 10M f || fail "fallocate -l 10M failed"
check_eq "size after fallocate" $((10 << 20)) "$(stat -c %s f)"
check_eq "old data kept by fallocate" abc "$(head -c 3 f)"
check_eq "the new range reads as zeros" 0 "$(tail -c +5 f | tr -d '\0' | wc -c)"
fallocate -n -o 20M -l 1M f || fail "fallocate --keep-size failed"
check_eq "size after fallocate --keep-size" $((10 << 20)) "$(stat -c %s f)"
fallocate -l 1M f || fail "fallocate inside the file failed"
check_eq "fallocate inside the file keeps the size" $((10 << 20)) "$(stat -c %s f)"
fallocate -p -o 0 -l 4096 f 2>"$T/err" && fail "punching a hole succeeded"
grep -Eq "unsupported|not supported" "$T/err" || fail "punch hole: expected EOPNOTSUPP, got: $(cat "$T/err")"

# ---- utimensat: nanoseconds, UTIME_OMIT (touch -a / -m), UTIME_NOW
touch -d '@1000000000.123456789' t
check_eq "atime with nanoseconds" 1000000000.123456789 "$(stat -c %.9X t)"
check_eq "mtime with nanoseconds" 1000000000.123456789 "$(stat -c %.9Y t)"
touch -a -d '@2000000000.5' t  # mtime: UTIME_OMIT
check_eq "atime set alone" 2000000000.500000000 "$(stat -c %.9X t)"
check_eq "mtime untouched by touch -a" 1000000000.123456789 "$(stat -c %.9Y t)"
touch -m -d '@1500000000' t  # atime: UTIME_OMIT
check_eq "atime untouched by touch -m" 2000000000.500000000 "$(stat -c %.9X t)"
check_eq "mtime set alone" 1500000000.000000000 "$(stat -c %.9Y t)"
before=$(date +%s)
touch t  # UTIME_NOW for both
(($(stat -c %Y t) >= before && $(stat -c %X t) >= before)) || fail "touch (UTIME_NOW) did not set the times to now"

# ---- names: 255 bytes fine, 256 ENAMETOOLONG; symlink loops ELOOP
long=$(printf 'n%.0s' {1..255})
echo ok >"$long" || fail "a 255-byte name was refused"
check_eq "255-byte name" ok "$(cat "$long")"
check_eq "256-byte name" ENAMETOOLONG "$(errno_of "open('${long}x', 'w')")"
ln -s loop2 loop1
ln -s loop1 loop2
check_eq "symlink loop" ELOOP "$(errno_of 'open("loop1")')"

# ---- statfs: used inodes follow creates and removals
used() { df --output=iused "$MNT" | tail -n 1 | tr -d ' '; }
u0=$(used)
mkdir many && for i in $(seq 10); do : >"many/$i"; done
check_eq "used inodes after 11 creates" $((u0 + 11)) "$(used)"

# ---- ATIME_MODE 0: every read moves atime
echo content >a
touch -a -d '@1000000000' a
cat a >/dev/null
(($(stat -c %X a) > 1000000000)) || fail "ATIME_MODE 0: read did not move atime"
mkdir d
touch -a -d '@1000000000' d
ls d >/dev/null
(($(stat -c %X d) > 1000000000)) || fail "ATIME_MODE 0: readdir did not move a directory's atime"

# ---- ATIME_MODE 4: never; 2: relatime
restart_with_atime() {
  # Out of the mount while the master is away: with the attribute cache off
  # every command started from inside it would wait for the master.
  cd /
  stop_master
  sed -i "s/^ATIME_MODE = .*/ATIME_MODE = $1/" "$MASTER_CFG"
  start_master
  wait_until 60 "mount answers after the master restart" timeout 5 stat "$MNT/a"
  cd "$MNT"
}
restart_with_atime 4
touch -a -d '@1000000000' a
cat a >/dev/null
check_eq "ATIME_MODE 4: atime kept" 1000000000 "$(stat -c %X a)"
restart_with_atime 2
# (touch -a moves ctime to now: an atime later than ctime must lie ahead)
touch -a -d "@$(($(date +%s) + 600))" a  # newer than mtime and ctime, not a day old
kept=$(stat -c %X a)
cat a >/dev/null
check_eq "ATIME_MODE 2: a recent atime newer than mtime is kept" "$kept" "$(stat -c %X a)"
touch -a -d '@1000000000' a  # older than mtime: moves
cat a >/dev/null
(($(stat -c %X a) > 1000000000)) || fail "ATIME_MODE 2: an atime older than mtime did not move"
pass
