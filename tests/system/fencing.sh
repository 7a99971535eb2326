#!/usr/bin/env bash
# Epoch fencing: a stale master never serves again.
#   1. The master (SYNC_METALOGGERS = 1) is frozen with SIGSTOP; its
#      metalogger's folder is promoted (`mfsmaster restore`, then start, on
#      other ports: the frozen one still holds its own): cluster epoch 1.
#      The chunkserver and a new mount move to the new master.
#   2. The old master wakes up (SIGCONT). A change on the old mount, which
#      still talks to it, is never acknowledged (no metalogger confirms it;
#      after SYNC_METALOGGERS_TIMEOUT the old master refuses changes). The chunkserver, pointed at
#      it again, refuses it ("stale master") and the old master, told of
#      epoch 1 by that chunkserver, steps down: it exits with status 3.
#   3. A master started from a copy of the old master's folder (-a) is
#      refused the same way, by the new master's metalogger.
# Nothing the new master acknowledged is lost.
CHUNKSERVERS=1
MASTER_EXTRA_CFG="SYNC_METALOGGERS = 1
SYNC_METALOGGERS_TIMEOUT = 2"
. "$(dirname "$0")/lib.sh"
MFSMETALOGGER=$BUILD_DIR/daemons/metalogger/mfsmetalogger
[[ -x "$MFSMETALOGGER" ]] || fail "mfsmetalogger is not built"
# The promoted master's ports, in the free part of this test's block.
P2_ML=$((BASE_PORT + 6)) P2_CS=$((BASE_PORT + 7)) P2_CL=$((BASE_PORT + 8))

start_ml() {  # start_ml ROLE DIR MASTER_PORT
  mkdir -p "$2"
  printf '%s\n' "WORKING_USER = root" "DATA_PATH = $2" "MASTER_HOST = $TEST_HOST" "MASTER_PORT = $3" \
    "MASTER_RECONNECTION_DELAY = 1" "METRICS_LISTEN_PORT = 0" >"$2/mfsmetalogger.cfg"
  start_daemon "$1" "mfsmetalogger-$1" "$MFSMETALOGGER" -c "$2/mfsmetalogger.cfg" -f start
}
cs_to() {  # cs_to PORT: restart chunkserver 1 with PORT as its master's
  stop_chunkserver 1
  sed -i "s|^MASTER_PORT = .*|MASTER_PORT = $1|" "$(cs_dir 1)/mfschunkserver.cfg"
  start_chunkserver 1
}

start_master
start_ml ml1 "$T/ml1" "$ML_PORT"
start_chunkserver 1
mount_client
wait_chunkservers 1
mkdir "$MNT/d"
for i in 1 2 3 4 5; do head -c 100000 /dev/urandom >"$MNT/d/before$i"; done
sha_before=$(cat "$MNT"/d/before* | sha256sum)
log "old master: 5 files written, acknowledged by its metalogger"
cp -a "$MASTER_DIR/data" "$T/old-copy"  # the old master's disk, for part 3

# 1. Freeze the old master; promote the metalogger's folder on other ports.
old=${PIDS[master]}
kill -STOP "$old"
kill9_role ml1
sed -e "s|^DATA_PATH = .*|DATA_PATH = $T/ml1|" -e "s|^MATOML_LISTEN_PORT = .*|MATOML_LISTEN_PORT = $P2_ML|" \
  -e "s|^MATOCS_LISTEN_PORT = .*|MATOCS_LISTEN_PORT = $P2_CS|" -e "s|^MATOCL_LISTEN_PORT = .*|MATOCL_LISTEN_PORT = $P2_CL|" \
  "$MASTER_CFG" >"$T/new.cfg"
"$MFSMASTER" -c "$T/new.cfg" restore >"$T/restore.out" 2>&1 || fail "mfsmaster restore failed: $(tail -n 1 "$T/restore.out")"
grep -q "promoted, cluster epoch 1 " "$T/restore.out" || fail "the promotion did not start epoch 1: $(grep -i epoch "$T/restore.out")"
start_daemon new mfsmaster-new "$MFSMASTER" -c "$T/new.cfg" -f start
wait_listening new mfsmaster-new 60 "$P2_ML" "$P2_CS" "$P2_CL"
start_ml ml2 "$T/ml2" "$P2_ML"
cs_to "$P2_CS"
MNT2=$T/mnt2
mkdir -p "$MNT2"
start_daemon "mount:$MNT2" mfsmount2 "$MFSMOUNT" "$MNT2" -H "$TEST_HOST" -P "$P2_CL" -f
MOUNTS+=("$MNT2")
wait_until 30 "the new master's mount" mount_answers "$MNT2"
wait_until 30 "the chunkserver to register with the new master" grep -q "registered with master $TEST_HOST:$P2_CS" "$T/log/mfschunkserver1.log"
[[ "$(cat "$MNT2"/d/before* | sha256sum)" == "$sha_before" ]] || fail "the promoted master lost acknowledged data"
head -c 100000 /dev/urandom >"$MNT2/d/after" || fail "writing through the new master failed"
grep -q "^1 " "$(cs_dir 1)/data/.mfschunkserver.epoch" 2>/dev/null ||
  grep -q "^1 " "$(cs_dir 1)/.mfschunkserver.epoch" 2>/dev/null || fail "the chunkserver did not record epoch 1"

# 2. The old master wakes up. Its mount's change is never acknowledged.
kill -CONT "$old"
touch "$MNT/d/late" 2>"$T/late.err" &
late=$!
record_pid late "$late"
sleep 4  # past SYNC_METALOGGERS_TIMEOUT: the old master refuses changes, and never answers this one
if ! pid_alive "$late"; then
  wait "$late" && fail "the stale master acknowledged a change"
  log "a change through the stale master failed: $(cat "$T/late.err")"
fi
# The chunkserver, sent back to it, refuses it; it steps down.
cs_to "$CS_PORT"
wait_until 30 "the chunkserver to refuse the stale master" grep -q "it is stale" "$T/log/mfschunkserver1.log"
wait_gone "$old" 30 || fail "the stale master did not step down"
rc=0
wait "$old" 2>/dev/null || rc=$?
forget_pid master
check_eq "the stale master's exit status" 3 "$rc"
grep -q "steps down" "$T/log/mfsmaster.log" || fail "the stale master did not say that it steps down"
[[ ! -e "$MNT2/d/late" ]] || fail "the stale master's change reached the new master"
if ! pid_alive "$late"; then wait "$late" && fail "the stale master acknowledged a change before stepping down"; fi
cs_to "$P2_CS"

# 3. A master started from a copy of the old folder: the new master's
# metalogger (epoch 1) is refused by it, and it steps down.
sed -e "s|^DATA_PATH = .*|DATA_PATH = $T/old-copy|" "$MASTER_CFG" >"$T/old-copy.cfg"
start_daemon copy mfsmaster-copy "$MFSMASTER" -c "$T/old-copy.cfg" -f -a start
wait_listening copy mfsmaster-copy 60 "$ML_PORT" "$CS_PORT" "$CL_PORT"
copy=${PIDS[copy]}
stop_role ml2 30
cp -a "$T/ml2" "$T/ml2-copy"
rm -f "$T/ml2-copy/.mfsmetalogger.lock"
start_ml ml2 "$T/ml2" "$P2_ML"
start_ml ml3 "$T/ml2-copy" "$ML_PORT"
wait_gone "$copy" 30 || fail "the master started from the old folder did not step down"
rc=0
wait "$copy" 2>/dev/null || rc=$?
forget_pid copy
check_eq "the old folder's master's exit status" 3 "$rc"
grep -q "metalogger .* has seen cluster epoch 1" "$T/log/mfsmaster-copy.log" ||
  fail "the old folder's master did not say which peer fenced it: $(grep -i epoch "$T/log/mfsmaster-copy.log" | tail -n 2)"
grep -q "it is stale" "$T/log/mfsmetalogger-ml3.log" || fail "the metalogger did not refuse the stale master"
stop_role ml3 30

[[ "$(cat "$MNT2"/d/before* | sha256sum)" == "$sha_before" && -s "$MNT2/d/after" ]] || fail "data of the new master changed"
pass
