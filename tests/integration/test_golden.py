#!/usr/bin/env python3
"""Golden outputs: every committed scenario (scenarios/*.yaml and
scenarios/compare/*.yaml), run with its own seed, must write exactly the
outputs stored in tests/golden/<name>/ (summary.json without its wall_s and scenario_path lines,
servers.csv, timeseries.csv, queue.csv, and the trace's SHA-256 and line count).

  check:       test_golden.py --mxsim BIN --scenarios DIR --golden DIR
  regenerate:  scripts/update-golden.sh   (the same with --update)

A change meant to keep behaviour leaves every file byte-identical; a change
meant to move results regenerates them and says why in its commit."""
import argparse
import difflib
import glob
import hashlib
import os
import subprocess
import sys
import tempfile

PLAIN = ["summary.json", "servers.csv", "timeseries.csv", "queue.csv"]


def scenario_files(root):
    return sorted(glob.glob(os.path.join(root, "*.yaml")) + glob.glob(os.path.join(root, "compare", "*.yaml")))


def golden_name(root, path):
    rel = os.path.relpath(path, root)
    return rel[: -len(".yaml")].replace(os.sep, "--")


def outputs(mxsim, scenario, work):
    """The files a run writes, as {name: bytes}, with the wall time removed."""
    out = os.path.join(work, "out")
    trace = os.path.join(work, "trace.csv")
    r = subprocess.run([mxsim, "run", scenario, "--quiet", "--out", out, "--trace", trace],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"{scenario}: exit {r.returncode}\n{r.stderr}")
    files = {}
    for name in PLAIN:
        with open(os.path.join(out, name), "rb") as f:
            data = f.read()
        if name == "summary.json":
            # The wall time and the path the scenario was given by differ from run to run and clone to clone.
            data = b"".join(line for line in data.splitlines(keepends=True)
                            if b'"wall_s":' not in line and b'"scenario_path":' not in line)
        files[name] = data
    with open(trace, "rb") as f:
        data = f.read()
    lines = data.count(b"\n")
    files["trace.sha256"] = f"{hashlib.sha256(data).hexdigest()}  {lines} lines\n".encode()
    return files


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mxsim", required=True)
    parser.add_argument("--scenarios", required=True)
    parser.add_argument("--golden", required=True)
    parser.add_argument("--update", action="store_true", help="rewrite the golden files from this build")
    args = parser.parse_args()
    if os.environ.get("MXSIM_TEST_REDUCED") == "1" and not args.update:
        print("golden outputs are checked by the ci preset (full scenarios); skipped under MXSIM_TEST_REDUCED")
        return 0
    failures = []
    names = set()
    for scenario in scenario_files(args.scenarios):
        name = golden_name(args.scenarios, scenario)
        names.add(name)
        with tempfile.TemporaryDirectory() as work:
            files = outputs(args.mxsim, scenario, work)
        directory = os.path.join(args.golden, name)
        if args.update:
            os.makedirs(directory, exist_ok=True)
            for file, data in files.items():
                with open(os.path.join(directory, file), "wb") as f:
                    f.write(data)
            continue
        for file, data in files.items():
            path = os.path.join(directory, file)
            if not os.path.exists(path):
                failures.append(f"{name}/{file}: no golden file (run scripts/update-golden.sh)")
                continue
            with open(path, "rb") as f:
                want = f.read()
            if want != data:
                diff = list(difflib.unified_diff(want.decode(errors="replace").splitlines(),
                                                 data.decode(errors="replace").splitlines(),
                                                 f"golden/{name}/{file}", "this build", lineterm="", n=1))
                failures.append(f"{name}/{file} differs:\n" + "\n".join(diff[:40]))
    stale = {d for d in os.listdir(args.golden) if os.path.isdir(os.path.join(args.golden, d))} - names
    if args.update:
        for d in stale:
            for f in os.listdir(os.path.join(args.golden, d)):
                os.remove(os.path.join(args.golden, d, f))
            os.rmdir(os.path.join(args.golden, d))
        print(f"wrote golden outputs of {len(names)} scenarios to {args.golden}")
        return 0
    failures += [f"{d}: golden outputs of a scenario that no longer exists" for d in sorted(stale)]
    for f in failures:
        print(f, file=sys.stderr)
    print(f"{len(names)} scenarios, {len(failures)} differences")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
