#!/usr/bin/env python3
"""Outputs an operator can put in a postmortem (issue 16), end to end:

- a sender group and a scenario named with commas, quotes and a line break
  come back whole from every CSV mxsim writes (trace, servers, timeseries,
  queue, compare and its intervals, sweep), read with Python's csv module;
- summary.json names what ran (path, SHA-256 of the file and the zone, seed,
  version) and the faults and zone changes as applied;
- the server tables list the mail servers, not the name server's address;
- a host busy on every session for the hour it was up reads 100% utilized;
- a renumbered address keeps Jain's index 1 for evenly loaded host names;
- the trace is in start order.

    test_outputs.py --mxsim build/release/sim/mxsim
"""
import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unittest

ARGS = None

GROUP = 'internet, "EU"\nwest'
NAME = 'renumber, "v2"\nsecond line'

NAMED = """name: "renumber, \\"v2\\"\\nsecond line"
duration: 3m
zone: |
  $ORIGIN example.com.
  $TTL 3600
  @   IN MX 10 mx1
  @   IN MX 10 mx2
  @   IN NS ns
  ns  IN A 192.0.2.53
  mx1 IN A 192.0.2.10
  mx2 IN A 198.51.100.20
senders:
  - {name: "internet, \\"EU\\"\\nwest", mtas: 3, rate: 3/s, rtt: 20ms, to: example.com}
events:
  - {at: 1m, for: 30s, target: mx1.example.com, fault: refuse}
report:
  bin: 30s
"""

# Two sessions of 10 s, a backlog that keeps them busy, offered 2 messages/s:
# full from the first message until the host dies at 1 h; connections go on
# timing out against the dead host until the horizon.
BUSY_HOUR = """name: busy-hour
duration: 2h
horizon: 2h
zone: |
  $ORIGIN example.com.
  $TTL 3600
  @   IN MX 10 mx1
  mx1 IN A 192.0.2.10
servers:
  mx1.example.com: {sessions: 2, backlog: 100, service: 10s}
senders:
  - {name: s, mtas: 4, rate: 2/s, rtt: 10ms, to: example.com}
events:
  - {at: 1h, target: mx1.example.com, fault: down}
"""

# Two equal hosts; at 20 min mx2 moves to a new address (short TTLs, so the
# senders follow within a minute). Evenly loaded host names, whatever the address.
RENUMBER = """name: renumber
seed: 3
duration: 1h
zone: |
  $ORIGIN example.com.
  $TTL 60
  @   IN MX 10 mx1
  @   IN MX 10 mx2
  mx1 IN A 192.0.2.10
  mx2 IN A 198.51.100.20
senders:
  - {name: s, mtas: 50, profile: postfix, rate: 20/s, rtt: 20ms, to: example.com}
events:
  - {at: 20m, zone: "mx2 60 IN A 203.0.113.99"}
"""


def mxsim(*args, timeout=600):
    return subprocess.run([ARGS.mxsim, *args], capture_output=True, text=True, timeout=timeout)


def rows(path):
    """Every record of a CSV file (comment lines skipped), each checked to have the header's width."""
    with open(path, newline="") as f:
        records = list(csv.reader(line for line in f if not line.startswith("#")))
    widths = {len(r) for r in records}
    assert widths == {len(records[0])}, f"{path}: records of {sorted(widths)} fields"
    return [dict(zip(records[0], r)) for r in records[1:]]


class Outputs(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.work = self.dir.name

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, text):
        path = os.path.join(self.work, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_out(self, scenario, *more):
        out = os.path.join(self.work, "out-" + os.path.basename(scenario))
        r = mxsim("run", scenario, "--out", out, "--quiet", *more)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(out, "summary.json")) as f:
            return out, json.load(f)

    def test_names_round_trip_through_every_csv(self):
        scenario = self.write("named.yaml", NAMED)
        trace = os.path.join(self.work, "trace.csv")
        out, summary = self.run_out(scenario, "--trace", trace)
        self.assertEqual(summary["scenario"], NAME)
        attempts = rows(trace)
        self.assertTrue(attempts)
        self.assertEqual({a["sender"] for a in attempts}, {GROUP})
        starts = [float(a["start_s"]) for a in attempts]
        self.assertEqual(starts, sorted(starts), "the trace is in start order")
        for name in ("servers.csv", "timeseries.csv", "queue.csv"):
            self.assertTrue(rows(os.path.join(out, name)), name)
        # The name server's address is no mail server: no row anywhere.
        for name in ("servers.csv", "timeseries.csv"):
            self.assertEqual({r["address"] for r in rows(os.path.join(out, name))}, {"192.0.2.10", "198.51.100.20"})
        self.assertEqual([s["address"] for s in summary["servers"]], ["192.0.2.10", "198.51.100.20"])

        compare = os.path.join(self.work, "compare")
        r = mxsim("compare", scenario, "--selection", "rfc5321-shuffle,ordered", "-n", "2", "--jobs", "2",
                  "--out", compare, "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual({x["scenario"] for x in rows(os.path.join(compare, "named.csv"))}, {NAME})
        self.assertEqual({x["scenario"] for x in rows(os.path.join(compare, "named-intervals.csv"))}, {NAME})

        sweep_file = self.write("named-sweep.yaml", 'scenario: named.yaml\nseeds: [1, 2]\n'
                                'grid:\n  servers["mx1.example.com"].sessions: [5, 10]\n')
        sweep_csv = os.path.join(self.work, "sweep.csv")
        r = mxsim("sweep", sweep_file, "--jobs", "2", "--out", sweep_csv)
        self.assertEqual(r.returncode, 0, r.stderr)
        points = rows(sweep_csv)
        self.assertEqual(len(points), 4)
        self.assertEqual({p["scenario"] for p in points}, {NAME})
        self.assertEqual({p['servers["mx1.example.com"].sessions'] for p in points}, {"5", "10"})

    def test_summary_names_what_ran_and_the_events_as_applied(self):
        scenario = self.write("named.yaml", NAMED)
        _, summary = self.run_out(scenario, "--seed", "7")
        with open(scenario, "rb") as f:
            self.assertEqual(summary["scenario_sha256"], hashlib.sha256(f.read()).hexdigest())
        self.assertEqual(summary["scenario_path"], scenario)
        self.assertEqual(summary["seed"], 7)
        self.assertTrue(summary["mxsim_version"])
        self.assertEqual(len(summary["zone_sha256"]), 64)
        self.assertEqual(summary["fault_windows"], [{"event": 0, "fault": "refuse", "target": "mx1.example.com",
                                                     "start_s": 60.0, "end_s": 90.0, "until_end": False}])
        cdf = summary["latency_cdf"]
        self.assertEqual(len(cdf["percentiles"]), len(cdf["delivery_s"]))
        self.assertEqual(cdf["percentiles"][-1], 100.0)
        self.assertEqual(cdf["delivery_s"][-1], summary["latency_s"]["delivery"]["max"])
        self.assertEqual(cdf["delivery_s"], sorted(cdf["delivery_s"]))

    def test_a_host_busy_for_the_hour_it_was_up_reads_full(self):
        _, summary = self.run_out(self.write("busy.yaml", BUSY_HOUR))
        [server] = summary["servers"]
        self.assertGreater(server["timeouts"], 0, "connections went on against the dead host")
        # Busy from the first message (within a second of 0) to the outage at 1 h.
        self.assertAlmostEqual(server["up_s"], 3600, delta=2)
        self.assertGreater(server["utilization"], 0.999)
        self.assertLessEqual(server["utilization"], 1.0)
        self.assertEqual(server["utilization_peak_bin"], 1.0)
        self.assertEqual(summary["fault_windows"][0]["until_end"], True)

    def test_a_renumbered_address_keeps_the_host_names_even(self):
        _, summary = self.run_out(self.write("renumber.yaml", RENUMBER))
        by_address = {s["address"]: s for s in summary["servers"]}
        self.assertGreater(by_address["203.0.113.99"]["accepted"], 10000, "the new address took mx2's mail")
        [group] = summary["groups"]
        self.assertEqual(group["hosts"], ["mx1.example.com", "mx2.example.com"])
        self.assertEqual(group["accepted"], summary["messages"]["delivered"])
        self.assertEqual(sum(group["accepted_while_up"]), group["accepted"])
        # Equal hosts, 72000 messages: the split is binomial; Jain's index of
        # two counts of n/2 +- 3 sd (sd = sqrt(n)/2) is above 1 - (3/sqrt(n))^2.
        n = group["accepted"]
        self.assertGreater(group["jain_index"], 1 - 9 / n)
        self.assertGreater(group["chi2_p"], 1e-3)
        self.assertEqual(summary["zone_changes"], [{"event": 0, "at_s": 1200.0, "zone": "mx2 60 IN A 203.0.113.99"}])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mxsim", required=True)
    ARGS, rest = parser.parse_known_args()
    ARGS.mxsim = os.path.abspath(ARGS.mxsim)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
