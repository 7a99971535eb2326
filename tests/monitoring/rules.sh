#!/usr/bin/env bash
# The alert rules: `promtool check rules` (syntax, PromQL) and `promtool test
# rules` (every alert fires on the series that should fire it, with its
# labels and annotations, and stays quiet on a healthy cluster), with
# Debian's Prometheus (tests/common/prometheus.sh); the example
# prometheus.yml passes `promtool check config`. Every runbook link
# points at a section of docs/runbook.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
fail() {
  echo "FAIL: monitoring rules: $*" >&2
  exit 1
}
# shellcheck source=../common/prometheus.sh
. "$ROOT/tests/common/prometheus.sh"
prometheus_tools
cd "$ROOT/monitoring/prometheus"
out=$("$PROMTOOL" check rules antler.rules.yml 2>&1) || fail "promtool check rules: $out"
out=$("$PROMTOOL" check config prometheus.yml 2>&1) || fail "promtool check config prometheus.yml: $out"
out=$("$PROMTOOL" test rules antler.rules.test.yml 2>&1) || fail "promtool test rules: $out"
# every alert is tested firing (an exp_alerts list that is not empty)
for a in $(grep -oP '^\s+- alert: \K\w+' antler.rules.yml); do
  grep -qP "alertname: $a\$" antler.rules.test.yml || fail "alert $a has no test in antler.rules.test.yml"
done
# every runbook link names a heading of docs/runbook.md (its anchor as
# GitHub makes it: lower case, punctuation dropped, spaces to hyphens)
anchors=$(grep -P '^#+ ' "$ROOT/docs/runbook.md" | sed -E 's/^#+ //' | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9 -]//g; s/ /-/g')
for anchor in $(grep -oP 'runbook_url: docs/runbook.md#\K[a-z0-9-]+' antler.rules.yml | sort -u); do
  grep -qx -- "$anchor" <<<"$anchors" || fail "runbook_url #$anchor: no such section in docs/runbook.md"
done
echo "PASS: monitoring rules ($(grep -c '^\s*- alert:' antler.rules.yml) alerts)"
