#!/usr/bin/env bash
# A chunkserver dies (SIGKILL) in the middle of a 300 MiB write with goal 2 on
# 3 chunkservers: the write completes without error and the file reads back
# right, also after drop_caches, a remount, and with the chunkserver back.
CHUNKSERVERS=3
. "$(dirname "$0")/lib.sh"
start_cluster

SIZE_MB=300
head -c $((SIZE_MB << 20)) /dev/urandom >"$T/src/big"
want=$(sha "$T/src/big")
before=$(chunk_files | wc -l)

# One dd writes the whole file through one descriptor; its input is fed in
# 10 MiB pieces with short pauses so that the kill lands mid-write.
(
  set -o pipefail
  for ((i = 0; i < SIZE_MB / 10; i++)); do
    dd if="$T/src/big" bs=1M skip=$((i * 10)) count=10 status=none
    sleep 0.3
  done | dd of="$MNT/big" bs=1M iflag=fullblock conv=fsync status=none 2>"$T/dd.err"
) &
writer=$!

# wait until about 100 MiB have been written
for ((i = 0; i < 600; i++)); do
  size=$(stat -c %s "$MNT/big" 2>/dev/null || echo 0)
  ((size >= 100 << 20)) && break
  kill -0 "$writer" 2>/dev/null || break
  sleep 0.1
done
((size >= 100 << 20)) || fail "the writer did not reach 100 MiB in 60s (size $size)"
kill -0 "$writer" 2>/dev/null || fail "the writer finished before a chunkserver could be killed"

# kill the chunkserver that holds the newest chunk file (it takes part in the current write)
newest=$(chunk_files | xargs -r stat -c '%.9Y %n' | sort -n | tail -n 1 | cut -d' ' -f2)
[[ -n "$newest" ]] || fail "no chunk files in any chunkserver disk folder after 100 MiB were written"
victim=$(sed -E 's|.*/cs([0-9]+)/disk/.*|\1|' <<<"$newest")
log "file at $((size >> 20)) MiB, killing chunkserver $victim (holds $newest)"
kill9_chunkserver "$victim"

rc=0
wait "$writer" || rc=$?
((rc == 0)) || fail "the write failed after chunkserver $victim was killed (status $rc): $(tail -n 1 "$T/dd.err")"
log "write completed"

check_eq "size of the file" $((SIZE_MB << 20)) "$(stat -c %s "$MNT/big")"
check_eq "sha256 of the file, 2 of 3 chunkservers up" "$want" "$(sha "$MNT/big")"
drop_caches
check_eq "sha256 after drop_caches, 2 of 3 chunkservers up" "$want" "$(sha "$MNT/big")"
remount_client
check_eq "sha256 after remount, 2 of 3 chunkservers up" "$want" "$(sha "$MNT/big")"
(($(chunk_files | wc -l) > before)) || fail "no chunk files were created"

# Goal 2 again on the two survivors: every chunk has a copy of its newest
# version on each of them (chunks that lost their copy on the victim are
# replicated by the master; REPLICATIONS_DELAY_INIT is 1 s in tests).
survivors=()
for ((i = 1; i <= CHUNKSERVERS; i++)); do ((i == victim)) || survivors+=("$i"); done
under_goal() {
  # prints the chunk ids whose newest version is not on both survivors
  chunk_files "${survivors[@]}" | sed -E 's|.*/chunk_([0-9A-F]{16})_([0-9A-F]{8})\.mfs$|\1 \2|' |
    sort | awk '{ n[$1" "$2]++; if ($2 > v[$1]) v[$1] = $2 } END { for (c in v) if (n[c" "v[c]] < 2) print c }'
}
for ((i = 0; i < 120; i++)); do
  missing=$(under_goal)
  [[ -z "$missing" ]] && break
  sleep 1
done
[[ -z "$missing" ]] || fail "chunks still below goal 2 on the surviving chunkservers after 120s: $(echo $missing | head -c 200)"
log "every chunk has 2 copies on the surviving chunkservers"

start_chunkserver "$victim"
wait_chunkservers 3
drop_caches
check_eq "sha256 with the killed chunkserver back (it may hold stale copies)" "$want" "$(sha "$MNT/big")"
pass
