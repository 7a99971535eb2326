#!/usr/bin/env bash
# SYNC_METALOGGERS = 1: what an application saw succeed survives the loss
# of the master. Five times: a writer creates files (write, fsync, close,
# and a rename for every third) and records each one only after those
# returned; the master, the writer and the metalogger are killed with
# SIGKILL at a random moment; `mfsmaster -a` promotes the metalogger's
# folder; every recorded file of every round is there with its content
# (and a renamed one only under its new name), read through the same
# mount, which reconnected by itself.
# Then the metalogger's disk fails (LD_PRELOAD shim): after
# SYNC_METALOGGERS_TIMEOUT the master refuses changes (EROFS) and never
# answers the one no metalogger has; once the disk is back, that answer
# goes and changes are taken again. With SYNC_METALOGGERS_FALLBACK = serve
# (reloaded), it serves instead, saying so in its log.
CHUNKSERVERS=2
MASTER_EXTRA_CFG="SYNC_METALOGGERS = 1
SYNC_METALOGGERS_TIMEOUT = 3"
. "$(dirname "$0")/lib.sh"
MFSMETALOGGER=$BUILD_DIR/daemons/metalogger/mfsmetalogger
SHIM=$BUILD_DIR/tests/fault/diskfail.so
[[ -x "$MFSMETALOGGER" && -f "$SHIM" ]] || fail "mfsmetalogger or the disk fault shim is not built"

ml_cfg() {  # ml_cfg DIR: a metalogger config for a folder of its own
  mkdir -p "$1"
  cat >"$1/mfsmetalogger.cfg" <<CFG
WORKING_USER = root
DATA_PATH = $1
MASTER_HOST = $TEST_HOST
MASTER_PORT = $ML_PORT
MASTER_RECONNECTION_DELAY = 1
METRICS_LISTEN_PORT = 0
CFG
}
start_ml() {  # start_ml DIR [env...]: a metalogger on DIR (role ml)
  local dir=$1
  shift
  ml_cfg "$dir"
  start_daemon ml mfsmetalogger env "$@" "$MFSMETALOGGER" -c "$dir/mfsmetalogger.cfg" -f start
}
# smb_state: the master's SYNC_METALOGGERS state as mfscli -SMB prints it, into STATE
smb_state() {
  cli_ok -SMB
  STATE=$(printf '%s\n' "$OUT" | awk -F'\t' '/^synchronous metaloggers:/ { print $3; exit }')
}
state_is() { smb_state && [[ "$STATE" == "$1" ]]; }
in_sync() { state_is "waiting for metaloggers" && printf '%s\n' "$OUT" | grep -qP '^metadata backup loggers:\t.*\tyes$'; }

cat >"$T/writer.py" <<'PY'
import hashlib, os, random, sys
d, rec = sys.argv[1], sys.argv[2]
os.makedirs(d, exist_ok=True)
r = open(rec, "a")
i = 0
while True:
    data = os.urandom(random.randrange(0, 200000))
    tmp, final = os.path.join(d, "t%d" % i), os.path.join(d, "f%d" % i)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)
    os.close(fd)
    if i % 3 == 0:
        os.rename(tmp, final)
        r.write("%s %s %s\n" % (final, hashlib.sha256(data).hexdigest(), tmp))
    else:
        r.write("%s %s -\n" % (tmp, hashlib.sha256(data).hexdigest()))
    r.flush()
    os.fsync(r.fileno())
    i += 1
PY
cat >"$T/verify.py" <<'PY'
import hashlib, sys
bad, n = [], 0
for rec in sys.argv[1:]:
    for line in open(rec):
        path, digest, old = line.split()
        n += 1
        try:
            got = hashlib.sha256(open(path, "rb").read()).hexdigest()
        except OSError as e:
            bad.append("%s: %s" % (path, e.strerror)); continue
        if got != digest:
            bad.append("%s: content differs" % path)
        if old != "-":
            try:
                open(old, "rb").close(); bad.append("%s: still there after its rename" % old)
            except FileNotFoundError:
                pass
if bad:
    print("%d of %d recorded files wrong: %s" % (len(bad), n, "; ".join(bad[:5])))
    sys.exit(1)
print(n)
PY

# The cluster: the master, its metalogger, then chunkservers and the mount
# (whose first writes already wait for the metalogger).
start_master
start_ml "$T/ml1"
for ((i = 1; i <= CHUNKSERVERS; i++)); do start_chunkserver "$i"; done
mount_client
wait_chunkservers "$CHUNKSERVERS"
wait_until 30 "the metalogger to be the synchronous one" in_sync

records=()
for round in 1 2 3 4 5; do
  rec=$T/record$round
  : >"$rec"
  records+=("$rec")
  python3 "$T/writer.py" "$MNT/w$round" "$rec" 2>"$T/writer$round.err" &
  writer=$!
  record_pid "writer$round" "$writer"
  sleep "$((1 + RANDOM % 3)).$((RANDOM % 10))"
  kill9_master
  # SIGKILL ends it before it records another file; it may stay in the
  # kernel until the mount answers its last request (after the promotion).
  kill -KILL "$writer" 2>/dev/null || true
  kill9_role ml
  [[ -s "$rec" ]] || fail "round $round: the writer recorded nothing before the kill: $(cat "$T/writer$round.err")"
  # Promote the metalogger's folder: it is the master's DATA_PATH from now on.
  data=$T/ml$round
  sed "s|^DATA_PATH = .*|DATA_PATH = $data|" "$MASTER_CFG" >"$T/master$round.cfg"
  start_daemon master mfsmaster "$MFSMASTER" -c "$T/master$round.cfg" -f -a start
  wait_listening master mfsmaster 60 "$ML_PORT" "$CS_PORT" "$CL_PORT"
  [[ -s "$data/metadata.mfs" ]] || fail "round $round: the promoted master serves without its metadata on disk"
  start_ml "$T/ml$((round + 1))"
  wait_chunkservers "$CHUNKSERVERS"
  wait_until 60 "round $round: the mount to answer again" test -d "$MNT/w$round"
  wait_gone "$writer" 60 || fail "round $round: the killed writer is still there after the promotion"
  wait "$writer" 2>/dev/null || true
  forget_pid "writer$round"
  got=$(timeout 300 python3 "$T/verify.py" "${records[@]}") || fail "round $round: $got"
  log "round $round: every one of $got recorded files survived the promotion"
done
wait_until 30 "the last metalogger to be the synchronous one" in_sync

# The metalogger's disk fails: a change waits, then SYNC_METALOGGERS_TIMEOUT
# (3 s) passes and the master refuses changes; the waiting one is never answered.
# (The refused change goes to another directory: the kernel lets one create
# at a time into a directory, so it would queue behind the waiting one.)
mkdir "$MNT/side"
kill9_role ml
ml=$T/ml-failing
start_ml "$ml" LD_PRELOAD="$SHIM" ANTLER_FAIL_DIR="$ml" ANTLER_FAIL_TRIGGER="$T/ml.fail"
wait_until 30 "the shimmed metalogger to be the synchronous one" in_sync
touch "$T/ml.fail"
touch "$MNT/held" 2>"$T/held.err" &
held=$!
record_pid held "$held"
wait_until 20 "the master to refuse changes" state_is "FELL BACK: refusing changes"
grep -q "refusing changes (SYNC_METALOGGERS_FALLBACK = refuse)" "$T/log/mfsmaster.log" ||
  fail "the master did not log that it refuses changes"
if touch "$MNT/side/refused" 2>"$T/refused.err"; then fail "a change was taken while no metalogger could store it"; fi
grep -q "Read-only file system" "$T/refused.err" || fail "a refused change did not fail with EROFS: $(cat "$T/refused.err")"
timeout 10 ls "$MNT/side" >/dev/null || fail "reading the namespace failed (or hung) while changes are refused"
cli_ok -j -SMB
check_eq "mfscli -j -SMB while refusing: required, state, some change refused, a fallback" "1 refusing changes True True" \
  "$(json_eval '" ".join(str(x) for g in [d["dataset"]["sync_metaloggers"]]
    for x in (g["required"], g["state"], g["refused_changes"] >= 1, g["fallbacks"] >= 1))')"
pid_alive "$held" || fail "a change no metalogger has was answered: $(cat "$T/held.err")"
# The disk comes back: the metalogger takes a fresh image, the waiting change is answered.
rm -f "$T/ml.fail"
wait_gone "$held" 60 || fail "the waiting change was not answered after the metalogger came back"
wait "$held" || fail "the waiting change failed: $(cat "$T/held.err")"
forget_pid held
wait_until 30 "the master to wait for metaloggers again" in_sync
touch "$MNT/after" || fail "changes are still refused after the metalogger came back"
[[ -e "$MNT/held" && ! -e "$MNT/side/refused" ]] || fail "after the fallback: held or refused file wrong"

# SYNC_METALOGGERS_FALLBACK = serve, by reload: after the timeout the master
# answers without the metalogger and says so.
echo "SYNC_METALOGGERS_FALLBACK = serve" >>"$T/master5.cfg"
kill -HUP "${PIDS[master]}"
sleep 1
touch "$T/ml.fail"
start=$SECONDS
touch "$MNT/served" || fail "with SYNC_METALOGGERS_FALLBACK = serve a change failed"
((SECONDS - start >= 2)) || fail "the change was answered before SYNC_METALOGGERS_TIMEOUT ($((SECONDS - start)) s)"
grep -q "serving without them (SYNC_METALOGGERS_FALLBACK = serve)" "$T/log/mfsmaster.log" ||
  fail "the master did not log that it serves without the metalogger"
rm -f "$T/ml.fail"
wait_until 30 "the master to wait for metaloggers again after serving" in_sync
pass
