#!/usr/bin/env bash
# Moving data between the disks of one chunkserver with the mfshdd.cfg
# markers: with '<' on a disk its chunks move to the server's other disk;
# with '>' on a disk the chunks of the other disks move there. The chunks
# stay on the same server (the master needs no copy, nothing is reported
# damaged) and every file reads back right.
CHUNKSERVERS=2
. "$(dirname "$0")/lib.sh"
for i in 1 2; do write_cs_cfg "$i"; done
D1=$(cs_disk 1)
D2=$(cs_dir 1)/disk2
mkdir -p "$D2"
echo "$D2" >>"$(cs_dir 1)/mfshdd.cfg"
echo "HDD_REBALANCE_UTILIZATION = 100" >>"$(cs_dir 1)/mfschunkserver.cfg"
start_cluster
cd "$MNT"

declare -A want
for i in $(seq 1 24); do
  head -c $((i * 83 * 1024)) /dev/urandom >"f$i"
  want[f$i]=$(sha "f$i")
done
sync -f .
count() { find "$1" -name 'chunk_*.mfs' -type f | wc -l; }
total=$(($(count "$D1") + $(count "$D2")))
(($(count "$D1") > 0 && $(count "$D2") > 0)) || fail "chunkserver 1 should use both disks: $(count "$D1") and $(count "$D2")"
log "chunkserver 1: $(count "$D1") chunks on disk 1, $(count "$D2") on disk 2"
cs2_before=$(chunk_files 2 | wc -l)

# restart_cs1 HDD_LINES...: chunkserver 1 with a new mfshdd.cfg
restart_cs1() {
  stop_chunkserver 1
  printf '%s\n' "$@" >"$(cs_dir 1)/mfshdd.cfg"
  start_chunkserver 1
  wait_chunkservers 2 60 noprobe
}
check_files() {
  drop_caches
  local f
  for f in "${!want[@]}"; do check_eq "sha256 of $f ($1)" "${want[$f]}" "$(sha "$f")"; done
}

restart_cs1 "$D1" "<$D2"
emptied() { (($(count "$D2") == 0 && $(count "$D1") == total)); }
wait_until 60 "'<' empties disk 2 into disk 1" emptied
check_files "after '<'"

restart_cs1 ">$D2" "$D1"
filled() { (($(count "$D1") == 0 && $(count "$D2") == total)); }
wait_until 60 "'>' moves everything to disk 2" filled
check_files "after '>'"

# the master kept counting these copies: no replication, no damage
grep -q "damaged" "$T/log/mfsmaster.log" && fail "the master was told of damaged chunks: $(grep damaged "$T/log/mfsmaster.log" | head -n 2)"
check_eq "chunk files on chunkserver 2 (nothing copied there)" "$cs2_before" "$(chunk_files 2 | wc -l)"
cd /
pass
