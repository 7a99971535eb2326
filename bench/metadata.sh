#!/usr/bin/env bash
# bench/metadata.sh: the master's metadata costs, Antler next to Debian's
# MooseFS 3.0: resident memory per million files, recovery with
# `mfsmaster -a` after kill -9 (changelog replay), a clean stop (the image
# save) and a normal start (image load) for that namespace.
#
# Antler's files are created through the client core (bench/meta_create,
# no FUSE: quick); MooseFS has no client library, so its files are created
# through its FUSE mount (about 5 minutes for a million). Memory figures are
# per million files whatever the counts. Files are empty, 1000 per directory.
# The report goes to stdout and replaces the "Master metadata" section of
# bench/RESULTS.md (--no-results: stdout only).
#
# environment: BENCH_META_FILES (Antler, default 1000000),
# BENCH_META_MFS_FILES (MooseFS, default 1000000), ANTLER_BUILD_DIR.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=report_args.sh
. "$BENCH_DIR/report_args.sh"
report_args 17 "$@"
FILES=${BENCH_META_FILES:-1000000}
MFS_FILES=${BENCH_META_MFS_FILES:-1000000}

# shellcheck disable=SC2034  # read by lib.sh
TEST_TIMEOUT=7200
# shellcheck disable=SC2034
CHUNKSERVERS=1
BUILD=${ANTLER_BUILD_DIR:-$ROOT/build/release}
# shellcheck source=../tests/system/lib.sh
. "$ROOT/tests/system/lib.sh" "$BUILD"
# shellcheck disable=SC2034
TEST_NAME=bench-metadata SAY_AS=bench-metadata
# shellcheck source=moosefs.sh
. "$BENCH_DIR/moosefs.sh"
[[ -x "$BUILD/bench/meta_create" ]] || fail "$BUILD/bench/meta_create is missing (cmake --build $BUILD)"

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.2f", b - a}'; }
per_million_mib() { awk -v d="$1" -v n="$2" 'BEGIN {printf "%.0f", d / 1024 * 1000000 / n}'; }

# ---------------------------------------------------------------- Antler
start_cluster
base=$(rss_kib "${PIDS[master]}")
log "Antler: creating $FILES files through the client core"
"$BUILD/bench/meta_create" "$TEST_HOST" "$CL_PORT" "$FILES" 8 >"$T/create.out" || fail "meta_create failed"
a_rate=$(sed -E 's/.*\(([0-9]+) files.*/\1/' "$T/create.out")
a_rss=$(rss_kib "${PIDS[master]}")
a_mib=$(per_million_mib $((a_rss - base)) "$FILES")
umount_client
for ((i = 1; i <= CHUNKSERVERS; i++)); do stop_chunkserver "$i"; done
kill9_master
t=$(now)
start_master -a
a_recover=$(since "$t")
t=$(now)
stop_master
a_save=$(since "$t")
a_image=$(du -b "$MASTER_DIR/data/metadata.mfs" | cut -f1)
t=$(now)
start_master
a_load=$(since "$t")
stop_master
log "Antler: $a_mib MiB per million files, -a $a_recover s, save $a_save s, load $a_load s"

# ---------------------------------------------------------------- MooseFS
mfs_start
mbase=$(rss_kib "${PIDS[mfs-master]}")
log "MooseFS: creating $MFS_FILES files through its FUSE mount"
t=$(now)
python3 - "$MFS_MNT/meta-bench" "$MFS_FILES" <<'PY'
import os, sys
top, n = sys.argv[1], int(sys.argv[2])
os.makedirs(top, exist_ok=True)
for d in range((n + 999) // 1000):
    dd = os.path.join(top, "d%05d" % d)
    os.mkdir(dd)
    for i in range(min(1000, n - d * 1000)):
        os.close(os.open(os.path.join(dd, "f%03d" % i), os.O_CREAT | os.O_WRONLY, 0o644))
PY
m_rate=$(awk -v n="$MFS_FILES" -v s="$(since "$t")" 'BEGIN {printf "%.0f", n / s}')
m_rss=$(rss_kib "${PIDS[mfs-master]}")
m_mib=$(per_million_mib $((m_rss - mbase)) "$MFS_FILES")
mfs_restart_master() {  # mfs_restart_master [-a]
  start_daemon mfs-master mfs-master ip netns exec "$MFS_NS" \
    /usr/sbin/mfsmaster -c "$MFS_DIR/master/mfsmaster.cfg" "$@" -f start
  mfs_wait mfs-master mfs-master 600 mfs_listening 9421
}
mfs_stop_master() {
  stop_pids 600 "${PIDS[mfs-master]}"
  forget_pid mfs-master
}
kill -9 "${PIDS[mfs-master]}"
wait "${PIDS[mfs-master]}" 2>/dev/null || true
forget_pid mfs-master
t=$(now)
mfs_restart_master -a
m_recover=$(since "$t")
t=$(now)
mfs_stop_master
m_save=$(since "$t")
m_image=$(du -b "$MFS_DIR/master/data/metadata.mfs" 2>/dev/null | cut -f1 || echo 0)
t=$(now)
mfs_restart_master
m_load=$(since "$t")
mfs_stop
log "MooseFS: $m_mib MiB per million files, -a $m_recover s, save $m_save s, load $m_load s"

mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }
report_text() {
  cat <<EOF
## Master metadata

$(date -u +%Y-%m-%d), bench/metadata.sh: $FILES empty files for Antler (created through the client core, $a_rate files/s), $MFS_FILES for $(mfs_version) (through its FUSE mount, $m_rate files/s), 1000 per directory. Memory is the master's resident set after the creates minus before, per million files; times are wall-clock seconds from the command until the master listens again (start) or has exited (stop). Lower is better everywhere here; ratio = Antler / MooseFS.

| figure | Antler | MooseFS | ratio |
|---|--:|--:|--:|
| master memory per million files | $a_mib MiB | $m_mib MiB | $(ratio "$a_mib" "$m_mib") |
| \`mfsmaster -a\` after kill -9 (replays the changelog) | $a_recover s | $m_recover s | $(ratio "$a_recover" "$m_recover") |
| clean stop (saves the image) | $a_save s | $m_save s | $(ratio "$a_save" "$m_save") |
| start from the image | $a_load s | $m_load s | $(ratio "$a_load" "$m_load") |
| image size | $(mib "$a_image") MiB | $(mib "$m_image") MiB | $(ratio "$a_image" "$m_image") |

One run of each. On this shared 2-core machine the times move by up to half between runs (the clean stop has measured 0.6 s and 1.4 s for the same million files); the memory figures hold within a few percent. The image is larger than MooseFS's: each node record carries three 64-bit nanosecond times and a length-prefixed chunk list.
$(if ((FILES != MFS_FILES)); then printf '\nTimes are for %s (Antler) and %s (MooseFS) files: compare them per file.\n' "$FILES" "$MFS_FILES"; fi)
EOF
}
report=$(report_text)
echo "$report"
if ((WRITE_RESULTS)); then
  python3 "$BENCH_DIR/replace_section.py" "$BENCH_DIR/RESULTS.md" "$report"
fi
pass
