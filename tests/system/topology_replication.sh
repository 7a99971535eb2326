#!/usr/bin/env bash
# REPLICATIONS_RESPECT_TOPOLOGY = 1: a replication copies from the source
# nearest to its destination. Racks: DC1|R1 (chunkservers 1 and 4), DC1|R2
# (2), DC2|R3 (3); goal 3 with CHUNKS_UNIQUE_MODE = 2 puts one copy in each.
# When the R1 server holding most copies dies its copies go to the other
# R1 server, and each must come from chunkserver 2 (distance 2) rather than
# 3 (distance 3, another data centre).
CHUNKSERVERS=4
. "$(dirname "$0")/lib.sh"
write_master_cfg "$MASTER_DIR" "$ML_PORT" "$CS_PORT" "$CL_PORT"
TOPO=$MASTER_DIR/mfstopology.cfg
printf '%s\n' "127.0.0.11 DC1|R1" "127.0.0.14 DC1|R1" "127.0.0.12 DC1|R2" "127.0.0.13 DC2|R3" >"$TOPO"
cat >>"$MASTER_CFG" <<CFG_EOF
TOPOLOGY_FILENAME = $TOPO
CHUNKS_UNIQUE_MODE = 2
REPLICATIONS_RESPECT_TOPOLOGY = 1
LOG_LEVEL = debug
CFG_EOF
write_cs_cfgs_own_addresses
start_cluster
cd "$MNT"
mkdir data
tool_ok mfssetgoal 3 data
declare -A want
for i in $(seq 1 10); do
  head -c $((i * 40000)) /dev/urandom >"data/f$i"
  want[f$i]=$(sha "data/f$i")
done
sync -f .
three() {
  local f
  for f in data/f*; do "$TOOLS/mfscheckfile" "$f" | grep -q "chunks with 3 copies" || return 1; done
}
wait_until 30 "every chunk of the files at 3 copies" three
# R1's copies sit on chunkserver 1 or 4 (placement varies): the one holding
# more of them dies, and they come back on the other
copies_on() { for f in data/f*; do "$TOOLS/mfsfileinfo" "$f"; done | grep -c "copy [0-9]*: 127.0.0.1$1:" || true; }
victim=1 other=4
(($(copies_on 4) > $(copies_on 1))) && victim=4 other=1
n=$(copies_on "$victim")
((n > 0)) || fail "neither R1 chunkserver holds a copy of the files' chunks"
log "chunkserver $victim holds $n copies of the files' chunks; it dies"
mark=$(grep -c "replicating chunk" "$T/log/mfsmaster.log" || true)
kill9_chunkserver "$victim"
back() { [[ "$(grep "replicating chunk" "$T/log/mfsmaster.log" | tail -n +$((mark + 1)) | grep -c " to 127.0.0.1$other:")" -ge "$n" ]]; }
wait_until 60 "the $n copies of chunkserver $victim replicated to chunkserver $other" back
grep "replicating chunk" "$T/log/mfsmaster.log" | tail -n +$((mark + 1)) | grep " to 127.0.0.1$other:" >"$T/reps"
if grep -v " from 127.0.0.12:" "$T/reps" >"$T/far"; then
  fail "replications to chunkserver $other not from the nearest source (chunkserver 2): $(head -n 2 "$T/far")"
fi
drop_caches
for f in "${!want[@]}"; do check_eq "sha256 of $f" "${want[$f]}" "$(sha "data/$f")"; done
cd /
pass
