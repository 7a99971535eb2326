#!/usr/bin/env bash
# Silent corruption: bytes flipped inside chunk files on one chunkserver are
# found by its background scrub (HDD_TEST_SPEED), the damaged copies are
# reported and replaced by the master from good copies, every chunk ends up
# with two identical copies again, and reads return the right data all along.
CHUNKSERVERS=3
. "$(dirname "$0")/lib.sh"
for i in 1 2 3; do
  write_cs_cfg "$i"
  echo "HDD_TEST_SPEED = 200" >>"$(cs_dir "$i")/mfschunkserver.cfg"
done
start_cluster
cd "$MNT"

declare -A want
for i in $(seq 1 24); do
  head -c $((i * 97 * 1024 + i)) /dev/urandom >"f$i"
  want[f$i]=$(sha "f$i")
done
sync -f .
wait_until 30 "the master to count every chunk at its goal" master_at_goal

# Five chunk files of chunkserver 1 get 16 random bytes inside their data.
mapfile -t victims < <(chunk_files 1 | head -n 5)
((${#victims[@]} == 5)) || fail "chunkserver 1 holds ${#victims[@]} chunk files, expected at least 5"
for f in "${victims[@]}"; do
  dd if=/dev/urandom of="$f" bs=1 count=16 seek=$((8192 + 1000)) conv=notrunc status=none
done
ids=()
for f in "${victims[@]}"; do ids+=("$(basename "$f" | cut -d_ -f2)"); done
log "corrupted ${#victims[@]} chunk files on chunkserver 1: ${ids[*]}"

found() {
  local id
  for id in "${ids[@]}"; do
    grep -q "scrub: chunk chunk_${id}_.*CRC mismatch" "$T/log/mfschunkserver1.log" || return 1
  done
}
wait_until 60 "the scrub of chunkserver 1 finds all five damaged copies" found

# every chunk: two copies of one version, byte for byte the same
healed() {
  local id files
  for id in $(chunk_files | xargs -n1 basename | cut -d_ -f2 | sort -u); do
    mapfile -t files < <(chunk_files | grep "/chunk_${id}_")
    ((${#files[@]} == 2)) || return 1
    [[ "$(basename "${files[0]}")" == "$(basename "${files[1]}")" ]] || return 1
    cmp -s "${files[0]}" "${files[1]}" || return 1
  done
}
wait_until 60 "every chunk has two identical copies again" healed
for id in "${ids[@]}"; do
  grep -q "reports chunk ${id} damaged" "$T/log/mfsmaster.log" || fail "the master was not told of chunk $id"
done
drop_caches
for f in "${!want[@]}"; do check_eq "sha256 of $f after the repair" "${want[$f]}" "$(sha "$f")"; done

# Reads never return bad data, even before the scrub gets there: damage on
# every copy held by chunkserver 2, read at once (the client takes another).
for f in $(chunk_files 2); do
  dd if=/dev/urandom of="$f" bs=1 count=16 seek=$((8192 + 5)) conv=notrunc status=none
done
drop_caches
for f in "${!want[@]}"; do check_eq "sha256 of $f with chunkserver 2's copies damaged" "${want[$f]}" "$(sha "$f")"; done
wait_until 60 "every chunk has two identical copies after the second round" healed
cd /
pass
