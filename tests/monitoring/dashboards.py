#!/usr/bin/env python3
"""The Grafana dashboards of monitoring/grafana/dashboards.

  dashboards.py check            the structure Grafana needs and our
                                 conventions: a unique uid and title, the
                                 ${datasource} variable on every panel and
                                 target, panels on the 24-column grid without
                                 overlap, an expression and a description
                                 everywhere, template variables that query
                                 through ${datasource}
  dashboards.py query URL        every panel expression, with $__rate_interval
                                 and the template variables filled in, asked
                                 of the Prometheus at URL: it must parse and
                                 return at least one series (run by
                                 tests/system/metrics.sh on a live cluster)
"""
import glob
import json
import os
import sys
import urllib.parse
import urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FILES = sorted(glob.glob(os.path.join(ROOT, "monitoring", "grafana", "dashboards", "*.json")))
DS = "${datasource}"


def fail(msg):
    print("FAIL: dashboards: " + msg, file=sys.stderr)
    sys.exit(1)


def boards():
    if not FILES:
        fail("no dashboards in monitoring/grafana/dashboards")
    for f in FILES:
        try:
            yield os.path.basename(f), json.load(open(f))
        except ValueError as e:
            fail("%s: not JSON: %s" % (f, e))


def targets(board):
    for p in board["panels"]:
        for t in p.get("targets", []):
            yield p, t


def check():
    uids, titles = set(), set()
    n = 0
    for name, b in boards():
        for key in ("uid", "title", "panels", "templating", "schemaVersion"):
            if key not in b:
                fail("%s: no %s" % (name, key))
        if b["uid"] in uids or b["title"] in titles:
            fail("%s: uid or title used twice" % name)
        uids.add(b["uid"])
        titles.add(b["title"])
        variables = {v["name"]: v for v in b["templating"]["list"]}
        if variables.get("datasource", {}).get("type") != "datasource":
            fail("%s: no datasource variable" % name)
        for v in variables.values():
            if v["type"] == "query" and v.get("datasource", {}).get("uid") != DS:
                fail("%s: variable %s does not query through %s" % (name, v["name"], DS))
        cells = set()
        for p in b["panels"]:
            g = p.get("gridPos")
            if not g or g["x"] < 0 or g["x"] + g["w"] > 24:
                fail("%s: panel %r is off the 24-column grid" % (name, p.get("title")))
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    if (x, y) in cells:
                        fail("%s: panel %r overlaps another" % (name, p.get("title")))
                    cells.add((x, y))
            if p["type"] == "row":
                continue
            if not p.get("description"):
                fail("%s: panel %r has no description" % (name, p.get("title")))
            if p.get("datasource", {}).get("uid") != DS or not p.get("targets"):
                fail("%s: panel %r: no targets, or not through %s" % (name, p.get("title"), DS))
        for p, t in targets(b):
            if not t.get("expr") or t.get("datasource", {}).get("uid") != DS:
                fail("%s: panel %r: a target without expression or %s" % (name, p["title"], DS))
            for var in ("$instance",):
                if var in t["expr"] and var[1:] not in variables:
                    fail("%s: panel %r uses %s, which the dashboard does not define" % (name, p["title"], var))
            n += 1
    print("PASS: dashboards: %d dashboards, %d expressions" % (len(uids), n))


def query(url):
    bad = []
    n = 0
    for name, b in boards():
        for p, t in targets(b):
            expr = t["expr"].replace("$__rate_interval", "30s").replace("$instance", ".*")
            q = url.rstrip("/") + "/api/v1/query?query=" + urllib.parse.quote(expr)
            try:
                r = json.load(urllib.request.urlopen(q, timeout=10))
            except urllib.error.HTTPError as e:
                bad.append("%s / %s: %s: %s" % (name, p["title"], expr, e.read().decode()[:200]))
                continue
            n += 1
            if r.get("status") != "success":
                bad.append("%s / %s: %s: %s" % (name, p["title"], expr, r))
            elif not r["data"]["result"]:
                bad.append("%s / %s: no series for %s" % (name, p["title"], expr))
    if bad:
        fail("%d of the panel expressions failed:\n  " % len(bad) + "\n  ".join(bad))
    print("PASS: dashboards: all %d panel expressions return series" % n)


if __name__ == "__main__":
    if sys.argv[1:] == ["check"]:
        check()
    elif len(sys.argv) == 3 and sys.argv[1] == "query":
        query(sys.argv[2])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
