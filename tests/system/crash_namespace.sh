#!/usr/bin/env bash
# kill -9 of the master right after snapshots, goal/trash time/eattr
# changes, quota changes, trash moves, undeletes and purges; `mfsmaster -a`
# brings back the same namespace (names, inodes, sizes, modes, owners, link
# counts), the same goals, trash times and eattrs, the same trash, the same
# data, the same quotas and the same usage figures.
. "$(dirname "$0")/lib.sh"
start_cluster
META=$T/meta
mount_client "$META" -m
cd "$MNT"
tool() { "$TOOLS/$1" "${@:2}" >/dev/null || fail "$*"; }

mkdir -p proj/src proj/doc
for i in 1 2 3; do dd if=/dev/urandom of="proj/src/f$i" bs=64k count=$((i * 5)) status=none; done
echo readme >proj/doc/README
ln proj/src/f1 proj/doc/link
tool mfssettrashtime -r 3600 proj
tool mfssetgoal -r 1 proj/doc
tool mfsseteattr -f nodatacache proj/src/f2
tool mfsmakesnapshot proj snap
tool mfsmakesnapshot -p proj snap-links
echo changed >>snap/src/f3                 # copy on write after the snapshot
rm proj/src/f1 proj/doc/README snap/src/f2  # into the trash
readme=$(ls "$META/trash" | grep '|proj|doc|README$')
mv "$META/trash/$readme" "$META/trash/undel/"       # undeleted
f2=$(ls "$META/trash" | grep '|snap|src|f2$')
rm "$META/trash/$f2"                                # purged
rm -r proj/doc                                      # trash again (README, link)
tool mfsrsetgoal 3 snap
tool mfsappendchunks proj/joined proj/src/f2 proj/src/f3
tool mfssetquota -i 3 -I 100 -L 1Gi -p 1h proj # soft inode limit passed at once
tool mfssetquota -S 1Gi snap
tool mfsdelquota -S snap
tool mfssetquota -r 1 -R 1Pi snap/src
mv snap/src/f3 proj/f3-moved                   # usage moves between quota trees

state() {
  find . -printf '%p %i %s %m %u:%g %n\n' | LC_ALL=C sort
  "$TOOLS/mfsgetgoal" -r . ; "$TOOLS/mfsgettrashtime" -r . ; "$TOOLS/mfsgeteattr" -r .
  ls "$META/trash" "$META/sustained"
  find . -type f -exec sha256sum {} + | LC_ALL=C sort
  stat -f -c 'inodes %c' .
  "$TOOLS/mfsgetquota" . proj snap snap/src
  df --output=used -B1 "$META" | tail -n 1
}
sync -f .
sleep 2  # kernel attribute caches (1 s) forget what the tools changed behind them
state >"$T/before"
kill9_master
sleep 1
start_master -a
wait_chunkservers 3 60 noprobe
back() { timeout 10 stat "$MNT/proj" >/dev/null 2>&1 && timeout 10 ls "$META/trash" >/dev/null 2>&1; }
wait_until 60 "both mounts answer after mfsmaster -a" back
drop_caches
state >"$T/after"
diff "$T/before" "$T/after" >"$T/diff" || fail "state differs after kill -9 and mfsmaster -a: $(head -c 2000 "$T/diff")"
grep -q 'snap-links/src/f1 ' "$T/after" || fail "state listing is incomplete"
pass
