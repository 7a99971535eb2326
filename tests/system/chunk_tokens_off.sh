#!/usr/bin/env bash
# CHUNK_TOKENS = 0 (docs/protocol.md, "Chunk access tokens"): the master
# hands out no tokens and tells the chunkservers so at registration; each
# chunkserver says in its log that its data port serves anyone. Everything
# that moves data still works: writes through the chain, reads after the
# caches are dropped, replication to a raised goal, copy on write after a
# snapshot, truncation inside a chunk. The master's token key rotation
# (CHUNK_TOKEN_ROTATION, here its minimum of 10 s) changes nothing then.
CHUNKSERVERS=3
MASTER_EXTRA_CFG="CHUNK_TOKENS = 0
CHUNK_TOKEN_ROTATION = 10
CHUNKS_WRITE_REP_LIMIT = 10"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/chunks_lib.sh"
start_cluster

for i in 1 2 3; do
  grep -q "chunk tokens are off at the master (CHUNK_TOKENS = 0)" "$T/log/mfschunkserver$i.log" ||
    fail "chunkserver $i does not say that tokens are off: $(grep 'registered with master' "$T/log/mfschunkserver$i.log")"
done

cd "$MNT"
"$TOOLS/mfssettrashtime" 0 . >/dev/null
chunk_summary | awk '{print $1}' >"$T/before.ids"  # lib.sh's probe file's, in the trash
head -c $((70 << 20)) /dev/urandom >"$T/big"
cp "$T/big" big
mkdir tree
for i in 1 2 3 4 5 6; do head -c $((i * 50000)) /dev/urandom >"tree/f$i"; done
sync
(cd tree && sha256sum f*) >"$T/tree.sha"
drop_caches
check_eq "a 70 MiB file read back with tokens off" "$(sha "$T/big")" "$(sha big)"
(cd tree && sha256sum -c --quiet "$T/tree.sha") || fail "small files read back wrong with tokens off"

# replication: the master's CsReplicate carries no token either
chunk_summary | awk '{print $1}' | comm -23 - "$T/before.ids" >"$T/all.ids"
check_eq "chunks of big and tree/" 8 "$(wc -l <"$T/all.ids")"
tool_ok mfssetgoal -r 3 "$MNT"
copies_are_3() { [[ -z "$(chunk_summary | only_ids "$T/all.ids" | awk '$2 != 3 || $3 != 0')" ]]; }
wait_until 60 "3 copies of every chunk after mfssetgoal -r 3" copies_are_3

# copy on write after a snapshot, and a truncation inside a shared chunk
tool_ok mfsmakesnapshot big snap
printf 'SNAPSHOT-SIDE' | dd of=snap bs=1M seek=1 conv=notrunc status=none
truncate -s $((65 << 20)) big
sync
drop_caches
check_eq "the source keeps its bytes after the snapshot's write" "$(head -c $((65 << 20)) "$T/big" | sha256sum | cut -d' ' -f1)" "$(sha big)"
check_eq "the snapshot sees its own write" SNAPSHOT-SIDE "$(dd if=snap bs=1M skip=1 count=1 status=none | head -c 13)"

# a key rotation (every 10 s here) is no reason to refuse anything
sleep 11
drop_caches
(cd tree && sha256sum -c --quiet "$T/tree.sha") || fail "small files read back wrong after a key rotation"
if grep -h "token" "$T"/log/mfschunkserver*.log | grep -qi "refus"; then
  fail "a chunkserver refused a request for its token: $(grep -h token "$T"/log/mfschunkserver*.log | grep -i refus | head -n 2)"
fi
pass
