#!/usr/bin/env bash
# Bad input around the metalogger and recovery, on real daemons:
# - a metalogger whose folder holds another cluster's metadata is refused by
#   the master with the reason in its log; it writes nothing over its files
#   and the master goes on serving;
# - `mfsmaster -a` on a folder whose changelog has a hole, or a line that
#   cannot be read, exits non-zero with one line naming the version, serves
#   nothing and writes nothing;
# (garbage and oversized frames on the metalogger port 9419: bad_input.sh)
CHUNKSERVERS=1
. "$(dirname "$0")/lib.sh"
MFSMETALOGGER=$BUILD_DIR/daemons/metalogger/mfsmetalogger
[[ -x "$MFSMETALOGGER" ]] || fail "mfsmetalogger is not built"
start_cluster
MASTER_DATA=$MASTER_DIR/data

# ---- 1. a metalogger of another cluster
# That cluster: a master of its own (other ports), stopped cleanly, whose
# image becomes a metalogger's folder.
OTHER=$T/other
write_master_cfg "$OTHER" $((BASE_PORT + 7)) $((BASE_PORT + 8)) $((BASE_PORT + 9))
start_daemon other mfsmaster-other "$MFSMASTER" -c "$OTHER/mfsmaster.cfg" -f start
wait_listening other mfsmaster-other 60 $((BASE_PORT + 9))
stop_role other 60
ML=$T/ml
mkdir -p "$ML"
cp "$OTHER/data/metadata.mfs" "$ML/metadata_ml.mfs.back"
cat >"$ML/mfsmetalogger.cfg" <<CFG
WORKING_USER = root
DATA_PATH = $ML
MASTER_HOST = $TEST_HOST
MASTER_PORT = $ML_PORT
MASTER_RECONNECTION_DELAY = 1
CFG
before=$(sha "$ML/metadata_ml.mfs.back")
start_daemon ml mfsmetalogger "$MFSMETALOGGER" -c "$ML/mfsmetalogger.cfg" -f start
refused_logged() { grep -q "refused this metalogger: this metalogger follows cluster" "$T/log/mfsmetalogger.log"; }
wait_until 20 "the metalogger to log the master's refusal" refused_logged
line=$(grep -m 1 "refused this metalogger" "$T/log/mfsmetalogger.log")
[[ "$line" =~ follows\ cluster\ ([0-9a-f]{16})\;\ this\ master\ serves\ cluster\ ([0-9a-f]{16}) ]] ||
  fail "the refusal does not name both clusters: '$line'"
[[ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ]] || fail "the refusal names the same cluster twice: '$line'"
log "the master refused the metalogger: ${line#*refused this metalogger: }"
sleep 3  # a few reconnection attempts
daemon_alive ml || fail "the refused metalogger exited (it should keep trying: the master may be replaced)"
check_eq "the refused metalogger's image" "$before" "$(sha "$ML/metadata_ml.mfs.back")"
written=$(find "$ML" -name 'changelog_ml*' -size +0 -o -name 'metadata_ml.mfs.back.*')
[[ -z "$written" ]] || fail "the refused metalogger wrote: $written"
cli_ok -j -SMB
check_eq "metaloggers the master lists" 0 "$(json_eval 'len(d["dataset"]["metaloggers"])')"
grep -q "follows cluster" "$T/log/mfsmaster.log" || fail "the master did not log why it refused the metalogger"
touch "$MNT/still-serving" || fail "the master stopped serving after refusing a metalogger"
stop_role ml 30

# ---- 2. mfsmaster -a on a changelog with a hole, or an unreadable line
mkdir -p "$MNT/d"
for i in $(seq 1 40); do echo "$i" >"$MNT/d/f$i"; done
sync
umount_client
kill9_master  # the changes are only in changelog.0.mfs, past the image
lines=$(wc -l <"$MASTER_DATA/changelog.0.mfs")
((lines >= 40)) || fail "expected the 40 creates in $MASTER_DATA/changelog.0.mfs, found $lines lines"
# recover_fails NAME EDIT WANT: a copy of the master's folder, changelog.0.mfs
# edited by the sed script EDIT, refused by mfsmaster -a with WANT.
recover_fails() {
  local name=$1 edit=$2 want=$3 dir=$T/$1 rc=0
  mkdir -p "$dir"
  cp "$MASTER_DATA"/* "$dir/"
  sed -i "$edit" "$dir/changelog.0.mfs"
  cmp -s "$MASTER_DATA/changelog.0.mfs" "$dir/changelog.0.mfs" && fail "$name: the edit '$edit' changed nothing"
  sed "s|^DATA_PATH = .*|DATA_PATH = $dir|" "$MASTER_CFG" >"$T/$name.cfg"
  local sums
  sums=$(cd "$dir" && sha256sum -- * | sort)
  timeout 60 "$MFSMASTER" -c "$T/$name.cfg" -f -a start >"$T/$name.out" 2>&1 </dev/null || rc=$?
  ((rc != 0 && rc != 124)) || fail "mfsmaster -a with $name: exit status $rc, expected a refusal"
  grep -qF -- "$want" "$T/$name.out" || fail "mfsmaster -a with $name did not say '$want': $(tail -n 3 "$T/$name.out")"
  port_busy "$CL_PORT" && fail "mfsmaster -a with $name left something listening on $CL_PORT"
  check_eq "the folder after the refused recovery ($name)" "$sums" "$(cd "$dir" && sha256sum -- * | sort)"
  log "$name: $(grep -F -- "$want" "$T/$name.out" | head -n 1)"
}
# the 20th line from the end of the changelog: a version in the middle
hole=$(tail -n 20 "$MASTER_DATA/changelog.0.mfs" | head -n 1 | cut -d: -f1)
recover_fails hole "/^$hole: /d" "changelogs have a gap: version $hole is missing (next found: $((hole + 1)))"
recover_fails garbled "s/^$hole: \([0-9.]*\)|.*/$hole: \1|NOSUCHOP(1,2,3)/" "unreadable changelog line for version $hole"

# ... and the master's own folder recovers, with every file
start_master -a
mount_client
for i in $(seq 1 40); do check_eq "d/f$i after the recovery" "$i" "$(cat "$MNT/d/f$i")"; done
pass
