"""Shared helpers of the mxsim plot scripts.

Reads only what mxsim writes: summary.json and the CSV files of
`mxsim run --out DIR` (fault windows and zone changes included), the CSV
files of `mxsim compare` (means and intervals from NAME-intervals.csv) and
`mxsim sweep`. Computes no statistics of its own: every interval drawn is
one mxsim wrote. Needs Python 3 and matplotlib (Debian's python3-matplotlib).
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
                 "servfail": "tab:brown", "degrade": "tab:pink"}

# Readable names of mxsim's columns and fields, for axis labels and legends.
LABELS = {
    "first_hop_p50_s": "first-hop p50 (s)", "first_hop_p99_s": "first-hop p99 (s)",
    "delivery_p50_s": "delivery p50 (s)", "delivery_p99_s": "delivery p99 (s)", "delivery_mean_s": "delivery mean (s)",
    "timeouts_per_message": "timeouts per message", "tempfail_per_message": "421 answers per message",
    "connections_per_message": "connections per message",
    "max_over_mean_best_level": "busiest host / mean (best level)",
    "jain_index_best_level": "Jain's index (best level)",
    "utilization_max_best_level": "highest utilization (best level)",
    "jain_index_min": "lowest Jain's index", "max_over_mean_max": "highest busiest/mean",
}


def label(name):
    """A column's readable name: from LABELS, else its words with the unit in brackets."""
    if name in LABELS:
        return LABELS[name]
    if name.endswith("_s"):
        return name[:-2].replace("_", " ") + " (s)"
    return name.replace("_", " ")


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


# --- units and the run's own events -------------------------------------------

# The duration units of mxsim's scenario format (docs/scenario-format.md), for --until.
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text):
    """'30m' -> 1800.0; a bare number is seconds, as in a scenario."""
    m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*([a-z]*)\s*", str(text))
    if not m or m.group(2) not in _UNITS and m.group(2) != "":
        raise ValueError(f"not a duration (units: {', '.join(_UNITS)}): {text!r}")
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


def applied_events(summary):
    """The run's fault windows and zone changes as mxsim applied them (summary.json):
    [(start_s, end_s, fault, target)], [(at_s, text)]. The scenario file is never
    read: it may have changed since the run."""
    if "fault_windows" not in summary:
        raise SystemExit("summary.json has no fault_windows: it comes from an older mxsim; run the scenario again")
    windows = [(float(w["start_s"]), float(w["end_s"]), str(w["fault"]), str(w["target"]).rstrip("."))
               for w in summary.get("fault_windows") or []]
    instants = [(float(z["at_s"]), zone_text(z)) for z in summary.get("zone_changes") or []]
    return windows, instants


def zone_text(change):
    """'zone update: @ IN MX 10 mx-new' from a zone change (its first record, shortened)."""
    lines = [line.strip() for line in str(change.get("zone", "")).splitlines() if line.strip()]
    first = " ".join(lines[0].split()) if lines else f'event {change["event"]}'
    more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
    return f"zone update: {first[:40]}{'...' if len(first) > 40 else ''}{more}"


def latency_cdf(summary, hop):
    """(seconds, fraction) points of a latency CDF from summary.json's latency_cdf
    (histogram percentiles within 1%, dense in the tail; the last is the maximum)."""
    cdf = summary.get("latency_cdf") or {}
    values = cdf.get(f"{hop}_s") or []
    return [(float(v), float(p) / 100) for p, v in zip(cdf.get("percentiles") or [], values)]


def intervals_path(compare_csv):
    """NAME-intervals.csv beside NAME.csv, as mxsim compare writes them."""
    if compare_csv.endswith("-intervals.csv"):
        return compare_csv
    stem = compare_csv[:-len(".csv")] if compare_csv.endswith(".csv") else compare_csv
    return stem + "-intervals.csv"


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
