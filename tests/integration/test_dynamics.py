#!/usr/bin/env python3
"""Senders that are not synchronized (issue "No lockstep"), checked on whole
runs of many senders and messages against independent computations:

- herd: 200 Postfix MTAs, every MX down 30 min: after recovery the retries
  are spread by each MTA's own scan phase, so busy 421s stay under 1% of
  connections and the peak connections in one second are at most a quarter
  of those of the same scenario with every phase at 0;
- ttl-move: an MX moved with TTL T, 200 senders with warm caches of their
  own: the share of MTAs on the new host at T/4, T/2, 3T/4 after the change
  is within a binomial bound of 25%, 50%, 75%; one shared resolver switches
  them in one step; cold caches switch them together, one TTL after they
  were first filled;
- exim: one Exim MTA, a single-MX domain down 10 h, 1 and 30 queued
  messages: nothing bounces and every message is delivered at the queue run
  at which the host's retry time (Exim's default rules, computed here) has
  passed after the host is back;
- scan-boundary: an outage that ends exactly on a scan instant loses no
  attempt to a timeout at the instant the host returns.
"""
import argparse
import csv
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import unittest

ARGS = None


def data(name):
    return os.path.join(ARGS.data, "dynamics", name)


def run(scenario_text, work, name="s.yaml"):
    """Runs a scenario given as text; returns (summary, trace rows)."""
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(scenario_text)
    out = os.path.join(work, name + ".out")
    trace = os.path.join(work, name + ".trace.csv")
    r = subprocess.run([ARGS.mxsim, "run", path, "--quiet", "--out", out, "--trace", trace],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise AssertionError(f"{path}: exit {r.returncode}\n{r.stderr}")
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    with open(trace) as f:
        rows = list(csv.DictReader(f))
    return summary, rows


def text_of(name):
    with open(data(name)) as f:
        return f.read()


def binomial_bound(p, n, z=4.0):
    """z standard deviations of a proportion of n independent trials."""
    return z * math.sqrt(p * (1 - p) / n)


class Herd(unittest.TestCase):
    def peak_and_busy(self, text, work, name):
        summary, rows = run(text, work, name)
        recovery = 3600.0
        per_second = {}
        for r in rows:
            t = float(r["start_s"])
            if t >= recovery:
                per_second[int(t)] = per_second.get(int(t), 0) + 1
        busy = sum(1 for r in rows if r["outcome"] == "busy_tempfail")
        return max(per_second.values()), busy, len(rows), summary

    def test_retries_after_an_outage_are_spread_by_each_mtas_phase(self):
        text = text_of("herd.yaml")
        locked = text.replace("to: example.com}", "to: example.com, overrides: {queue_phase: 0}}")
        self.assertNotEqual(text, locked)
        with tempfile.TemporaryDirectory() as work:
            peak, busy, connections, summary = self.peak_and_busy(text, work, "spread.yaml")
            peak0, busy0, connections0, _ = self.peak_and_busy(locked, work, "locked.yaml")
        print(f"herd: phases spread: peak {peak} connections/s, busy 421 {busy}/{connections}; "
              f"phase 0: peak {peak0}/s, busy 421 {busy0}/{connections0}")
        self.assertEqual(summary["messages"]["bounced"], 0)
        self.assertLess(busy, 0.01 * connections)
        self.assertLessEqual(4 * peak, peak0)


class TtlMove(unittest.TestCase):
    T = 3600.0
    CHANGE = 3600.0

    def switch_times(self, text, work, name):
        """Each MTA's first connection to the new host, relative to the change."""
        summary, rows = run(text, work, name)
        first = {}
        for r in rows:
            if r["address"] == "192.0.2.11":
                mta = r["mta"]
                t = float(r["start_s"]) - self.CHANGE
                if mta not in first or t < first[mta]:
                    first[mta] = t
        return summary, sorted(first.values())

    def test_warm_caches_switch_over_one_ttl(self):
        with tempfile.TemporaryDirectory() as work:
            summary, times = self.switch_times(text_of("ttl-move.yaml"), work, "warm.yaml")
        n = 200
        self.assertEqual(len(times), n, "every MTA reaches the new host within the run")
        # Each MTA sends about once per 10 s: its switch lags its cache's expiry by that, far below T/4.
        for q in (0.25, 0.5, 0.75):
            share = sum(1 for t in times if t <= q * self.T) / n
            print(f"ttl-move warm: share on the new host at {q:.2f} T: {share:.3f}")
            self.assertLessEqual(abs(share - q), binomial_bound(q, n), f"at {q} T")
        self.assertLessEqual(times[-1], self.T + 120)

    def test_one_shared_resolver_switches_in_one_step(self):
        text = text_of("ttl-move.yaml").replace("to: example.com}", "to: example.com, resolvers: 1}")
        with tempfile.TemporaryDirectory() as work:
            _, times = self.switch_times(text, work, "shared.yaml")
        self.assertEqual(len(times), 200)
        # After the one cache expires, every MTA's next message (about one per 10 s each) goes to the new host:
        # all within a few minutes, wherever in (0, T] the step falls.
        print(f"ttl-move shared: step at {times[0]:.0f} s after the change, spread {times[-1] - times[0]:.0f} s")
        self.assertLess(times[-1] - times[0], 0.1 * self.T)
        self.assertLessEqual(times[-1], self.T + 120)

    def test_cold_caches_switch_together_one_ttl_after_start(self):
        text = text_of("ttl-move.yaml").replace("seed: 11", "seed: 11\ndns: {caches: cold}")
        with tempfile.TemporaryDirectory() as work:
            _, times = self.switch_times(text, work, "cold.yaml")
        self.assertEqual(len(times), 200)
        # Filled by each MTA's first message at t = 0..~60 s, expiring every T from then: the first expiry at or
        # after the change (t = T) is at T + (fill time), within the first minutes after the change.
        print(f"ttl-move cold: switches from {times[0]:.0f} s to {times[-1]:.0f} s after the change")
        self.assertGreaterEqual(times[0], 0)
        self.assertLess(times[-1], 0.1 * self.T)


class Exim(unittest.TestCase):
    # Exim's default retry rule (configure.default): F,2h,15m; G,16h,1h,1.5; F,4d,6h, from the host's first failure.
    PHASE = 600.0      # overrides: {queue_phase: 600}
    RUN = 1800.0       # -q30m
    CONNECT = 127.0    # Linux's SYN retries bound Exim's 5 min connect timeout
    UP = 36000.0

    def record_failure(self, record, now):
        """retry.c: the host's record after a failed try ending at `now`."""
        if record is None:
            return {"first": now, "last": now, "next": now + 15 * 60}
        elapsed = now - record["first"]
        if elapsed <= 2 * 3600:
            nxt = now + 15 * 60
        elif elapsed <= 16 * 3600:
            gap = min(record["next"] - record["last"], now - record["last"])
            nxt = now + (3600 if gap < 3600 else gap * 1.5)
        else:
            nxt = now + 6 * 3600
        return {"first": record["first"], "last": now, "next": nxt}

    def expected_delivery_run(self, arrivals):
        """The queue run at which the host is tried with success, by Exim's rules: each arriving message is
        delivered at once by its own process, and every one that arrives before the first failure is known
        tries (and fails); later ones find "retry time not reached". Queue runs come every 30 min from the
        MTA's phase; a run tries the host once (its messages go one after another, so the next one sees the
        record the first wrote) when its retry time has come, and delivers everything once the host is back."""
        arrivals = sorted(arrivals)
        record = None
        for a in arrivals:
            if record is not None and a >= arrivals[0] + self.CONNECT:
                break
            record = self.record_failure(record, a + self.CONNECT)
        k = math.floor((record["last"] - self.PHASE) / self.RUN) + 1
        while True:
            run_at = self.PHASE + k * self.RUN
            k += 1
            if run_at < record["next"]:
                continue  # retry time not reached: no try, the record stays as it is
            if run_at >= self.UP:
                return run_at
            record = self.record_failure(record, run_at + self.CONNECT)

    def check(self, messages, seed):
        text = text_of("exim-long-outage.yaml")
        duration = messages * 2.0  # rate 0.5/s: `messages` arrivals with this seed
        text = text.replace("duration: 60s", f"duration: {duration:g}s").replace(
            "seed: 5", f"seed: {seed}\nhorizon: 2d")
        with tempfile.TemporaryDirectory() as work:
            summary, rows = run(text, work, f"exim{messages}.yaml")
        m = summary["messages"]
        self.assertEqual(m["submitted"], messages)
        self.assertEqual(m["bounced"], 0)
        self.assertEqual(m["delivered"], messages)
        first_try = {}
        for r in rows:
            first_try.setdefault(r["message"], float(r["start_s"]))
        expected = self.expected_delivery_run(first_try.values())
        accepted = [float(r["start_s"]) for r in rows if r["outcome"] == "accepted"]
        self.assertEqual(len(accepted), messages)
        tries = sorted({float(r["start_s"]) for r in rows if float(r["start_s"]) > duration})
        print(f"exim, {messages} messages: queue-run tries at {[round(t) for t in tries]}; delivered from "
              f"{min(accepted):.1f} s to {max(accepted):.1f} s; expected queue run {expected:.0f} s")
        # Every message goes at that run: one after another, each within its session times of the run's start.
        for t in accepted:
            self.assertGreaterEqual(t, expected)
            self.assertLess(t, expected + messages * 1.0)

    def test_one_queued_message(self):
        self.check(1, seed=7)

    def test_thirty_queued_messages(self):
        self.check(30, seed=42)


class SameInstant(unittest.TestCase):
    def test_an_outage_ending_on_a_scan_loses_no_attempt_at_that_instant(self):
        with tempfile.TemporaryDirectory() as work:
            summary, rows = run(text_of("scan-boundary.yaml"), work)
        end = 3600.0
        at_end = [r for r in rows if abs(float(r["start_s"]) - end) < 1e-9]
        self.assertGreater(len(at_end), 0, "retries are due at the scan at which the outage ends")
        lost = [r for r in at_end if r["outcome"] != "accepted"]
        self.assertEqual(lost, [], f"{len(lost)} attempts at t = {end} did not see the host come back")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--mxsim", required=True)
    parser.add_argument("--data", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
