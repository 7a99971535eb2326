#!/usr/bin/env bash
# The mfs* tools on a real mount: goal, trash time and eattr (get, set, copy,
# recursive forms, N+/N-), their output and their error paths, as a MooseFS
# user's scripts read them; and that a changed goal really changes the
# number of chunk copies.
. "$(dirname "$0")/lib.sh"
start_cluster
cd "$MNT"

mkdir -p tree/sub
echo a >tree/f1
echo b >tree/sub/f2
echo c >top

# ---- every command has --help, and the multicall binary lists them
for t in mfsgetgoal mfsrgetgoal mfssetgoal mfsrsetgoal mfscopygoal mfsgettrashtime mfsrgettrashtime \
  mfssettrashtime mfsrsettrashtime mfscopytrashtime mfsgeteattr mfsseteattr mfsdeleattr mfscopyeattr \
  mfsmakesnapshot mfsrmsnapshot mfsappendchunks; do
  tool_ok "$t" --help
  [[ "$OUT" == *"$t"* ]] || fail "$t --help does not name the command: $OUT"
done
run_tool mfstools
((RC == 1)) && [[ "$ERR" == *mfsmakesnapshot* ]] || fail "mfstools without a command: status $RC, '$ERR'"

# ---- goal
tool_ok mfsgetgoal top
check_eq "mfsgetgoal of a new file (DEFAULT_GOAL 2)" "top: 2" "$OUT"
tool_ok mfssetgoal 3 top
check_eq "mfssetgoal 3" "top: goal: 3" "$OUT"
tool_ok mfsgetgoal top
check_eq "goal after set" "top: 3" "$OUT"
tool_ok mfssetgoal 2- top
check_eq "mfssetgoal 2- lowers" "top: goal: 2" "$OUT"
tool_ok mfssetgoal 1+ top
check_eq "mfssetgoal 1+ does not lower" "top: goal: 2" "$OUT"
tool_ok mfssetgoal -r 3 tree
[[ "$OUT" == "tree:"* ]] || fail "mfssetgoal -r output: $OUT"
grep -Eq '^ inodes with goal changed: +4$' "$T/out" || fail "mfssetgoal -r: 4 inodes changed expected: $OUT"
grep -Eq '^ inodes with goal not changed: +0$' "$T/out" || fail "mfssetgoal -r not changed: $OUT"
grep -Eq '^ inodes with permission denied: +0$' "$T/out" || fail "mfssetgoal -r denied: $OUT"
tool_ok mfsrgetgoal tree
grep -Eq '^ files with goal +3 : +2$' "$T/out" || fail "mfsrgetgoal files: $OUT"
grep -Eq '^ directories with goal +3 : +2$' "$T/out" || fail "mfsrgetgoal directories: $OUT"
tool_ok mfsgetgoal -r tree
check_eq "mfsgetgoal -r and mfsrgetgoal agree" "$(cat "$T/out")" "$OUT"
tool_ok mfsrsetgoal 2 tree/sub
grep -Eq '^ inodes with goal changed: +2$' "$T/out" || fail "mfsrsetgoal: $OUT"
tool_ok mfscopygoal tree/sub tree/f1
check_eq "mfscopygoal" "tree/f1: goal: 2" "$OUT"
# new objects inherit the goal of their directory
tool_ok mfssetgoal 1 tree/sub
echo new >tree/sub/new
tool_ok mfsgetgoal tree/sub/new
check_eq "goal inherited at create" "tree/sub/new: 1" "$OUT"
# error paths
tool_fails "12: wrong goal definition" mfssetgoal 12 top
[[ "$ERR" == *Usage* || "$ERR" == *usage* || "$ERR" == *SECONDS* || "$ERR" == *GOAL* ]] ||
  fail "bad goal: usage expected on stderr: $ERR"
tool_fails "x: wrong goal definition" mfssetgoal x top
tool_fails "/tmp: not MFS object" mfsgetgoal /tmp
tool_fails "nosuch: No such file or directory" mfsgetgoal nosuch
tool_fails "" mfssetgoal 2
tool_fails "" mfsgetgoal -n -h top

# a goal change moves real copies: 1 copy, then 3
dd if=/dev/urandom of=data bs=1M count=2 status=none
sha_before=$(sha data)
count_copies() {  # copies of the newest chunk (data's) on the chunkservers
  chunk_files | xargs -r -n1 basename | cut -d_ -f2 | sort | uniq -c | sort -k2 | tail -n 1 | awk '{print $1}'
}
copies_are() { [[ $(count_copies) == "$1" ]]; }
tool_ok mfssetgoal 1 data
wait_until 60 "data at 1 copy" copies_are 1
tool_ok mfssetgoal 3 data
wait_until 60 "data at 3 copies" copies_are 3
drop_caches
check_eq "data after goal changes" "$sha_before" "$(sha data)"

# ---- trash time
tool_ok mfsgettrashtime top
check_eq "default trash time" "top: 86400" "$OUT"
tool_ok mfssettrashtime 3600 top
check_eq "mfssettrashtime" "top: trashtime: 3600" "$OUT"
tool_ok mfssettrashtime 1d top
check_eq "mfssettrashtime 1d" "top: trashtime: 86400" "$OUT"
tool_ok mfssettrashtime 2h+ top
check_eq "2h+ does not lower 1d" "top: trashtime: 86400" "$OUT"
tool_ok mfssettrashtime 0- top
check_eq "0- lowers to 0" "top: trashtime: 0" "$OUT"
tool_ok mfsrsettrashtime 600 tree
grep -Eq '^ inodes with trashtime changed: +5$' "$T/out" || fail "mfsrsettrashtime: $OUT"
tool_ok mfsrgettrashtime tree
grep -Eq '^ files with trashtime +600 : +3$' "$T/out" || fail "mfsrgettrashtime files: $OUT"
grep -Eq '^ directories with trashtime +600 : +2$' "$T/out" || fail "mfsrgettrashtime dirs: $OUT"
tool_ok mfscopytrashtime tree top
check_eq "mfscopytrashtime" "top: trashtime: 600" "$OUT"
tool_fails "1d5: wrong trashtime definition" mfssettrashtime 1d5 top
tool_fails "-3: wrong trashtime definition" mfssettrashtime -- -3 top

# ---- eattr
tool_ok mfsgeteattr top
check_eq "no eattr" "top: -" "$OUT"
tool_ok mfsseteattr -f undeletable -f noowner top
check_eq "mfsseteattr" "top: noowner,undeletable" "$OUT"
tool_ok mfsdeleattr -f noowner top
check_eq "mfsdeleattr" "top: undeletable" "$OUT"
tool_ok mfsdeleattr -f noowner top
check_eq "mfsdeleattr of an absent attribute" "top: attribute(s) not changed" "$OUT"
tool_ok mfscopyeattr top tree/f1
check_eq "mfscopyeattr" "tree/f1: undeletable" "$OUT"
tool_ok mfsseteattr -r -f nodatacache tree
grep -Eq '^ inodes with attributes changed: +5$' "$T/out" || fail "mfsseteattr -r: $OUT"
tool_ok mfsgeteattr -r tree
grep -Eq '^ files with attributes +nodatacache : +2$' "$T/out" || fail "mfsgeteattr -r: $OUT"
tool_fails "bogus: unknown attribute" mfsseteattr -f bogus top
tool_ok mfsdeleattr -f undeletable top tree/f1

# ---- permissions: a user may not change another user's objects
chmod 0777 tree
su_run() { setpriv --reuid=1000 --regid=1000 --clear-groups "$@"; }
RC=0
su_run "$TOOLS/mfssetgoal" 1 top >"$T/out" 2>"$T/err" || RC=$?
((RC != 0)) && grep -q "top: Operation not permitted" "$T/err" || fail "non-owner mfssetgoal: rc $RC, $(cat "$T/err")"
su_run touch tree/mine
RC=0
su_run "$TOOLS/mfssetgoal" -r 1 tree >"$T/out" 2>"$T/err" || RC=$?
grep -Eq '^ inodes with goal changed: +1$' "$T/out" || fail "non-owner recursive set: $(cat "$T/out")"
grep -Eq '^ inodes with permission denied: +5$' "$T/out" || fail "non-owner recursive denied: $(cat "$T/out")"

pass
