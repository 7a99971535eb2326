#!/usr/bin/env bash
# Chunks of removed files are deleted within the deletion limits
# (CHUNKS_SOFT_DEL_LIMIT/CHUNKS_HARD_DEL_LIMIT per chunkserver per second),
# not all at once: 60 one-chunk files at goal 2 on 3 chunkservers (120
# copies) are removed with the limits at 2; two seconds later at most 3
# loop steps x 2 x 3 servers have gone, mfscli -SIC counts the chunks
# pending deletion, and in the end every copy is gone.
CHUNKSERVERS=3
MASTER_EXTRA_CFG="CHUNKS_SOFT_DEL_LIMIT = 2
CHUNKS_HARD_DEL_LIMIT = 2"
. "$(dirname "$0")/lib.sh"
start_cluster
mkdir "$MNT/d"
tool_ok mfssettrashtime 0 "$MNT/d"
for i in $(seq 1 60); do head -c 70000 /dev/urandom >"$MNT/d/f$i"; done
sync
copies() { chunk_files | wc -l; }
before=$(copies)
((before >= 120)) || fail "expected at least 120 chunk copies after writing 60 files at goal 2, found $before"
rm -r "$MNT/d"
t0=$(date +%s.%N)
sleep 2
after=$(copies)
elapsed=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%d", b - a + 1.999 }')
most=$(((elapsed + 1) * 2 * 3))
log "$((before - after)) of $before copies deleted in the first ~${elapsed} s (limit 2 per server per second)"
((before - after <= most)) || fail "$((before - after)) copies deleted within ${elapsed} s, more than the limits allow ($most)"
((before - after < 120)) || fail "every copy was deleted at once"
tool_ok mfscli -H "$TEST_HOST" -P "$CL_PORT" -SIC
pending=$(printf '%s\n' "$OUT" | awk -F'\t' '$2 == "chunkclass pending deletion:" { print $3 }')
((pending > 0)) || fail "mfscli -SIC shows no chunk pending deletion while copies wait: $OUT"
gone() { (($(copies) <= before - 120)); }
wait_until 60 "every copy of the removed files deleted" gone
tool_ok mfscli -H "$TEST_HOST" -P "$CL_PORT" -SIC
check_eq "chunks pending deletion at the end" 0 "$(printf '%s\n' "$OUT" | awk -F'\t' '$2 == "chunkclass pending deletion:" { print $3 }')"
pass
