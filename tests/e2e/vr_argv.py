#!/usr/bin/env python3
"""Print the memsnap command lines a Velociraptor artifact can run.

  vr_argv.py ARTIFACT MEMSNAP PID CGROUP OUTDIR

Checks the artifact's shape (name, CLIENT type, parameters with the
choices the query uses, one source with a query), then reads the query's
Selector table (`Target`=[...]) and the fixed options, and prints one
command line per Target and Scope, tab-separated, with the parameters
replaced by PID, CGROUP and OUTDIR/TARGET-SCOPE.  Exit 1 naming what is
wrong.
"""
import re
import sys

import yaml


def fail(msg):
    sys.stderr.write("vr_argv: %s\n" % msg)
    sys.exit(1)


def literal_list(text, subst):
    """["--tree", str(str=Pid)] as a list of strings."""
    out = []
    for item in re.findall(r'"[^"]*"|[A-Za-z_][A-Za-z_()=]*', text):
        if item.startswith('"'):
            out.append(item[1:-1])
        elif item in subst:
            out.append(subst[item])
        else:
            fail("unknown term %r in %r" % (item, text))
    return out


def main(argv):
    if len(argv) != 6:
        sys.stderr.write(__doc__)
        return 2
    art = yaml.safe_load(open(argv[1]))
    memsnap, pid, cgroup, outdir = argv[2:]
    for key in ("name", "description", "type", "parameters", "sources"):
        if key not in art:
            fail("no %s" % key)
    if art["type"] != "CLIENT" or len(art["sources"]) != 1:
        fail("not one CLIENT source")
    params = {p["name"]: p for p in art["parameters"]}
    query = art["sources"][0]["query"]
    for name in re.findall(r"\b([A-Z][A-Za-z]+)\b", query):
        if name in ("SELECT", "FROM", "WHERE", "LET", "AS", "NOT", "IN",
                    "IsDir", "OSPath", "Basename", "Size", "SHA256",
                    "ReturnCode", "Stdout", "Stderr", "Step", "File",
                    "Upload", "Selector", "FilesFlag", "CaseDir", "Argv",
                    "Capture", "Uploads", "Cleanup"):
            continue
        if name not in params:
            fail("the query uses %s, which is no parameter" % name)
    table = dict(re.findall(r"`([a-z-]+)`=(\[[^\]]*\])", query))
    targets = params["Target"]["choices"]
    if sorted(table) != sorted(targets):
        fail("Target choices %s but the table has %s" % (targets, sorted(table)))
    m = re.search(r'Argv <= \[MemsnapPath\] \+ Selector \+ (\[[^\]]*\]) \+ '
                  r'FilesFlag \+\s*(\[[^\]]*\])', query)
    if not m:
        fail("no Argv line of the expected form")
    files_flag = re.search(r'then=(\[[^\]]*\])', query.split("FilesFlag <=")[1])
    for target in targets:
        for scope in params["Scope"]["choices"]:
            case = "%s/%s-%s" % (outdir, target, scope)
            subst = {"str(str=Pid)": pid, "CgroupPath": cgroup,
                     "Scope": scope, "CaseDir": case}
            line = ([memsnap] + literal_list(table[target], subst) +
                    literal_list(m.group(1), subst) +
                    literal_list(files_flag.group(1), subst) +
                    literal_list(m.group(2), subst))
            print("\t".join([target, scope, case] + line))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
