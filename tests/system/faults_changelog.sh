#!/usr/bin/env bash
# The master's disk fails under its changelog while an application creates
# files through the mount (the master runs under the LD_PRELOAD shim
# tests/fault/diskfail.cc, watching its DATA_PATH: once the trigger file
# exists, every write there fails with EIO).
#
# What a user must see: from the failure on, changes through the mount fail
# with an error instead of succeeding unlogged; reads still work; mfscli -SIN
# says the metadata store failed; the master logs it once. After the disk is
# good again, `mfsmaster -a` brings back every file whose creation (and
# every write) the application saw succeed, and none that it saw fail.
CHUNKSERVERS=2
. "$(dirname "$0")/lib.sh"
SHIM=$BUILD_DIR/tests/fault/diskfail.so
[[ -f "$SHIM" ]] || fail "$SHIM is missing (cmake --build $BUILD_DIR)"
write_master_cfg "$MASTER_DIR" "$ML_PORT" "$CS_PORT" "$CL_PORT"
DATA=$MASTER_DIR/data
TRIGGER=$T/master-disk-fails
LD_PRELOAD=$SHIM ANTLER_FAIL_DIR=$DATA ANTLER_FAIL_TRIGGER=$TRIGGER start_master
start_chunkserver 1
start_chunkserver 2
mount_client
wait_chunkservers 2

mfscli_info() { tool_ok mfscli -H "$TEST_HOST" -P "$CL_PORT" -SIN -p; }

mkdir "$MNT/w"
echo "before the failure" >"$MNT/w/early"

# The application: creates files one after another and notes what it saw
# (created / written with the data's sha256 / create-failed / write-failed).
cat >"$T/writer.py" <<'EOF'
import hashlib, os, sys, time
d, log, stop = sys.argv[1:4]
i = 0
with open(log, "a", buffering=1) as out:
    while not os.path.exists(stop):
        i += 1
        name = "f%d" % i
        data = ("file %d\n" % i).encode() * (i % 200 + 1)
        try:
            fd = os.open(os.path.join(d, name), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except OSError as e:
            out.write("create-failed %s %s\n" % (name, os.strerror(e.errno)))
            time.sleep(0.05)
            continue
        out.write("created %s\n" % name)
        try:
            os.write(fd, data)
            os.close(fd)  # a write-back buffer's failure shows here
        except OSError as e:
            out.write("write-failed %s %s\n" % (name, os.strerror(e.errno)))
            try:
                os.close(fd)
            except OSError:
                pass
            continue
        out.write("written %s %s\n" % (name, hashlib.sha256(data).hexdigest()))
EOF
"$PYTHON" "$T/writer.py" "$MNT/w" "$T/seen" "$T/stop-writer" 2>"$T/writer.err" &
WRITER=$!
record_pid writer "$WRITER"

count() {
  local n
  n=$(grep -c "^$1 " "$T/seen" 2>/dev/null) || true
  echo "${n:-0}"
}
enough_written() { (($(count written) >= 30)); }
wait_until 60 "the application to write 30 files" enough_written
touch "$TRIGGER"
log "the master's disk fails now"
enough_failures() { (($(count create-failed) >= 20)); }
wait_until 60 "20 failed creations in the application" enough_failures
touch "$T/stop-writer"
wait "$WRITER" || fail "the writer failed: $(cat "$T/writer.err")"
forget_pid writer

# Once the application saw a failure, nothing succeeded any more.
first_failure=$(grep -n -m1 -E '^(create|write)-failed ' "$T/seen" | cut -d: -f1)
late=$(tail -n +"$first_failure" "$T/seen" | grep -E '^(created|written) ' | head -n 3 || true)
[[ -z "$late" ]] || fail "after the first failure, changes still succeeded: $late"
grep -E '^(create|write)-failed ' "$T/seen" | grep -vq 'Input/output error' &&
  fail "failures other than EIO: $(grep -E '^(create|write)-failed ' "$T/seen" | grep -v 'Input/output error' | head -n 3)"
log "application: $(count written) files written, $(count create-failed) creations and $(count write-failed) writes failed"

# What else a user tries: every change fails with EIO, reads still work.
expect_eio() {
  local what=$1
  shift
  if "$@" 2>"$T/cmd.err"; then fail "$what succeeded after the master's changelog failed"; fi
  grep -q 'Input/output error' "$T/cmd.err" || fail "$what: expected EIO, got: $(cat "$T/cmd.err")"
}
expect_eio "mkdir" mkdir "$MNT/w/newdir"
expect_eio "touch of a new file" touch "$MNT/w/newfile"
expect_eio "rm" rm "$MNT/w/early"
expect_eio "mv" mv "$MNT/w/early" "$MNT/w/renamed"
expect_eio "chmod" chmod 600 "$MNT/w/early"
expect_eio "overwrite" sh -c "echo changed >'$MNT/w/early'"
check_eq "content of a file written before the failure" "before the failure" "$(cat "$MNT/w/early")"

mfscli_info
line=$(grep 'metadata store' <<<"$OUT" || true)
[[ "$line" == *$'\tFAILED: '*"$DATA/changelog.0.mfs"*"Input/output error"*"(changes refused)" ]] ||
  fail "mfscli -SIN does not show the failure: '$line'"
check_eq "master log lines about the failure" 1 "$(grep -c 'metadata store FAILED' "$T/log/mfsmaster.log")"

# The stop saves no image: it would hold a change that was refused.
image_before=$(stat -c %Y.%s "$DATA/metadata.mfs")
stop_master
grep -q 'final metadata save failed: not saved: the metadata store failed' "$T/log/mfsmaster.log" ||
  fail "the master's stop did not say why it saved no image"
check_eq "metadata.mfs (mtime.size) after the stop" "$image_before" "$(stat -c %Y.%s "$DATA/metadata.mfs")"

# The disk is good again. A normal start refuses (the changelog is newer
# than the image) and names -a; -a recovers.
rm -f "$TRIGGER"
rc=0
timeout 30 "$MFSMASTER" -c "$MASTER_CFG" -f start >"$T/normal-start.out" 2>&1 || rc=$?
((rc != 0 && rc != 124)) || fail "a normal start after the failure: status $rc: $(tail -n 2 "$T/normal-start.out")"
grep -q "mfsmaster -a" "$T/normal-start.out" || fail "a normal start does not name -a: $(tail -n 2 "$T/normal-start.out")"
start_master -a
wait_chunkservers 2  # and a probe write through the mount works again

missing=() wrong=() back=()
while read -r what name rest; do
  case $what in
    created) [[ -e "$MNT/w/$name" ]] || missing+=("$name") ;;
    written) [[ -f "$MNT/w/$name" && "$(sha "$MNT/w/$name")" == "$rest" ]] || wrong+=("$name") ;;
    create-failed) [[ ! -e "$MNT/w/$name" ]] || back+=("$name") ;;
  esac
done <"$T/seen"
((${#missing[@]} == 0)) || fail "files whose creation succeeded are missing after -a: ${missing[*]:0:10}"
((${#wrong[@]} == 0)) || fail "files written before the failure read back wrong after -a: ${wrong[*]:0:10}"
((${#back[@]} == 0)) || fail "files whose creation failed exist after -a: ${back[*]:0:10}"
check_eq "content of a file written before the failure, after -a" "before the failure" "$(cat "$MNT/w/early")"
echo "after the recovery" >"$MNT/w/late"
check_eq "a file written after the recovery" "after the recovery" "$(cat "$MNT/w/late")"
mfscli_info
grep -qP '^master info:\tmetadata store\tok$' <<<"$OUT" || fail "mfscli -SIN after -a: $(grep 'metadata store' <<<"$OUT")"
pass
