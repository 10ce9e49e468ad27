"""Shared helpers of the mxsim plot scripts.

Reads only what mxsim writes: summary.json and the CSV files of
`mxsim run --out DIR`, the CSV files of `mxsim compare` and `mxsim sweep`,
and (for fault windows) the scenario file. Needs Python 3, numpy and
matplotlib (Debian's python3-numpy, python3-matplotlib); PyYAML is used
when installed, else a small reader of the scenario's one-line events.
"""
import csv
import json
import math
import os
import re
import sys

try:
    import matplotlib
except ImportError:
    # Another python3 came first on PATH (pyenv, a venv): use Debian's, which has matplotlib.
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise SystemExit("matplotlib is missing: install python3-matplotlib (scripts/setup.sh does)")

matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt  # noqa: E402

FAULT_COLOURS = {"down": "tab:red", "refuse": "tab:orange", "tempfail": "tab:purple", "slow": "tab:olive",
                 "servfail": "tab:brown", "greylist": "tab:pink", "reject": "tab:gray"}


# --- reading mxsim's outputs -------------------------------------------------

def read_csv(path):
    """Rows of a CSV file as dicts; '#' lines (an interrupted sweep's marker) are skipped."""
    with open(path, newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def number(text, default=math.nan):
    try:
        return float(text)
    except (TypeError, ValueError):
        return default


def load_run(directory):
    """What `mxsim run --out DIR` wrote; missing files are None."""
    def optional(name, reader):
        path = os.path.join(directory, name)
        return reader(path) if os.path.exists(path) else None

    def read_json(path):
        with open(path) as f:
            return json.load(f)

    run = {"dir": directory, "summary": optional("summary.json", read_json),
           "servers": optional("servers.csv", read_csv), "timeseries": optional("timeseries.csv", read_csv),
           "queue": optional("queue.csv", read_csv)}
    if run["summary"] is None:
        raise SystemExit(f"{directory}: no summary.json (is it an `mxsim run --out` folder?)")
    return run


def run_label(run):
    s = run["summary"]
    return f'{s.get("scenario", os.path.basename(run["dir"]))} (seed {s.get("seed", "?")})'


def percentile_points(hop):
    """(fraction, seconds) pairs of a latency histogram, from the reported
    percentiles (report.percentiles, p50..p999) and the maximum."""
    points = {}
    for key, value in (hop.get("percentiles") or {}).items():
        p = number(key)
        if 0 < p < 100 and value is not None:
            points[p / 100] = float(value)
    for key, p in (("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9)):
        if hop.get(key) is not None:
            points.setdefault(p / 100, float(hop[key]))
    if hop.get("max") is not None:
        points[1.0] = float(hop["max"])
    return sorted(points.items())


# --- units and the scenario's events -------------------------------------------

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(text):
    """'30m' -> 1800.0; a bare number is seconds (the contract's units)."""
    m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*([a-z]*)\s*", str(text))
    if not m or m.group(2) not in _UNITS and m.group(2) != "":
        raise ValueError(f"not a duration: {text!r}")
    return float(m.group(1)) * _UNITS.get(m.group(2), 1)


def parse_quantity(text):
    """A number for sorting and plotting sweep values: '20/s', '5m', '300ms' or '7'."""
    m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*/\s*([smhd])\s*", str(text))
    if m:
        return float(m.group(1)) / {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    try:
        return parse_duration(text)
    except ValueError:
        return math.nan


def _split_flow(text):
    """'a: 1, b: "x, y"' -> ['a: 1', 'b: "x, y"'] (commas outside quotes and braces)."""
    parts, depth, quote, start = [], 0, None, 0
    for i, c in enumerate(text):
        if quote:
            if c == quote and text[i - 1] != "\\":
                quote = None
        elif c in "\"'":
            quote = c
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _events_without_yaml(text):
    """The events of a scenario written as one-line flow maps, as the contract shows them."""
    events, inside = [], False
    for line in text.splitlines():
        if re.match(r"^events\s*:", line):
            inside = True
            continue
        if inside and re.match(r"^\S", line) and not line.startswith("#"):
            break
        m = re.match(r"^\s*-\s*\{(.*)\}\s*(#.*)?$", line) if inside else None
        if m:
            event = {}
            for part in _split_flow(m.group(1)):
                key, _, value = part.partition(":")
                event[key.strip()] = value.strip().strip("\"'")
            events.append(event)
    return events


def scenario_events(path):
    """The scenario's events as dicts (at, for, every, target, dns, zone, fault...)."""
    with open(path) as f:
        text = f.read()
    try:
        import yaml  # python3-yaml, when present
    except ImportError:
        return _events_without_yaml(text)
    return (yaml.safe_load(text) or {}).get("events") or []


def fault_windows(events, end_s):
    """(start, end, fault, target) of every fault occurrence before end_s, and
    (time, text) of every instant change (zone updates)."""
    windows, instants = [], []
    for e in events:
        try:
            at = parse_duration(e.get("at", 0))
        except ValueError:
            continue
        if "zone" in e:
            instants.append((at, "zone update"))
            continue
        fault = str(e.get("fault", "?"))
        target = str(e.get("target") or e.get("dns") or "")
        length = parse_duration(e["for"]) if "for" in e else end_s - at
        every = parse_duration(e["every"]) if "every" in e else None
        start = at
        while start < end_s:
            windows.append((start, min(start + length, end_s), fault, target))
            if not every:
                break
            start += every
    return windows, instants


def find_scenario(summary, script):
    """scenarios/<name>.yaml of the repository the scripts are in, when the run came from one."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(script)))
    path = os.path.join(repo, "scenarios", f'{summary.get("scenario")}.yaml')
    return path if os.path.exists(path) else None


# --- statistics ------------------------------------------------------------------

def wilson(k, n, z=1.96):
    """Wilson score interval of a binomial proportion k/n."""
    if n <= 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


_T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def mean_ci95(values):
    """Mean and the half-width of its 95% Student-t interval (nan for one value)."""
    values = [v for v in values if not math.isnan(v)]
    n = len(values)
    if n == 0:
        return math.nan, math.nan
    mean = sum(values) / n
    if n == 1:
        return mean, math.nan
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    t = _T95[n - 2] if n - 1 <= len(_T95) else 1.96
    return mean, t * sd / math.sqrt(n)


# --- figures ------------------------------------------------------------------------

def time_axis(span_s):
    """Unit and divisor for a time axis of this span."""
    if span_s > 3 * 86400:
        return "d", 86400.0
    if span_s > 3 * 3600:
        return "h", 3600.0
    if span_s > 3 * 60:
        return "min", 60.0
    return "s", 1.0


def save(fig, path):
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(path)
