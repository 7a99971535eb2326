#!/usr/bin/env bash
# mfstopology.cfg and CHUNKS_UNIQUE_MODE = 2: four chunkservers on four
# loopback addresses in two racks; at goal 2 every chunk has one copy in
# each rack, also after the master re-replicates the copies of a killed
# server (onto the other server of the same rack); a bad topology line stops
# the master with FILE:LINE.
CHUNKSERVERS=4
. "$(dirname "$0")/lib.sh"
write_master_cfg "$MASTER_DIR" "$ML_PORT" "$CS_PORT" "$CL_PORT"
TOPO=$MASTER_DIR/mfstopology.cfg
cat >"$TOPO" <<TOPO_EOF
# rack A: chunkservers 1 and 2; rack B: 3 and 4
127.0.0.11-127.0.0.12   DC1|RACKA
127.0.0.13/32           DC1|RACKB
127.0.0.14/255.255.255.255 DC1|RACKB
TOPO_EOF
cat >>"$MASTER_CFG" <<CFG_EOF
TOPOLOGY_FILENAME = $TOPO
CHUNKS_UNIQUE_MODE = 2
CFG_EOF
write_cs_cfgs_own_addresses
start_cluster
cd "$MNT"

declare -A want
for i in $(seq 1 16); do
  head -c $((i * 50000)) /dev/urandom >"f$i"
  want[f$i]=$(sha "f$i")
done
sync -f .
ids() { chunk_files | xargs -n1 basename | cut -d_ -f2 | sort -u; }
# one_per_rack A_SERVERS B_SERVERS: every chunk has one copy on each side.
one_per_rack() {
  local id a b
  for id in $(ids); do
    a=$(chunk_files $1 | grep -c "/chunk_${id}_" || true)
    b=$(chunk_files $2 | grep -c "/chunk_${id}_" || true)
    ((a == 1 && b == 1)) || return 1
  done
}
n=$(ids | wc -l)
((n >= 16)) || fail "expected at least 16 chunks, found $n"
one_per_rack "1 2" "3 4" || fail "some chunk has both copies in one rack: $(chunk_files | xargs -n1 basename | sort | uniq -c | head)"
log "$n chunks, one copy in each rack"

# chunkserver 3 dies: its copies come back on chunkserver 4 (rack B is free)
kill9_chunkserver 3
mv "$(cs_disk 3)" "$T/cs3-disk-dead"
mkdir "$(cs_disk 3)"
wait_until 60 "every chunk has a copy in rack A and one on chunkserver 4" one_per_rack "1 2" "4"
drop_caches
for f in "${!want[@]}"; do check_eq "sha256 of $f" "${want[$f]}" "$(sha "$f")"; done

# a malformed topology line stops a master start with its place
cd /
umount_client
stop_master
echo "127.0.0.15" >>"$TOPO"
run_master_expect_fail() {
  local rc=0
  "$MFSMASTER" -c "$MASTER_CFG" -f start >"$T/bad-start.out" 2>&1 || rc=$?
  ((rc != 0)) || fail "the master started with a malformed topology line"
  grep -q "mfstopology.cfg:5: '127.0.0.15' has no location" "$T/bad-start.out" ||
    fail "the error does not name the file and line: $(tail -n 2 "$T/bad-start.out")"
}
run_master_expect_fail
pass
