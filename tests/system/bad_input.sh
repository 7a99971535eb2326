#!/usr/bin/env bash
# Bad input of every kind: bad configuration values are refused at start-up
# with file:line and key; garbage and oversized frames on every port close
# that connection with a logged reason and the daemons go on serving; a mount
# from an address the exports do not allow is refused with a clear message.
CHUNKSERVERS=2
. "$(dirname "$0")/lib.sh"

# ---- 1. a master config with a bad number
BAD=$T/bad
write_master_cfg "$BAD" "$ML_PORT" "$CS_PORT" "$CL_PORT"
sed -i 's/^MATOCL_LISTEN_PORT = .*/MATOCL_LISTEN_PORT = notanumber/' "$BAD/mfsmaster.cfg"
line=$(grep -n '^MATOCL_LISTEN_PORT' "$BAD/mfsmaster.cfg" | cut -d: -f1)
rc=0
timeout 30 "$MFSMASTER" -c "$BAD/mfsmaster.cfg" start >"$T/out" 2>"$T/err" || rc=$?
adopt_daemon master-bad "$BAD/data/.mfsmaster.lock"
((rc != 0 && rc != 124)) || fail "mfsmaster with MATOCL_LISTEN_PORT = notanumber: exit status $rc, expected a start-up failure"
msg=$(cat "$T/err")
grep -qF "$BAD/mfsmaster.cfg:$line" <<<"$msg" || fail "mfsmaster's message does not name $BAD/mfsmaster.cfg:$line: '$msg'"
grep -qF MATOCL_LISTEN_PORT <<<"$msg" || fail "mfsmaster's message does not name the key MATOCL_LISTEN_PORT: '$msg'"
port_busy "$CL_PORT" && fail "a master with a bad config still listens on $CL_PORT"
log "bad master config refused: $(head -n 1 <<<"$msg")"

# the same with the daemon in the foreground (-f)
rc=0
timeout 30 "$MFSMASTER" -c "$BAD/mfsmaster.cfg" -f start >"$T/out" 2>"$T/err" </dev/null || rc=$?
((rc != 0 && rc != 124)) || fail "mfsmaster -f with a bad config: exit status $rc, expected a start-up failure"
grep -qF "$BAD/mfsmaster.cfg:$line" "$T/err" || fail "mfsmaster -f's message does not name $BAD/mfsmaster.cfg:$line: '$(cat "$T/err")'"

# ---- 2. a mount refused by the exports (only 10.9.9.9 allowed; we come from $TEST_HOST)
EXP=$T/exp
write_master_cfg "$EXP" $((BASE_PORT + 7)) $((BASE_PORT + 8)) $((BASE_PORT + 9)) "10.9.9.9  /  rw,alldirs,maproot=0"
start_daemon master-exp mfsmaster-exp "$MFSMASTER" -c "$EXP/mfsmaster.cfg" -f start
wait_listening master-exp mfsmaster-exp 60 $((BASE_PORT + 9))
mkdir -p "$T/refused"
rc=0
timeout 60 "$MFSMOUNT" "$T/refused" -H "$TEST_HOST" -P $((BASE_PORT + 9)) >"$T/out" 2>"$T/err" || rc=$?
pid=$(pgrep -f -- "$T/refused" | head -n 1 || true)
[[ -n "$pid" ]] && record_pid "mount:$T/refused" "$pid"
grep -qF " $T/refused " /proc/mounts && { MOUNTS+=("$T/refused"); fail "a mount from $TEST_HOST was accepted although the exports allow only 10.9.9.9"; }
((rc != 124)) || fail "mfsmount from a refused address hung for 60s"
((rc != 0)) || fail "mfsmount from a refused address exited 0"
msg=$(cat "$T/err")
[[ -n "$msg" ]] || fail "mfsmount from a refused address gave no message"
grep -qiE 'refus|denied|not allowed|export|permission|access' <<<"$msg" ||
  fail "mfsmount's refusal message is not clear: '$msg'"
log "mount refused by exports: $(head -n 1 <<<"$msg")"
stop_role master-exp 30

# ---- 3. a chunkserver whose mfshdd.cfg names a folder that does not exist
start_master
write_cs_cfg 9
printf '# disks\n%s\n' "$T/no/such/folder" >"$(cs_dir 9)/mfshdd.cfg"
rc=0
timeout 30 "$MFSCHUNKSERVER" -c "$(cs_dir 9)/mfschunkserver.cfg" start >"$T/out" 2>"$T/err" || rc=$?
adopt_daemon cs9 "$(cs_dir 9)/data/.mfschunkserver.lock"
((rc != 0 && rc != 124)) || fail "mfschunkserver with a missing disk folder: exit status $rc, expected a start-up failure"
msg=$(cat "$T/err")
grep -qF "$(cs_dir 9)/mfshdd.cfg:2" <<<"$msg" || fail "mfschunkserver's message does not name $(cs_dir 9)/mfshdd.cfg:2: '$msg'"
log "missing disk folder refused: $(head -n 1 <<<"$msg")"

# ---- 4. garbage on every port of a running cluster
for ((i = 1; i <= CHUNKSERVERS; i++)); do start_chunkserver "$i"; done
mount_client
wait_chunkservers "$CHUNKSERVERS"

# probe PORT KIND: sends bad bytes, then expects the daemon to close the
# connection (after a half-close for plain garbage, which may look like the
# start of a long frame). Prints how it ended.
probe() {
  "$PYTHON" - "$1" "$2" <<'PY'
import os, socket, struct, sys, time
port, kind = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection((os.environ["TEST_HOST"], port), timeout=5)
if kind == "garbage":
    data = os.urandom(1000)
elif kind == "oversized":
    data = struct.pack("<II", 1, 0xFFFFFFF0)
elif kind == "hello-garbage":   # a well-formed header for Hello, with a random payload
    data = struct.pack("<II", 1, 992) + os.urandom(992)
try:
    s.sendall(data)
except OSError as e:
    print(f"closed while sending ({e.strerror})"); sys.exit(0)

def closed(deadline):
    s.settimeout(0.5)
    end = time.time() + deadline
    while time.time() < end:
        try:
            if s.recv(65536) == b"":
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False

if closed(5):
    print("closed by the daemon"); sys.exit(0)
if kind != "garbage":
    print("still open 5s after the bad frame"); sys.exit(1)
s.shutdown(socket.SHUT_WR)
if closed(5):
    print("closed by the daemon after our half-close"); sys.exit(0)
print("still open 5s after garbage and a half-close"); sys.exit(1)
PY
}

declare -A port_owner=([$ML_PORT]=master [$CS_PORT]=master [$CL_PORT]=master)
declare -A port_log=([$ML_PORT]=mfsmaster [$CS_PORT]=mfsmaster [$CL_PORT]=mfsmaster)
for ((i = 1; i <= CHUNKSERVERS; i++)); do
  port_owner[$(cs_port "$i")]=cs$i
  port_log[$(cs_port "$i")]=mfschunkserver$i
done
for port in "$ML_PORT" "$CS_PORT" "$CL_PORT" "$(cs_port 1)"; do
  for kind in garbage oversized hello-garbage; do
    logf=$T/log/${port_log[$port]}.log
    lines=$(wc -l <"$logf")
    out=$(probe "$port" "$kind") || fail "port $port (${port_owner[$port]}), $kind: $out"
    sleep 0.3
    daemon_alive "${port_owner[$port]}" || fail "${port_owner[$port]} died after $kind on port $port"
    new=$(tail -n +$((lines + 1)) "$logf")
    if [[ $out == *"half-close"* ]]; then
      # the garbage happened to start like a valid long frame: the daemon
      # could only see an incomplete frame and then the end of the stream
      log "port $port (${port_owner[$port]}), $kind: $out"
      continue
    fi
    grep -qiE 'frame|length|size|invalid|bad|malformed|protocol|decode|garbage|refus|reject|unknown|unexpected|clos|error|too' <<<"$new" ||
      fail "${port_owner[$port]} logged no reason for the $kind it got on port $port ($out; new log lines: '$(head -n 2 <<<"$new" | tr '\n' ' ')')"
    log "port $port (${port_owner[$port]}), $kind: $out; log: $(tail -n 1 <<<"$new" | cut -c1-160)"
  done
done

# ... and everything still serves
for role in master cs1 cs2; do daemon_alive "$role" || fail "$role is gone after the bad input"; done
check_eq "chunkservers still connected" "$CHUNKSERVERS" "$(registered_chunkservers)"
timeout 30 stat "$MNT" >/dev/null || fail "the mount stopped answering after the bad input"
head -c $((5 << 20)) /dev/urandom >"$T/src/after"
dd if="$T/src/after" of="$MNT/after" bs=1M conv=fsync status=none || fail "writing a new file after the bad input failed"
drop_caches
check_eq "sha256 of a file written after the bad input" "$(sha "$T/src/after")" "$(sha "$MNT/after")"
remount_client
check_eq "sha256 after remount" "$(sha "$T/src/after")" "$(sha "$MNT/after")"
pass
