#!/usr/bin/env bash
# mfsmetalogger follows the master: with a 3-line mfsmetalogger.cfg it
# downloads an image, then follows the changelog live through mixed
# operations (creates, writes, renames, links, unlinks, snapshots, goal,
# trash time and quota changes, xattrs, trash) and master restarts;
# restarted mid-stream it resumes from its own version with the lines it
# lacks (no new image); away while the master's changelogs moved on past
# it, it gets a fresh image; its changelogs never have a gap; and
# its folder alone, given to `mfsmaster -a` on a fresh DATA_PATH, gives the
# namespace the master had (mfsmetadump of both images is the same text).
CHUNKSERVERS=2
MASTER_EXTRA_CFG="BACK_LOGS = 1"
. "$(dirname "$0")/lib.sh"
MFSMETALOGGER=$BUILD_DIR/daemons/metalogger/mfsmetalogger
METADUMP=$BUILD_DIR/daemons/master/mfsmetadump
[[ -x "$MFSMETALOGGER" && -x "$METADUMP" ]] || fail "mfsmetalogger or mfsmetadump is not built"
start_cluster

ML_DIR=$T/ml
mkdir -p "$ML_DIR"
# three lines, and a fourth because this test runs as root with no 'mfs' user
cat >"$ML_DIR/mfsmetalogger.cfg" <<CFG
WORKING_USER = root
DATA_PATH = $ML_DIR
MASTER_HOST = $TEST_HOST
MASTER_PORT = $ML_PORT
CFG
start_ml() {
  start_daemon ml mfsmetalogger "$MFSMETALOGGER" -c "$ML_DIR/mfsmetalogger.cfg" -f start
  log "metalogger pid ${PIDS[ml]}"
}
# versions: the last version in a changelog folder's files (master: changelog.*, metalogger: changelog_ml.*)
last_version() { cat "$1"/$2.*.mfs 2>/dev/null | awk -F: '{ v = $1 + 0; if (v > m) m = v } END { print m + 0 }'; }
MASTER_DATA=$MASTER_DIR/data
master_version() { last_version "$MASTER_DATA" changelog; }
ml_version() { last_version "$ML_DIR" changelog_ml; }
ml_caught_up() { [[ "$(ml_version)" -ge "$(master_version)" && "$(master_version)" -gt 0 ]]; }

# The work: each round touches every kind of change; mixed() does N
# namespace operations (create, write, rename, link, symlink, chmod, xattr,
# unlink, mkdir, rmdir) from one process, quickly.
cat >"$T/mixed.py" <<'PY'
import os, random, sys
root, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
os.makedirs(root, exist_ok=True)
files, dirs, ops = [], [root], 0
while ops < n:
    k = rnd.random()
    d = rnd.choice(dirs)
    if k < 0.35 or not files:
        p = os.path.join(d, "f%d" % ops)
        with open(p, "wb") as f:
            f.write(os.urandom(rnd.randrange(0, 3000)))
        files.append(p); ops += 2  # create, and the write's length
    elif k < 0.5:
        p = files.pop(rnd.randrange(len(files)))
        q = os.path.join(rnd.choice(dirs), "m%d" % ops)
        os.rename(p, q); files.append(q); ops += 1
    elif k < 0.58:
        p = rnd.choice(files)
        q = os.path.join(d, "l%d" % ops)
        os.link(p, q); files.append(q); ops += 1
    elif k < 0.62:
        os.symlink("target-%d" % ops, os.path.join(d, "s%d" % ops)); ops += 1
    elif k < 0.7:
        os.chmod(rnd.choice(files), rnd.choice([0o600, 0o644, 0o640])); ops += 1
    elif k < 0.75:
        os.setxattr(rnd.choice(files), "user.k", b"v%d" % ops); ops += 1
    elif k < 0.9:
        os.unlink(files.pop(rnd.randrange(len(files)))); ops += 1
    elif k < 0.97:
        p = os.path.join(d, "d%d" % ops)
        os.mkdir(p); dirs.append(p); ops += 1
    else:
        e = os.path.join(d, "e%d" % ops)
        os.mkdir(e); os.rmdir(e); ops += 2
PY
work() {  # work ROUND N: round ROUND (a number) of about N operations, in $MNT/rROUND
  local round=$1 d="$MNT/r$1"
  python3 "$T/mixed.py" "$d/mixed" "$2" "$round" || fail "the workload of round $round failed"
  head -c 300000 /dev/urandom >"$d/big"
  "$TOOLS/mfssetgoal" -r 1 "$d/mixed" >/dev/null
  "$TOOLS/mfssettrashtime" 3600 "$d/big" >/dev/null
  "$TOOLS/mfsmakesnapshot" "$d/mixed" "$d/snap" >/dev/null
  "$TOOLS/mfsappendchunks" "$d/big2" "$d/big" >/dev/null
  "$TOOLS/mfssetquota" -i 100000 "$d" >/dev/null || fail "mfssetquota failed"
  truncate -s 100000 "$d/big"
  rm -f "$d/big2"  # to the trash (trash time 3600, inherited? no: default); either way a change
}
no_gap() {  # the metalogger's changelogs hold every version from their first to their last
  cat "$ML_DIR"/changelog_ml.*.mfs | awk -F: '{ print $1 + 0 }' | sort -n | uniq |
    awk 'NR > 1 && $1 != prev + 1 { print "gap after " prev; exit 1 } { prev = $1 }'
}

start_ml
wait_until 30 "the metalogger to download an image" test -s "$ML_DIR/metadata_ml.mfs.back"
work 1 8000
wait_until 30 "the metalogger to follow to the master's version" ml_caught_up
grep -q "downloaded metadata image" "$T/log/mfsmetalogger.log" || fail "no image download logged"
cli_ok -SMB
line=$(printf '%s\n' "$OUT" | grep -P "^metadata backup loggers:\t$TEST_HOST\t" || true)
[[ -n "$line" ]] || fail "mfscli -SMB does not list the metalogger: $OUT"
[[ "$(printf '%s' "$line" | cut -f5)" == following ]] || fail "mfscli -SMB: not following: $line"
check_eq "mfscli -SMB: the metalogger's lag once caught up" 0 "$(printf '%s' "$line" | cut -f7)"
cli_ok -j -SMB
check_eq "mfscli -j -SMB: metaloggers" 1 "$(json_eval 'len(d["dataset"]["metaloggers"])')"
check_eq "mfscli -j -SMB: state, lag, its version is the master's, an image known" "following 0 True True" \
  "$(json_eval '" ".join(str(x) for m in [d["dataset"]["metaloggers"][0]] for x in (m["state"], m["lag_versions"],
    m["metadata_version"] == d["dataset"]["sync_metaloggers"]["master_version"], m["image_version"] is not None))')"

# Restarted mid-stream: resumes from its own version with the master's changelogs.
work 2 6000 &
worker=$!
sleep 1
stop_role ml 30
work 6 300  # changes it misses, whatever the background round's pace
start_ml
wait "$worker" || fail "the workload during the metalogger's restart failed"
wait_until 30 "the restarted metalogger to catch up" ml_caught_up
[[ "$(grep -c 'downloaded metadata image' "$T/log/mfsmetalogger.log")" == 1 ]] ||
  fail "the restarted metalogger downloaded another image: $(grep 'downloaded\|resuming' "$T/log/mfsmetalogger.log")"
grep -q "caught up from version .* from the changelogs" "$T/log/mfsmaster.log" ||
  fail "the master did not say it caught the metalogger up from its changelogs"
no_gap || fail "a gap in the metalogger's changelogs after its restart"

# Away while the master rotated its changelogs twice (BACK_LOGS = 1: the
# lines it lacks are gone): it gets a fresh image, and still no gap.
stop_role ml 30
work 3 2000
stop_master
start_master
work 4 2000
stop_master
start_master
wait_until 30 "the mount to be back" test -d "$MNT/r1"
work 5 2000
start_ml
wait_until 60 "the metalogger to catch up with a fresh image" ml_caught_up
[[ "$(grep -c 'downloaded metadata image' "$T/log/mfsmetalogger.log")" == 2 ]] ||
  fail "no second image for a metalogger the changelogs no longer reach: $(grep 'downloaded\|resuming' "$T/log/mfsmetalogger.log")"
no_gap || fail "a gap in the metalogger's changelogs after a fresh image"

# The master stops (its image is saved); the metalogger has every line.
umount_client
stop_master
want=$(master_version)
wait_until 10 "the metalogger to have version $want" ml_caught_up
stop_role ml 30
"$METADUMP" "$MASTER_DATA/metadata.mfs" >"$T/master.dump" || fail "mfsmetadump of the master's image failed"

# A fresh master folder with only the metalogger's files: mfsmaster -a.
NEW=$T/promoted
mkdir -p "$NEW"
cp "$ML_DIR"/metadata_ml.mfs.back "$ML_DIR"/changelog_ml.*.mfs "$NEW/"
sed "s|^DATA_PATH = .*|DATA_PATH = $NEW|" "$MASTER_CFG" >"$NEW/mfsmaster.cfg"
grep -q "^DATA_PATH = $NEW" "$NEW/mfsmaster.cfg" || fail "could not point a master config at $NEW"
# `mfsmaster restore`: recover, write metadata.mfs, exit; then a plain start
# (no -a) takes it as it would its own.
"$MFSMASTER" -c "$NEW/mfsmaster.cfg" restore >"$T/restore.out" 2>&1 || fail "mfsmaster restore failed: $(tail -n 2 "$T/restore.out")"
grep -q "recovery: loaded $NEW/metadata_ml.mfs.back" "$T/restore.out" ||
  fail "mfsmaster restore did not load the metalogger's image: $(grep recovery "$T/restore.out" | tail -n 3)"
# A recovery from a metalogger's files is a promotion: a new cluster epoch,
# one more version (docs/protocol.md "Epochs").
promoted=$((want + 1))
grep -q "restore: metadata version $promoted written to $NEW/metadata.mfs" "$T/restore.out" ||
  fail "mfsmaster restore did not say it wrote version $promoted: $(tail -n 2 "$T/restore.out")"
grep -q "promoted, cluster epoch 1 " "$T/restore.out" || fail "mfsmaster restore did not start epoch 1: $(grep -i epoch "$T/restore.out")"
! ss -Hltn "( sport = :$CL_PORT )" | grep -q . || fail "mfsmaster restore left something listening"
start_daemon promoted mfsmaster "$MFSMASTER" -c "$NEW/mfsmaster.cfg" -f start
wait_listening promoted mfsmaster 60 "$ML_PORT" "$CS_PORT" "$CL_PORT"
stop_role promoted 60
"$METADUMP" "$NEW/metadata.mfs" >"$T/promoted.dump" || fail "mfsmetadump of the promoted image failed"
head -n 1 "$T/promoted.dump" | grep -q "^version $promoted " ||
  fail "promoted image is not at version $promoted: $(head -n 1 "$T/promoted.dump")"
sed -n 2p "$T/promoted.dump" | grep -q "^epoch 1 " || fail "promoted image is not at epoch 1: $(sed -n 2p "$T/promoted.dump")"
# The namespace itself (below the version and epoch lines) is the master's.
diff <(tail -n +3 "$T/master.dump") <(tail -n +3 "$T/promoted.dump") >"$T/dump.diff" ||
  fail "the promoted namespace differs from the master's: $(head -n 8 "$T/dump.diff")"
log "metalogger's folder recovered to version $want, same namespace as the master's ($(wc -l <"$T/master.dump") dump lines)"
pass
