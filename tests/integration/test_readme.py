#!/usr/bin/env python3
"""The README's first-scenario walk-through, followed literally, works.

Installs the build into a temporary prefix (`cmake --install`, as a user
would), then replays the README's marked blocks in an empty directory with
that prefix's bin first on PATH:

    <!-- walkthrough: write FILE -->   the next code block is saved as FILE
    <!-- walkthrough: append FILE -->  ... appended to FILE
    <!-- walkthrough: run -->          the next code block runs in bash (set -euo pipefail)
    <!-- walkthrough: output -->       every line of the next code block is a line of what
                                       the last run printed (runs of spaces count as one)

    test_readme.py --build build/release --readme README.md
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

MARKER = re.compile(r"<!-- walkthrough: (write|append|run|output)(?: (\S+))? -->")


def steps(readme):
    """[(action, file, block text)] in README order."""
    lines = open(readme, encoding="utf-8").read().splitlines()
    out = []
    i = 0
    while i < len(lines):
        m = MARKER.fullmatch(lines[i].strip())
        i += 1
        if not m:
            continue
        while i < len(lines) and not lines[i].startswith("```"):
            i += 1
        start = i + 1
        end = start
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        if end >= len(lines):
            sys.exit(f"test_readme: the block after <!-- walkthrough: {m.group(1)} --> is not closed")
        out.append((m.group(1), m.group(2), "\n".join(lines[start:end]) + "\n"))
        i = end + 1
    return out


def normal(line):
    return " ".join(line.split())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True, help="a configured and built CMake build folder")
    parser.add_argument("--readme", required=True)
    args = parser.parse_args()
    walk = steps(args.readme)
    kinds = [kind for kind, _, _ in walk]
    if kinds.count("run") < 3 or "write" not in kinds or "output" not in kinds:
        sys.exit(f"test_readme: expected a walk-through with a file, runs and outputs; found {kinds}")

    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        prefix = os.path.join(tmp, "prefix")
        subprocess.run(["cmake", "--install", args.build, "--prefix", prefix], check=True, capture_output=True)
        work = os.path.join(tmp, "work")
        os.mkdir(work)
        env = dict(os.environ, PATH=os.path.join(prefix, "bin") + os.pathsep + os.environ["PATH"])
        last = None
        for kind, name, text in walk:
            if kind in ("write", "append"):
                with open(os.path.join(work, name), "w" if kind == "write" else "a") as f:
                    f.write(text)
                print(f"{kind} {name}")
            elif kind == "run":
                print(f"run: {text.strip()}")
                last = subprocess.run(["bash", "-euo", "pipefail", "-c", text], cwd=work, env=env,
                                      capture_output=True, text=True)
                if last.returncode != 0:
                    print(f"FAIL: exit {last.returncode}\n{last.stdout}{last.stderr}")
                    failures += 1
            else:
                printed = {normal(line) for line in last.stdout.splitlines()} if last else set()
                for line in text.splitlines():
                    if line.strip() and normal(line) not in printed:
                        print(f"FAIL: the README shows a line the run did not print:\n  {line}\n"
                              f"the run printed:\n{last.stdout if last else ''}")
                        failures += 1
    print(f"{len(walk)} steps, {failures} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
