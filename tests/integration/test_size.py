#!/usr/bin/env python3
"""`mxsim size` against theory and on bad input.

Erlang B. tests/data/size/erlang-loss.yaml is a loss system: Poisson
arrivals of 8/s (one `rfc5321` MTA: no connection reuse, no host memory, no
concurrency window, so every message's first connection goes to the primary
the moment it arrives), each holding a primary session for exactly 1 s (rtt
0, service 1 s): 8 Erlangs offered to c sessions with no backlog and
`overflow: refuse`. A message that finds the primary full is reset and
goes, in the same delivery attempt, to the backup (1000 sessions, never
full), which accepts it. No message is ever deferred, so there are no
retries: each message is accepted exactly once, and the backup's `share`
(its accepted over all accepted) is the fraction of arrivals that found
the primary full. By PASTA that is the time-blocking probability, Erlang
B(c, 8), whatever the service distribution (Erlang B is insensitive to it).
A share counted over all connections would count the refused first
attempts twice; `share` counts accepted messages, so it does not.

The duration: a pilot at c = 15 over 2000 s (16000 arrivals) gave a standard
deviation of the share across seeds of about 0.0016, twice the binomial
sqrt(p (1 - p) / N) = 0.00075 (losses come in bursts while all sessions are
busy). For 15 to be shown to meet 1%, the 95% half-width with 5 seeds,
t(0.975, 4) / sqrt(5) x sd = 1.24 sd, must fit in 0.01 - B(15, 8) = 0.0009:
sd <= 0.00072, so T >= 2000 x (0.0016 / 0.00072)^2 = 9900 s; 10000 s it is
(80000 arrivals a run, about a second). The issue allows one session either
way; every value run must also agree with B(c, 8) within its 99.9% interval.

    test_size.py --mxsim build/release/sim/mxsim --data tests/data
"""
import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None
T_9995_DOF4 = 8.610  # Student's t, 0.9995 quantile, 4 degrees of freedom (99.9% two-sided)


def erlang_b(c, a):
    """B(c, A) by the recursion B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1))."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def mxsim(*args, timeout=300):
    return subprocess.run([ARGS.mxsim, *args], capture_output=True, text=True, timeout=timeout)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def data(*parts):
    return os.path.join(ARGS.data, "size", *parts)


class ErlangB(unittest.TestCase):
    def test_recursion(self):
        self.assertAlmostEqual(erlang_b(14, 8), 0.0172, places=4)
        self.assertAlmostEqual(erlang_b(15, 8), 0.0091, places=4)
        self.assertAlmostEqual(erlang_b(1, 8), 8 / 9)

    def test_smallest_primary_for_one_percent_overflow(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            started = time.monotonic()
            r = mxsim("size", data("erlang-loss.yaml"), "--vary", "servers.primary.example.net.sessions",
                      "--range", "1..40", "--integer", "--target", "servers.backup.example.net.share <= 0.01",
                      "--replications", "5", "--jobs", "2", "--out", out)
            wall = time.monotonic() - started
            print(r.stdout, f"({wall:.1f} s)", file=sys.stderr)
            self.assertEqual(r.returncode, 0, r.stderr)
            doc = json.loads(read(os.path.join(out, "size.json")))
            answer = int(doc["answer"])
            # The smallest c with B(c, 8) <= 1%, from the formula.
            expected = next(c for c in range(1, 41) if erlang_b(c, 8) <= 0.01)
            self.assertEqual(expected, 15)
            self.assertLessEqual(abs(answer - expected), 1, r.stdout)
            self.assertIn(f"answer: servers.primary.example.net.sessions = {answer}", r.stdout)
            self.assertEqual(int(doc["neighbour"]), answer - 1)
            self.assertIn(f"next down, {answer - 1}:", r.stdout)
            # Every value run agrees with Erlang B within its 99.9% interval.
            for e in doc["evaluations"]:
                c = int(e["value"])
                t = e["targets"][0]
                samples = t["samples"]
                self.assertEqual(len(samples), 5)
                mean = sum(samples) / 5
                sd = (sum((x - mean) ** 2 for x in samples) / 4) ** 0.5
                bound = T_9995_DOF4 * sd / 5 ** 0.5 + 1e-6  # the summary rounds to 6 decimals
                self.assertLessEqual(abs(mean - erlang_b(c, 8)), bound, f"c = {c}: {samples} vs B = {erlang_b(c, 8)}")
            # No more runs than a bisection: both ends and ceil(log2(39)) = 6 middles, 5 seeds each.
            self.assertLessEqual(doc["runs"], 8 * 5)
            self.assertIn(f"runs: {doc['runs']} ", r.stdout)
            # runs.csv: one sweep row per run, ok.
            rows = list(csv.DictReader(line for line in read(os.path.join(out, "runs.csv")).splitlines() if not line.startswith("#")))
            self.assertEqual(len(rows), doc["runs"])
            self.assertTrue(all(row["status"] == "ok" for row in rows))
            self.assertEqual({row["servers.primary.example.net.sessions"] for row in rows},
                             {e["value"] for e in doc["evaluations"]})
            self.assertTrue(all(row["points"] == str(40 * 5) for row in rows))


class NotMonotone(unittest.TestCase):
    def test_reported(self):
        # hump.yaml: the backup's share is 0 for arrivals shorter than an hour,
        # 1/3 at 1.5 h, 30 min / duration after. "share <= 0.1" holds at 30 min
        # and fails at 4 h: not a response that holds from some value on.
        r = mxsim("size", data("hump.yaml"), "--vary", "duration", "--range", "1800..14400",
                  "--target", "servers.backup.example.net.share <= 0.1", "--jobs", "2")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("not monotone: the targets hold at 1800 but fail at 14400", r.stdout)
        self.assertIn("not monotone: servers.backup.example.net.share rises from 0 ± 0 at 1800", r.stdout)
        self.assertIn("the answer above may be wrong", r.stdout)


class Errors(unittest.TestCase):
    BASE = ["--vary", "servers.primary.example.net.sessions", "--range", "1..40", "--integer",
            "--target", "servers.backup.example.net.share <= 0.01"]

    def run_size(self, *changes, scenario=None):
        args = list(self.BASE)
        for option, value in zip(changes[::2], changes[1::2]):
            i = args.index(option)
            args[i + 1] = value
        return mxsim("size", scenario or data("erlang-loss.yaml"), *args, "--replications", "2", "--jobs", "2")

    def assert_usage(self, r, *needles):
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "")
        for needle in needles:
            self.assertIn(needle, r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)

    def test_key_not_in_the_scenario(self):
        self.assert_usage(self.run_size("--vary", "servers.primray.example.net.sessions"),
                          "--vary servers.primray.example.net.sessions", "servers has no key \"primray\"",
                          "primary.example.net")
        self.assert_usage(self.run_size("--vary", "senders[3].rate"), "senders has 1 item")

    def test_value_the_key_cannot_take(self):
        self.assert_usage(self.run_size("--vary", "servers.primary.example.net.overflow"),
                          "--vary servers.primary.example.net.overflow = 1")

    def test_ranges(self):
        self.assert_usage(self.run_size("--range", "40..1"), "--range \"40..1\" is empty")
        self.assert_usage(self.run_size("--range", "1.2..1.8"), "holds no whole number")
        self.assert_usage(self.run_size("--range", "few..many"), "expected LO..HI")
        self.assert_usage(self.run_size("--range", "1m..2h"), "the same unit")

    def test_targets(self):
        self.assert_usage(self.run_size("--target", "servers.backup.example.net.share"), "--target", "no operator")
        self.assert_usage(self.run_size("--target", "share <= lots"), "neither a number nor a duration")
        r = self.run_size("--target", "servers.backup.example.net.shares <= 0.01")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--target 'servers.backup.example.net.shares <= 0.01': no metric", r.stderr)
        self.assertIn("has no \"shares\"", r.stderr)

    def test_no_value_meets_the_target(self):
        r = self.run_size("--range", "1..8")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("no value from 1 to 8 meets the target", r.stdout)
        self.assertIn("closest: 8:", r.stdout)

    def test_help(self):
        r = mxsim("size", "--help")
        self.assertEqual(r.returncode, 0)
        for option in ("--vary", "--range", "--integer", "--target", "--maximize", "--replications", "--confidence",
                       "--jobs", "--out"):
            self.assertIn(option, r.stdout)


class Interrupt(unittest.TestCase):
    def test_sigint_keeps_what_finished(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            p = subprocess.Popen([ARGS.mxsim, "size", data("erlang-loss.yaml"), "--vary",
                                  "servers.primary.example.net.sessions", "--range", "1..40", "--integer",
                                  "--target", "servers.backup.example.net.share <= 0.01", "--jobs", "1",
                                  "--replications", "10", "--out", out],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(2.5)
            p.send_signal(signal.SIGINT)
            stdout, stderr = p.communicate(timeout=30)
            self.assertEqual(p.returncode, 130, stderr)
            self.assertIn("incomplete: interrupted by SIGINT", stdout)
            doc = json.loads(read(os.path.join(out, "size.json")))
            self.assertFalse(doc["complete"])
            lines = read(os.path.join(out, "runs.csv")).splitlines()
            self.assertTrue(lines[-1].startswith("# incomplete:"), lines[-1])
            self.assertGreaterEqual(len(lines), 3)  # the header, at least one run, the marker


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mxsim", required=True)
    parser.add_argument("--data", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
