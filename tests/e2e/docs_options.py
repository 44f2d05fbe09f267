#!/usr/bin/env python3
"""docs_options.py ROOT ANALYZE MEMSNAP: the options of every command agree
between the option tables (analyze/options.def, memsnap's long_options), the
--help texts, the man pages and README.md.  Prints each disagreement; exit 1
if there is any.  Options are compared as (short letter or None, long name);
--help and -h are left out (every command has them)."""
import re
import subprocess
import sys

root, analyze, memsnap = sys.argv[1:4]
problems = []
SKIP = {"help"}


def say(msg):
    problems.append(msg)


def spec_pairs(text):
    """(short, long) pairs of an option line: a short goes with the long
    that follows it on the same line."""
    pairs, short = [], None
    for m in re.finditer(r"(?<![\w-])(--?)([A-Za-z0-9][A-Za-z0-9-]*)", text):
        dash, name = m.groups()
        if dash == "-" and len(name) == 1:
            if short:
                pairs.append((short, None))
            short = name
        elif dash == "--":
            pairs.append((short, name))
            short = None
    if short:
        pairs.append((short, None))
    return pairs


def help_options(argv):
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    opts = set()
    for line in out.splitlines():
        if not re.match(r"^ {1,8}-", line):
            continue
        spec = re.split(r" {2,}", line.strip(), maxsplit=1)[0]
        opts.update(p for p in spec_pairs(spec) if p[1] not in SKIP)
    return opts


def man_tp_options(lines):
    opts = set()
    for i, line in enumerate(lines[:-1]):
        if line.strip() == ".TP":
            text = lines[i + 1].replace("\\-", "-")
            text = re.sub(r"\\f[BIRP]", "", text)
            if text.startswith("."):
                opts.update(p for p in spec_pairs(text) if p[1] not in SKIP)
    return opts


def man_sections(path, level, names):
    """{name: [lines]} of the sections ".SS name..." (or ".SH NAME")."""
    secs, cur = {}, None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith(".SH") or line.startswith(".SS"):
            cur = None
            words = line.split()
            if line.startswith(level) and len(words) > 1 and words[1] in names:
                cur = words[1]
                secs[cur] = []
            continue
        if cur:
            secs[cur].append(line)
    return secs


def compare(what, table, helps, man):
    for name, got in (("--help", helps), ("man page", man)):
        for s, l in sorted(table - got, key=str):
            say(f"{what}: {fmt(s, l)} is in the option table but not in the {name}")
        for s, l in sorted(got - table, key=str):
            say(f"{what}: {fmt(s, l)} is in the {name} but not in the option table")


def fmt(s, l):
    return ", ".join(x for x in ((f"-{s}" if s else None), (f"--{l}" if l else None)) if x)


# ---- memsnap-analyze ----------------------------------------------------
rows = []
for line in open(f"{root}/analyze/options.def", encoding="utf-8"):
    m = re.match(r'ANA_OPT\((\w+),\s*(NULL|"[^"]*"),\s*(0|\'.\'),\s*(NULL|"[^"]*"),\s*"([^"]*)"\)', line)
    if m:
        lng = None if m[2] == "NULL" else m[2].strip('"')
        short = None if m[3] == "0" else m[3][1]
        rows.append((lng, short, m[5].split()))
letters = {}
for lng, short, _ in rows:
    if short and short in letters:
        say(f"options.def: -{short} is both --{letters[short]} and --{lng}")
    if short:
        letters[short] = lng
longs = [r[0] for r in rows if r[0]]
for l in set(longs):
    if longs.count(l) > 1:
        say(f"options.def: --{l} has more than one row")

usage = subprocess.run([analyze, "--help"], capture_output=True, text=True).stdout
commands = re.findall(r"^  ([a-z][a-z-]+) ", usage.split("commands:", 1)[1], re.M)
if len(commands) < 5:
    say(f"memsnap-analyze --help lists {len(commands)} commands")
man_path = f"{root}/analyze/memsnap-analyze.1"
secs = man_sections(man_path, ".SS", set(commands))
readme = open(f"{root}/README.md", encoding="utf-8").read()
ana_table = {}
for cmd in commands:
    table = {(s, l) for l, s, cmds in rows
             if l and l not in SKIP and ("*" in cmds or cmd in cmds)}
    ana_table.update({l: s for s, l in table})
    if cmd not in secs:
        say(f"{man_path}: no section .SS {cmd}")
        continue
    compare(f"memsnap-analyze {cmd}", table,
            help_options([analyze, cmd, "--help"]), man_tp_options(secs[cmd]))
    for s, l in table:
        if f"--{l}" not in readme:
            say(f"README.md: memsnap-analyze {cmd} --{l} is not mentioned")

# ---- memsnap ------------------------------------------------------------
src = open(f"{root}/capture/main.c", encoding="utf-8").read()
block = src.split("long_options[] = {", 1)[1].split("};", 1)[0]
cap = {(m[2] if m[2] else None, m[1])
       for m in re.finditer(r'\{ "([a-z0-9-]+)", \w+, NULL, (?:\'(.)\'|\w+) \}', block)}
cap = {(s, l) for s, l in cap if l not in SKIP}
if len(cap) < 5:
    say(f"capture/main.c: only {len(cap)} options found in long_options")
# options of a mode are listed in that mode's section (SERIES, GROUP CAPTURE)
msecs = man_sections(f"{root}/capture/memsnap.1", ".SH", {"OPTIONS", "SERIES", "GROUP"})
compare("memsnap", cap, help_options([memsnap, "--help"]),
        man_tp_options([l for sec in msecs.values() for l in sec]))
for s, l in cap:
    if f"--{l}" not in readme:
        say(f"README.md: memsnap --{l} is not mentioned")

# ---- one grammar for the suite -------------------------------------------
cap_short = {l: s for s, l in cap}
# a long name with no letter in one program does not clash with its letter
# in the other; two different letters do
for l in set(cap_short) & set(ana_table):
    if cap_short[l] and ana_table[l] and cap_short[l] != ana_table[l]:
        say(f"--{l} is -{cap_short[l]} in memsnap but -{ana_table[l]} in memsnap-analyze")
for l, s in cap_short.items():
    if s and s in letters and letters[s] != l:
        say(f"-{s} is --{l} in memsnap but --{letters[s]} in memsnap-analyze")

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
