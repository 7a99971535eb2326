#!/usr/bin/env bash
# 10,000 small files in one directory: create, list, stat, read, remove.
. "$(dirname "$0")/lib.sh"
start_cluster

N=10000
D=$MNT/many
mkdir "$D" || fail "mkdir $D failed"
start=$SECONDS
for ((i = 1; i <= N; i++)); do
  printf '%d\n' "$i" >"$D/f$i" || fail "creating file $i of $N failed"
done
log "created $N files in $((SECONDS - start))s"

check_eq "entries listed by ls" "$N" "$(ls "$D" | wc -l)"
check_eq "entries listed by ls -f (with . and ..)" "$((N + 2))" "$(ls -f "$D" | wc -l)"
check_eq "distinct names listed" "$N" "$(ls "$D" | sort -u | wc -l)"
want_bytes=$(seq 1 "$N" | wc -c)
got_bytes=$(find "$D" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
check_eq "sum of file sizes from stat" "$want_bytes" "$got_bytes"
check_eq "regular files seen by stat" "$N" "$(stat -c %F "$D"/* | grep -c 'regular')"
check_eq "content of all files" "$(seq 1 "$N" | sha256sum)" "$(cat "$D"/f* | sort -n | sha256sum)"

remount_client
check_eq "entries listed by ls after remount" "$N" "$(ls "$D" | wc -l)"
check_eq "content of f4321 after remount" 4321 "$(cat "$D/f4321")"
[[ -e "$D/f$((N + 1))" ]] && fail "a file that was never created exists"

start=$SECONDS
rm "$D"/f* || fail "rm of $N files failed"
log "removed $N files in $((SECONDS - start))s"
check_eq "entries left after rm" 0 "$(ls -A "$D" | wc -l)"
rmdir "$D" || fail "rmdir of the emptied directory failed"
[[ -e "$D" ]] && fail "$D still exists after rmdir"
pass
