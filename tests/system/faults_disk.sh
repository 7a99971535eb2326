#!/usr/bin/env bash
# A disk that starts failing: chunkserver 1 has two disks, and one of them
# begins to return EIO for every read and write (an LD_PRELOAD shim,
# tests/fault/diskfail.cc). After more than HDD_ERROR_TOLERANCE_COUNT
# errors the chunkserver takes that disk out of service and reports its
# chunks lost; the master copies them again from the other servers, the
# chunkserver keeps running and serving from its good disk, and every file
# reads back right.
CHUNKSERVERS=3
. "$(dirname "$0")/lib.sh"
SHIM=$BUILD_DIR/tests/fault/diskfail.so
[[ -f "$SHIM" ]] || fail "$SHIM is missing (cmake --build $BUILD_DIR)"
for i in 1 2 3; do write_cs_cfg "$i"; done
BAD=$(cs_dir 1)/disk2
mkdir -p "$BAD"
echo "$BAD" >>"$(cs_dir 1)/mfshdd.cfg"
echo "HDD_TEST_SPEED = 200" >>"$(cs_dir 1)/mfschunkserver.cfg"
TRIGGER=$T/disk2-fails
start_master
LD_PRELOAD=$SHIM ANTLER_FAIL_DIR=$BAD ANTLER_FAIL_TRIGGER=$TRIGGER start_chunkserver 1
start_chunkserver 2
start_chunkserver 3
mount_client
wait_chunkservers 3
cd "$MNT"

declare -A want
for i in $(seq 1 30); do
  head -c $((i * 61 * 1024 + 7)) /dev/urandom >"f$i"
  want[f$i]=$(sha "f$i")
done
sync -f .
on_bad=$(find "$BAD" -name 'chunk_*.mfs' | wc -l)
on_good=$(find "$(cs_disk 1)" -name 'chunk_*.mfs' | wc -l)
((on_bad > 0 && on_good > 0)) || fail "chunkserver 1 should use both disks: $on_good and $on_bad chunk files"
log "chunkserver 1: $on_good chunk files on its good disk, $on_bad on the one that will fail"

touch "$TRIGGER"
out_of_service() { cli_ok -SHD; [[ "$(disk_line 1 "$BAD" | cut -f5)" == damaged ]]; }
wait_until 60 "mfscli -SHD to show chunkserver 1's failing disk damaged (out of service)" out_of_service

# every chunk: two copies on good disks (disk2's files do not count)
good_files() { find "$(cs_disk 1)" "$(cs_disk 2)" "$(cs_disk 3)" -name 'chunk_*.mfs' -type f; }
healed() {
  local id n
  for id in $( (good_files && find "$BAD" -name 'chunk_*.mfs') | xargs -n1 basename | cut -d_ -f2 | sort -u); do
    n=$(good_files | grep -c "/chunk_${id}_")
    ((n == 2)) || return 1
  done
}
wait_until 90 "every chunk has two copies on good disks" healed
daemon_alive cs1 || fail "chunkserver 1 stopped instead of going on without the disk"
check_eq "chunkservers connected" 3 "$(registered_chunkservers)"
((on_good <= $(find "$(cs_disk 1)" -name 'chunk_*.mfs' | wc -l))) || fail "chunkserver 1 lost chunks of its good disk"
drop_caches
for f in "${!want[@]}"; do check_eq "sha256 of $f" "${want[$f]}" "$(sha "$f")"; done
# the cluster still takes new data
head -c 3000000 /dev/urandom >"$T/new"
cp "$T/new" new
drop_caches
check_eq "a file written after the disk failed" "$(sha "$T/new")" "$(sha new)"
rm -f "$TRIGGER"
cd /
pass
