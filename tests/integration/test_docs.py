#!/usr/bin/env python3
"""The reference docs cannot fall behind the program.

1. Every key the scenario loader accepts (the key lists it passes to its field
   checks, in every source file under sim/scenario/), every value it accepts
   from a fixed list, and every profile parameter `overrides:` takes (as the
   program itself lists them) appears in docs/scenario-format.md; every key as
   a row of a reference table.
2. Every field mxsim writes appears in docs/outputs.md, in the section of its
   file: read from real outputs (JSON keys at every depth, CSV headers) of
   `mxsim run --out --trace`, `validate --format json`, `policies --format
   json`, `compare` and `sweep`.

    test_docs.py --mxsim build/release/sim/mxsim --repo .
"""
import argparse
import csv
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


# --- 1. the scenario format --------------------------------------------------

BRACE_LIST = re.compile(r'\{\s*((?:"[^"\\\n]*"\s*,\s*)*"[^"\\\n]*")\s*,?\s*\}')
WORD = re.compile(r"[a-z][a-z0-9_.-]*")


def loader_words(repo):
    """(keys, values) the loader's sources under sim/scenario/ list.

    A brace list of bare words inside a `fields(` call is a list of keys; any
    other brace list of bare words is a list of values a key may take (the
    choices of profile, dist, overflow, fault...). `x.key == "word"` is a key
    too (the `default` entry of an rtt map)."""
    keys, values = set(), set()
    sources = sorted(glob.glob(os.path.join(repo, "sim", "scenario", "*.cpp")) +
                     glob.glob(os.path.join(repo, "sim", "scenario", "*.hpp")))
    for path in sources:
        text = re.sub(r"//[^\n]*", "", open(path, encoding="utf-8").read())
        for m in BRACE_LIST.finditer(text):
            words = re.findall(r'"([^"]*)"', m.group(1))
            if not all(WORD.fullmatch(w) for w in words):
                continue
            statement = text[max(text.rfind(";", 0, m.start()), 0):m.start()]
            (keys if "fields(" in statement else values).update(words)
        keys.update(re.findall(r'\.key\s*==\s*"([a-z_]+)"', text))
    if not keys:
        sys.exit("test_docs: found no key lists under sim/scenario/ (has the loader changed how it checks keys?)")
    return keys, values


def override_names(mxsim, tmp):
    """The profile parameters `overrides:` accepts, as mxsim lists them for an unknown one."""
    path = os.path.join(tmp, "override.yaml")
    with open(path, "w") as f:
        f.write("duration: 1m\nzone: |\n  $ORIGIN example.com.\n  @ 3600 IN MX 10 mx\n  mx 3600 IN A 192.0.2.1\n"
                "senders:\n  - {name: s, rate: 1/s, to: example.com, overrides: {no_such_parameter: 1}}\n")
    done = subprocess.run([mxsim, "run", path, "--quiet"], capture_output=True, text=True)
    m = re.search(r"known: (.*)", done.stderr)
    if done.returncode != 2 or not m:
        sys.exit(f"test_docs: expected mxsim to list the known overrides, got: {done.stderr}")
    return [n.strip() for n in m.group(1).split(",")]


def check_scenario_format(repo, mxsim, tmp):
    doc = open(os.path.join(repo, "docs", "scenario-format.md"), encoding="utf-8").read()
    quoted = set(re.findall(r"`([^`\n]+)`", doc))
    quoted_words = set()
    for q in quoted:
        quoted_words.update(re.findall(r"[A-Za-z0-9_.-]+", q))
    # The words of the first cells of table rows: `servers.H.greylist.delay`
    # documents servers, greylist and delay (several paths may share a cell).
    row_keys = set()
    for line in doc.splitlines():
        if line.startswith("|"):
            for q in re.findall(r"`([^`]+)`", line.split("|")[1]):
                row_keys.update(re.findall(r"[A-Za-z0-9_-]+", q))
    keys, values = loader_words(repo)
    for key in sorted(keys):
        check(key in row_keys, f"docs/scenario-format.md: key `{key}` (accepted by the loader) has no row in a key table")
    for value in sorted(values):
        check(value in quoted_words, f"docs/scenario-format.md: value `{value}` (accepted by the loader) is not documented")
    for name in override_names(mxsim, tmp):
        check(name in row_keys, f"docs/scenario-format.md: override `{name}` (accepted by mxsim) has no row")
    check(len(re.findall(r"\bversion\s+\d+\b", doc, re.IGNORECASE)) >= 1,
          "docs/scenario-format.md names no format version")
    print(f"scenario-format: {len(keys)} keys, {len(values)} values, overrides checked")


# --- 2. the outputs -------------------------------------------------------------

def json_keys(value, out, under=""):
    """Every object key at any depth; the keys of a `percentiles` map (the percentiles themselves) are skipped."""
    if isinstance(value, dict):
        for k, v in value.items():
            if under != "percentiles":
                out.add(k)
            json_keys(v, out, k)
    elif isinstance(value, list):
        for v in value:
            json_keys(v, out, under)
    return out


def csv_header(path):
    with open(path, newline="") as f:
        return next(csv.reader(line for line in f if not line.startswith("#")))


def sections(doc):
    """{heading: text} for every `##` heading of docs/outputs.md (deeper headings stay in their section)."""
    out, current = {}, None
    for line in doc.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            out[current] = ""
        elif current is not None:
            out[current] += line + "\n"
    return out


def check_fields(doc_sections, file_name, fields):
    matching = [text for heading, text in doc_sections.items() if file_name in heading]
    check(matching, f"docs/outputs.md: no section heading names {file_name}")
    if not matching:
        return
    text = "\n".join(matching)
    documented = set(re.findall(r"`([^`\n]+)`", text))
    words = set()
    for d in documented:
        words.update(re.findall(r"[A-Za-z0-9_]+", d))
    for field in sorted(fields):
        check(field in documented or field in words,
              f"docs/outputs.md: `{field}` of {file_name} (written by mxsim) is not documented in its section")


def run(cmd):
    """Runs mxsim; 1 is fine (validate's findings), anything else stops the test."""
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        sys.exit(f"test_docs: {' '.join(cmd)} exited {done.returncode}: {done.stderr}")
    return done


def check_outputs(repo, mxsim, tmp):
    doc_sections = sections(open(os.path.join(repo, "docs", "outputs.md"), encoding="utf-8").read())
    out = os.path.join(tmp, "run")
    trace = os.path.join(tmp, "trace.csv")
    run([mxsim, "run", os.path.join(repo, "scenarios", "seed-failover.yaml"), "--out", out, "--trace", trace, "--quiet"])
    check_fields(doc_sections, "summary.json", json_keys(json.load(open(os.path.join(out, "summary.json"))), set()))
    for name in ("servers.csv", "timeseries.csv", "queue.csv"):
        check_fields(doc_sections, name, csv_header(os.path.join(out, name)))
    check_fields(doc_sections, "--trace", csv_header(trace))

    lint_files = sorted(glob.glob(os.path.join(repo, "tests", "data", "lint", "*.yaml")))
    findings = json.loads(run([mxsim, "validate", "--format", "json", *lint_files]).stdout)
    check(findings, "mxsim validate found nothing in tests/data/lint/")
    check_fields(doc_sections, "validate", json_keys(findings, set()))

    policies = json.loads(run([mxsim, "policies", "--format", "json"]).stdout)
    check_fields(doc_sections, "policies", json_keys(policies, set()))

    mini = os.path.join(repo, "tests", "data", "sweep", "mini.yaml")
    run([mxsim, "compare", mini, "--selection", "rfc5321-shuffle,ordered", "-n", "2", "--jobs", "2",
         "--out", os.path.join(tmp, "compare"), "--quiet"])
    check_fields(doc_sections, "compare", csv_header(os.path.join(tmp, "compare", "mini.csv")))

    sweep_csv = os.path.join(tmp, "sweep.csv")
    run([mxsim, "sweep", os.path.join(repo, "tests", "data", "sweep", "grid.yaml"), "--jobs", "2", "--out", sweep_csv])
    header = csv_header(sweep_csv)
    # The columns between `points` and `seed` are the grid's own key paths.
    fixed = header[:header.index("points") + 1] + header[header.index("seed"):]
    check_fields(doc_sections, "sweep", fixed)
    print(f"outputs: {len(doc_sections)} sections checked against real outputs")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mxsim", required=True)
    parser.add_argument("--repo", required=True)
    args = parser.parse_args()
    mxsim = os.path.abspath(args.mxsim)
    with tempfile.TemporaryDirectory() as tmp:
        check_scenario_format(args.repo, mxsim, tmp)
        check_outputs(args.repo, mxsim, tmp)
    for f in failures:
        print("FAIL:", f)
    print(f"{len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
