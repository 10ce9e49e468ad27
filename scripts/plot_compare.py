#!/usr/bin/env python3
"""Policy comparison from the CSV of `mxsim compare` (one row per scenario x
policy x replication): for each metric, the mean over replications of each
policy in each scenario, with its 95% Student-t confidence interval.

The columns are found by name, so that the script keeps working while the
CSV grows: the scenario column is the one named like "scenario", the policy
column "policy" or "selection" (else the first other text column); metrics
are the numeric columns, by default those that look like p50/p99 latency,
timeouts per message, max/mean load and Jain's index. Any numeric column
can be chosen with --metrics.

  scripts/plot_compare.py results/compare/unequal-capacity.csv -o compare.png
"""
import argparse
import math
import os
import sys
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mxplot  # noqa: E402
from mxplot import plt  # noqa: E402

NOT_METRICS = {"seed", "replication", "rep", "run", "point", "points", "index", "exit", "wall_s"}
PREFERRED = ["delivery_p99", "first_hop_p99", "delivery_p50", "first_hop_p50", "timeouts_per_message",
             "max_over_mean", "jain"]


def columns(rows):
    names = list(rows[0].keys()) if rows else []

    def numeric(name):
        values = [r[name] for r in rows if r[name] not in ("", None)]
        return bool(values) and all(not math.isnan(mxplot.number(v)) for v in values)

    nums = [n for n in names if numeric(n) and n.lower() not in NOT_METRICS]
    texts = [n for n in names if n not in nums and n.lower() not in NOT_METRICS]
    scenario = next((n for n in texts if "scenario" in n.lower()), None)
    policy = next((n for n in texts if n.lower() in ("policy", "selection", "policies")), None)
    policy = policy or next((n for n in texts if "policy" in n.lower() or "selection" in n.lower()), None)
    policy = policy or next((n for n in texts if n != scenario), None)
    return scenario, policy, nums


def pick_metrics(nums, wanted, limit=9):
    if wanted:
        missing = [m for m in wanted if m not in nums]
        if missing:
            raise SystemExit(f"no numeric column {', '.join(missing)}; numeric columns: {', '.join(nums)}")
        return wanted
    chosen = []
    for key in PREFERRED:
        chosen += [n for n in nums if key in n.lower() and n not in chosen]
    return (chosen or nums)[:limit]


def plot(rows, path, metrics=None, title=None):
    if not rows:
        raise SystemExit("the CSV has no rows")
    scenario_col, policy_col, nums = columns(rows)
    if policy_col is None:
        raise SystemExit("found no policy column (policy, selection or another text column)")
    metrics = pick_metrics(nums, metrics)
    scenarios = list(OrderedDict.fromkeys(r[scenario_col] if scenario_col else "" for r in rows))
    policies = list(OrderedDict.fromkeys(r[policy_col] for r in rows))
    cols = min(3, len(metrics))
    lines = math.ceil(len(metrics) / cols)
    width = max(4.5, 0.5 * len(scenarios) * len(policies) + 1.5)
    fig, axes = plt.subplots(lines, cols, figsize=(width * cols, 3.8 * lines), squeeze=False)
    bar = 0.8 / max(1, len(policies))
    for ax, metric in zip(axes.flat, metrics):
        for j, policy in enumerate(policies):
            means, halves = [], []
            for scenario in scenarios:
                values = [mxplot.number(r[metric]) for r in rows
                          if r[policy_col] == policy and (not scenario_col or r[scenario_col] == scenario)]
                mean, half = mxplot.mean_ci95(values)
                means.append(mean)
                halves.append(0 if math.isnan(half) else half)
            xs = [i - 0.4 + bar * (j + 0.5) for i in range(len(scenarios))]
            ax.bar(xs, means, bar, yerr=halves, capsize=3, label=policy, color=f"C{j}")
        ax.set_xticks(range(len(scenarios)))
        ax.set_xticklabels(scenarios, rotation=20, ha="right", fontsize=8)
        ax.set_title(metric, fontsize=10)
        ax.grid(True, axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(metrics):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(title or "Policies compared: mean over replications, 95% confidence interval", fontsize=11)
    fig.tight_layout()
    mxplot.save(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", nargs="+", metavar="COMPARE.csv", help="CSV files written by mxsim compare")
    parser.add_argument("-o", "--output", default="compare.png", help="PNG to write (default: %(default)s)")
    parser.add_argument("--metrics", nargs="+", help="numeric columns to plot (default: latency, timeouts, balance)")
    parser.add_argument("--title")
    args = parser.parse_args(argv)
    rows = []
    for path in args.csv:
        rows += mxplot.read_csv(path)
    plot(rows, args.output, args.metrics, args.title)


if __name__ == "__main__":
    main()
