# shellcheck shell=bash
# tests/system/chunks_lib.sh: what the chunkservers' disks hold, for the
# chunk loop tests (sourced after lib.sh).

# chunk_copies [I...]: one line per chunk file on the given (default all)
# chunkservers: "ID VERSION SERVER".
chunk_copies() {
  chunk_files "$@" | sed -E 's|.*/cs([0-9]+)/disk/.*/chunk_([0-9A-F]{16})_([0-9A-F]{8})\.mfs$|\2 \3 \1|'
}

# chunk_summary [I...]: one line per chunk id: "ID COPIES STALE" where
# COPIES counts the copies of its newest version on distinct servers and
# STALE the copies of older versions.
chunk_summary() {
  chunk_copies "$@" | awk '
    { if (!($1 in v) || $2 > v[$1]) v[$1] = $2; line[NR] = $0 }
    END {
      for (i = 1; i <= NR; i++) {
        split(line[i], f, " ")
        if (f[2] == v[f[1]]) { if (!((f[1] " " f[3]) in seen)) { seen[f[1] " " f[3]] = 1; n[f[1]]++ } }
        else s[f[1]]++
      }
      for (c in v) print c, n[c] + 0, s[c] + 0
    }' | sort
}

# only_ids FILE: keeps the lines (of chunk_summary) whose id is listed in FILE.
only_ids() { awk 'NR == FNR { want[$1] = 1; next } ($1 in want)' "$1" -; }

# master_counts: the master's last "chunk loop:" summary (it logs one after
# each pass that found something new). Only for the counters since its
# start (replications done, copies moved to rebalance), which mfscli does
# not show; the chunk classes come from mfscli -SIC (chunk_classes, lib.sh).
master_counts() { grep 'chunk loop: ' "$T/log/mfsmaster.log" | tail -n 1 | sed 's/.*chunk loop: //'; }
