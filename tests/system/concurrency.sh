#!/usr/bin/env bash
# Concurrent writers: four to four files, four to disjoint ranges of one file
# (one range across the 64 MiB chunk boundary), and two interleaving 1 MiB
# stripes of one file. Every result is checked by sha256, also after
# drop_caches and a remount.
. "$(dirname "$0")/lib.sh"
start_cluster

# 1. four writers, four files
for k in 1 2 3 4; do head -c $((40 << 20)) /dev/urandom >"$T/src/w$k"; done
pids=()
for k in 1 2 3 4; do
  dd if="$T/src/w$k" of="$MNT/w$k" bs=1M conv=fsync status=none &
  pids+=($!)
done
for k in 1 2 3 4; do wait "${pids[k - 1]}" || fail "writer $k of 4 (own file) failed"; done

# 2. four writers, disjoint 24 MiB ranges of one file: [0,24) [24,48) [48,72) [72,96) MiB
for k in 0 1 2 3; do head -c $((24 << 20)) /dev/urandom >"$T/src/r$k"; done
cat "$T/src/r0" "$T/src/r1" "$T/src/r2" "$T/src/r3" >"$T/src/ranges"
: >"$MNT/ranges"
pids=()
for k in 0 1 2 3; do
  dd if="$T/src/r$k" of="$MNT/ranges" bs=1M seek=$((k * 24)) conv=notrunc,fsync status=none &
  pids+=($!)
done
for k in 0 1 2 3; do wait "${pids[k]}" || fail "range writer $k (offset $((k * 24)) MiB) failed"; done

# 3. two writers interleaving 1 MiB stripes of one file (same chunk, neighbouring blocks)
head -c $((16 << 20)) /dev/urandom >"$T/src/stripes"
: >"$MNT/stripes"
stripe_writer() {
  local b
  for ((b = $1; b < 16; b += 2)); do
    dd if="$T/src/stripes" of="$MNT/stripes" bs=1M skip=$b seek=$b count=1 conv=notrunc status=none || return 1
  done
}
stripe_writer 0 & p0=$!
stripe_writer 1 & p1=$!
wait "$p0" || fail "even-stripe writer failed"
wait "$p1" || fail "odd-stripe writer failed"

verify() {
  local k
  for k in 1 2 3 4; do check_eq "sha256 of w$k $1" "$(sha "$T/src/w$k")" "$(sha "$MNT/w$k")"; done
  check_eq "size of the range-written file $1" "$(stat -c %s "$T/src/ranges")" "$(stat -c %s "$MNT/ranges")"
  check_eq "sha256 of the range-written file $1" "$(sha "$T/src/ranges")" "$(sha "$MNT/ranges")"
  check_eq "sha256 of the stripe-written file $1" "$(sha "$T/src/stripes")" "$(sha "$MNT/stripes")"
  log "all concurrent writes read back right $1"
}
verify "just after writing"
drop_caches
verify "after drop_caches"
remount_client
verify "after remount"

# 4. concurrent readers of one file while another file is being written
pids=()
for k in 1 2 3; do
  (sha "$MNT/ranges" >"$T/reader$k") &
  pids+=($!)
done
dd if="$T/src/w1" of="$MNT/w5" bs=1M conv=fsync status=none || fail "write during concurrent reads failed"
for k in 1 2 3; do
  wait "${pids[k - 1]}" || fail "concurrent reader $k failed"
  check_eq "sha256 seen by concurrent reader $k" "$(sha "$T/src/ranges")" "$(cat "$T/reader$k")"
done
check_eq "sha256 of the file written during reads" "$(sha "$T/src/w1")" "$(sha "$MNT/w5")"
pass
