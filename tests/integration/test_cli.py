#!/usr/bin/env python3
"""Whole-program tests of the mxsim executable: every scenario runs and
conserves messages, outputs follow the contract, runs are reproducible, bad
input exits 2 with a located message, and --help describes every option."""
import argparse
import csv
import glob
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import unittest

ARGS = None
TIMESERIES_HEADER = ("bin_start_s,host,address,connections,accepted,timeouts,refused,tempfail,peak_sessions,"
                     "connections_closed,closed_messages")
QUEUE_HEADER = "bin_start_s,submitted,delivered,bounced,deferred,in_flight"


def mxsim(*args, timeout=600):
    return subprocess.run([ARGS.mxsim, *args], capture_output=True, text=True, timeout=timeout)


def scenarios():
    return sorted(glob.glob(os.path.join(ARGS.scenarios, "*.yaml")))


# MXSIM_TEST_REDUCED=1 (the sanitize test preset sets it): SimGrid runs
# 12-75x slower on the thread contexts AddressSanitizer needs, so the tests
# that run every scenario run copies with a tenth of the arrival rate: every
# event of each timeline still happens, with a tenth of the messages; and each
# malformed file is tried with one command (run and validate alternate)
# instead of both.
REDUCED = os.environ.get("MXSIM_TEST_REDUCED") == "1"


def reduced(scenario, directory):
    """The scenario, or under MXSIM_TEST_REDUCED its copy in `directory` with
    rates divided by ten (same file name, so the same scenario name)."""
    if not REDUCED:
        return scenario
    with open(scenario) as f:
        text = f.read()
    text = re.sub(r"(\brate:\s*)([0-9.eE+]+)(/[smhd])",
                  lambda m: f"{m.group(1)}{float(m.group(2)) / 10:g}{m.group(3)}", text)
    base = os.path.dirname(os.path.abspath(scenario))
    text = re.sub(r"(?m)^(zone_file:\s*)(\S+)", lambda m: m.group(1) + os.path.join(base, m.group(2)), text)
    path = os.path.join(directory, os.path.basename(scenario))
    with open(path, "w") as f:
        f.write(text)
    return path


def run_to(scenario, out, *extra):
    r = mxsim("run", scenario, "--out", out, "--quiet", *extra)
    if r.returncode != 0:
        raise AssertionError(f"{scenario}: exit {r.returncode}\n{r.stderr}")
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


class EveryScenario(unittest.TestCase):
    def test_runs_conserve_and_follow_the_contract(self):
        self.assertGreaterEqual(len(scenarios()), 8)
        for scenario in scenarios():
            with self.subTest(scenario=os.path.basename(scenario)), tempfile.TemporaryDirectory() as out:
                s = run_to(reduced(scenario, out), out)
                m = s["messages"]
                self.assertGreater(m["submitted"], 0)
                self.assertEqual(m["submitted"], m["delivered"] + m["bounced"] + m["pending"])
                self.assertEqual(m["bounced"], sum(s["bounces"].values()))
                for key in ("mxsim_version", "scenario", "seed", "simulated_s", "wall_s", "latency_s",
                            "attempts", "servers", "groups", "bounces", "warnings"):
                    self.assertIn(key, s)
                for hop in ("first_hop", "delivery"):
                    for key in ("count", "mean", "p50", "p90", "p99", "p999", "max"):
                        self.assertIn(key, s["latency_s"][hop])
                    h = s["latency_s"][hop]
                    self.assertLessEqual(h["p50"], h["p99"] * 1.0000001)
                    self.assertLessEqual(h["p99"], h["max"] * 1.0000001)
                accepted = sum(x["accepted"] for x in s["servers"])
                self.assertEqual(accepted, s["attempts"]["accepted"])
                self.assertEqual(s["latency_s"]["delivery"]["count"], m["delivered"])
                with open(os.path.join(out, "timeseries.csv")) as f:
                    rows = f.read().splitlines()
                self.assertEqual(rows[0], TIMESERIES_HEADER)
                self.assertEqual((len(rows) - 1) % len(s["servers"]), 0)
                self.assertEqual(sum(int(r.split(",")[4]) for r in rows[1:]), accepted)
                with open(os.path.join(out, "queue.csv")) as f:
                    q = list(csv.DictReader(f))
                self.assertEqual(",".join(q[0].keys()), QUEUE_HEADER)
                self.assertEqual(sum(int(r["submitted"]) for r in q), m["submitted"])
                self.assertEqual(int(q[-1]["in_flight"]), m["pending"])
                with open(os.path.join(out, "servers.csv")) as f:
                    self.assertEqual(len(list(csv.DictReader(f))), len(s["servers"]))
                self.assertFalse(glob.glob(os.path.join(out, "*.tmp")), "temporary files left behind")


def without_wall_time(path):
    """summary.json without the wall time, and without the scenario's path (a
    reduced copy lives in each run's own temporary folder)."""
    with open(path) as f:
        text = re.sub(r'"wall_s": [0-9.e+-]+', '"wall_s": X', f.read())
    return re.sub(r'"scenario_path": "[^"]*"', '"scenario_path": X', text)


class Reproducibility(unittest.TestCase):
    SCENARIO = "faults-tour.yaml"

    def test_same_seed_same_bytes(self):
        scenario = os.path.join(ARGS.scenarios, self.SCENARIO)
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            run_to(reduced(scenario, a), a)
            run_to(reduced(scenario, b), b)
            for name in ("servers.csv", "timeseries.csv", "queue.csv"):
                with open(os.path.join(a, name), "rb") as fa, open(os.path.join(b, name), "rb") as fb:
                    self.assertEqual(fa.read(), fb.read(), name)
            self.assertEqual(without_wall_time(os.path.join(a, "summary.json")),
                             without_wall_time(os.path.join(b, "summary.json")))

    def test_stats_go_to_stderr_and_change_no_output(self):
        scenario = os.path.join(ARGS.scenarios, self.SCENARIO)
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            plain = mxsim("run", reduced(scenario, a), "--out", a)
            stats = mxsim("run", reduced(scenario, b), "--out", b, "--stats")
            self.assertEqual(plain.returncode, 0, plain.stderr)
            self.assertEqual(stats.returncode, 0, stats.stderr)
            self.assertEqual(plain.stdout, stats.stdout)
            self.assertNotIn("stats:", plain.stderr)
            for name in ("servers.csv", "timeseries.csv", "queue.csv"):
                with open(os.path.join(a, name), "rb") as fa, open(os.path.join(b, name), "rb") as fb:
                    self.assertEqual(fa.read(), fb.read(), name)
            self.assertEqual(without_wall_time(os.path.join(a, "summary.json")),
                             without_wall_time(os.path.join(b, "summary.json")))
            with open(os.path.join(b, "summary.json")) as f:
                submitted = json.load(f)["messages"]["submitted"]
            m = re.search(r"^mxsim run: stats: (\d+) events in ([0-9.]+) s wall \((\d+) events/s\), (\d+) messages "
                          r"\((\d+) messages/s\), peak RSS ([0-9.]+) MB$", stats.stderr, re.M)
            self.assertIsNotNone(m, stats.stderr)
            events, messages, rss = int(m.group(1)), int(m.group(4)), float(m.group(6))
            self.assertEqual(messages, submitted)
            # Every message has at least its arrival and one attempt's end.
            self.assertGreaterEqual(events, 2 * messages)
            self.assertGreater(rss, 1.0)

    def test_different_seed_changes_the_run(self):
        scenario = os.path.join(ARGS.scenarios, self.SCENARIO)
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            sa = run_to(reduced(scenario, a), a)
            sb = run_to(reduced(scenario, b), b, "--seed", "2")
            self.assertEqual(sb["seed"], 2)
            self.assertNotEqual(sa["latency_s"], sb["latency_s"])
            with open(os.path.join(a, "timeseries.csv")) as fa, open(os.path.join(b, "timeseries.csv")) as fb:
                self.assertNotEqual(fa.read(), fb.read())


class Formats(unittest.TestCase):
    def test_json_and_csv_and_text_on_stdout(self):
        work = tempfile.TemporaryDirectory()
        self.addCleanup(work.cleanup)
        scenario = reduced(os.path.join(ARGS.scenarios, "seed-failover.yaml"), work.name)
        r = mxsim("run", scenario, "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["scenario"], "seed-failover")
        r = mxsim("run", scenario, "--format", "csv")
        self.assertTrue(r.stdout.startswith("host,address,preference,accepted,share"))
        r = mxsim("run", scenario)
        self.assertIn("first hop", r.stdout)
        self.assertIn("jain", r.stdout)
        r = mxsim("run", scenario, "--quiet")
        self.assertEqual(r.stdout, "")
        r = mxsim("run", scenario, "--format", "xml")
        self.assertEqual(r.returncode, 2)


class Behaviour(unittest.TestCase):
    def test_postfix_pays_one_connect_timeout_when_the_primary_is_down(self):
        with tempfile.TemporaryDirectory() as out:
            s = run_to(os.path.join(ARGS.data, "primary-down-postfix.yaml"), out)
        expected = 30 + 5 * 0.05 + 1.0
        # The histogram reports within 1%; every message takes exactly this long.
        self.assertAlmostEqual(s["latency_s"]["first_hop"]["p50"], expected, delta=expected * 0.01)
        self.assertAlmostEqual(s["latency_s"]["first_hop"]["mean"], expected, places=4)
        primary = next(x for x in s["servers"] if x["host"] == "mailhost1.example.com")
        self.assertEqual(primary["accepted"], 0)
        self.assertEqual(primary["timeouts"], s["messages"]["submitted"])

    def test_four_equal_hosts_share_within_a_binomial_bound(self):
        with tempfile.TemporaryDirectory() as out:
            s = run_to(reduced(os.path.join(ARGS.scenarios, "four-equal.yaml"), out), out)
        n = s["messages"]["delivered"]
        # 4.5 standard deviations of a binomial(n, 1/4) share: a false alarm
        # for any of the four hosts under 3e-5.
        bound = 4.5 * math.sqrt(0.25 * 0.75 / n)
        for server in s["servers"]:
            self.assertLess(abs(server["share"] - 0.25), bound, server)

    def test_null_mx_bounces_without_connecting(self):
        with tempfile.TemporaryDirectory() as out:
            s = run_to(os.path.join(ARGS.scenarios, "null-mx.yaml"), out)
        self.assertGreater(s["bounces"]["null_mx"], 0)
        # The null-MX domain's own address is no mail server: listed only if a sender connected to it.
        self.assertNotIn("192.0.2.80", [x["address"] for x in s["servers"]])


class ProfilePredictions(unittest.TestCase):
    """The outage-*.yaml scenarios state in their descriptions what the
    reference facts predict for each profile; check each prediction."""

    def run_profile(self, profile):
        with tempfile.TemporaryDirectory() as out:
            return run_to(os.path.join(ARGS.scenarios, f"outage-{profile}.yaml"), out)

    def test_outage_latency_follows_each_profiles_memory_and_timeouts(self):
        s = {p: self.run_profile(p) for p in ("postfix", "exim", "sendmail", "opensmtpd", "rfc5321")}
        p50 = {p: x["latency_s"]["first_hop"]["p50"] for p, x in s.items()}
        timeouts = {p: x["attempts"]["timeouts"] / x["messages"]["submitted"] for p, x in s.items()}
        # Postfix: a 30 s connect timeout per message in the outage (75% of
        # them), except the messages that find a kept or idle cached backup
        # connection of their MTA (smtp_connection_cache_time_limit).
        self.assertGreater(p50["postfix"], 30 * 0.99)
        self.assertLess(p50["postfix"], 60)
        self.assertGreater(timeouts["postfix"], 0.75 / 2)
        self.assertLess(timeouts["postfix"], 0.75 + 0.05)
        # The textbook MTA waits out the Linux kernel's 127 s SYN limit each time (its own 5 min is longer),
        # and so does stock Sendmail, whose host status lives in one process: each arriving message is its own.
        for p in ("rfc5321", "sendmail"):
            self.assertGreater(p50[p], 127 * 0.99, p)
            self.assertLess(p50[p], 127 + 5, p)
            self.assertAlmostEqual(timeouts[p], 0.75, delta=0.05)
        self.assertGreaterEqual(min(p50["rfc5321"], p50["sendmail"]), max(p50["postfix"], p50["exim"], p50["opensmtpd"]))
        # Host memory shared across messages: Exim and OpenSMTPD mostly skip the dead primary.
        for p in ("exim", "opensmtpd"):
            self.assertLess(p50[p], 10, p)
            self.assertLess(timeouts[p], 0.5 * timeouts["postfix"], p)

    def test_greylisting_delay_follows_the_retry_schedule(self):
        with tempfile.TemporaryDirectory() as out:
            s = run_to(os.path.join(ARGS.scenarios, "greylisting.yaml"), out)
        by_name = {g["name"]: g for g in s["senders"]}
        # Postfix is back at a queue scan 300-600 s later; RFC 5321 after 30 min.
        self.assertGreater(by_name["postfix-senders"]["delivery"]["p50"], 300 * 0.99)
        self.assertLess(by_name["postfix-senders"]["delivery"]["p50"], 600 * 1.01 + 60)
        self.assertGreater(by_name["textbook-senders"]["delivery"]["p50"], 1800 * 0.99)

    def test_relay_holds_mail_and_hands_it_back(self):
        with tempfile.TemporaryDirectory() as out:
            s = run_to(os.path.join(ARGS.scenarios, "relay-backup.yaml"), out)
        primary = next(x for x in s["servers"] if x["host"] == "mx-primary.example.com")
        self.assertEqual(primary["accepted"], s["messages"]["delivered"])
        self.assertGreater(s["latency_s"]["delivery"]["p90"], 30 * 60)
        self.assertLess(s["latency_s"]["first_hop"]["p50"], 5)

    def test_trace_has_one_line_per_connection(self):
        with tempfile.TemporaryDirectory() as out:
            trace = os.path.join(out, "trace.csv")
            r = mxsim("run", os.path.join(ARGS.scenarios, "outage-exim.yaml"), "--trace", trace, "--format", "json")
            self.assertEqual(r.returncode, 0, r.stderr)
            s = json.loads(r.stdout)
            with open(trace) as f:
                rows = list(csv.DictReader(f))
        # One line per attempt: a new connection's, or a message's over a
        # connection its MTA kept (Exim passes its connections on), so as
        # many as the attempts' outcomes and at least as many as connections.
        outcomes = ("accepted", "timeouts", "refused", "tempfail", "greylisted", "rejected")
        self.assertEqual(len(rows), sum(s["attempts"][k] for k in outcomes))
        self.assertGreaterEqual(len(rows), s["attempts"]["connections"])
        self.assertEqual(set(rows[0].keys()),
                         {"start_s", "message", "sender", "mta", "address", "host", "outcome", "duration_s"})
        self.assertEqual(sum(r["outcome"] == "timeout" for r in rows), s["attempts"]["timeouts"])


class BadInput(unittest.TestCase):
    def test_every_malformed_file_exits_2_with_its_location(self):
        files = sorted(glob.glob(os.path.join(ARGS.data, "malformed", "*.yaml")))
        self.assertGreaterEqual(len(files), 10)
        for i, path in enumerate(files):
            with self.subTest(file=os.path.basename(path)):
                with open(path) as f:
                    expect = re.match(r"# expect: (\d+):(\d+): (.*)", f.readline())
                    # A second line `# limits: NAME=VALUE...` lowers limits to test them small.
                    limits = re.match(r"# limits: (.*)", f.readline())
                self.assertIsNotNone(expect, "first line must say what to expect")
                options = [f"--limit={a}" for a in limits.group(1).split()] if limits else []
                commands = [("run", "validate")[i % 2]] if REDUCED else ["run", "validate"]
                for command in commands:
                    r = mxsim(command, path, *options, timeout=60)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn(f"{path}:{expect.group(1)}:{expect.group(2)}: ", r.stderr)
                    self.assertIn(expect.group(3).strip(), r.stderr)
                    self.assertEqual(r.stdout, "")

    def test_missing_file_and_bad_usage(self):
        r = mxsim("run", "/nonexistent/scenario.yaml")
        self.assertEqual(r.returncode, 2)
        self.assertIn("/nonexistent/scenario.yaml", r.stderr)
        self.assertEqual(mxsim("frobnicate").returncode, 2)
        self.assertEqual(mxsim("run").returncode, 2)
        self.assertEqual(mxsim("run", "--no-such-option", "x.yaml").returncode, 2)


class Help(unittest.TestCase):
    def test_run_help_describes_every_option(self):
        r = mxsim("run", "--help")
        self.assertEqual(r.returncode, 0)
        for option in ("--seed", "--out", "--format", "--quiet", "--sim-log", "--stats", "--help"):
            self.assertIn(option, r.stdout)
        for name in ("summary.json", "servers.csv", "timeseries.csv", "queue.csv"):
            self.assertIn(name, r.stdout)

    def test_validate_help_describes_every_option(self):
        r = mxsim("validate", "--help")
        self.assertEqual(r.returncode, 0)
        for text in ("--format", "--help", "mx-cname", "duplicate-mx", "exit"):
            self.assertIn(text, r.stdout)


class Validate(unittest.TestCase):
    # Examples that show a problem the lint knows: each must fire exactly its check.
    DEMONSTRATIONS = {"mx-cname.yaml": ["mx-cname"], "implicit-mx.yaml": ["no-mx"],
                      "backup-takeover.yaml": ["backup-capacity"], "overload.yaml": ["level-capacity"]}

    def test_clean_scenarios_pass(self):
        clean = [s for s in scenarios() if os.path.basename(s) not in self.DEMONSTRATIONS]
        r = mxsim("validate", *clean)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_fail_on_chooses_the_least_severity_that_fails(self):
        # content-filter-burst.yaml has one notice (Erlang B refuses 8% at its filter): it fails only --fail-on notice.
        path = os.path.join(ARGS.scenarios, "content-filter-burst.yaml")
        findings = json.loads(mxsim("validate", "--format", "json", path).stdout)
        self.assertEqual([(f["check"], f["severity"]) for f in findings], [("level-capacity", "notice")])
        self.assertEqual(mxsim("validate", path).returncode, 0)
        self.assertEqual(mxsim("validate", "--fail-on", "notice", path).returncode, 1)
        overload = os.path.join(ARGS.scenarios, "overload.yaml")
        self.assertEqual(mxsim("validate", "--fail-on", "error", overload).returncode, 0)
        self.assertEqual(mxsim("validate", "--fail-on", "warning", overload).returncode, 1)
        r = mxsim("validate", "--fail-on", "all", overload)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--fail-on", r.stderr)

    def test_overloaded_primary_gets_a_capacity_warning_with_its_offered_load(self):
        path = os.path.join(ARGS.data, "lint", "level-capacity.yaml")
        r = mxsim("validate", "--format", "json", path)
        self.assertEqual(r.returncode, 1, r.stderr)
        [finding] = json.loads(r.stdout)
        self.assertEqual((finding["check"], finding["severity"]), ("level-capacity", "warning"))
        self.assertEqual(finding["facts"]["load_per_s"], 5.0)
        self.assertIn("offered 5 messages/s in normal operation", finding["message"])

    def test_demonstration_scenarios_fire_their_check(self):
        for name, checks in self.DEMONSTRATIONS.items():
            with self.subTest(scenario=name):
                r = mxsim("validate", "--format", "json", os.path.join(ARGS.scenarios, name))
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertEqual([f["check"] for f in json.loads(r.stdout)], checks)

    def test_cname_target_is_a_finding(self):
        path = os.path.join(ARGS.scenarios, "mx-cname.yaml")
        r = mxsim("validate", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("[mx-cname]", r.stdout)
        self.assertRegex(r.stdout, re.escape(path) + r":\d+:\d+: ")
        r = mxsim("validate", "--format", "json", path)
        findings = json.loads(r.stdout)
        self.assertEqual([f["check"] for f in findings], ["mx-cname"])

    def test_every_check_has_a_test_scenario(self):
        r = mxsim("validate", "--help")
        listed = re.findall(r"^  ([a-z0-9-]+) +(?:error|warning)", r.stdout, re.M)
        self.assertGreaterEqual(len(listed), 11)
        for check in listed:
            self.assertTrue(os.path.exists(os.path.join(ARGS.data, "lint", check + ".yaml")), check)

    def test_each_lint_check_fires(self):
        for path in sorted(glob.glob(os.path.join(ARGS.data, "lint", "*.yaml"))):
            check = os.path.basename(path)[:-len(".yaml")]
            with self.subTest(check=check):
                r = mxsim("validate", "--format", "json", path)
                self.assertEqual(r.returncode, 1, r.stderr)
                findings = json.loads(r.stdout)
                self.assertIn(check, [f["check"] for f in findings])
                for f in findings:
                    self.assertRegex(f["rfc"], r"^RFC \d+")
                    self.assertIn(f["rfc"].split(",")[0], f["message"])
                    self.assertIsInstance(f["facts"], dict)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mxsim", required=True)
    parser.add_argument("--scenarios", required=True)
    parser.add_argument("--data", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
