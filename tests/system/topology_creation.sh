#!/usr/bin/env bash
# CREATIONS_RESPECT_TOPOLOGY = 2: new chunks go to chunkservers at a
# topological distance below 2 from the writing client (its own rack) first,
# and elsewhere only for the copies its rack cannot hold. Four chunkservers
# on 127.0.0.11-14 in two racks; the client (127.0.0.1) sits in rack B with
# chunkservers 3 and 4. (Without the setting the master fills chunkservers 1
# and 2 first: same free space, lower ids.)
CHUNKSERVERS=4
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/chunks_lib.sh"
write_master_cfg "$MASTER_DIR" "$ML_PORT" "$CS_PORT" "$CL_PORT"
TOPO=$MASTER_DIR/mfstopology.cfg
cat >"$TOPO" <<TOPO_EOF
127.0.0.11-127.0.0.12   DC1|RACKA
127.0.0.13-127.0.0.14   DC1|RACKB
127.0.0.1               DC1|RACKB
TOPO_EOF
cat >>"$MASTER_CFG" <<CFG_EOF
TOPOLOGY_FILENAME = $TOPO
CREATIONS_RESPECT_TOPOLOGY = 2
CFG_EOF
write_cs_cfgs_own_addresses
start_cluster
mkdir "$MNT/two" "$MNT/three"
tool_ok mfssetgoal 3 "$MNT/three"
for i in $(seq 1 10); do
  head -c $((i * 60000)) /dev/urandom >"$MNT/two/f$i"
  head -c $((i * 60000)) /dev/urandom >"$MNT/three/f$i"
done
sync
# copies_of FILE SERVERS...: copies of FILE's chunk on those chunkservers
chunk_of() { "$TOOLS/mfsfileinfo" "$1" | awk '/chunk 0:/ { split($3, a, "_"); print a[1] }'; }
copies_of() { local id=$1; shift; chunk_copies "$@" | awk -v id="$id" '$1 == id' | wc -l; }
for i in $(seq 1 10); do
  id=$(chunk_of "$MNT/two/f$i")
  [[ -n "$id" ]] || fail "mfsfileinfo two/f$i: no chunk id"
  check_eq "copies of two/f$i (goal 2) in the client's rack B" 2 "$(copies_of "$id" 3 4)"
  id=$(chunk_of "$MNT/three/f$i")
  check_eq "copies of three/f$i (goal 3) in rack B" 2 "$(copies_of "$id" 3 4)"
  check_eq "copies of three/f$i (goal 3) in rack A" 1 "$(copies_of "$id" 1 2)"
done
pass
