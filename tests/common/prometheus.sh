# shellcheck shell=bash
# prometheus_tools: sets PROMETHEUS and PROMTOOL to the binaries of Debian's
# prometheus package, unpacked once into $ANTLER_PROMETHEUS_CACHE (default
# /var/cache/antler/prometheus) rather than installed: installing it would
# start a Prometheus of the system. Needs fail() (lib.sh).
prometheus_tools() {
  local cache=${ANTLER_PROMETHEUS_CACHE:-/var/cache/antler/prometheus} tmp deb
  if [[ ! -x "$cache/root/usr/bin/prometheus" || ! -x "$cache/root/usr/bin/promtool" ]]; then
    tmp=$(mktemp -d)
    chmod 755 "$tmp"  # apt-get download writes as _apt where it can
    (cd "$tmp" && apt-get download -q prometheus >"$tmp/download.log" 2>&1) ||
      fail "apt-get download prometheus failed: $(tail -n 2 "$tmp/download.log")"
    deb=$(ls "$tmp"/prometheus_*.deb)
    mkdir -p "$cache/root.new"
    dpkg-deb -x "$deb" "$cache/root.new" || fail "dpkg-deb -x $deb failed"
    rm -rf "$cache/root" && mv "$cache/root.new" "$cache/root"
    rm -rf "$tmp"
  fi
  PROMETHEUS=$cache/root/usr/bin/prometheus
  PROMTOOL=$cache/root/usr/bin/promtool
}

# http_get URL [TIMEOUT]: HTTP_STATUS (000 when there was no answer) and
# HTTP_BODY of a GET.
http_get() {
  local out
  out=$("$PYTHON" - "$1" "${2:-5}" <<'PY'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2]))
    code, body = r.status, r.read()
except urllib.error.HTTPError as e:
    code, body = e.code, e.read()
except Exception as e:
    code, body = 0, str(e).encode()
sys.stdout.write("%03d\n" % code)
sys.stdout.write(body.decode("utf-8", "replace"))
PY
  )
  HTTP_STATUS=${out%%$'\n'*}
  HTTP_BODY=${out#*$'\n'}
}
