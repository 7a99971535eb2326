#!/usr/bin/env bash
# Maintenance mode and mfscli, goal 2 on 3 chunkservers.
# - mfscli -SCS/-SHD/-SIG/-SIC show what the disks and the namespace hold.
# - mfscli -CM1: the server's copies are kept while it is down (no
#   replication), it gets no new chunks when back; -CM0 ends it.
# - The same server killed in standard mode: its chunks are replicated.
# - A clean stop (SIGTERM) is temporary maintenance: no replication until
#   CS_TEMP_MAINTENANCE_MODE_TIMEOUT (15 s here), then replication; a server
#   that comes back in time is in standard mode again.
# - -CRC forgets a disconnected server; commands need an `admin` export.
CHUNKSERVERS=3
MASTER_EXTRA_CFG="CS_TEMP_MAINTENANCE_MODE_TIMEOUT = 15"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/chunks_lib.sh"
start_cluster

# (cli, cli_ok, cli_field, cs_line, down_line, disk_line: lib.sh)
info() { cli_field "master info:	$1	" 3; }
maint_of() { cs_line "$1" | cut -f8; }
on_disk() { chunk_copies "$1" | wc -l; }
all_at_goal() { [[ -z "$(chunk_summary "$@" | awk '$2 != 2 || $3 != 0')" ]]; }

mkdir -p "$MNT/data" "$T/src"
for i in $(seq 1 30); do head -c $((i * 40000)) /dev/urandom >"$T/src/f$i"; done
cp "$T/src"/f* "$MNT/data/"
sync
wait_until 30 "every chunk at 2 copies" all_at_goal
nchunks=$(chunk_summary | wc -l)  # the files' 30, and the one of lib.sh's probe file, in the trash
check_eq "chunks on the disks" 31 "$nchunks"
check_files() {
  drop_caches
  local i
  for i in $(seq 1 30); do cmp -s "$T/src/f$i" "$MNT/data/f$i" || fail "$1: data/f$i reads back wrong"; done
}

# ---- monitoring against the disks and the namespace
# (chunkservers report their counts every second: wait for those to match)
scs_counts_match() {
  cli_ok -SCS
  local i
  for i in 1 2 3; do [[ "$(cs_line "$i" | cut -f9)" == "$(on_disk "$i")" ]] || return 1; done
}
wait_until 10 "mfscli -SCS chunk counts equal to the chunk files on each disk" scs_counts_match
shd_counts_match() {
  cli_ok -SHD
  local i
  for i in 1 2 3; do [[ "$(disk_line "$i" | cut -f3)" == "$(on_disk "$i")" ]] || return 1; done
}
wait_until 10 "mfscli -SHD chunk counts equal to the chunk files on each disk" shd_counts_match
cli_ok -SCS
for i in 1 2 3; do
  line=$(cs_line "$i")
  [[ -n "$line" ]] || fail "mfscli -SCS: no line for chunkserver $i: $OUT"
  check_eq "chunkserver $i maintenance" "maintenance_off" "$(cut -f8 <<<"$line")"
  check_eq "chunkserver $i chunks (-SCS)" "$(on_disk "$i")" "$(cut -f9 <<<"$line")"
  [[ "$(cut -f11 <<<"$line")" -gt 0 ]] || fail "chunkserver $i: total space 0 in '$line'"
done
[[ "$OUT" != *Disconnected* ]] || fail "mfscli -SCS lists disconnected servers with all three up: $OUT"
cli_ok -SHD
for i in 1 2 3; do
  line=$(disk_line "$i")
  [[ -n "$line" ]] || fail "mfscli -SHD: no line for the disk of chunkserver $i: $OUT"
  check_eq "chunkserver $i disk chunks (-SHD)" "$(on_disk "$i")" "$(cut -f3 <<<"$line")"
  check_eq "chunkserver $i disk status" "ok" "$(cut -f5 <<<"$line")"
done
# -SHD's last-minute I/O: every 64 KiB block written to a disk counts as a
# write there, and reading every file back counts its blocks as reads.
blocks_on() { chunk_files "$1" | xargs -r stat -c %s | awk '{ n += int(($1 - 8192 + 65535) / 65536) } END { print n + 0 }'; }
for i in 1 2 3; do
  w=$(disk_line "$i" | cut -f12)
  [[ "$w" =~ ^[0-9]+$ ]] && ((w >= $(blocks_on "$i"))) ||
    fail "mfscli -SHD writes of chunkserver $i: '$w', expected at least $(blocks_on "$i") blocks: $(disk_line "$i")"
done
drop_caches
cat "$MNT"/data/f* >/dev/null
want_reads=0
for i in $(seq 1 30); do want_reads=$((want_reads + (i * 40000 + 65535) / 65536)); done
reads_seen() {
  cli_ok -SHD
  local i n=0 r
  for i in 1 2 3; do
    r=$(disk_line "$i" | cut -f11)
    [[ "$r" =~ ^[0-9]+$ ]] && n=$((n + r))
  done
  ((n >= want_reads))
}
wait_until 10 "mfscli -SHD to count at least $want_reads block reads over the disks" reads_seen
cli_ok -SIG
trash=$(info 'trash files')
check_eq "-SIG trash files (lib.sh's probe file, removed)" 1 "$trash"
check_eq "-SIG chunks" "$nchunks" "$(info chunks)"
check_eq "-SIG all chunk copies" $((2 * nchunks)) "$(info 'all chunk copies')"
check_eq "-SIG files" $((30 + trash)) "$(info files)"
check_eq "-SIG directories" 2 "$(info directories)"
check_eq "-SIG all fs objects" $((32 + trash)) "$(info 'all fs objects')"
check_eq "-SIG master version" "$("$TOOLS/mfscli" -v | awk '{print $NF}')" "$(info 'master version')"
cli_ok -SIC
check_eq "-SIC goal 2 / 2 copies" "$nchunks" "$(printf '%s\n' "$OUT" | awk -F'\t' '$2 == "goal/copies/chunks:" && $3 == 2 && $4 == 2 { print $5 }')"
check_eq "-SIC stable" "$nchunks" "$(cli_field 'all chunks matrix:	chunkclass stable:' 3)"

# ---- the same figures as one JSON document (-j, docs/cli-json.md)
cli_ok -j -SIN -SCS -SHD -SMF
check_eq "-j format" 1 "$(json_eval 'd["format"]')"
check_eq "-j data sets" "info chunks chunkservers disks missing" "$(json_eval '" ".join(d["dataset"])')"
check_eq "-j info.chunks" "$nchunks" "$(json_eval 'd["dataset"]["info"]["chunks"]')"
check_eq "-j info.all_chunk_copies" $((2 * nchunks)) "$(json_eval 'd["dataset"]["info"]["all_chunk_copies"]')"
check_eq "-j info.files" $((30 + trash)) "$(json_eval 'd["dataset"]["info"]["files"]')"
check_eq "-j info.metadata_store.ok" True "$(json_eval 'd["dataset"]["info"]["metadata_store"]["ok"]')"
check_eq "-j chunks.all.classes" "0 0 0 $nchunks 0" \
  "$(json_eval '" ".join(str(d["dataset"]["chunks"]["all"]["classes"][k]) for k in ("missing", "endangered", "undergoal", "stable", "overgoal"))')"
check_eq "-j chunks.all.matrix" "[(2, 2, $nchunks)]" \
  "$(json_eval '[(c["goal"], c["copies"], c["chunks"]) for c in d["dataset"]["chunks"]["all"]["matrix"]]')"
check_eq "-j missing" "[]" "$(json_eval 'd["dataset"]["missing"]')"
for i in 1 2 3; do
  s="[s for s in d['dataset']['chunkservers'] if s['ip'] == '$TEST_HOST' and s['port'] == $(cs_port "$i")][0]"
  k="[k for k in d['dataset']['disks'] if k['port'] == $(cs_port "$i") and k['path'].rstrip('/') == '$(cs_disk "$i")'][0]"
  check_eq "-j chunkserver $i" "True maintenance_off $(on_disk "$i")" \
    "$(json_eval "' '.join(str(x) for x in (${s}['connected'], ${s}['maintenance'], ${s}['chunks']))")"
  check_eq "-j chunkserver $i disk" "ok $(on_disk "$i") True" \
    "$(json_eval "' '.join(str(x) for x in (${k}['status'], ${k}['chunks'], ${k}['io']['writes'] >= $(blocks_on "$i")))")"
done

# busiest: the chunkserver holding the most copies; others_than V: the other two.
busiest() { chunk_copies | awk '{ n[$3]++ } END { for (c in n) print n[c], c }' | sort -n | tail -n 1 | cut -d' ' -f2; }
others_than() { local i; for i in 1 2 3; do ((i == $1)) || printf '%s ' "$i"; done; }
copies_on() { local n=0 i; for i in "$@"; do n=$((n + $(on_disk "$i"))); done; echo "$n"; }

# ---- maintenance on, then the server goes down: nothing is replicated
V=$(busiest)
read -r A B <<<"$(others_than "$V")"
cli_ok -CM1/"$TEST_HOST/$(cs_port "$V")"
check_eq "-CM1 message" "Chunkserver $TEST_HOST/$(cs_port "$V") has been switched to maintenance mode" "$OUT"
cli_ok -SCS
check_eq "chunkserver $V maintenance after -CM1" maintenance_on "$(maint_of "$V")"
check_eq "chunkserver $A maintenance after -CM1" maintenance_off "$(maint_of "$A")"
held=$(on_disk "$V")
before=$(copies_on "$A" "$B")
log "chunkserver $V holds $held copies; in maintenance, killing it"
kill9_chunkserver "$V"
# the master sees it gone, in maintenance, and keeps it so well past
# REPLICATIONS_DELAY_DISCONNECT (2 s; the loop runs every second)
wait_until 30 "mfscli -SCS to list chunkserver $V as disconnected for 6 s" cs_away_for "$V" 6
check_eq "disconnected chunkserver $V maintenance" maintenance_on "$(down_line "$V" | cut -f5)"
check_eq "copies on chunkservers $A and $B while $V is down in maintenance" "$before" "$(copies_on "$A" "$B")"
cli_ok -SIC
check_eq "-SIC endangered with chunkserver $V down" "$held" "$(cli_field 'all chunks matrix:	chunkclass endangered:' 3)"
check_files "chunkserver $V down in maintenance"

# Back, still in maintenance: new chunks go elsewhere.
start_chunkserver "$V"
wait_chunkservers 3
ids_before=$(chunk_copies "$V" | cut -d' ' -f1 | sort -u)
for i in $(seq 1 6); do head -c 300000 /dev/urandom >"$MNT/data/new$i"; done
sync
wait_until 20 "the new files' chunks at 2 copies" all_at_goal
check_eq "chunk ids on chunkserver $V after writes in maintenance" "$ids_before" "$(chunk_copies "$V" | cut -d' ' -f1 | sort -u)"
cli_ok -SCS
check_eq "chunkserver $V maintenance after it returned" maintenance_on "$(maint_of "$V")"
cli_ok -CM0/"$TEST_HOST/$(cs_port "$V")"
check_eq "-CM0 message" "Chunkserver $TEST_HOST/$(cs_port "$V") has been switched to standard mode" "$OUT"
cli_ok -SCS
check_eq "chunkserver $V maintenance after -CM0" maintenance_off "$(maint_of "$V")"

# ---- the same server lost in standard mode: its chunks are replicated
kill9_chunkserver "$V"
wait_until 40 "every chunk at 2 copies on chunkservers $A and $B (standard mode)" all_at_goal "$A" "$B"
check_files "chunkserver $V lost in standard mode"
start_chunkserver "$V"
wait_chunkservers 3
wait_until 40 "every chunk at exactly 2 copies with chunkserver $V back" all_at_goal

# ---- a clean stop: temporary maintenance
V=$(busiest)
read -r A B <<<"$(others_than "$V")"
before=$(copies_on "$A" "$B")
held=$(on_disk "$V")
stop_chunkserver "$V"
t0=$(date +%s)
cli_ok -SCS
check_eq "chunkserver $V after a clean stop" maintenance_tmp_on "$(down_line "$V" | cut -f5)"
wait_until 30 "mfscli -SCS to list chunkserver $V as disconnected for 6 s" cs_away_for "$V" 6
check_eq "chunkserver $V 6 s after a clean stop" maintenance_tmp_on "$(down_line "$V" | cut -f5)"
check_eq "copies on chunkservers $A and $B while $V is stopped cleanly" "$before" "$(copies_on "$A" "$B")"
# After CS_TEMP_MAINTENANCE_MODE_TIMEOUT (15 s) its chunks are replicated.
wait_until 60 "every chunk at 2 copies on chunkservers $A and $B after the temporary maintenance timeout" \
  all_at_goal "$A" "$B"
waited=$(($(date +%s) - t0))
((waited >= 14)) || fail "chunks of chunkserver $V ($held) replicated $waited s after its clean stop, before the 15 s timeout"
cli_ok -SCS
check_eq "chunkserver $V after the temporary maintenance timeout" maintenance_off "$(down_line "$V" | cut -f5)"
log "chunkserver $V's $held copies replaced $waited s after its clean stop"
check_files "after the temporary maintenance ended"
start_chunkserver "$V"
wait_chunkservers 3
wait_until 40 "every chunk at exactly 2 copies with chunkserver $V back" all_at_goal
# A server back within the timeout leaves temporary maintenance.
stop_chunkserver "$A"
cli_ok -SCS
check_eq "chunkserver $A after a clean stop" maintenance_tmp_on "$(down_line "$A" | cut -f5)"
start_chunkserver "$A"
wait_chunkservers 3
cli_ok -SCS
check_eq "chunkserver $A back after a clean stop" maintenance_off "$(maint_of "$A")"

# ---- removing a disconnected server from the list
cli -CRC/"$TEST_HOST/$(cs_port 2)"
((RC != 0)) || fail "mfscli -CRC of a connected chunkserver succeeded"
[[ "$ERR" == *"is connected"* ]] || fail "mfscli -CRC of a connected server: unexpected error '$ERR'"
kill9_chunkserver 2
wait_until 40 "every chunk at 2 copies on chunkservers 1 and 3" all_at_goal 1 3
cli_ok -SCS
[[ -n "$(down_line 2)" ]] || fail "chunkserver 2 not listed as disconnected: $OUT"
cli_ok -CRC/"$TEST_HOST/$(cs_port 2)"
check_eq "-CRC message" "Chunkserver $TEST_HOST/$(cs_port 2) has been removed" "$OUT"
cli_ok -SCS
[[ -z "$(down_line 2)" && -z "$(cs_line 2)" ]] || fail "chunkserver 2 still listed after -CRC: $OUT"
cli -CM1/"$TEST_HOST/$(cs_port 2)"
((RC == 1)) || fail "mfscli -CM1 of a removed chunkserver: status $RC"
check_eq "-CM1 of an unknown server" "mfscli: Chunkserver $TEST_HOST/$(cs_port 2) hasn't been found" "$ERR"
cli -j -CM1/"$TEST_HOST/$(cs_port 2)" -SCS
((RC == 1)) || fail "mfscli -j -CM1 of a removed chunkserver: status $RC"
check_eq "-j -CM1 of an unknown server" "M1 False Chunkserver $TEST_HOST/$(cs_port 2) hasn't been found" \
  "$(json_eval '" ".join(str(c[k]) for c in d["commands"] for k in ("command", "done", "message"))')"
check_eq "-j -SCS after a refused command" 2 "$(json_eval 'len(d["dataset"]["chunkservers"])')"

# ---- commands need an admin export; bad input
printf '%s\n' "*  /  rw,alldirs,maproot=0" "*  .  rw" >"$MASTER_DIR/mfsexports.cfg"
kill -HUP "${PIDS[master]}"
# reloaded once a command is refused (-CM0 of a server in standard mode
# changes nothing when allowed)
refused() { cli -CM0/"$TEST_HOST/$(cs_port 1)" && ((RC == 1)) && [[ "$ERR" == *"with 'admin'"* ]]; }
wait_until 10 "the master to refuse commands after its exports reload" refused
cli -CM1/"$TEST_HOST/$(cs_port 1)"
((RC == 1)) || fail "mfscli -CM1 without an admin export: status $RC"
[[ "$ERR" == *"with 'admin'"* ]] || fail "mfscli -CM1 without an admin export: unexpected error '$ERR'"
cli_ok -SCS
check_eq "chunkserver 1 after a refused -CM1" maintenance_off "$(maint_of 1)"
cli -SXX
((RC == 1)) && [[ "$ERR" == *"unknown data set -SXX"* ]] || fail "mfscli -SXX: status $RC, '$ERR'"
cli -CM1/300.1.1.1/9422
((RC == 1)) && [[ "$ERR" == *"not an IPv4 address"* ]] || fail "mfscli -CM1/300.1.1.1: status $RC, '$ERR'"
cli
((RC == 1)) && [[ "$ERR" == *"say what to show"* ]] || fail "mfscli without options: status $RC, '$ERR'"
run_tool mfscli -H "$TEST_HOST" -P "$(cs_port 3)" -SCS
((RC == 1)) && [[ "$ERR" == "mfscli: "* ]] || fail "mfscli at a chunkserver's port: status $RC, '$ERR'"
run_tool mfscli -j -H "$TEST_HOST" -P "$(cs_port 3)" -SCS
((RC == 1)) || fail "mfscli -j at a chunkserver's port: status $RC"
check_eq "mfscli -j at a chunkserver's port: the error member" "${ERR#mfscli: }" "$(json_eval 'd["error"]')"
tool_ok mfscli --help
[[ "$OUT" == *"-CM1/ip/port"* ]] || fail "mfscli --help does not list -CM1"
pass
