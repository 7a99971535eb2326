#!/usr/bin/env bash
# A disk marked for removal ('*' in mfshdd.cfg): its chunks stay readable
# but do not count toward their goal, so the master copies them to other
# disks; once every chunk there has its goal elsewhere the master says the
# disks are safe to remove, and pulling the disk loses nothing.
CHUNKSERVERS=3
. "$(dirname "$0")/lib.sh"
for i in 1 2 3; do write_cs_cfg "$i"; done
D1=$(cs_disk 1)
D2=$(cs_dir 1)/disk2
mkdir -p "$D2"
echo "$D2" >>"$(cs_dir 1)/mfshdd.cfg"
start_cluster
cd "$MNT"

declare -A want
for i in $(seq 1 20); do
  head -c $((i * 71 * 1024 + 3)) /dev/urandom >"f$i"
  want[f$i]=$(sha "f$i")
done
sync -f .
ids_on() { find "$1" -name 'chunk_*.mfs' -type f | xargs -rn1 basename | cut -d_ -f2 | sort -u; }
on_d2=$(ids_on "$D2" | wc -l)
((on_d2 > 0)) || fail "no chunk landed on chunkserver 1's second disk"
log "$on_d2 chunks on the disk that will be removed"

stop_chunkserver 1
printf '%s\n' "$D1" "*$D2" >"$(cs_dir 1)/mfshdd.cfg"
start_chunkserver 1
wait_chunkservers 3 60 noprobe
marked() { cli_ok -SHD; [[ "$(disk_line 1 "$D2" | cut -f5)" == "marked for removal" ]]; }
wait_until 10 "mfscli -SHD to show chunkserver 1's second disk marked for removal" marked

# each chunk of the marked disk gets two copies on the other disks, and the
# master says the disk is safe to remove: removal READY, with its chunks.
# (mfscli says PENDING until a chunk loop pass that started after the
# server registered has completed, so READY is never a stale answer.)
good_disks() { find "$D1" "$(cs_disk 2)" "$(cs_disk 3)" -name 'chunk_*.mfs' -type f; }
copied() {
  local id
  for id in $(ids_on "$D2"); do (($(good_disks | grep -c "/chunk_${id}_") == 2)) || return 1; done
}
safe() { copied && cli_ok -SCS && [[ "$(cs_line 1 | cut -f12,13)" == "READY	$on_d2" ]]; }
wait_until 90 "two copies elsewhere of each chunk of the marked disk, and mfscli -SCS saying it is safe to remove (READY, $on_d2 chunks)" safe
# and its own copy still there (not deleted); nothing more copied meanwhile
for id in $(ids_on "$D2"); do
  check_eq "copies of chunk $id on other disks" 2 "$(good_disks | grep -c "/chunk_${id}_")"
done
check_eq "chunks still on the marked disk" "$on_d2" "$(ids_on "$D2" | wc -l)"
# mfscli says the same: chunkserver 1's marked disk is READY to go, with its chunks
cli_ok -SCS
line=$(cs_line 1)
check_eq "mfscli -SCS removal status of chunkserver 1" READY "$(cut -f12 <<<"$line")"
check_eq "mfscli -SCS chunks on chunkserver 1's marked disk" "$on_d2" "$(cut -f13 <<<"$line")"
cli_ok -SHD
check_eq "mfscli -SHD status of the marked disk" "marked for removal" "$(disk_line 1 "$D2" | cut -f5)"
check_eq "mfscli -SHD chunks on the marked disk" "$on_d2" "$(disk_line 1 "$D2" | cut -f3)"
check_eq "mfscli -SHD status of chunkserver 1's other disk" ok "$(disk_line 1 "$D1" | cut -f5)"

# pull the disk
cd /
stop_chunkserver 1
echo "$D1" >"$(cs_dir 1)/mfshdd.cfg"
rm -rf "$D2"
start_chunkserver 1
wait_chunkservers 3 60 noprobe
cd "$MNT"
drop_caches
for f in "${!want[@]}"; do check_eq "sha256 of $f without the disk" "${want[$f]}" "$(sha "$f")"; done
at_goal() {
  local id
  for id in $(chunk_files | xargs -n1 basename | cut -d_ -f2 | sort -u); do
    (($(chunk_files | grep -c "/chunk_${id}_") == 2)) || return 1
  done
}
wait_until 30 "every chunk at exactly two copies" at_goal
cd /
pass
