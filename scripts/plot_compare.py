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
    """One panel per metric (rows) and scenario (columns), each on its own
    scale: scenarios differ by orders of magnitude. Bars are the policies."""
    if not rows:
        raise SystemExit("the CSV has no rows")
    scenario_col, policy_col, nums = columns(rows)
    if policy_col is None:
        raise SystemExit("found no policy column (policy, selection or another text column)")
    metrics = pick_metrics(nums, metrics)
    scenarios = list(OrderedDict.fromkeys(r[scenario_col] if scenario_col else "" for r in rows))
    policies = list(OrderedDict.fromkeys(r[policy_col] for r in rows))
    fig, axes = plt.subplots(len(metrics), len(scenarios), squeeze=False,
                             figsize=(max(4.0, min(3.2, 0.3 * len(policies) + 1.2) * len(scenarios)),
                                      1.9 * len(metrics) + 1.2))
    for i, metric in enumerate(metrics):
        for j, scenario in enumerate(scenarios):
            ax = axes[i][j]
            for k, policy in enumerate(policies):
                values = [mxplot.number(r[metric]) for r in rows
                          if r[policy_col] == policy and (not scenario_col or r[scenario_col] == scenario)]
                mean, half = mxplot.mean_ci95(values)
                if not math.isnan(mean):
                    ax.bar(k, mean, 0.8, yerr=None if math.isnan(half) else half, capsize=2, color=f"C{k % 10}",
                           label=policy)
            ax.set_xticks([])
            ax.tick_params(labelsize=7)
            ax.grid(True, axis="y", alpha=0.3)
            if i == 0:
                ax.set_title(scenario, fontsize=9)
            if j == 0:
                ax.set_ylabel(metric, fontsize=8)
    handles = [plt.Rectangle((0, 0), 1, 1, color=f"C{k % 10}") for k in range(len(policies))]
    fig.legend(handles, policies, loc="upper center", ncol=min(len(policies), 5), fontsize=8,
               bbox_to_anchor=(0.5, 1.0 - 0.1 / (1.9 * len(metrics) + 1.2)))
    fig.suptitle(title or f"Policies compared ({policy_col}): mean over replications with its 95% confidence interval",
                 fontsize=11, y=1.0 + 0.35 / (1.9 * len(metrics) + 1.2))
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.9 / (1.9 * len(metrics) + 1.2)))
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
