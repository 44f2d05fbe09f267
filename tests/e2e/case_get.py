#!/usr/bin/env python3
"""Query a case directory's case.yaml from a shell test.

  case_get.py CASEDIR EXPR

EXPR is a Python expression over `case`, the parsed case.yaml, and `dir`,
the directory.  Strings print as they are, lists one item per line,
anything else as repr.  A missing key is an error (exit 1, naming it).
"""
import os
import sys

import yaml


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(os.path.join(argv[1], "case.yaml")) as f:
        case = yaml.safe_load(f)
    try:
        v = eval(argv[2], {"case": case, "dir": argv[1], "os": os})
    except (KeyError, IndexError, TypeError) as e:
        sys.stderr.write("case_get: %s: %r\n" % (argv[2], e))
        return 1
    if isinstance(v, list):
        for x in v:
            print(x)
    else:
        print(v)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
