# shellcheck shell=bash disable=SC2034
# bench/moosefs.sh: the MooseFS 3.0 cluster of bench/run (Debian's
# moosefs-master, moosefs-chunkserver, moosefs-client), sourced by it after
# tests/system/lib.sh (for $T, start_daemon, stop_pids and the cleanup trap).
#
# MooseFS chunkservers will not use a master on 127.0.0.1, so the whole
# cluster runs in a network namespace of ours, $MFS_NS: a veth pair, host end
# $MFS_HOST_IP, namespace end $MFS_IP, where master and chunkservers listen.
# Daemons run under `ip netns exec`; the mount runs under
# `nsenter --net` so that it sits in our mount namespace (ip netns exec
# would give it a private one) while talking to the namespace.
# Everything lives in $T/moosefs; processes are recorded by pid (lib.sh),
# and mfs_stop (also called by the EXIT trap) stops them and removes the
# namespace.
#
# MooseFS daemons and mount run at nice 0 (MOOSEFS_NICE), as Antler's do:
# MooseFS's default of -19 would put them ahead of every other process on
# this 2-core box, a scheduling advantage rather than a file system one.

MFS_NS=${MOOSEFS_NETNS:-antlerbench}
MFS_HOST_IF=abench0
MFS_NS_IF=abench1
MFS_HOST_IP=10.77.0.1
MFS_IP=10.77.0.2
MFS_NICE=${MOOSEFS_NICE:-0}
MFS_CS_PORTS=(9422 9522 9622)
MFS_DIR=$T/moosefs
MFS_MNT=$MFS_DIR/mnt
MFS_NETNS_OURS=0

mfs_need_packages() {
  local b
  for b in /usr/sbin/mfsmaster /usr/sbin/mfschunkserver /usr/bin/mfsmount /usr/bin/mfssetgoal /usr/bin/mfsfileinfo; do
    [[ -x "$b" ]] && continue
    fail "$b is missing: apt-get install -y moosefs-master moosefs-chunkserver moosefs-client"
  done
  [[ -f /var/lib/mfs/metadata.mfs.empty ]] || fail "/var/lib/mfs/metadata.mfs.empty is missing (package moosefs-master)"
}

# Debian's packages start their services on installation; the MooseFS of
# the system (data in /var/lib/mfs, where it keeps its lock files with the
# pid) would compete for the CPU and disk all along. We do not stop what we
# did not start: we say so and stop. (Private MooseFS daemons with their own
# DATA_PATH, e.g. of another test, are left be.)
mfs_check_no_system_moosefs() {
  local lock pid cmd
  for lock in /var/lib/mfs/.mfsmaster.lock /var/lib/mfs/.mfschunkserver.lock /var/lib/mfs/.mfsmetalogger.lock; do
    pid=$({ tr -dc '0-9' <"$lock"; } 2>/dev/null || true)
    if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then continue; fi
    cmd=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null || true)
    fail "the system's MooseFS runs (pid $pid: $cmd; lock file $lock); stop it first: 'systemctl stop moosefs-master moosefs-chunkserver moosefs-metalogger' (and 'systemctl disable' them), or '/usr/sbin/mfsmaster stop', '/usr/sbin/mfschunkserver stop'"
  done
}

mfs_netns_up() {
  if ip netns list | grep -qw "$MFS_NS"; then
    local pids
    pids=$(ip netns pids "$MFS_NS" 2>/dev/null | tr '\n' ' ')
    [[ -z "$pids" ]] || fail "network namespace $MFS_NS exists with processes in it ($pids): another benchmark, or one killed with SIGKILL; stop those and 'ip netns del $MFS_NS'"
    log "removing the network namespace $MFS_NS left by an earlier run"
    ip netns del "$MFS_NS"
  fi
  ip link show "$MFS_HOST_IF" >/dev/null 2>&1 && ip link del "$MFS_HOST_IF"
  ip netns add "$MFS_NS"
  MFS_NETNS_OURS=1
  ip link add "$MFS_HOST_IF" type veth peer name "$MFS_NS_IF" netns "$MFS_NS"
  ip addr add "$MFS_HOST_IP/24" dev "$MFS_HOST_IF"
  ip link set "$MFS_HOST_IF" up
  ip -n "$MFS_NS" link set lo up
  ip -n "$MFS_NS" addr add "$MFS_IP/24" dev "$MFS_NS_IF"
  ip -n "$MFS_NS" link set "$MFS_NS_IF" up
}

mfs_netns_down() {
  ((MFS_NETNS_OURS)) || return 0
  ip link del "$MFS_HOST_IF" 2>/dev/null || true  # takes its peer in the namespace along
  ip netns del "$MFS_NS" 2>/dev/null || true
  MFS_NETNS_OURS=0
}

mfs_write_configs() {
  local i d
  mkdir -p "$MFS_DIR/master/data" "$MFS_MNT"
  cp /var/lib/mfs/metadata.mfs.empty "$MFS_DIR/master/data/metadata.mfs"
  echo "*  /  rw,alldirs,admin,maproot=0:0" >"$MFS_DIR/master/mfsexports.cfg"
  : >"$MFS_DIR/master/mfstopology.cfg"
  cat >"$MFS_DIR/master/mfsmaster.cfg" <<EOF
# MooseFS master of bench/run
WORKING_USER = root
NICE_LEVEL = $MFS_NICE
DATA_PATH = $MFS_DIR/master/data
EXPORTS_FILENAME = $MFS_DIR/master/mfsexports.cfg
TOPOLOGY_FILENAME = $MFS_DIR/master/mfstopology.cfg
MATOML_LISTEN_HOST = $MFS_IP
MATOCS_LISTEN_HOST = $MFS_IP
MATOCL_LISTEN_HOST = $MFS_IP
EOF
  for i in 1 2 3; do
    d=$MFS_DIR/cs$i
    mkdir -p "$d/data" "$d/disk"
    echo "$d/disk" >"$d/mfshdd.cfg"
    cat >"$d/mfschunkserver.cfg" <<EOF
# MooseFS chunkserver $i of bench/run
WORKING_USER = root
NICE_LEVEL = $MFS_NICE
DATA_PATH = $d/data
HDD_CONF_FILENAME = $d/mfshdd.cfg
BIND_HOST = $MFS_IP
MASTER_HOST = $MFS_IP
MASTER_PORT = 9420
CSSERV_LISTEN_HOST = $MFS_IP
CSSERV_LISTEN_PORT = ${MFS_CS_PORTS[i - 1]}
EOF
  done
}

# mfs_listening PORT: something in the namespace listens on $MFS_IP:PORT.
mfs_listening() { [[ -n "$(ip netns exec "$MFS_NS" ss -Hltn "( sport = :$1 )" 2>/dev/null)" ]]; }

mfs_alive() {
  daemon_alive "$1" && return 0
  fail "MooseFS $1 exited: $(grep -v '^===' "$T/log/$2.log" | tail -n 2 | tr '\n' ' ')"
}

mfs_wait() {  # mfs_wait ROLE LOG SECONDS CONDITION...
  local role=$1 logname=$2 secs=$3 i
  shift 3
  for ((i = 0; i < secs * 5; i++)); do
    mfs_alive "$role" "$logname"
    "$@" && return 0
    sleep 0.2
  done
  fail "MooseFS $role: timed out after ${secs}s waiting for: $*"
}

mfs_mounted() { is_mounted "$MFS_MNT" && mount_answers "$MFS_MNT"; }

mfs_cs_connected() {
  local n
  n=$(ip netns exec "$MFS_NS" ss -Htn state established "( dport = :9420 )" 2>/dev/null | wc -l)
  ((n >= 3))
}

# mfs_tool NAME ARGS...: a MooseFS tool; it talks to the master at the
# address the mount uses, from the mount's network namespace.
mfs_tool() { nsenter --net="/run/netns/$MFS_NS" "/usr/bin/$1" "${@:2}"; }

# mfs_probe: a 1 MiB write with fsync reads back right and has 2 copies.
mfs_probe() {
  local i copies=0
  head -c 1048576 /dev/urandom >"$MFS_DIR/probe.src"
  for ((i = 0; i < 60; i++)); do
    if timeout 30 dd if="$MFS_DIR/probe.src" of="$MFS_MNT/.probe" bs=1M conv=fsync status=none 2>/dev/null &&
      cmp -s "$MFS_DIR/probe.src" "$MFS_MNT/.probe"; then
      copies=$(mfs_tool mfsfileinfo "$MFS_MNT/.probe" 2>/dev/null | grep -c 'copy [0-9]*:' || true)
      if ((copies >= 2)); then
        rm -f "$MFS_MNT/.probe"
        return 0
      fi
    fi
    sleep 1
  done
  fail "MooseFS probe write: not readable with 2 copies after 60 tries (last: $copies copies)"
}

# mfs_start: sets MOOSEFS_MNT.
mfs_start() {
  mfs_need_packages
  mfs_check_no_system_moosefs
  mfs_netns_up
  mfs_write_configs
  start_daemon mfs-master mfs-master ip netns exec "$MFS_NS" \
    /usr/sbin/mfsmaster -c "$MFS_DIR/master/mfsmaster.cfg" -f start
  mfs_wait mfs-master mfs-master 60 mfs_listening 9421
  mfs_wait mfs-master mfs-master 60 mfs_listening 9420
  log "MooseFS master pid ${PIDS[mfs-master]} on $MFS_IP:9419-9421 (namespace $MFS_NS)"
  local i
  for i in 1 2 3; do
    start_daemon "mfs-cs$i" "mfs-cs$i" ip netns exec "$MFS_NS" \
      /usr/sbin/mfschunkserver -c "$MFS_DIR/cs$i/mfschunkserver.cfg" -f start
    mfs_wait "mfs-cs$i" "mfs-cs$i" 60 mfs_listening "${MFS_CS_PORTS[i - 1]}"
    log "MooseFS chunkserver $i pid ${PIDS[mfs-cs$i]} on $MFS_IP:${MFS_CS_PORTS[i - 1]}"
  done
  mfs_wait mfs-master mfs-master 60 mfs_cs_connected
  start_daemon "mount:$MFS_MNT" mfs-mount nsenter --net="/run/netns/$MFS_NS" \
    /usr/bin/mfsmount "$MFS_MNT" -f -H "$MFS_IP" -P 9421 -o "mfsnice=$MFS_NICE"
  MOUNTS+=("$MFS_MNT")
  mfs_wait "mount:$MFS_MNT" mfs-mount 60 mfs_mounted
  log "MooseFS mounted on $MFS_MNT (mfsmount pid ${PIDS[mount:$MFS_MNT]})"
  mfs_tool mfssetgoal -r 2 "$MFS_MNT" >"$MFS_DIR/setgoal.out" 2>&1 ||
    fail "mfssetgoal -r 2 $MFS_MNT failed: $(tail -n 1 "$MFS_DIR/setgoal.out")"
  mfs_probe
  log "MooseFS ready: 3 chunkservers, goal $(mfs_tool mfsgetgoal "$MFS_MNT" | awk '{print $NF}')"
  MOOSEFS_MNT=$MFS_MNT
}

# mfs_stop: idempotent; also what the EXIT trap calls.
mfs_stop() {
  local role
  if is_mounted "$MFS_MNT"; then
    timeout 60 umount "$MFS_MNT" 2>/dev/null || umount -l "$MFS_MNT" 2>/dev/null || true
  fi
  local -a keep=()
  for role in "${MOUNTS[@]+"${MOUNTS[@]}"}"; do [[ $role == "$MFS_MNT" ]] || keep+=("$role"); done
  MOUNTS=("${keep[@]+"${keep[@]}"}")
  if [[ -n "${PIDS[mount:$MFS_MNT]:-}" ]]; then
    stop_pids 30 "${PIDS[mount:$MFS_MNT]}"
    forget_pid "mount:$MFS_MNT"
  fi
  for role in mfs-cs1 mfs-cs2 mfs-cs3 mfs-master; do
    [[ -n "${PIDS[$role]:-}" ]] || continue
    stop_pids 120 "${PIDS[$role]}"
    forget_pid "$role"
  done
  mfs_netns_down
  return 0
}

mfs_version() { { /usr/sbin/mfsmaster -v 2>&1 || true; } | head -n 1 | sed 's/^version: /MooseFS /'; }
