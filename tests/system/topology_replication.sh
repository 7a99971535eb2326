#!/usr/bin/env bash
# REPLICATIONS_RESPECT_TOPOLOGY = 1: a replication copies from the source
# nearest to its destination. Racks: DC1|R1 (chunkservers 1 and 4), DC1|R2
# (2), DC2|R3 (3); goal 3 with CHUNKS_UNIQUE_MODE = 2 puts one copy in each.
# When chunkserver 1 dies its copies go to chunkserver 4 (the only other
# place in R1), and each must come from chunkserver 2 (distance 2) rather
# than 3 (distance 3, another data centre).
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
for i in 1 2 3 4; do
  write_cs_cfg "$i"
  sed -i "s/^CSSERV_LISTEN_HOST = .*/CSSERV_LISTEN_HOST = 127.0.0.1$i/" "$(cs_dir "$i")/mfschunkserver.cfg"
done
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
# copies of the files' chunks on chunkserver 1 (mfsfileinfo names their servers)
on1=$(for f in data/f*; do "$TOOLS/mfsfileinfo" "$f"; done | grep -c "copy [0-9]*: 127.0.0.11:" || true)
((on1 > 0)) || fail "chunkserver 1 holds no copy of the files' chunks"

mark=$(grep -c "replicating chunk" "$T/log/mfsmaster.log" || true)
kill9_chunkserver 1
back() { [[ "$(grep "replicating chunk" "$T/log/mfsmaster.log" | tail -n +$((mark + 1)) | grep -c " to 127.0.0.14:")" -ge "$on1" ]]; }
wait_until 60 "the $on1 copies of chunkserver 1 replicated to chunkserver 4" back
grep "replicating chunk" "$T/log/mfsmaster.log" | tail -n +$((mark + 1)) | grep " to 127.0.0.14:" >"$T/reps"
if grep -v " from 127.0.0.12:" "$T/reps" >"$T/far"; then
  fail "replications to chunkserver 4 not from the nearest source (chunkserver 2): $(head -n 2 "$T/far")"
fi
drop_caches
for f in "${!want[@]}"; do check_eq "sha256 of $f" "${want[$f]}" "$(sha "data/$f")"; done
cd /
pass
