#!/usr/bin/env python3
"""Whole-program tests of `mxsim compare` and `mxsim policies`: one small
scenario with 2 policies x 2 replications gives 4 CSV rows and a markdown
table of means with confidence intervals; bad policy names exit 2; SIGTERM
writes what finished and says the table is incomplete."""
import argparse
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None

# Small enough to run in well under a second per replication.
SCENARIO = """# A small two-host scenario for the compare tests.
name: compare-small
description: Two hosts at preference 10, one of them slow.
seed: 1
duration: 2m
zone: |
  $ORIGIN example.com.
  $TTL 3600
  @    IN MX 10 mx1
  @    IN MX 10 mx2
  mx1  IN A 192.0.2.10
  mx2  IN A 198.51.100.20
servers:
  mx1.example.com: {sessions: 20, service: {dist: exponential, mean: 200ms}}
  mx2.example.com: {sessions: 20, service: {dist: exponential, mean: 1s}}
senders:
  - {name: relays, mtas: 2, profile: rfc5321, rate: 10/s, rtt: 20ms, to: example.com}
"""


def mxsim(*args, timeout=300):
    return subprocess.run([ARGS.mxsim, *args], capture_output=True, text=True, timeout=timeout)


class Compare(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.scenario = os.path.join(self.dir.name, "small.yaml")
        with open(self.scenario, "w") as f:
            f.write(SCENARIO)
        self.out = os.path.join(self.dir.name, "out")

    def tearDown(self):
        self.dir.cleanup()

    def test_two_policies_two_replications(self):
        r = mxsim("compare", self.scenario, "--selection", "rfc5321-shuffle,ordered", "--replications", "2",
                  "--jobs", "2", "--out", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.out, "small.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([(x["scenario"], x["policy"], x["seed"]) for x in rows],
                         [("compare-small", p, s) for p in ("rfc5321-shuffle", "ordered") for s in ("1", "2")])
        for row in rows:
            self.assertEqual(row["status"], "ok")
            submitted = int(row["submitted"])
            self.assertGreater(submitted, 0)
            self.assertEqual(submitted, int(row["delivered"]) + int(row["bounced"]) + int(row["pending"]))
            self.assertLessEqual(float(row["delivery_p50_s"]), float(row["delivery_p99_s"]))
        # `ordered` sends everything to mx1 (zone order): the group is as unfair as it gets.
        for row in rows:
            if row["policy"] == "ordered":
                self.assertAlmostEqual(float(row["best_max_over_mean"]), 2.0)
                self.assertAlmostEqual(float(row["best_jain"]), 0.5)
        with open(os.path.join(self.out, "small.md")) as f:
            md = f.read()
        self.assertEqual(md, r.stdout)
        self.assertIn("### compare-small", md)
        self.assertIn("2 replications per policy (seeds 1..2)", md)
        table = [line for line in md.splitlines() if line.startswith("| ")]
        self.assertEqual(len(table), 3)  # header and one row per policy
        self.assertIn("delivery p99 (s)", table[0])
        self.assertIn("vs rfc5321-shuffle (paired)", table[0])
        self.assertTrue(table[1].startswith("| rfc5321-shuffle |"))
        self.assertIn("baseline", table[1])
        self.assertTrue(table[2].startswith("| ordered |"))
        self.assertEqual(table[2].count("±"), 9)  # every metric and the paired difference
        self.assertNotIn("incomplete", md)

    def test_same_command_same_bytes(self):
        outputs = []
        for k in range(2):
            out = os.path.join(self.dir.name, f"out{k}")
            r = mxsim("compare", self.scenario, "--selection", "least-connections", "-n", "2", "--out", out, "-q")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(out, "small.csv")) as f, open(os.path.join(out, "small.md")) as g:
                outputs.append(f.read() + g.read())
        self.assertEqual(outputs[0], outputs[1])

    def test_bad_input_exits_2(self):
        for args in (["--selection", "no-such-policy"], ["--replications", "0"], ["--selection", "health-aware:x"]):
            with self.subTest(args=args):
                r = mxsim("compare", self.scenario, *args, "--out", self.out)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertFalse(os.path.exists(os.path.join(self.out, "small.csv")))
        self.assertEqual(mxsim("compare", "--out", self.out).returncode, 2)
        r = mxsim("compare", "/nonexistent.yaml", "--out", self.out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("/nonexistent.yaml", r.stderr)

    def test_sigterm_writes_what_finished(self):
        # Many runs one at a time: SIGTERM arrives while most are still to come.
        p = subprocess.Popen([ARGS.mxsim, "compare", self.scenario, "--selection", "all", "-n", "20", "-j", "1",
                              "--out", self.out, "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 143, err)
        with open(os.path.join(self.out, "small.csv")) as f:
            lines = f.read().splitlines()
        self.assertTrue(lines[-1].startswith("# incomplete: interrupted by SIGTERM"), lines[-1])
        self.assertLess(len(lines) - 2, 200)
        for line in lines[1:-1]:
            self.assertTrue(line.split(",")[3] in ("ok",), line)
        with open(os.path.join(self.out, "small.md")) as f:
            self.assertIn("**incomplete: interrupted by SIGTERM", f.read())


class Policies(unittest.TestCase):
    def test_lists_every_policy(self):
        r = mxsim("policies")
        self.assertEqual(r.returncode, 0)
        for name in ("rfc5321-shuffle", "postfix-shuffle", "ordered", "round-robin", "weighted", "sendmail-hash",
                     "exim-random", "opensmtpd-least-loaded", "least-connections", "power-of-two", "peak-ewma",
                     "health-aware"):
            self.assertIn(name, r.stdout)
        self.assertEqual(mxsim("compare", "--help").returncode, 0)

    def test_run_selection_overrides_every_group(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.yaml")
            with open(path, "w") as f:
                f.write(SCENARIO)
            r = mxsim("run", path, "--selection", "ordered", "--format", "csv")
            self.assertEqual(r.returncode, 0, r.stderr)
            rows = list(csv.DictReader(r.stdout.splitlines()))
            self.assertEqual(float(next(x for x in rows if x["host"] == "mx1.example.com")["share"]), 1.0)
            self.assertEqual(mxsim("run", path, "--selection", "nope").returncode, 2)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mxsim", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
