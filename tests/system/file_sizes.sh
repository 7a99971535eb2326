#!/usr/bin/env bash
# Files of sizes around block (64 KiB) and chunk (64 MiB) boundaries: the
# content read back is the content written, from the page cache, after
# drop_caches and after a remount.
. "$(dirname "$0")/lib.sh"
start_cluster

sizes=(0 1 65535 65536 65537 $((64 << 20)) $((64 * 1048576 - 1)) $((64 * 1048576 + 1)) $((200 << 20)))
declare -A want=()
for s in "${sizes[@]}"; do
  head -c "$s" /dev/urandom >"$T/src/f$s"
  want[$s]=$(sha "$T/src/f$s")
done

# Write with several tools and block sizes: dd with 1 MiB and odd-sized blocks, cat.
for s in "${sizes[@]}"; do
  case $((s % 3)) in
    0) dd if="$T/src/f$s" of="$MNT/f$s" bs=1M status=none || fail "dd write of $s bytes failed" ;;
    1) dd if="$T/src/f$s" of="$MNT/f$s" bs=12345 status=none || fail "dd bs=12345 write of $s bytes failed" ;;
    2) cat "$T/src/f$s" >"$MNT/f$s" || fail "cat write of $s bytes failed" ;;
  esac
done

verify() {
  local when=$1 s got
  for s in "${sizes[@]}"; do
    got=$(stat -c %s "$MNT/f$s") || fail "stat f$s $when"
    check_eq "size of f$s $when" "$s" "$got"
    got=$(sha "$MNT/f$s") || fail "read of f$s $when failed"
    check_eq "sha256 of f$s ($s bytes) $when" "${want[$s]}" "$got"
  done
  log "all ${#sizes[@]} files read back right $when"
}

verify "just after writing"
drop_caches
verify "after drop_caches"
remount_client
verify "after remount"
# unaligned reads across the chunk boundary, from a cold cache
drop_caches
s=$((64 * 1048576 + 1))
got=$(dd if="$MNT/f$((200 << 20))" bs=4096 skip=16383 count=3 status=none | sha256sum | cut -d' ' -f1)
check_eq "12 KiB read across the first chunk boundary" \
  "$(dd if="$T/src/f$((200 << 20))" bs=4096 skip=16383 count=3 status=none | sha256sum | cut -d' ' -f1)" "$got"
got=$(tail -c 1 "$MNT/f$s" | od -An -tx1)
check_eq "last byte of f$s" "$(tail -c 1 "$T/src/f$s" | od -An -tx1)" "$got"
pass
