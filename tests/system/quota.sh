#!/usr/bin/env bash
# Directory quotas through the mount and the mfs*quota tools: the figures
# and table format of MooseFS 3.0 (checked against what MooseFS 3.0.117
# prints for the same files), hard limits on inodes, length, size and
# realsize (EDQUOT for root and for a plain user, on create, mkdir, symlink,
# link, rename, write, truncate, snapshot), a soft limit with its grace
# period (its own and QUOTA_DEFAULT_GRACE_PERIOD), usage that follows
# trash and goal changes, admin rights, every tool's error paths, and
# quotas kept across a master restart.
. "$(dirname "$0")/lib.sh"
write_master_cfg "$MASTER_DIR" "$ML_PORT" "$CS_PORT" "$CL_PORT"
echo "QUOTA_DEFAULT_GRACE_PERIOD = 2" >>"$MASTER_CFG"
start_cluster
cd "$MNT"

U=1000
as_user() { setpriv --reuid=$U --regid=$U --clear-groups -- "$@"; }
EDQUOT="Disk quota exceeded"
# expect_edquot WHAT CMD...: CMD fails with EDQUOT.
expect_edquot() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then fail "$what: succeeded past the quota"; fi
  [[ "$out" == *"$EDQUOT"* ]] || fail "$what: expected '$EDQUOT', got: $out"
}
# row DIR NAME: "current soft hard" of one row of mfsgetquota -n.
row() {
  "$TOOLS/mfsgetquota" -n "$1" | awk -F'|' -v r="$2" '$1 ~ "^ "r" " {gsub(/ /, ""); print $2, $3, $4}'
}

for t in mfsgetquota mfssetquota mfsdelquota mfscopyquota; do
  tool_ok "$t" --help
  [[ "$OUT" == *"$t"* ]] || fail "$t --help does not name the command: $OUT"
done

# ---- figures and format, as MooseFS 3.0.117 prints them for the same tree
mkdir -p q/sub
for i in 1 2 3; do head -c 100000 /dev/urandom >"q/sub/f$i"; done
tool_ok mfsgetquota q
check_eq "mfsgetquota without a quota" \
  "q: (current values | soft quota | hard quota) ; soft quota grace period: default
 inodes   |                    4 |                    - |                    - |
 length   |               300000 |                    - |                    - |
 size     |               417792 |                    - |                    - |
 realsize |               835584 |                    - |                    - |" "$OUT"
# mfsdirinfo counts the directory itself too (MooseFS 3.0.117 prints these)
tool_ok mfsdirinfo q
check_eq "mfsdirinfo" "q:
 inodes:                          5
  directories:                    2
  files:                          3
 chunks:                          3
 length:                     300000
 size:                       417792
 realsize:                   835584" "$OUT"
tool_ok mfsdirinfo -h q
check_eq "mfsdirinfo -h" "q:
 inodes:            5
  directories:      2
  files:            3
 chunks:            3
 length:       293KiB
 size:         408KiB
 realsize:     816KiB" "$OUT"
tool_ok mfssetquota -i 2 -I 10 -L 1000000 -s 1M q
check_eq "mfssetquota prints the new quota" \
  "q: (current values | soft quota | hard quota) ; soft quota grace period: default
 inodes   |                    4 |                    2 |                   10 |
 length   |               300000 |                    - |              1000000 |
 size     |               417792 |              1000000 |                    - |
 realsize |               835584 |                    - |                    - |" "$OUT"
tool_ok mfsgetquota -h q
check_eq "mfsgetquota -h" \
  "q: (current values | soft quota | hard quota) ; soft quota grace period: default
 inodes   |      4 |      2 |     10 |
 length   | 293KiB |      - | 977KiB |
 size     | 408KiB | 977KiB |      - |
 realsize | 816KiB |      - |      - |" "$OUT"
tool_ok mfsgetquota -H q
check_eq "mfsgetquota -H" \
  "q: (current values | soft quota | hard quota) ; soft quota grace period: default
 inodes   |     4 |     2 |    10 |
 length   | 300kB |     - | 1.0MB |
 size     | 418kB | 1.0MB |     - |
 realsize | 836kB |     - |     - |" "$OUT"
tool_ok mfsgetquota -k q
check_eq "mfsgetquota -k, length row" " length   |               292 |                 - |               976 |" \
  "$(sed -n 3p "$T/out")"
MFSHRFORMAT=1 run_tool mfsgetquota q
check_eq "MFSHRFORMAT=1 is -h" " length   | 293KiB |      - | 977KiB |" "$(sed -n 3p "$T/out")"
# the root counts everything; the directory itself is not counted
check_eq "root usage" "5 - -" "$(row . inodes)"
# limits not given are kept; -p sets the grace period
tool_ok mfssetquota -p 1h -I 12 q
check_eq "grace period line" "q: (current values | soft quota | hard quota) ; soft quota grace period: 3600 seconds" \
  "$(head -n 1 "$T/out")"
check_eq "inodes after -I 12" "4 2 12" "$(row q inodes)"
check_eq "length kept" "300000 - 1000000" "$(row q length)"
tool_ok mfsdelquota -i q
check_eq "mfsdelquota -i" "4 - 12" "$(row q inodes)"
tool_ok mfscopyquota q q/sub
check_eq "mfscopyquota prints the source, then the copy" 2 "$(grep -c 'soft quota grace period: 3600 seconds' "$T/out")"
check_eq "copied hard inodes" "3 - 12" "$(row q/sub inodes)"
check_eq "copied size" "417792 1000000 -" "$(row q/sub size)"
tool_ok mfsdelquota -a -A q/sub
check_eq "mfsdelquota -a -A removes the quota" \
  "q/sub: (current values | soft quota | hard quota) ; soft quota grace period: default" "$(head -n 1 "$T/out")"
check_eq "no limits left" "3 - -" "$(row q/sub inodes)"
tool_ok mfsdelquota -I -L -s q
# every limit flag sets its own cell, every removal flag clears its own
tool_ok mfssetquota -i 1k -I 2k -l 1M -L 2M -s 3Mi -S 4Mi -r 5G -R 6G q
check_eq "all eight limits" "4 1000 2000|300000 1000000 2000000|417792 3145728 4194304|835584 5000000000 6000000000" \
  "$(row q inodes)|$(row q length)|$(row q size)|$(row q realsize)"
tool_ok mfsgetquota -m q
check_eq "mfsgetquota -m, realsize row" " realsize |              0 |           4768 |           5722 |" "$(sed -n 5p "$T/out")"
tool_ok mfsgetquota -g q
check_eq "mfsgetquota -g, realsize row" " realsize |           0 |           4 |           5 |" "$(sed -n 5p "$T/out")"
tool_ok mfsdelquota -l -S -r -R q
check_eq "after removing four" "1000 2000|- 2000000|3145728 -|- -" \
  "$(row q inodes | cut -d' ' -f2-)|$(row q length | cut -d' ' -f2-)|$(row q size | cut -d' ' -f2-)|$(row q realsize | cut -d' ' -f2-)"
tool_ok mfsdelquota -a -A q

# ---- errors
tool_fails "not MFS object" mfsgetquota /tmp
tool_fails "No such file or directory" mfsgetquota q/missing
tool_fails "Not a directory" mfsgetquota q/sub/f1
tool_fails "bad inodes limit: x" mfssetquota -i x q
tool_fails "bad size limit: 1Q" mfssetquota -S 1Q q
tool_fails "bad grace period: soon" mfssetquota -I 5 -p soon q
tool_fails "quota options not defined" mfssetquota q
tool_fails "quota options not defined" mfsdelquota q
# user_fails TEXT TOOL ARGS...: the tool, run by the plain user, fails with TEXT.
user_fails() {
  local want=$1 out
  shift
  if out=$(as_user "$TOOLS/$1" "${@:2}" 2>&1); then fail "user: $* succeeded"; fi
  [[ "$out" == *"$want"* ]] || fail "user: $*: expected '$want', got: $out"
}
user_fails "Operation not permitted" mfssetquota -I 5 q
user_fails "Operation not permitted" mfsdelquota -A q
as_user "$TOOLS/mfsgetquota" q >/dev/null || fail "a plain user cannot read a quota"
run_tool mfsgetquota q /tmp q/sub
((RC == 1)) || fail "mfsgetquota with one bad path: status $RC"
check_eq "the good paths are still shown" 2 "$(grep -c 'current values' "$T/out")"

# ---- hard inode limit: create, mkdir, symlink, link, rename, snapshot; root and user
mkdir lim
chmod 777 lim
tool_ok mfssetquota -I 2 lim
touch lim/a
as_user mkdir lim/d
echo x >outside
check_eq "usage at the limit" "2 - 2" "$(row lim inodes)"
expect_edquot "root create at the limit" touch lim/b
expect_edquot "mkdir" mkdir lim/e
expect_edquot "user create" as_user touch lim/d/b
expect_edquot "symlink" ln -s a lim/s
expect_edquot "hard link from outside" ln outside lim/l
expect_edquot "rename from outside" mv outside lim/moved
expect_edquot "snapshot into it" "$TOOLS/mfsmakesnapshot" outside lim/snap
tool_ok mfssetquota -I 3 lim
as_user touch lim/d/c # the third inode
check_eq "usage at the limit" "3 - 3" "$(row lim inodes)"
expect_edquot "create past it" as_user touch lim/d/x
mv lim/d/c lim/c # inside the quota directory: nothing changes
[[ -e lim/c && -e outside ]] || fail "renames that keep usage were refused"
rm lim/a
touch lim/b || fail "create after a file left (usage below the limit again)"
touch free1 free2 || fail "the quota limits its neighbours"

# ---- hard length limit: writes and truncate; rewriting in place still works
mkdir len
chmod 777 len
tool_ok mfssetquota -L 1Mi len
head -c 600000 /dev/urandom >len/ok || fail "600000 bytes under a 1 MiB length quota"
if as_user dd if=/dev/zero of=len/big bs=64k count=32 conv=fsync status=none 2>"$T/dd.err"; then
  fail "2 MiB written past a 1 MiB length quota"
fi
grep -q "$EDQUOT" "$T/dd.err" || fail "dd past the length quota: $(cat "$T/dd.err")"
used=$(row len length | cut -d' ' -f1)
((used <= 1048576)) || fail "length usage $used passed the hard limit 1048576"
expect_edquot "truncate past the limit" truncate -s 2M len/ok
dd if=/dev/urandom of=len/ok bs=1000 count=100 conv=notrunc,fsync status=none ||
  fail "rewriting bytes inside the file (no growth) under a full quota"
rm -f len/big
head -c 100000 /dev/urandom >>len/ok || fail "appending under the limit after freeing space"
check_eq "length usage is the file" "$(stat -c %s len/ok) - 1048576" "$(row len length)"

# ---- size and realsize follow the goal
mkdir rs
echo data >rs/f # 1 block: 65536 + 8192 header
check_eq "size of one small file" "73728 - -" "$(row rs size)"
check_eq "realsize at goal 2" "147456 - -" "$(row rs realsize)"
tool_ok mfssetgoal 3 rs/f
check_eq "realsize at goal 3" "221184 - -" "$(row rs realsize)"
tool_ok mfssetquota -R 300000 rs
expect_edquot "a second file past the realsize limit" dd if=/dev/zero of=rs/g bs=64k count=2 conv=fsync status=none
rm -f rs/g
tool_ok mfssetquota -S 100000 rs
expect_edquot "a second chunk past the size limit" bash -c 'echo more >>rs/f2'
rm -f rs/f2

# ---- soft limit: grace, then it acts as a hard one; below it again, writes go on
mkdir soft
tool_ok mfssetquota -l 100000 -p 3 soft
head -c 150000 /dev/urandom >soft/a || fail "passing a soft limit is allowed"
echo more >>soft/a || fail "writes within the grace period"
sleep 4
expect_edquot "growth after the grace period" bash -c 'head -c 10000 /dev/zero >>soft/a'
touch soft/empty || fail "an empty file adds no length"
rm soft/a
head -c 50000 /dev/urandom >soft/b || fail "writes once below the soft limit again"
# the master's default grace period (QUOTA_DEFAULT_GRACE_PERIOD = 2 here)
mkdir dflt
tool_ok mfssetquota -i 1 dflt
touch dflt/1 dflt/2 || fail "passing the soft inode limit"
sleep 3
expect_edquot "the default grace period ran out" touch dflt/3

# ---- trash: a deleted file leaves the usage (it is in the trash, not here)
before=$(row q length | cut -d' ' -f1)
rm q/sub/f1
check_eq "length after rm" "$((before - 100000))" "$(row q length | cut -d' ' -f1)"

# ---- quotas and usage are kept across a master restart
"$TOOLS/mfsgetquota" q lim len rs soft dflt . >"$T/before"
cd /
stop_master
start_master
wait_chunkservers "$CHUNKSERVERS"
cd "$MNT"
"$TOOLS/mfsgetquota" q lim len rs soft dflt . >"$T/after"
diff "$T/before" "$T/after" >&2 || fail "quotas or usage differ after a master restart"
expect_edquot "the inode limit still holds after the restart" touch lim/more
pass
