#!/usr/bin/env python3
"""Memory bounded and estimated before the run (issue 18): every committed
scenario runs under `ulimit -v` of its own estimate (`mxsim validate
--estimate`) plus 25%; a scenario above the `memory` limit is refused before
the run with its estimate and the --limit to raise, and runs once it is
raised; a `down` event every second with messages allowed to wait a year
runs in a few tens of MB of resident memory."""
import glob
import os
import re
import resource
import subprocess
import sys
import tempfile
import unittest

import support

ARGS = None
ESTIMATE = re.compile(r"^(?P<path>.*): estimate: .* peak memory (?P<mib>[0-9.]+) MiB .*limit memory=(?P<limit>\d+) MiB: "
                      r"(?P<verdict>within|above)$", re.M)


def estimates(paths, *extra):
    r = subprocess.run([ARGS.mxsim, "validate", "--estimate", "--fail-on", "error", *extra, *paths], text=True,
                       capture_output=True, timeout=120)
    if r.returncode not in (0, 1):
        raise AssertionError(r.stderr)
    found = {m["path"]: float(m["mib"]) for m in ESTIMATE.finditer(r.stdout)}
    return found, r


def run_limited(args, limit_bytes=None, timeout=300):
    """Runs mxsim; returns (exit code, stderr, its own peak RSS in KiB)."""
    def limit():
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    env = dict(os.environ, MALLOC_ARENA_MAX="2")
    p = subprocess.Popen([ARGS.mxsim, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         preexec_fn=limit, env=env)
    err = p.stderr.read()  # stderr is small; read to its end, then reap with the child's own usage
    p.stderr.close()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, err, usage.ru_maxrss




class Estimate(unittest.TestCase):
    def test_every_scenario_runs_under_its_estimate_plus_a_quarter(self):
        if support.sanitized(ARGS.mxsim):
            self.skipTest("ulimit -v: checked on the optimized build, not under AddressSanitizer")
        paths = sorted(glob.glob(os.path.join(ARGS.scenarios, "*.yaml")) +
                       glob.glob(os.path.join(ARGS.scenarios, "compare", "*.yaml")))
        self.assertGreater(len(paths), 20)
        found, r = estimates(paths)
        self.assertEqual(sorted(found), paths, r.stdout + r.stderr)
        for path in paths:
            budget = int(found[path] * 1.25 * 1024 * 1024)
            with self.subTest(scenario=os.path.basename(path)), tempfile.TemporaryDirectory() as d:
                rc, err, _ = run_limited(["run", path, "--out", d, "--quiet"], budget)
                self.assertEqual(rc, 0, f"under ulimit -v {budget // 1024} KiB: {err}")

    def test_above_the_memory_limit_is_refused_before_the_run_and_runs_once_raised(self):
        path = os.path.join(ARGS.scenarios, "four-equal.yaml")
        found, _ = estimates([path])
        mib = found[path]
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "out")
            r = subprocess.run([ARGS.mxsim, "run", path, "--out", out, "--limit", "memory=32MiB"], text=True,
                               capture_output=True, timeout=60)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertRegex(r.stderr, rf"{re.escape(path)}:1:1: the run would need about {round(mib)} MiB at its "
                                       r"peak .*the limit memory=32MiB; raise it with --limit memory=N")
            self.assertFalse(os.path.exists(os.path.join(out, "summary.json")))
            r = subprocess.run([ARGS.mxsim, "run", path, "--out", out, "--quiet", "--limit", "memory=1GiB"], text=True,
                               capture_output=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
        # validate says which side of the limit it is on.
        found, r = estimates([path], "--limit", "memory=32MiB")
        self.assertIn("limit memory=32 MiB: above", r.stdout)

    def test_paje_counts_in_the_estimate(self):
        path = os.path.join(ARGS.scenarios, "four-equal.yaml")
        plain, _ = estimates([path])
        paje, _ = estimates([path], "--paje")
        self.assertGreater(paje[path], plain[path])


class Periodic(unittest.TestCase):
    def test_a_fault_every_second_for_a_year_of_lifetime_stays_small(self):
        if support.sanitized(ARGS.mxsim):
            self.skipTest("ulimit -v and peak RSS: checked on the optimized build, not under AddressSanitizer")
        path = os.path.join(ARGS.data, "memory", "flapping-year.yaml")
        found, r = estimates([path])
        with tempfile.TemporaryDirectory() as d:
            # Resident memory measured (the child's own peak), and virtual memory bounded by its estimate + 25%.
            rc, err, peak = run_limited(["run", path, "--out", d, "--quiet"], int(found[path] * 1.25 * 1024 * 1024))
            self.assertEqual(rc, 0, err)
            self.assertLess(peak, 64 * 1024, f"peak RSS {peak} KiB")
            with open(os.path.join(d, "summary.json")) as f:
                summary = f.read()
            self.assertIn('"fault_windows"', summary)


if __name__ == "__main__":
    ARGS, argv = support.parse_paths("mxsim", "data", "scenarios")
    unittest.main(argv=argv, verbosity=2)
