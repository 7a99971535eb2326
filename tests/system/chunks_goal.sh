#!/usr/bin/env bash
# A changed goal takes effect by itself: a tree written at goal 2 on 3
# chunkservers (one of them away for a moment first, which replicates
# nothing) gets 3 copies of every chunk after `mfssetgoal -r 3`, and 1
# after `mfssetgoal -r 1`, reading back right throughout. At goal 1 a
# chunkserver stops: its chunks are counted missing and logged once, not
# touched. An orphan chunk file (a chunk no file uses) placed on its disk
# meanwhile is deleted once it registers again.
CHUNKSERVERS=3
MASTER_EXTRA_CFG="CHUNKS_WRITE_REP_LIMIT = 10
REPLICATIONS_DELAY_DISCONNECT = 8"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/chunks_lib.sh"
start_cluster

chunk_summary | awk '{print $1}' >"$T/before.ids"
mkdir -p "$T/src/tree/a/b" "$T/src/tree/c"
for d in "" a a/b c; do
  for i in 1 2 3 4 5 6 7 8; do head -c $((i * 37000)) /dev/urandom >"$T/src/tree/$d/f$i"; done
done
cp -r "$T/src/tree" "$MNT/tree"
sync
(cd "$T/src/tree" && find . -type f -print0 | xargs -0 sha256sum) >"$T/want.sha"
# the tree's chunks: those that were not there before it was written
chunk_summary | awk '{print $1}' | comm -23 - "$T/before.ids" >"$T/tree.ids"
check_eq "chunks of the tree's 32 files" 32 "$(wc -l <"$T/tree.ids")"

check_files() {
  drop_caches
  (cd "$MNT/tree" && sha256sum -c --quiet "$T/want.sha") >"$T/sha.out" 2>&1 ||
    fail "$1: files read back wrong: $(head -n 3 "$T/sha.out" | tr '\n' ' ')"
}
# copies_are N: every chunk of the tree has N copies of its version on
# distinct chunkservers, and no other copy.
copies_are() { [[ -z "$(chunk_summary | only_ids "$T/tree.ids" | awk -v n="$1" '$2 != n || $3 != 0')" ]]; }
wait_until 20 "2 copies of every chunk of the tree" copies_are 2
check_files "at goal 2"

# A chunkserver away for less than REPLICATIONS_DELAY_DISCONNECT (8 s): its
# chunks are not replicated elsewhere, and count again when it is back.
files_before=$(chunk_files 1 3 | wc -l)
stop_chunkserver 2
wait_until 20 "mfscli -SCS to list chunkserver 2 away for 4 s" cs_away_for 2 4
check_eq "chunk files on the other servers while chunkserver 2 is briefly away" "$files_before" "$(chunk_files 1 3 | wc -l)"
start_chunkserver 2
wait_chunkservers 3 60 noprobe
wait_until 20 "the master to count every chunk at its goal again" master_at_goal
copies_are 2 || fail "the chunks are not at 2 copies after chunkserver 2 came back"
[[ "$(master_counts)" == *"since start: 0 replications done"* ]] ||
  fail "replications during a short absence: $(master_counts)"

tool_ok mfssetgoal -r 3 "$MNT/tree"
check_eq "mfsgetgoal after raising" "$MNT/tree/a/b/f8: 3" "$("$TOOLS/mfsgetgoal" "$MNT/tree/a/b/f8")"
start=$(date +%s)
wait_until 30 "3 copies of every chunk after mfssetgoal -r 3" copies_are 3
log "goal 3 reached in $(($(date +%s) - start)) s"
check_files "at goal 3"

tool_ok mfssetgoal -r 1 "$MNT/tree"
start=$(date +%s)
wait_until 30 "1 copy of every chunk after mfssetgoal -r 1" copies_are 1
log "goal 1 reached in $(($(date +%s) - start)) s"
check_files "at goal 1"
# the other chunks (the start-up probe's, in the trash) keep their goal 2
[[ -z "$(chunk_summary | awk 'NR == FNR { t[$1] = 1; next } !($1 in t) && $2 != 2' "$T/tree.ids" -)" ]] ||
  fail "chunks outside the tree changed their number of copies"

# While chunkserver K (the one holding most of the tree) is down, the tree's
# chunks it holds have no copy: the master counts them missing and logs each
# once (not once per pass), and changes nothing; they are back when it returns.
K=$(chunk_copies | only_ids "$T/tree.ids" | awk '{ n[$3]++ } END { for (c in n) print n[c], c }' | sort -n | tail -n 1 | cut -d' ' -f2)
stop_chunkserver "$K"
lost=$(chunk_copies "$K" | only_ids "$T/tree.ids" | wc -l)
((lost > 0)) || fail "chunkserver $K holds none of the tree's chunks at goal 1"
missing_counted() { [[ "$(chunk_class missing)" == "$lost" ]]; }
wait_until 20 "mfscli -SIC to count $lost missing chunks" missing_counted
cli_ok -SMF
check_eq "mfscli -SMF chunks with no copy" "$lost" "$(grep -c 'NO COPY' <<<"$OUT" || true)"
# each logged once: one line per chunk, also after three more passes (the
# log line is what is under test here)
sleep 3
check_eq "chunks logged as having no valid copy" "$lost" "$(grep -c 'has no valid copy' "$T/log/mfsmaster.log")"
# An orphan: a copy of a chunk file of chunkserver $K, renamed to an id no
# file uses (and its header's id to match), put on its disk while it is down.
src=$(chunk_files "$K" | head -n 1)
orphan_id=00000000ABCDEF42
orphan=$(cs_disk "$K")/42/chunk_${orphan_id}_00000001.mfs
cp "$src" "$orphan"
"$PYTHON" -c 'import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(8); f.write(struct.pack("<Q", int(sys.argv[2], 16)))' "$orphan" "$orphan_id"
mark=$(grep -c 'registered as' "$T/log/mfsmaster.log" || true)
start_chunkserver "$K"
wait_chunkservers 3 60 noprobe
reg() { grep 'registered as' "$T/log/mfsmaster.log" | tail -n +"$((mark + 1))" | tail -n 1; }
registered() { [[ -n "$(reg)" ]]; }
wait_until 10 "chunkserver $K to register" registered
[[ "$(reg)" == *", 1 orphans)"* ]] || fail "the master should count 1 orphan: $(reg)"
gone() { [[ ! -e "$orphan" ]]; }
wait_until 20 "the orphan chunk file to be deleted" gone
[[ -e "$src" ]] || fail "the chunk file the orphan was copied from went too"
wait_until 10 "the missing chunks to be valid again" copies_are 1
back() { [[ "$(grep -c 'has a valid copy again' "$T/log/mfsmaster.log")" == "$lost" ]]; }
wait_until 10 "the master to log the $lost chunks as valid again" back
check_files "after the orphan's deletion"
pass
