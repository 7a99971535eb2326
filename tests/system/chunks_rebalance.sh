#!/usr/bin/env bash
# Rebalancing: two chunkservers with 256 MiB disks hold 40 files at goal 1;
# a third, empty one joins while a client keeps writing. Chunks move to it
# (copied there, then dropped from the fullest) until disk use differs by no
# more than ACCEPTABLE_PERCENTAGE_DIFFERENCE (1%, plus one chunk of slack),
# every chunk keeps exactly one copy, the client's writes all succeed, and
# every file reads back right.
CHUNKSERVERS=3
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/chunks_lib.sh"
LIMIT_MB=256
for i in 1 2 3; do
  write_cs_cfg "$i"
  echo "$(cs_disk "$i") ${LIMIT_MB}MiB" >"$(cs_dir "$i")/mfshdd.cfg"
done
start_master
start_chunkserver 1
start_chunkserver 2
mount_client
wait_chunkservers 2

mkdir -p "$MNT/data" "$T/src/data"
tool_ok mfssetgoal 1 "$MNT/data"
for i in $(seq 1 40); do head -c 1000000 /dev/urandom >"$T/src/data/f$i"; done
cp "$T/src/data"/* "$MNT/data/"
sync
(cd "$T/src/data" && sha256sum -- *) >"$T/want.sha"
check_eq "chunks on the new chunkserver before it starts" 0 "$(chunk_copies 3 | wc -l)"

# used_percent I: the chunk files' bytes on chunkserver I, in percent of its disk (x100)
used_percent() { chunk_files "$1" | xargs -r stat -c %s | awk -v l=$((LIMIT_MB << 20)) '{ s += $1 } END { printf "%d\n", s * 10000 / l }'; }
spread() {
  local a b c
  a=$(used_percent 1) b=$(used_percent 2) c=$(used_percent 3)
  printf '%s\n' "$a" "$b" "$c" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print hi - lo }'
}
log "before: used (percent x100) $(used_percent 1) $(used_percent 2) $(used_percent 3)"
# a client writing 20 files of 200 KB, one every 0.3 s, from just before the
# new server joins (rebalancing starts within a second or two of that)
mkdir -p "$MNT/live" "$T/src/live"
tool_ok mfssetgoal 1 "$MNT/live"
(
  for ((i = 0; i < 20; i++)); do
    head -c 200000 /dev/urandom >"$T/src/live/w$i"
    cp "$T/src/live/w$i" "$MNT/live/w$i" 2>"$T/writer.err" || exit 1
    sleep 0.3
  done
) &
writer=$!
start_chunkserver 3
wait_chunkservers 3 60 noprobe
# balanced: within 1% plus one chunk (1 MB of 256 MiB: 0.37%)
balanced() { (($(spread) <= 140)); }
wait_until 90 "disk use within 1% on the 3 chunkservers" balanced
wait "$writer" || fail "the client's writes failed during rebalancing: $(cat "$T/writer.err")"
(cd "$T/src/live" && sha256sum -- *) >"$T/live.sha"
wait_until 90 "disk use within 1% again after the client's writes" balanced
# one copy of each chunk but the start-up probe's (goal 2, in the trash), no stale copy
one_copy() { [[ -z "$(chunk_summary | awk '$2 != 1 && $2 != 2 || $3 != 0')" ]] && (($(chunk_copies | wc -l) == $(chunk_summary | wc -l) + 1)); }
wait_until 20 "every chunk at its goal (1; the probe's 2)" one_copy
log "after: used (percent x100) $(used_percent 1) $(used_percent 2) $(used_percent 3); $(chunk_copies 3 | wc -l) chunks on the new server"
(($(chunk_copies 3 | wc -l) >= 10)) || fail "only $(chunk_copies 3 | wc -l) chunks moved to the new chunkserver"
[[ "$(master_counts)" =~ ,\ ([0-9]+)\ copies\ moved\ to\ rebalance ]] && ((BASH_REMATCH[1] > 0)) ||
  fail "the master does not count the moved copies: $(master_counts)"
drop_caches
(cd "$MNT/data" && sha256sum -c --quiet "$T/want.sha") >"$T/sha.out" 2>&1 ||
  fail "files read back wrong after rebalancing: $(head -n 3 "$T/sha.out" | tr '\n' ' ')"
(cd "$MNT/live" && sha256sum -c --quiet "$T/live.sha") >"$T/sha.out" 2>&1 ||
  fail "files written during rebalancing read back wrong: $(head -n 3 "$T/sha.out" | tr '\n' ' ')"
pass
