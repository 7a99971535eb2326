#!/usr/bin/env bash
# A hostile client against a real cluster: tests/hostile/hostile_test.cc
# speaks the protocol straight to the master, sending what mfsmount never
# would (other tenants' inode numbers, chunk requests without an open,
# impossible lengths, namespace requests from a meta session, stolen session
# ids). This script lays out the files it attacks through a real mount, runs
# it, then checks through the mount that nothing it tried left a trace.
. "$(dirname "$0")/lib.sh"

[[ "$TEST_HOST" == 127.0.0.1 ]] || fail "hostile.sh needs the loopback cluster on 127.0.0.1 (ANTLER_TEST_HOST=$TEST_HOST)"
HOSTILE=$BUILD_DIR/tests/hostile/mfshostile_test
[[ -x "$HOSTILE" ]] || fail "$HOSTILE is missing (build first)"

EXPORTS=(
  "127.0.0.1  /          rw,alldirs,maproot=0"
  "127.0.0.2  /tenantA   rw,maproot=0"
  "127.0.0.3  /ro        ro,maproot=0"
  "127.0.0.4  /          rw,mapall=65534:65534"
  "127.0.0.5  /          ro"
  "127.0.0.5  .          rw"
  "127.0.0.6  /          rw,alldirs,maproot=0"
)
# Sessions of clients that left end after 2 s (the hostile client's defect
# 6); 40 connections per address (defect 7).
MASTER_EXTRA_CFG=$'SESSION_SUSTAIN_TIME = 2\nMAX_CONNECTIONS_PER_IP = 40'
write_master_cfg "$MASTER_DIR" "$ML_PORT" "$CS_PORT" "$CL_PORT" "${EXPORTS[@]}"
write_cs_cfg 1
echo "MAX_CONNECTIONS_PER_IP = 32" >>"$(cs_dir 1)/mfschunkserver.cfg"
start_cluster
cd /

mkdir -p "$MNT/tenantA" "$MNT/tenantB" "$MNT/ro" "$MNT/notrash"
tool_ok mfssettrashtime 0 "$MNT/notrash"  # a file deleted there while open is sustained
echo mine >"$MNT/tenantA/mine"
printf 'B-SECRET\n' >"$MNT/tenantB/secret"
chmod 600 "$MNT/tenantB/secret"
echo shared >"$MNT/tenantB/shared"
ln "$MNT/tenantB/shared" "$MNT/tenantA/shared"
printf 'ROOT-ONLY-DATA\n' >"$MNT/rootonly"
chmod 600 "$MNT/rootonly"
printf 'ROOT-RW\n' >"$MNT/rootrw"
chmod 644 "$MNT/rootrw"
head -c 33 /dev/zero | tr '\0' x >"$MNT/ro/small"
sums_before=$(cd "$MNT" && find . -type f -exec sha256sum {} + | sort)
list_before=$(cd "$MNT" && find . | sort)

log "running the hostile client against the master on port $CL_PORT"
HOSTILE_MASTER_PORT=$CL_PORT HOSTILE_MATOCS_PORT=$CS_PORT HOSTILE_MASTER_PID=${PIDS[master]} \
  HOSTILE_CS_PORT=$(cs_port 1) HOSTILE_CS_PID=${PIDS[cs1]} "$HOSTILE" --gtest_color=no >"$T/hostile.out" 2>&1 || {
  grep -E '^\[  (FAILED|     OK) |Failure|Expected|Which is|actual|  ' "$T/hostile.out" | head -n 60 >&2
  fail "the hostile client's checks failed (output above)"
}
grep -E '^\[  PASSED' "$T/hostile.out" | head -n 1

# Through the mount: every file as it was, no file added or removed.
drop_caches
sums_after=$(cd "$MNT" && find . -type f -exec sha256sum {} + | sort)
list_after=$(cd "$MNT" && find . | sort)
check_eq "files and contents after the attack" "$sums_before" "$sums_after"
check_eq "names after the attack" "$list_before" "$list_after"
check_eq "/ro/small's length" 33 "$(stat -c %s "$MNT/ro/small")"
pass
