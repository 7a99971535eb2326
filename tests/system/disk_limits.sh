#!/usr/bin/env bash
# Space limits of mfshdd.cfg and HDD_LEAVE_SPACE_DEFAULT, as mfscli -SHD
# reports them and as placement obeys them:
# - chunkserver 1: "PATH 150MiB" uses at most 150 MiB (384 MiB are written
#   at goal 2: spread evenly it would get a third of 768 MiB): once it is
#   full, new chunks get their two copies on the other two servers;
# - chunkserver 2: "PATH -1GiB" leaves 1 GiB of its file system free: its
#   total is the file system's size less 1 GiB;
# - chunkserver 3: HDD_LEAVE_SPACE_DEFAULT = 512MiB for a disk without a limit.
CHUNKSERVERS=3
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/chunks_lib.sh"
for i in 1 2 3; do write_cs_cfg "$i"; done
echo "$(cs_disk 1) 150MiB" >"$(cs_dir 1)/mfshdd.cfg"
echo "$(cs_disk 2) -1GiB" >"$(cs_dir 2)/mfshdd.cfg"
echo "HDD_LEAVE_SPACE_DEFAULT = 512MiB" >>"$(cs_dir 3)/mfschunkserver.cfg"
start_cluster
fs_bytes() { echo $(($(stat -f -c '%b' "$1") * $(stat -f -c '%S' "$1"))); }
disk_field() {  # disk_field I N: field N of chunkserver I's line of mfscli -SHD
  tool_ok mfscli -H "$TEST_HOST" -P "$CL_PORT" -SHD
  printf '%s\n' "$OUT" | grep -F "$TEST_HOST:$(cs_port "$1"):$(cs_disk "$1")/" | cut -f"$2"
}
check_eq "chunkserver 1 total (150MiB limit)" $((150 << 20)) "$(disk_field 1 15)"
check_eq "chunkserver 2 total (-1GiB: file system less 1 GiB)" $(($(fs_bytes "$(cs_disk 2)") - (1 << 30))) "$(disk_field 2 15)"
check_eq "chunkserver 3 total (HDD_LEAVE_SPACE_DEFAULT 512MiB)" $(($(fs_bytes "$(cs_disk 3)") - (512 << 20))) "$(disk_field 3 15)"

mkdir "$MNT/d"
tool_ok mfssettrashtime 0 "$MNT/d"
for i in $(seq 1 48); do head -c $((8 << 20)) /dev/urandom >"$MNT/d/f$i"; done
sync
all_at_goal() { [[ -z "$(chunk_summary | awk '$2 != 2 || $3 != 0')" ]]; }
wait_until 60 "every chunk at 2 copies" all_at_goal
bytes1=$(du -sb "$(cs_disk 1)" | cut -f1)
log "chunkserver 1 holds $(chunk_copies 1 | wc -l) copies, $bytes1 bytes; 2: $(chunk_copies 2 | wc -l); 3: $(chunk_copies 3 | wc -l)"
((bytes1 <= 150 << 20)) || fail "chunkserver 1 holds $bytes1 bytes, above its 150 MiB limit"
(($(chunk_copies 1 | wc -l) > 0)) || fail "chunkserver 1 got no chunk at all"
used1=$(disk_field 1 14)
((used1 > 50 << 20 && used1 <= 150 << 20)) || fail "mfscli -SHD used of chunkserver 1: $used1"
drop_caches
for i in 1 24 48; do
  check_eq "size of d/f$i" $((8 << 20)) "$(stat -c %s "$MNT/d/f$i")"
done
rm -r "$MNT/d"
pass
