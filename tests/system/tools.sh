#!/usr/bin/env bash
# The mfs* tools on a real mount: goal, trash time and eattr (get, set, copy,
# recursive forms, N+/N-), their output and their error paths, as a MooseFS
# user's scripts read them; and that a changed goal really changes the
# number of chunk copies.
. "$(dirname "$0")/lib.sh"
start_cluster
cd "$MNT"

# run TOOL ARGS...: runs a tool, stdout to $OUT, stderr to $ERR, status to $RC.
run() {
  RC=0
  "$TOOLS/$1" "${@:2}" >"$T/out" 2>"$T/err" || RC=$?
  OUT=$(cat "$T/out")
  ERR=$(cat "$T/err")
}
expect_ok() {
  run "$@"
  ((RC == 0)) || fail "$* failed (status $RC): $ERR"
}
expect_fail() {  # expect_fail 'stderr text' TOOL ARGS...
  local want=$1
  shift
  run "$@"
  ((RC != 0)) || fail "$* succeeded; expected failure '$want'"
  [[ "$ERR" == *"$want"* ]] || fail "$*: expected error containing '$want', got '$ERR'"
}

mkdir -p tree/sub
echo a >tree/f1
echo b >tree/sub/f2
echo c >top

# ---- every command has --help, and the multicall binary lists them
for t in mfsgetgoal mfsrgetgoal mfssetgoal mfsrsetgoal mfscopygoal mfsgettrashtime mfsrgettrashtime \
  mfssettrashtime mfsrsettrashtime mfscopytrashtime mfsgeteattr mfsseteattr mfsdeleattr mfscopyeattr \
  mfsmakesnapshot mfsrmsnapshot mfsappendchunks; do
  expect_ok "$t" --help
  [[ "$OUT" == *"$t"* ]] || fail "$t --help does not name the command: $OUT"
done
run mfstools
((RC == 1)) && [[ "$ERR" == *mfsmakesnapshot* ]] || fail "mfstools without a command: status $RC, '$ERR'"

# ---- goal
expect_ok mfsgetgoal top
check_eq "mfsgetgoal of a new file (DEFAULT_GOAL 2)" "top: 2" "$OUT"
expect_ok mfssetgoal 3 top
check_eq "mfssetgoal 3" "top: goal: 3" "$OUT"
expect_ok mfsgetgoal top
check_eq "goal after set" "top: 3" "$OUT"
expect_ok mfssetgoal 2- top
check_eq "mfssetgoal 2- lowers" "top: goal: 2" "$OUT"
expect_ok mfssetgoal 1+ top
check_eq "mfssetgoal 1+ does not lower" "top: goal: 2" "$OUT"
expect_ok mfssetgoal -r 3 tree
[[ "$OUT" == "tree:"* ]] || fail "mfssetgoal -r output: $OUT"
grep -Eq '^ inodes with goal changed: +4$' "$T/out" || fail "mfssetgoal -r: 4 inodes changed expected: $OUT"
grep -Eq '^ inodes with goal not changed: +0$' "$T/out" || fail "mfssetgoal -r not changed: $OUT"
grep -Eq '^ inodes with permission denied: +0$' "$T/out" || fail "mfssetgoal -r denied: $OUT"
expect_ok mfsrgetgoal tree
grep -Eq '^ files with goal +3 : +2$' "$T/out" || fail "mfsrgetgoal files: $OUT"
grep -Eq '^ directories with goal +3 : +2$' "$T/out" || fail "mfsrgetgoal directories: $OUT"
expect_ok mfsgetgoal -r tree
check_eq "mfsgetgoal -r and mfsrgetgoal agree" "$(cat "$T/out")" "$OUT"
expect_ok mfsrsetgoal 2 tree/sub
grep -Eq '^ inodes with goal changed: +2$' "$T/out" || fail "mfsrsetgoal: $OUT"
expect_ok mfscopygoal tree/sub tree/f1
check_eq "mfscopygoal" "tree/f1: goal: 2" "$OUT"
# new objects inherit the goal of their directory
expect_ok mfssetgoal 1 tree/sub
echo new >tree/sub/new
expect_ok mfsgetgoal tree/sub/new
check_eq "goal inherited at create" "tree/sub/new: 1" "$OUT"
# error paths
expect_fail "12: wrong goal definition" mfssetgoal 12 top
[[ "$ERR" == *Usage* || "$ERR" == *usage* || "$ERR" == *SECONDS* || "$ERR" == *GOAL* ]] ||
  fail "bad goal: usage expected on stderr: $ERR"
expect_fail "x: wrong goal definition" mfssetgoal x top
expect_fail "/tmp: not MFS object" mfsgetgoal /tmp
expect_fail "nosuch: No such file or directory" mfsgetgoal nosuch
expect_fail "" mfssetgoal 2
expect_fail "" mfsgetgoal -n -h top

# a goal change moves real copies: 1 copy, then 3
dd if=/dev/urandom of=data bs=1M count=2 status=none
sha_before=$(sha data)
count_copies() {  # copies of the newest chunk (data's) on the chunkservers
  chunk_files | xargs -r -n1 basename | cut -d_ -f2 | sort | uniq -c | sort -k2 | tail -n 1 | awk '{print $1}'
}
copies_are() { [[ $(count_copies) == "$1" ]]; }
expect_ok mfssetgoal 1 data
wait_until 60 "data at 1 copy" copies_are 1
expect_ok mfssetgoal 3 data
wait_until 60 "data at 3 copies" copies_are 3
drop_caches
check_eq "data after goal changes" "$sha_before" "$(sha data)"

# ---- trash time
expect_ok mfsgettrashtime top
check_eq "default trash time" "top: 86400" "$OUT"
expect_ok mfssettrashtime 3600 top
check_eq "mfssettrashtime" "top: trashtime: 3600" "$OUT"
expect_ok mfssettrashtime 1d top
check_eq "mfssettrashtime 1d" "top: trashtime: 86400" "$OUT"
expect_ok mfssettrashtime 2h+ top
check_eq "2h+ does not lower 1d" "top: trashtime: 86400" "$OUT"
expect_ok mfssettrashtime 0- top
check_eq "0- lowers to 0" "top: trashtime: 0" "$OUT"
expect_ok mfsrsettrashtime 600 tree
grep -Eq '^ inodes with trashtime changed: +5$' "$T/out" || fail "mfsrsettrashtime: $OUT"
expect_ok mfsrgettrashtime tree
grep -Eq '^ files with trashtime +600 : +3$' "$T/out" || fail "mfsrgettrashtime files: $OUT"
grep -Eq '^ directories with trashtime +600 : +2$' "$T/out" || fail "mfsrgettrashtime dirs: $OUT"
expect_ok mfscopytrashtime tree top
check_eq "mfscopytrashtime" "top: trashtime: 600" "$OUT"
expect_fail "1d5: wrong trashtime definition" mfssettrashtime 1d5 top
expect_fail "-3: wrong trashtime definition" mfssettrashtime -- -3 top

# ---- eattr
expect_ok mfsgeteattr top
check_eq "no eattr" "top: -" "$OUT"
expect_ok mfsseteattr -f undeletable -f noowner top
check_eq "mfsseteattr" "top: noowner,undeletable" "$OUT"
expect_ok mfsdeleattr -f noowner top
check_eq "mfsdeleattr" "top: undeletable" "$OUT"
expect_ok mfsdeleattr -f noowner top
check_eq "mfsdeleattr of an absent attribute" "top: attribute(s) not changed" "$OUT"
expect_ok mfscopyeattr top tree/f1
check_eq "mfscopyeattr" "tree/f1: undeletable" "$OUT"
expect_ok mfsseteattr -r -f nodatacache tree
grep -Eq '^ inodes with attributes changed: +5$' "$T/out" || fail "mfsseteattr -r: $OUT"
expect_ok mfsgeteattr -r tree
grep -Eq '^ files with attributes +nodatacache : +2$' "$T/out" || fail "mfsgeteattr -r: $OUT"
expect_fail "bogus: unknown attribute" mfsseteattr -f bogus top
expect_ok mfsdeleattr -f undeletable top tree/f1

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
