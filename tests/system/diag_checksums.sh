#!/usr/bin/env bash
# mfsfileinfo -q, -c and -s on a real cluster: -q counts the valid copies
# (and follows a chunkserver going away); -c asks every copy's checksum
# from the chunkserver holding it: the copies of a chunk agree, the digest
# is the documented one (MD5 over the blocks' CRC32Cs), a copy whose chunk
# file is damaged on disk shows another digest (and is then replaced by the
# master), a chunkserver that does not answer gives a per-copy error in
# bounded time; -s gives equal signatures for equal contents and different
# ones otherwise. The scrub is off (HDD_TEST_SPEED = 0), so only the
# checksum request can find the damage.
CHUNKSERVERS=3
# a stopped chunkserver's copies are not replaced at once (-q below)
MASTER_EXTRA_CFG="REPLICATIONS_DELAY_DISCONNECT = 60"
. "$(dirname "$0")/lib.sh"
for i in 1 2 3; do
  write_cs_cfg "$i"
  echo "HDD_TEST_SPEED = 0" >>"$(cs_dir "$i")/mfschunkserver.cfg"
done
start_cluster
cd "$MNT"
MiB=1048576
H=${TEST_HOST//./\\.}

# ---- the files (goal 2, the default; three has goal 3)
head -c 100000 /dev/urandom >a
cp a a_copy
head -c 100000 /dev/urandom >b
cp a a_changed
printf 'X' | dd of=a_changed bs=1 seek=77777 conv=notrunc status=none
cmp -s a a_changed && printf 'Y' | dd of=a_changed bs=1 seek=77777 conv=notrunc status=none
head -c 70000000 /dev/urandom >big
dd if=/dev/urandom of=holey bs=1M count=1 seek=128 status=none
: >empty
truncate -s 200000000 sparse
touch three && tool_ok mfssetgoal 3 three && head -c 300000 /dev/urandom >three
sync

# cs_of_port PORT: the chunkserver index listening there
cs_of_port() {
  local i
  for ((i = 1; i <= CHUNKSERVERS; i++)); do [[ "$(cs_port "$i")" == "$1" ]] && { echo "$i"; return; }; done
  fail "no chunkserver of this test listens on port $1"
}
# chunk_file I ID VERSION: the chunk file on chunkserver I's disk
chunk_file() { find "$(cs_disk "$1")" -name "$(printf 'chunk_%016X_%08X.mfs' "$2" "$3")" -type f; }
# chunk_ref FILE INDEX: "ID VERSION" of a chunk, from mfsfileinfo
chunk_ref() {
  "$TOOLS/mfsfileinfo" "$1" | sed -n "s/^"$'\t'"chunk $2: [0-9A-F_]* \/ (id:\([0-9]*\) ver:\([0-9]*\))$/\1 \2/p"
}
RE_CCOPY=$'^\t\tcopy [0-9]+: '"$H"':([0-9]+) \(status:VALID ; blocks: ([0-9]+) ; checksum digest: ([0-9A-F]{32})( ; damaged blocks: ([0-9]+))?\)$'
# copy_sums CHUNK: "PORT BLOCKS DIGEST DAMAGED" for each copy of that chunk
# in $T/out (the output of mfsfileinfo -c for one file)
copy_sums() {
  local line in=0
  while IFS= read -r line; do
    if [[ "$line" == $'\t'chunk\ * ]]; then
      [[ "$line" == $'\t'"chunk $1: "* ]] && in=1 || in=0
    elif ((in)) && [[ "$line" =~ $RE_CCOPY ]]; then
      echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[3]} ${BASH_REMATCH[5]:-0}"
    fi
  done <"$T/out"
}
# expected_digest FILE: MD5 over the CRC32C (u32 LE) of each 64 KiB block
# of a file of one chunk, zero-padded (what docs/tools.md says -c prints)
expected_digest() {
  "$PYTHON" - "$1" <<'EOF'
import hashlib, struct, sys
T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    T.append(c)
def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = T[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF
data = open(sys.argv[1], 'rb').read()
crcs = b''
for pos in range(0, len(data), 65536):
    crcs += struct.pack('<I', crc32c(data[pos:pos + 65536].ljust(65536, b'\0')))
print(hashlib.md5(crcs).hexdigest().upper())
EOF
}

# ---- -q: chunks by valid copies, and the holes among them
tool_ok mfsfileinfo -q a big holey three empty sparse
check_eq "mfsfileinfo -q" "$(printf '%s\n' 'a:' ' chunks with 2 copies:            1' 'big:' \
  ' chunks with 2 copies:            2' 'holey:' ' chunks with 2 copies:            1' \
  ' empty (zero) chunks:             2' 'three:' \
  ' chunks with 3 copies:            1' 'empty:' 'sparse:')" "$OUT"
# -q wins over -c and -s, as in MooseFS
tool_ok mfsfileinfo -qcs holey
check_eq "mfsfileinfo -qcs" "$(printf '%s\n' 'holey:' ' chunks with 2 copies:            1' ' empty (zero) chunks:             2')" "$OUT"
# ---- -c: every copy's checksum, from its chunkserver
declare -A DIGEST=()
for f in a a_copy b a_changed three; do
  tool_ok mfsfileinfo -c "$f"
  mapfile -t sums < <(copy_sums 0)
  want=2
  [[ $f == three ]] && want=3
  ((${#sums[@]} == want)) || fail "mfsfileinfo -c $f: $want copies with a checksum expected: $OUT"
  ports=""
  DIGEST[$f]=$(awk '{print $3}' <<<"${sums[0]}")
  for s in "${sums[@]}"; do
    read -r port blocks digest damaged <<<"$s"
    check_eq "$f: blocks of the copy on port $port" "$((($(stat -c %s "$f") + 65535) / 65536))" "$blocks"
    check_eq "$f: damaged blocks of the copy on port $port" 0 "$damaged"
    check_eq "$f: digest of the copy on port $port (= that of the first copy)" "${DIGEST[$f]}" "$digest"
    ports+=" $port"
  done
  [[ "$OUT" != *"different checksums"* ]] || fail "mfsfileinfo -c $f: copies differ: $OUT"
  check_eq "$f: copies on distinct chunkservers" "$want" "$(tr ' ' '\n' <<<"$ports" | grep . | sort -u | wc -l)"
  check_eq "$f: the digest is MD5 over the blocks' CRC32Cs" "$(expected_digest "$f")" "${DIGEST[$f]}"
done
check_eq "equal files, equal digests" "${DIGEST[a]}" "${DIGEST[a_copy]}"
[[ "${DIGEST[a]}" != "${DIGEST[b]}" ]] || fail "a and b (different data) have the same digest ${DIGEST[a]}"
[[ "${DIGEST[a]}" != "${DIGEST[a_changed]}" ]] || fail "a and a_changed (one byte apart) have the same digest"
# a file of two chunks: 1024 blocks, then the rest
tool_ok mfsfileinfo -c big
check_eq "big chunk 0: blocks" "1024 1024" "$(copy_sums 0 | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//')"
check_eq "big chunk 1: blocks" "45 45" "$(copy_sums 1 | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//')"
check_eq "big chunk 1: both copies agree" 1 "$(copy_sums 1 | awk '{print $3}' | sort -u | wc -l)"
# holes stay "empty", as without -c
tool_ok mfsfileinfo -c holey
check_eq "mfsfileinfo -c holey: holes" $'\tchunk 0: empty\n\tchunk 1: empty' "$(grep $'^\tchunk [01]:' "$T/out")"
check_eq "mfsfileinfo -c holey: chunk 2 copies" 2 "$(copy_sums 2 | wc -l)"

# ---- -s: one signature per file, from its chunks' digests
sig() { "$TOOLS/mfsfileinfo" -s "$1" | sed -n "s/^$1 signature: \([0-9A-F]\{32\}\)$/\1/p"; }
declare -A SIG=()
for f in a a_copy b a_changed big holey empty sparse; do
  SIG[$f]=$(sig "$f")
  [[ -n "${SIG[$f]}" ]] || fail "mfsfileinfo -s $f: no signature line: $("$TOOLS/mfsfileinfo" -s "$f")"
done
check_eq "signatures of two files with the same content" "${SIG[a]}" "${SIG[a_copy]}"
[[ "${SIG[a]}" != "${SIG[b]}" ]] || fail "a and b (different data) have the same signature"
[[ "${SIG[a]}" != "${SIG[a_changed]}" ]] || fail "a and a_changed (one byte apart) have the same signature"
check_eq "signature of an empty file (MD5 of nothing)" D41D8CD98F00B204E9800998ECF8427E "${SIG[empty]}"
check_eq "signature of a file of holes only" D41D8CD98F00B204E9800998ECF8427E "${SIG[sparse]}"
check_eq "signature of a: MD5 over its one chunk's digest" \
  "$("$PYTHON" -c 'import hashlib,sys; print(hashlib.md5(bytes.fromhex(sys.argv[1])).hexdigest().upper())' "${DIGEST[a]}")" "${SIG[a]}"
cp big big_copy
check_eq "signature of a copy of a file of two chunks" "${SIG[big]}" "$(sig big_copy)"
# the layout: the chunks as without -s, then the signature line
tool_ok mfsfileinfo a
plain=$OUT
tool_ok mfsfileinfo -s a
check_eq "mfsfileinfo -s a" "$plain"$'\n'"a signature: ${SIG[a]}" "$OUT"
tool_ok mfsfileinfo -cs a
check_eq "mfsfileinfo -cs a: last line" "a signature: ${SIG[a]}" "$(tail -n 1 "$T/out")"
check_eq "mfsfileinfo -cs a: copies with checksums" 2 "$(copy_sums 0 | wc -l)"

# ---- a damaged copy: one byte flipped in the data part of a's chunk file
# on one chunkserver gives that copy another digest
tool_ok mfsfileinfo -c a
mapfile -t A_SUMS < <(copy_sums 0)
check_eq "copies of a" 2 "${#A_SUMS[@]}"
# the damaged copy is the one listed first, so -s must skip it for the intact one
BAD_PORT=${A_SUMS[0]%% *} GOOD_PORT=${A_SUMS[1]%% *}
BAD_CS=$(cs_of_port "$BAD_PORT")
read -r A_ID A_VER <<<"$(chunk_ref a 0)"
VICTIM=$(chunk_file "$BAD_CS" "$A_ID" "$A_VER")
[[ -n "$VICTIM" ]] || fail "no chunk file of a ($A_ID v$A_VER) on chunkserver $BAD_CS"
old=$(od -An -tu1 -j $((8192 + 5000)) -N1 "$VICTIM" | tr -d ' ')
printf "$(printf '\\%03o' $(((old + 1) % 256)))" | dd of="$VICTIM" bs=1 seek=$((8192 + 5000)) conv=notrunc status=none
log "flipped a byte of $VICTIM (chunkserver $BAD_CS, port $BAD_PORT)"
# one run only: the chunkserver reports the damage, and the master soon drops that copy
tool_ok mfsfileinfo -cs a
declare -A BY_PORT=()
while read -r port blocks digest damaged; do BY_PORT[$port]="$digest $damaged"; done < <(copy_sums 0)
check_eq "the intact copy (port $GOOD_PORT): digest and damaged blocks" "${DIGEST[a]} 0" "${BY_PORT[$GOOD_PORT]:-missing}"
[[ -n "${BY_PORT[$BAD_PORT]:-}" ]] || fail "mfsfileinfo -c a: no checksum for the damaged copy (port $BAD_PORT): $OUT"
read -r bad_digest bad_blocks <<<"${BY_PORT[$BAD_PORT]}"
[[ "$bad_digest" != "${DIGEST[a]}" ]] || fail "the damaged copy has the intact digest ${DIGEST[a]}"
check_eq "the damaged copy: damaged blocks" 1 "$bad_blocks"
grep -qx $'\t\tcopies have different checksums !!!' "$T/out" || fail "mfsfileinfo -c a: no 'copies have different checksums' line: $OUT"
check_eq "signature with a damaged copy (taken from the intact one)" "a signature: ${SIG[a]}" "$(tail -n 1 "$T/out")"
grep -q "checksum asked by" "$T/log/mfschunkserver$BAD_CS.log" || fail "chunkserver $BAD_CS did not log the damaged blocks"
# the chunkserver reported it: the master replaces the copy from the good one
# intact_copies FILE: how many copies of chunk 0 have the digest DIGEST[FILE] and no damaged block
intact_copies() {
  "$TOOLS/mfsfileinfo" -c "$1" >"$T/out" 2>&1 || true
  copy_sums 0 | awk -v d="${DIGEST[$1]}" '$3 == d && $4 == 0' | wc -l
}
wait_until 60 "a's chunk to have two intact copies again" eval '[[ "$(intact_copies a)" == 2 ]]'
check_eq "copies of a after the repair" 2 "$(copy_sums 0 | wc -l)"
check_eq "a reads right after the repair" "$(sha a_copy)" "$(drop_caches; sha a)"
check_eq "signature of a after the repair" "${SIG[a]}" "$(sig a)"

# ---- a chunkserver that does not answer (stopped with SIGSTOP: it still
# accepts connections and the master still lists it)
tool_ok mfsfileinfo -c b
mapfile -t B_SUMS < <(copy_sums 0)
B_PORT1=${B_SUMS[0]%% *} B_PORT2=${B_SUMS[1]%% *}
B_CS1=$(cs_of_port "$B_PORT1") B_CS2=$(cs_of_port "$B_PORT2")
STOPPED=${PIDS[cs$B_CS1]}
kill -STOP "$STOPPED"
start=$(date +%s)
tool_ok mfsfileinfo -c b
took=$(($(date +%s) - start))
kill -CONT "$STOPPED"
((took < 20)) || fail "mfsfileinfo -c with a stopped chunkserver took ${took}s"
grep -qx "$TEST_HOST:$B_PORT1 cs query: receive error (no answer within 5 s)" "$T/out" ||
  fail "mfsfileinfo -c b: no receive error line for port $B_PORT1: $OUT"
grep -qx $'\t\tcopy [0-9]: '"$H:$B_PORT1"' (status:VALID) - can'"'"'t get checksum' "$T/out" ||
  fail "mfsfileinfo -c b: the copy on port $B_PORT1 is not marked \"can't get checksum\": $OUT"
check_eq "the other copy of b still answers" "$B_PORT2 ${DIGEST[b]}" "$(copy_sums 0 | awk '{print $1, $3}')"
# both holders stopped: -s cannot add the chunk to the signature
kill -STOP "${PIDS[cs$B_CS1]}" "${PIDS[cs$B_CS2]}"
run_tool mfsfileinfo -s b
kill -CONT "${PIDS[cs$B_CS1]}" "${PIDS[cs$B_CS2]}"
((RC == 0)) || fail "mfsfileinfo -s b with both holders stopped: status $RC: $ERR"
grep -qx $'\t\tcouldn\'t add this chunk to signature !!!' "$T/out" || fail "mfsfileinfo -s b: no \"couldn't add\" line: $OUT"
check_eq "signature of b without its chunk" "b signature: D41D8CD98F00B204E9800998ECF8427E" "$(tail -n 1 "$T/out")"
# answering again: the same signature as before
wait_until 30 "b's signature to come back" eval '[[ "$(sig b)" == "${SIG[b]}" ]]'

# ---- -q follows a chunkserver going away: a has one valid copy left
quick_a_is() { [[ "$("$TOOLS/mfsfileinfo" -q a)" == "a:"$'\n'"$1" ]]; }
tool_ok mfsfileinfo -c a
A_CS=$(cs_of_port "$(copy_sums 0 | head -n 1 | awk '{print $1}')")
stop_chunkserver "$A_CS"
wait_until 30 "mfsfileinfo -q a to count one copy" quick_a_is " chunks with 1 copy:              1"
start_chunkserver "$A_CS"
wait_chunkservers "$CHUNKSERVERS" 60 noprobe
wait_until 30 "mfsfileinfo -q a to count two copies again" quick_a_is " chunks with 2 copies:            1"

# ---- bad input
tool_fails "mfsfileinfo" mfsfileinfo -x a
tool_fails ".: not a file" mfsfileinfo -c .
tool_fails "nothere: No such file or directory" mfsfileinfo -s nothere

pass
