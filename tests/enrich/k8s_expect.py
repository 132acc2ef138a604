#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""k8s_expect.py EXPECTED_DIR LOG_DIR - compare logs with expected-LOG.tsv files.

Each EXPECTED_DIR/expected-LOG.tsv names, on its #fields line, the columns to
compare; LOG_DIR/LOG.log's rows, cut to those columns by name (as zeek-cut
does) and sorted by id.orig_p, must be the expected rows ('#' lines are
comments). A log is TSV, whose #fields, #types and rows must agree in length,
or JSON lines, read so that both formats meet one expected file: unset keys
are "-", arrays joined with "," ("(empty)" when empty), booleans T/F. Every
other TSV log in LOG_DIR is checked for #fields, #types and row lengths too.
Prints what differs; exits 1 if anything does.
"""
import glob
import json
import os
import sys

bad = []


def rows_tsv(path):
    fields = None
    out = []
    for no, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if line.startswith("#fields\t"):
            fields = line.split("\t")[1:]
        elif line.startswith("#types\t"):
            if fields is None or len(line.split("\t")) - 1 != len(fields):
                bad.append("%s:%d: #types and #fields differ in length" % (path, no))
        elif not line.startswith("#"):
            v = line.split("\t")
            if fields is None or len(v) != len(fields):
                bad.append("%s:%d: %d values for %d #fields" % (path, no, len(v), len(fields or [])))
                continue
            out.append(dict(zip(fields, v)))
    return out


def value(v):
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "T" if v else "F"
    if isinstance(v, list):
        return ",".join(value(x) for x in v) if v else "(empty)"
    return str(v)


def rows_json(path):
    return [{k: value(v) for k, v in json.loads(line).items()} for line in open(path, encoding="utf-8")]


def rows(path):
    with open(path, encoding="utf-8") as f:
        first = f.read(1)
    return rows_json(path) if first == "{" else rows_tsv(path)


def compare(expected, log):
    cols, want = None, []
    for line in open(expected, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("#fields\t"):
            cols = line.split("\t")[1:]
        elif line and not line.startswith("#"):
            want.append(line)
    got = []
    for r in rows(log):
        got.append("\t".join(r.get(c, "-") for c in cols))
    got.sort(key=lambda s: int(s.split("\t")[cols.index("id.orig_p")]))
    if got != want:
        bad.append("%s differs from %s:" % (log, os.path.basename(expected)))
        for w in want:
            if w not in got:
                bad.append("  want " + w)
        for g in got:
            if g not in want:
                bad.append("  got  " + g)


def main():
    exp_dir, log_dir = sys.argv[1], sys.argv[2]
    done = set()
    for e in sorted(glob.glob(os.path.join(exp_dir, "expected-*.tsv"))):
        name = os.path.basename(e)[len("expected-"):-len(".tsv")]
        compare(e, os.path.join(log_dir, name + ".log"))
        done.add(name + ".log")
    for log in sorted(glob.glob(os.path.join(log_dir, "*.log"))):
        if os.path.basename(log) not in done:
            rows(log)
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


main()
