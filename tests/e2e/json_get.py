#!/usr/bin/env python3
"""Query the analyzer's JSON output from a shell test.

  json_get.py FILE EXPR

EXPR is a Python expression over `doc`, the parsed document.  A missing key
is an error (exit 1, naming it).  Strings print as they are, lists one item
per line, anything else as JSON.
"""
import json
import sys


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1]) as f:
        doc = json.load(f)
    try:
        val = eval(argv[2], {"doc": doc})
    except (KeyError, IndexError, TypeError) as e:
        sys.stderr.write("json_get: %s: %r\n" % (argv[2], e))
        return 1
    if isinstance(val, str):
        print(val)
    elif isinstance(val, (list, tuple)):
        for v in val:
            print(v if isinstance(v, str) else json.dumps(v))
    else:
        print(json.dumps(val))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
