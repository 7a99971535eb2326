#!/usr/bin/env bash
# One file, many handles of one client: every handle of an inode shares one
# state. mfsclient_stress (client core, no FUSE) opens, writes, reads through
# a second handle and releases from several threads while others open and
# release and truncate; a read that misses the write just buffered through
# another handle means two states for the inode (an open racing with the last
# release). Then through the mount: a file deleted while open on two
# descriptors stays in sustained/ until the second close and goes after it
# (the master counts each open, so each release must be sent).
. "$(dirname "$0")/lib.sh"
start_cluster
STRESS=$BUILD_DIR/tests/stress/mfsclient_stress
[[ -x "$STRESS" ]] || fail "$STRESS is missing (build first)"

log "mfsclient_stress for ${STRESS_SECONDS:-15} s"
if ! "$STRESS" -H "$TEST_HOST" -P "$CL_PORT" -s "${STRESS_SECONDS:-15}" -t 4 -n stress 2>"$T/stress.log"; then
  cat "$T/stress.log" >&2
  fail "mfsclient_stress: $(grep -m1 FAIL "$T/stress.log" || tail -n 1 "$T/stress.log")"
fi
log "$(tail -n 1 "$T/stress.log")"

# sustained: deleted while open on two descriptors
META=$T/meta
mount_client "$META" -m
"$TOOLS/mfssettrashtime" 0 "$MNT" >/dev/null
echo held >"$MNT/twice"
exec 7<"$MNT/twice" 8<"$MNT/twice"
rm "$MNT/twice"
check_eq "sustained entries while open twice" 1 "$(ls "$META/sustained" | wc -l)"
exec 7<&-
sleep 1
check_eq "sustained after the first of two closes" 1 "$(ls "$META/sustained" | wc -l)"
check_eq "readable through the second descriptor" held "$(cat <&8)"
exec 8<&-
no_sustained() { [[ -z "$(ls "$META/sustained")" ]]; }
wait_until 30 "sustained entry gone after the last of two closes" no_sustained
pass
