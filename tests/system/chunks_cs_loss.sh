#!/usr/bin/env bash
# Chunkserver loss and return, goal 2 on 3 chunkservers. 200 files are
# written; one chunkserver is killed (SIGKILL); within a bounded time every
# chunk is back at 2 copies on the other two (on their disks and by the
# master's count) and every file reads back right. While it is down, 20 files
# are rewritten (new chunk versions) and 10 cut to zero length (their chunks
# become orphans). Started again, it loses its stale and orphan copies, its
# good copies count again, and no chunk stays above its goal.
CHUNKSERVERS=3
MASTER_EXTRA_CFG="CHUNKS_WRITE_REP_LIMIT = 10"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/chunks_lib.sh"
start_cluster

NFILES=200
mkdir -p "$T/src/data" "$MNT/data"
"$PYTHON" - "$T/src/data" "$NFILES" <<'PY'
import os, random, sys
random.seed(4)
for i in range(int(sys.argv[2])):
    with open(os.path.join(sys.argv[1], "f%03d" % i), "wb") as f:
        f.write(os.urandom(random.randint(1, 1536) * 1024))
PY
cp "$T/src/data"/* "$MNT/data/"
sync
(cd "$T/src/data" && sha256sum -- *) >"$T/want.sha"

check_files() {  # check_files WHAT: every file reads back right through the mount
  drop_caches
  (cd "$MNT/data" && sha256sum -c --quiet "$T/want.sha") >"$T/sha.out" 2>&1 ||
    fail "$1: files read back wrong: $(head -n 3 "$T/sha.out" | tr '\n' ' ')"
}
# all_at_goal [I...]: every chunk has 2 copies of its newest version on the
# given servers (and no other copy there).
all_at_goal() { [[ -z "$(chunk_summary "$@" | awk '$2 != 2 || $3 != 0')" ]]; }
wait_until 30 "every chunk at 2 copies after the writes" all_at_goal
check_files "before the kill"
nchunks=$(chunk_summary | wc -l)
((nchunks >= NFILES)) || fail "only $nchunks chunks for $NFILES files"

# the victim: the chunkserver holding the most copies
victim=$(chunk_copies | awk '{ n[$3]++ } END { for (c in n) print n[c], c }' | sort -n | tail -n 1 | cut -d' ' -f2)
survivors=()
for i in 1 2 3; do ((i == victim)) || survivors+=("$i"); done
held=$(chunk_copies "$victim" | wc -l)
log "$nchunks chunks; chunkserver $victim holds $held copies; killing it"
kill9_chunkserver "$victim"
start=$(date +%s)
wait_until 60 "every chunk back at 2 copies on chunkservers ${survivors[*]}" all_at_goal "${survivors[@]}"
log "goal 2 restored on the survivors in $(($(date +%s) - start)) s"
# the master's own count (mfscli -SIC): every chunk on the disks at its goal
wait_until 20 "the master to count every chunk at its goal" master_at_goal
log "master: $(chunk_classes)(missing endangered undergoal stable overgoal)"
check_files "with chunkserver $victim down"

# Changes while it is away: new versions, and chunks no file uses any more.
for i in $(seq 11 2 199); do  # in place (no truncation): the same chunk, a new version
  f=$(printf 'f%03d' "$i")
  head -c $(((i + 1) * 70)) /dev/urandom >"$T/patch"
  dd if="$T/patch" of="$T/src/data/$f" conv=notrunc status=none
  dd if="$T/patch" of="$MNT/data/$f" conv=notrunc,fsync status=none
done
for i in $(seq 0 9); do
  f=$(printf 'f%03d' "$i")
  : >"$T/src/data/$f"
  : >"$MNT/data/$f"
done
sync
(cd "$T/src/data" && sha256sum -- *) >"$T/want.sha"
wait_until 30 "every chunk at 2 copies on the survivors after the changes" all_at_goal "${survivors[@]}"
# The cut files' chunks are deleted from the survivors at the master's
# deletion pace: until they are gone, they would count as current below.
survivors_hold_only_known() {
  chunks_at_goal "$(chunk_files "${survivors[@]}" | sed -E 's|.*/chunk_([0-9A-F]{16})_.*|\1|' | sort -u | wc -l)"
}
wait_until 30 "the survivors to hold only chunks the master knows" survivors_hold_only_known
# what the victim's disk holds that is now stale (older version) or orphan
chunk_copies "${survivors[@]}" | sort -k1,1 -k2,2r | awk '!seen[$1]++ {print $1, $2}' >"$T/newest"
bad_on_victim() {
  chunk_copies "$victim" | awk 'NR == FNR { v[$1] = $2; next } !($1 in v) || $2 != v[$1]' "$T/newest" -
}
nbad=$(bad_on_victim | wc -l)
held=$(chunk_copies "$victim" | wc -l)
((nbad > 0 && nbad < held)) || fail "expected some (not all) of the $held copies on chunkserver $victim to be stale or orphans, found $nbad"
log "chunkserver $victim holds $nbad stale or orphan copies; starting it again"

start_chunkserver "$victim"
wait_chunkservers 3 60 noprobe
reg=$(grep "chunkserver .* registered as " "$T/log/mfsmaster.log" | tail -n 1)
[[ "$reg" =~ \(([0-9]+)\ valid,\ ([0-9]+)\ stale,\ ([0-9]+)\ orphans\) ]] || fail "no registration line: $reg"
# (whether the victim held copies of the cut files depends on placement)
((BASH_REMATCH[1] == held - nbad && BASH_REMATCH[2] + BASH_REMATCH[3] == nbad && BASH_REMATCH[2] > 0)) ||
  fail "the master should count $((held - nbad)) valid copies and $nbad stale (rewritten files) or orphan (cut files) ones: $reg"
no_bad() { [[ -z "$(bad_on_victim)" ]]; }
wait_until 30 "the stale and orphan copies to leave chunkserver $victim" no_bad
wait_until 30 "every chunk at exactly 2 copies with all 3 chunkservers" all_at_goal
(($(chunk_copies "$victim" | wc -l) > 0)) || fail "chunkserver $victim kept none of its good copies"
# the master's count: no chunk under or over goal, and no copy it counts
# that is not on a disk (the stale and orphan ones gone from its count too)
master_clean() {
  master_at_goal || return 1
  cli_ok -SIG
  [[ "$(cli_field "master info:	all chunk copies	" 3)" == "$(chunk_files | wc -l)" ]]
}
wait_until 20 "the master to count no chunk under or over goal and only the copies on the disks" master_clean
log "master: $(chunk_classes)(missing endangered undergoal stable overgoal)"
check_files "with chunkserver $victim back"
pass
