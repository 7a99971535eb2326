# shellcheck shell=bash disable=SC2034
# bench/workloads.sh: the workloads of bench/run, as functions taking a
# directory on the mount under test. Source it for the tables below, or run
#     bash bench/workloads.sh GROUP DIR
# to run one group on DIR (a fresh, empty directory): it prints one
# "METRIC VALUE" line per figure and exits non-zero if anything failed
# (reason on stderr). bench/io.py does the timed syscalls.
#
# Sizes follow BENCH_SCALE (default 1 = the full sizes of the table below).

BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
BENCH_SCALE=${BENCH_SCALE:-1}

# scaled BASE MIN: BASE * BENCH_SCALE, rounded, at least MIN.
scaled() { awk -v b="$1" -v m="$2" -v s="$BENCH_SCALE" 'BEGIN { v = int(b * s + 0.5); print (v < m ? m : v) }'; }

SEQ_MIB=$(scaled 1024 16)   # sequential write/read: one file of this size
RAND_MIB=$(scaled 256 16)   # random 4 KiB I/O: in a file of this size ...
RAND_OPS=$(scaled 20000 500) # ... this many reads, then as many writes
PAR_N=4                     # parallel writers ...
PAR_MIB=$(scaled 256 8)     # ... of one file of this size each
META_N=$(scaled 5000 100)   # empty files for create/stat/rename/unlink
SMALL_N=$(scaled 1000 50)   # small files ...
SMALL_KIB=64                # ... of this size

# The figures, in table order: GROUP|METRIC|what is measured|unit. Every
# figure is "higher is better".
WORKLOAD_TABLE=(
  "seq|seq_write|sequential write, ${SEQ_MIB} MiB in 1 MiB blocks + fsync|MiB/s"
  "seq|seq_read|sequential read of it, caches dropped|MiB/s"
  "random|rand_read|4 KiB random reads, ${RAND_OPS} in a ${RAND_MIB} MiB file|IOPS"
  "random|rand_write|4 KiB random writes, ${RAND_OPS} + fsync|IOPS"
  "parallel|par_write|${PAR_N} parallel writers, ${PAR_N} x ${PAR_MIB} MiB + fsync|MiB/s"
  "meta|create|create ${META_N} empty files|ops/s"
  "meta|stat|stat them, caches dropped|ops/s"
  "meta|rename|rename them|ops/s"
  "meta|unlink|unlink them|ops/s"
  "small|small_write|write ${SMALL_N} files of ${SMALL_KIB} KiB (close flushes)|files/s"
  "small|small_read|read them back, caches dropped|files/s"
)
WORKLOAD_GROUPS=(seq random parallel meta small)

io() { python3 "$BENCH_DIR/io.py" "$@"; }

# drop_caches (also when run on its own, as bench/run does for each group)
# shellcheck source=../tests/common/cluster.sh
. "$BENCH_DIR/../tests/common/cluster.sh"

# Every group starts from clean caches and no dirty data.
wl_seq() {
  drop_caches
  io write "$1/seq" "$SEQ_MIB" | sed 's/^mibps /seq_write /'
  drop_caches
  io read "$1/seq" "$SEQ_MIB" | sed 's/^mibps /seq_read /'
}

wl_random() {
  drop_caches
  io write "$1/rand" "$RAND_MIB" >/dev/null  # the file to work in (untimed)
  drop_caches
  io randread "$1/rand" "$RAND_MIB" "$RAND_OPS" | sed 's/^iops /rand_read /'
  drop_caches
  io randwrite "$1/rand" "$RAND_MIB" "$RAND_OPS" | sed 's/^iops /rand_write /'
}

wl_parallel() {
  drop_caches
  io parallel "$1" "$PAR_N" "$PAR_MIB" | sed 's/^mibps /par_write /'
}

wl_meta() {
  drop_caches
  io meta "$1" "$META_N" | sed 's/_ops / /'
}

wl_small() {
  drop_caches
  io smallwrite "$1" "$SMALL_N" "$SMALL_KIB" | sed 's/^files_per_s /small_write /'
  drop_caches
  io smallread "$1" "$SMALL_N" "$SMALL_KIB" | sed 's/^files_per_s /small_read /'
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  (($# == 2)) || { echo "usage: bash $0 GROUP DIR   (GROUP: ${WORKLOAD_GROUPS[*]})" >&2; exit 2; }
  [[ " ${WORKLOAD_GROUPS[*]} " == *" $1 "* ]] || { echo "unknown workload group '$1'" >&2; exit 2; }
  [[ -d "$2" ]] || { echo "no directory $2" >&2; exit 2; }
  "wl_$1" "$2"
fi
