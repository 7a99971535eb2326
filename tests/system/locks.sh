#!/usr/bin/env bash
# File locks across two mounts of one cluster: flock(2) shared/exclusive,
# a waiting flock granted when the holder lets go, a waiting flock
# interrupted by a signal (flock -w), fcntl(2) byte ranges (disjoint ranges
# both granted, overlapping refused, F_GETLK naming the holder, EDEADLK),
# kill -9 of a lock holder, and a whole mount killed: its locks go after the
# master's SESSION_LOCK_TIMEOUT (5 s).
. "$(dirname "$0")/lib.sh"
start_cluster
M2=$T/mnt2
mount_client "$M2"

# lk.py FILE MODE START LEN TYPE [ARGS]: fcntl byte-range locks.
#   try              F_SETLK, prints "granted" or the errno name, exits (the lock goes)
#   hold READY       F_SETLK (must succeed), touches READY, sleeps until killed
#   wait             F_SETLKW, prints "granted" or the errno name
#   test             F_GETLK, prints "none" or "TYPE START LEN PID"
#   flock READY     flock(2) (w: LOCK_EX, r: LOCK_SH; START/LEN unused),
#                    touches READY, sleeps until killed
#   pair READY GO S2 holds [START,+LEN), touches READY, waits for GO, then
#                    F_SETLKW on [S2,+LEN) and prints the outcome
cat >"$T/lk.py" <<'PY'
import errno, fcntl, os, struct, sys, time
path, mode, start, length, kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
typ = {"r": fcntl.F_RDLCK, "w": fcntl.F_WRLCK}[kind]
fd = os.open(path, os.O_RDWR)
def setlk(cmd, s):
    try:
        fcntl.fcntl(fd, cmd, struct.pack("hhqqi4x", typ, os.SEEK_SET, s, length, 0))
        return "granted"
    except OSError as e:
        return "EDEADLK" if e.errno == errno.EDEADLK else errno.errorcode[e.errno]
if mode == "try":
    print(setlk(fcntl.F_SETLK, start))
elif mode == "wait":
    print(setlk(fcntl.F_SETLKW, start), flush=True)
elif mode == "hold":
    r = setlk(fcntl.F_SETLK, start)
    if r != "granted":
        print(r); sys.exit(1)
    open(sys.argv[6], "w").close()
    while True: time.sleep(60)
elif mode == "flock":
    fcntl.flock(fd, fcntl.LOCK_EX if kind == "w" else fcntl.LOCK_SH)
    open(sys.argv[6], "w").close()
    while True: time.sleep(60)
elif mode == "test":
    t, _, s, l, pid = struct.unpack("hhqqi4x", fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack("hhqqi4x", typ, os.SEEK_SET, start, length, 0)))
    print("none" if t == fcntl.F_UNLCK else "%s %d %d %d" % ("r" if t == fcntl.F_RDLCK else "w", s, l, pid))
elif mode == "pair":
    r = setlk(fcntl.F_SETLK, start)
    if r != "granted":
        print("first: " + r); sys.exit(1)
    open(sys.argv[6], "w").close()
    while not os.path.exists(sys.argv[7]): time.sleep(0.05)
    print(setlk(fcntl.F_SETLKW, int(sys.argv[8])), flush=True)
    time.sleep(1)
PY
# (an array, not a function: "${lk[@]} ... &" makes $! the python process itself)
lk=("$PYTHON" "$T/lk.py")

echo "some data" >"$MNT/f"
wait_until 10 "f to show on the second mount" test -f "$M2/f"
bg=()
cleanup_bg() { local p; for p in "${bg[@]+"${bg[@]}"}"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; bg=(); }

# ---------------------------------------------------------------- flock
log "flock: shared locks share, an exclusive one is refused"
"${lk[@]}" "$MNT/f" flock 0 0 r "$T/sh" & bg+=($!)
wait_until 20 "the shared flock on mount 1" test -f "$T/sh"
flock -n -s "$M2/f" true || fail "flock -n -s on mount 2 refused while mount 1 holds a shared lock"
if flock -n -x "$M2/f" true; then fail "flock -n -x on mount 2 granted while mount 1 holds a shared lock"; fi
cleanup_bg

log "flock: exclusive on mount 1 blocks mount 2 (EWOULDBLOCK), flock -w gets it after the release"
flock -o -x "$MNT/f" -c "touch $T/ex; sleep 3" & holder=$!; bg+=($holder)
wait_until 20 "the exclusive flock on mount 1" test -f "$T/ex"
"$PYTHON" - "$M2/f" <<'PY' || fail "flock(LOCK_EX|LOCK_NB) on mount 2: $(cat "$T/nb" 2>/dev/null)"
import errno, fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except OSError as e:
    sys.exit(0 if e.errno == errno.EWOULDBLOCK else 1)
sys.exit(1)
PY
t0=$(date +%s%N)
flock -w 30 -x "$M2/f" true || fail "flock -w 30 on mount 2 not granted after mount 1's holder ended"
waited=$(( ($(date +%s%N) - t0) / 1000000 ))
((waited >= 1000)) || fail "flock -w on mount 2 returned after ${waited} ms, before mount 1 released (holder sleeps 3 s)"
wait "$holder" || fail "the flock holder on mount 1 failed"
bg=()
log "flock -w waited ${waited} ms for mount 1's lock"

log "flock: a waiting flock interrupted by its timeout signal (EINTR) leaves no lock behind"
flock -o -x "$MNT/f" -c "touch $T/ex2; sleep 6" & holder=$!; bg+=($holder)
wait_until 20 "the exclusive flock on mount 1" test -f "$T/ex2"
t0=$(date +%s%N)
if flock -w 1 -x "$M2/f" true; then fail "flock -w 1 on mount 2 granted while mount 1 holds the lock"; fi
waited=$(( ($(date +%s%N) - t0) / 1000000 ))
((waited < 3500)) || fail "flock -w 1 on mount 2 took ${waited} ms: the interrupt did not end the wait"
wait "$holder" || fail "the flock holder on mount 1 failed"
bg=()
flock -n -x "$M2/f" true || fail "flock -n -x on mount 2 refused after every holder ended (interrupted wait left a lock)"
flock -n -x "$MNT/f" true || fail "flock -n -x on mount 1 refused after every holder ended"

# ---------------------------------------------------------------- fcntl
log "fcntl: byte ranges across mounts"
"${lk[@]}" "$MNT/f" hold 0 100 w "$T/h1" & h1=$!; bg+=($h1)
wait_until 20 "the write lock on [0,100) from mount 1" test -f "$T/h1"
check_eq "write lock [100,200) from mount 2 (disjoint)" granted "$("${lk[@]}" "$M2/f" try 100 100 w)"
check_eq "write lock [50,150) from mount 2 (overlaps)" EAGAIN "$("${lk[@]}" "$M2/f" try 50 100 w)"
check_eq "read lock [99,100) from mount 2 (overlaps)" EAGAIN "$("${lk[@]}" "$M2/f" try 99 1 r)"
check_eq "F_GETLK from mount 2" "w 0 100 $h1" "$("${lk[@]}" "$M2/f" test 0 10 w)"
check_eq "F_GETLK of a free range from mount 2" none "$("${lk[@]}" "$M2/f" test 100 10 w)"
log "fcntl: kill -9 of the holder releases its lock for a waiter on the other mount"
"${lk[@]}" "$M2/f" wait 10 10 w >"$T/waiter.out" & waiter=$!; bg+=($waiter)
sleep 1
[[ -s "$T/waiter.out" ]] && fail "F_SETLKW on mount 2 returned '$(cat "$T/waiter.out")' while mount 1 holds the range"
kill -KILL "$h1"
wait_until 20 "the waiter on mount 2 after kill -9 of the holder" test -s "$T/waiter.out"
check_eq "F_SETLKW on mount 2 after the holder died" granted "$(cat "$T/waiter.out")"
wait "$waiter" || true
cleanup_bg

log "fcntl: a wait that would deadlock fails with EDEADLK"
"${lk[@]}" "$MNT/f" pair 0 1 w "$T/ra" "$T/goa" 1 >"$T/pa.out" & pa=$!; bg+=($pa)
"${lk[@]}" "$M2/f" pair 1 1 w "$T/rb" "$T/gob" 0 >"$T/pb.out" & pb=$!; bg+=($pb)
wait_until 20 "both first locks" test -f "$T/ra" -a -f "$T/rb"
touch "$T/goa"
sleep 1  # mount 1's process now waits for byte 1
touch "$T/gob"
wait_until 20 "the second process' answer" test -s "$T/pb.out"
check_eq "F_SETLKW closing a cycle (mount 2)" EDEADLK "$(cat "$T/pb.out")"
wait_until 20 "the first process' lock once the second let go" test -s "$T/pa.out"
check_eq "F_SETLKW of the first process (mount 1)" granted "$(cat "$T/pa.out")"
cleanup_bg

# ------------------------------------------------------ a master restart
log "a master restart: the mounts re-claim their locks within the grace period"
"${lk[@]}" "$MNT/f" hold 0 100 w "$T/h4" & h4=$!; bg+=($h4)
"${lk[@]}" "$M2/f" flock 0 0 w "$T/ex4" & h5=$!; bg+=($h5)
wait_until 20 "a range lock through mount 1 and a flock through mount 2" test -f "$T/h4" -a -f "$T/ex4"
kill9_master
start_master -a
# Both mounts reconnect on their own and re-claim within 5 s; requests of
# others wait for the end of that grace period and then find the locks held.
check_eq "write lock [50,60) from mount 2 after the master restart" EAGAIN "$("${lk[@]}" "$M2/f" try 50 10 w)"
check_eq "F_GETLK from mount 2 after the master restart" "w 0 100 $h4" "$("${lk[@]}" "$M2/f" test 0 10 w)"
if flock -n -x "$MNT/f" true; then fail "flock -n -x on mount 1 granted after the master restart while mount 2 holds it"; fi
grep -q "file locks re-claimed" "$T/log/mfsmount.log" || fail "no mount logged re-claimed locks after the master restart"
cleanup_bg
check_eq "write lock [50,60) from mount 2 once mount 1's holder ended" granted "$("${lk[@]}" "$M2/f" try 50 10 w)"
flock -n -x "$MNT/f" true || fail "flock -n -x on mount 1 refused once mount 2's holder ended"

# ------------------------------------------------------ a mount that dies
log "a killed mount: its locks go after SESSION_LOCK_TIMEOUT"
"${lk[@]}" "$MNT/f" hold 0 0 w "$T/h2" & h2=$!; bg+=($h2)
"${lk[@]}" "$MNT/f" flock 0 0 w "$T/ex3" & h3=$!; bg+=($h3)
wait_until 20 "the locks held through mount 1" test -f "$T/h2" -a -f "$T/ex3"
check_eq "write lock from mount 2 while mount 1 holds all" EAGAIN "$("${lk[@]}" "$M2/f" try 0 1 w)"
kill -KILL "${PIDS[mount:$MNT]}"
wait "${PIDS[mount:$MNT]}" 2>/dev/null || true
forget_pid "mount:$MNT"
t0=$(date +%s%N)
flock -w 60 -x "$M2/f" true || fail "flock on mount 2 not granted within 60 s of killing mount 1"
check_eq "write lock from mount 2 after mount 1 died" granted "$("${lk[@]}" "$M2/f" try 0 1 w)"
waited=$(( ($(date +%s%N) - t0) / 1000000 ))
log "mount 1's locks went ${waited} ms after it was killed"
((waited >= 2000)) || fail "mount 1's locks went after ${waited} ms, before SESSION_LOCK_TIMEOUT (5 s)"
((waited <= 20000)) || fail "mount 1's locks went only after ${waited} ms (SESSION_LOCK_TIMEOUT is 5 s)"
umount -l "$MNT"
cleanup_bg
pass
