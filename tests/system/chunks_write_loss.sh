#!/usr/bin/env bash
# A chunkserver dies while a client writes (goal 2, 3 chunkservers) and the
# chunk loop's walk is slow (CHUNKS_LOOP_MIN_TIME 300, as shipped): the
# chunks it held, including those being written at that moment (leased,
# so the loop passes them by), are back at 2 copies within seconds, not at
# the next walk. Every file reads back right.
CHUNKSERVERS=3
MASTER_EXTRA_CFG="CHUNKS_LOOP_MIN_TIME = 300"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/chunks_lib.sh"
start_cluster
mkdir "$MNT/w"
head -c $((24 << 20)) /dev/urandom >"$T/w.src"
writer() {
  local i=0
  while [[ ! -e "$T/stop" ]]; do
    dd if="$T/w.src" of="$MNT/w/f$i" bs=1M conv=fsync status=none || return 1
    i=$((i + 1))
  done
}
writer &
wpid=$!
# written_past N: the writer has begun file N (so N-1 is complete), or has
# stopped (its status tells why)
written_past() { [[ -e "$MNT/w/f$1" ]] || ! kill -0 "$wpid" 2>/dev/null; }
wait_until 60 "the writer to finish its first file" written_past 1
victim=$(chunk_copies | awk '{ n[$3]++ } END { for (c in n) print n[c], c }' | sort -n | tail -n 1 | cut -d' ' -f2)
survivors=()
for i in 1 2 3; do ((i == victim)) || survivors+=("$i"); done
kill9_chunkserver "$victim"
# the file being written at the kill and one more complete after it
n=$(find "$MNT/w" -name 'f*' | wc -l)
wait_until 60 "the writer to write two more files after the kill" written_past $((n + 1))
touch "$T/stop"
wait "$wpid" || fail "the writer failed after chunkserver $victim died"
all_at_goal() { [[ -z "$(chunk_summary "${survivors[@]}" | awk '$2 != 2 || $3 != 0')" ]]; }
wait_until 40 "every chunk at 2 copies on chunkservers ${survivors[*]}" all_at_goal
drop_caches
n=0
for f in "$MNT"/w/f*; do
  cmp -s "$T/w.src" "$f" || fail "$(basename "$f") reads back wrong"
  n=$((n + 1))
done
log "$n files of 24 MiB read back right; every chunk at goal on the survivors"
pass
