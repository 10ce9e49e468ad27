#!/usr/bin/env python3
"""Interrupted runs: `mxsim run` on a long scenario gets SIGINT (or SIGTERM)
mid-run; it must exit 130 (143), write summary.json saying "complete": false
with messages conserved, CSVs that parse under their contract headers, and
leave no temporary file behind."""
import argparse
import csv
import glob
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None
TIMESERIES_HEADER = ("bin_start_s,host,address,connections,accepted,timeouts,refused,tempfail,peak_sessions,"
                     "connections_closed,closed_messages")
QUEUE_HEADER = "bin_start_s,submitted,delivered,bounced,deferred,in_flight"


def long_scenario(directory):
    """The engine benchmark's scenario with arrivals for 30 days: hours of work."""
    with open(ARGS.long_scenario) as f:
        text = f.read()
    text, n = re.subn(r"(?m)^duration: .*$", "duration: 30d", text)
    assert n == 1, "the long scenario needs a top-level duration"
    path = os.path.join(directory, "long.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def read_until(fd, pattern, deadline):
    """Reads the terminal `fd` until `pattern` matches what was read (the
    match), or the deadline passes or the other side closes (None)."""
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the other side closed
            return None
        if not chunk:
            return None
        seen += chunk
        match = re.search(pattern, seen)
        if match:
            return match
    return None


class Interrupted(unittest.TestCase):
    def interrupt(self, signum, expected_exit):
        with tempfile.TemporaryDirectory() as work:
            scenario = long_scenario(work)
            out = os.path.join(work, "out")
            # stderr on a terminal: mxsim then prints its progress every 2 s,
            # which tells when messages are flowing, however slow the build
            # (SimGrid on AddressSanitizer's thread contexts starts slowly).
            master, slave = pty.openpty()
            # A 30-day run at 100/s is above the default memory budget at worst
            # (nothing delivered); it is interrupted long before that matters.
            proc = subprocess.Popen([ARGS.mxsim, "run", scenario, "--out", out, "--quiet", "--limit", "memory=1024GiB"],
                                    stdout=subprocess.PIPE, stderr=slave)
            os.close(slave)
            try:
                started = read_until(master, rb"[1-9][0-9]* messages", time.monotonic() + 180)
                self.assertIsNotNone(started, "mxsim never reported messages simulated")
                self.assertIsNone(proc.poll(), "the run ended before the signal; make it longer")
                proc.send_signal(signum)
                proc.wait(timeout=120)
                rest = read_until(master, rb"interrupted[^\n]*", time.monotonic() + 10)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                proc.stdout.close()
                os.close(master)
            self.assertEqual(proc.returncode, expected_exit)
            self.assertIsNotNone(rest, "no message about the interruption on stderr")

            with open(os.path.join(out, "summary.json")) as f:
                s = json.load(f)
            self.assertIs(s["complete"], False)
            m = s["messages"]
            self.assertGreater(m["submitted"], 0)
            self.assertEqual(m["submitted"], m["delivered"] + m["bounced"] + m["pending"])
            self.assertGreater(s["simulated_s"], 0)
            self.assertLess(s["simulated_s"], 30 * 86400)

            with open(os.path.join(out, "queue.csv")) as f:
                self.assertEqual(f.readline().strip(), QUEUE_HEADER)
                f.seek(0)
                rows = list(csv.DictReader(f))
            for row in rows:
                for value in row.values():
                    float(value)
            if rows:
                self.assertLessEqual(sum(int(r["submitted"]) for r in rows), m["submitted"])
            with open(os.path.join(out, "timeseries.csv")) as f:
                self.assertEqual(f.readline().strip(), TIMESERIES_HEADER)
                f.seek(0)
                for row in csv.DictReader(f):
                    self.assertEqual(len(row), len(TIMESERIES_HEADER.split(",")))
                    self.assertNotIn(None, row.values())
            with open(os.path.join(out, "servers.csv")) as f:
                self.assertEqual(len(list(csv.DictReader(f))), len(s["servers"]))
            self.assertEqual(glob.glob(os.path.join(out, "*.tmp")), [], "temporary files left behind")

    def test_sigint_writes_partial_reports_and_exits_130(self):
        self.interrupt(signal.SIGINT, 130)

    def test_sigterm_writes_partial_reports_and_exits_143(self):
        self.interrupt(signal.SIGTERM, 143)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mxsim", required=True)
    parser.add_argument("--long-scenario", required=True, help="a scenario whose duration is stretched to 30 days")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
