#!/usr/bin/env python3
"""Assertions over the JSON report of `memsnap-analyze check`.

  analyze_check_expect.py REPORT find TYPE [COND...]
      some unsuppressed finding of TYPE meets every COND:
        key=value   equal (addresses compare as numbers)
        key~text    contains text
        key^text    starts with text
        key$text    ends with text
  analyze_check_expect.py REPORT none TYPE
      no unsuppressed finding of TYPE
  analyze_check_expect.py REPORT max SEVERITY
      no unsuppressed finding above SEVERITY (info, low, medium, high)

Exit 0 when it holds; else 1, after printing the findings.
"""
import json
import sys

SEV = ["info", "low", "medium", "high"]


def as_int(v):
    try:
        return int(v, 0)
    except (TypeError, ValueError):
        return None


def holds(f, cond):
    for op in ("=", "~", "^", "$"):
        if op in cond:
            key, want = cond.split(op, 1)
            break
    else:
        raise SystemExit("bad condition %r" % cond)
    have = f.get(key)
    if have is None:
        return False
    have = str(have) if not isinstance(have, bool) else str(have).lower()
    if op == "=":
        a, b = as_int(have), as_int(want)
        return (a == b) if a is not None and b is not None else have == want
    if op == "~":
        return want in have
    if op == "^":
        return have.startswith(want)
    return have.endswith(want)


def show(doc):
    for f in doc["findings"]:
        sys.stderr.write("  %s %s%s at %s module=%s symbol=%s target=%s: %s\n" % (
            f["severity"], f["type"], " (suppressed)" if f["suppressed"] else "",
            f.get("address") or "-", f.get("module"), f.get("symbol"), f.get("target"),
            f.get("evidence")))


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1]) as fp:
        doc = json.load(fp)
    live = [f for f in doc["findings"] if not f["suppressed"]]
    mode, arg, conds = argv[2], argv[3], argv[4:]
    if mode == "find":
        ok = any(f["type"] == arg and all(holds(f, c) for c in conds)
                 for f in live)
        what = "a %s finding with %s" % (arg, " ".join(conds))
    elif mode == "none":
        ok = not any(f["type"] == arg for f in live)
        what = "no %s finding" % arg
    elif mode == "max":
        ok = all(SEV.index(f["severity"]) <= SEV.index(arg) for f in live)
        what = "no finding above %s" % arg
    else:
        sys.stderr.write(__doc__)
        return 2
    if not ok:
        sys.stderr.write("expected %s; the report has:\n" % what)
        show(doc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
