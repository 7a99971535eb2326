#!/usr/bin/env bash
# Packaging check: `cmake --install` into a staging folder lays out the
# MooseFS file tree that the packages ship (cmake/AntlerInstall.cmake).
# usage: packaging_install.sh BUILD_DIR
set -euo pipefail
build=$1
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
DESTDIR=$stage cmake --install "$build" --prefix /usr >/dev/null
fail=0
need() {
  for f in "$@"; do
    if [[ ! -e "$stage$f" && ! -L "$stage$f" ]]; then
      echo "FAIL: cmake --install did not install $f"
      fail=1
    fi
  done
}
need /usr/sbin/mfsmaster /usr/sbin/mfschunkserver /usr/bin/mfsmount /usr/bin/mfstools
need /usr/bin/mfscli /usr/bin/mfssetgoal /usr/bin/mfsgetgoal /usr/bin/mfsmakesnapshot /usr/bin/mfsfilerepair
need /etc/mfs/mfsmaster.cfg.sample /etc/mfs/mfsexports.cfg.sample /etc/mfs/mfstopology.cfg.sample
need /etc/mfs/mfschunkserver.cfg.sample /etc/mfs/mfshdd.cfg.sample /etc/mfs/mfsmount.cfg.sample
need /usr/share/man/man8/mfsmaster.8 /usr/share/man/man8/mfschunkserver.8 /usr/share/man/man8/mfsmount.8
need /usr/share/man/man5/mfsexports.cfg.5 /usr/share/man/man5/mfstopology.cfg.5
need /usr/share/man/man1/mfstools.1 /usr/share/man/man1/mfscli.1 /usr/share/man/man1/mfssetgoal.1
need /var/lib/mfs
# The mfs* links point at the multicall binary next to them.
if [[ "$(readlink "$stage/usr/bin/mfssetgoal")" != mfstools ]]; then
  echo "FAIL: /usr/bin/mfssetgoal is not a link to mfstools"
  fail=1
fi
# Installed programs answer --help.
for p in /usr/sbin/mfsmaster /usr/sbin/mfschunkserver /usr/bin/mfsmount; do
  if ! "$stage$p" --help >/dev/null 2>&1; then
    echo "FAIL: $p --help failed"
    fail=1
  fi
done
# Nothing lands outside the MooseFS tree (no /usr/local, no stray top level).
stray=$(cd "$stage" && find . -mindepth 1 -maxdepth 1 ! -name usr ! -name etc ! -name var)
if [[ -n "$stray" ]]; then
  echo "FAIL: installed outside /usr, /etc and /var: $stray"
  fail=1
fi
exit $fail
