#!/usr/bin/env python3
"""Latency CDFs of one or more mxsim runs, overlaid, on a log time axis:
first hop (submission to the first 250 from any MX) and delivery (to a
final server).

Each curve is summary.json's latency_cdf: the streaming histogram's
quantiles (within 1% of the exact values) at every whole percent and
through the tail to the maximum, drawn as steps. The default y axis is
logit, which spreads 50%, 90%, 99% and 99.9% evenly so that the tail shows;
--yscale linear draws the plain fraction.

  scripts/plot_latency_cdf.py results/runs/seed-failover results/runs/backup-takeover -o cdf.png
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mxplot  # noqa: E402
from mxplot import plt  # noqa: E402

HOPS = {"first_hop": "first hop: submission to the first 250 from any MX",
        "delivery": "delivery: submission to acceptance by a final server"}


def duration_ticks(ax, low, high):
    """Tick marks at durations a reader knows (1 s, 1 min, 1 h...), labelled with their unit."""
    marks = [(0.001, "1 ms"), (0.01, "10 ms"), (0.1, "100 ms"), (1, "1 s"), (10, "10 s"), (60, "1 min"),
             (600, "10 min"), (3600, "1 h"), (6 * 3600, "6 h"), (86400, "1 d"), (5 * 86400, "5 d")]
    shown = [(v, t) for v, t in marks if low / 1.5 <= v <= high * 1.5]
    if len(shown) >= 2:
        ax.set_xticks([v for v, _ in shown])
        ax.set_xticklabels([t for _, t in shown])
        ax.minorticks_off()


def plot(runs, path, hops=("first_hop", "delivery"), labels=None, yscale="logit", title=None):
    fig, axes = plt.subplots(1, len(hops), figsize=(6.4 * len(hops), 4.8), sharey=True, squeeze=False)
    labels = labels or [mxplot.run_label(r) for r in runs]
    low, high = float("inf"), 0.0
    for ax, hop in zip(axes[0], hops):
        drawn = 0
        for i, (run, label) in enumerate(zip(runs, labels)):
            count = (run["summary"].get("latency_s", {}).get(hop) or {}).get("count", 0)
            # Zero latencies have no place on a log axis; logit has no place for 100%.
            points = [(v, p) for v, p in mxplot.latency_cdf(run["summary"], hop)
                      if v > 0 and (yscale != "logit" or p < 1)]
            if not count or not points:
                continue
            vs, ps = zip(*points)
            ax.step(vs, ps, where="post", label=f"{label}, {count} messages", color=f"C{i}", linewidth=1.6)
            low, high = min(low, vs[0]), max(high, vs[-1])
            drawn += 1
        ax.set_xscale("log")
        ax.set_yscale(yscale)
        if yscale == "logit":
            ticks = [0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999]
            ax.set_yticks(ticks)
            ax.set_yticklabels([f"{100 * p:g}%" for p in ticks])
            ax.set_ylim(0.005, 0.99995)
        else:
            ax.set_ylim(0, 1.02)
        ax.set_xlabel("latency (log scale)")
        ax.set_title(HOPS.get(hop, hop), fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        if drawn:
            ax.legend(fontsize=8, loc="lower right")
        else:
            ax.text(0.5, 0.5, "no messages", transform=ax.transAxes, ha="center")
    if high > 0:
        for ax in axes[0]:
            duration_ticks(ax, low, high)
    axes[0][0].set_ylabel("messages with this latency or less")
    fig.suptitle(title or "Latency CDF (histogram quantiles within 1%, from summary.json)", fontsize=11)
    fig.tight_layout()
    mxplot.save(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR", help="folders written by mxsim run --out")
    parser.add_argument("-o", "--output", default="latency-cdf.png", help="PNG to write (default: %(default)s)")
    parser.add_argument("--hop", choices=["first_hop", "delivery", "both"], default="both")
    parser.add_argument("--labels", nargs="+", help="one legend label per run (default: scenario and seed)")
    parser.add_argument("--yscale", choices=["logit", "linear"], default="logit",
                        help="logit spreads 50%%..99.99%% evenly (default); linear draws the plain fraction")
    parser.add_argument("--title")
    args = parser.parse_args(argv)
    if args.labels and len(args.labels) != len(args.runs):
        parser.error("give one label per run")
    hops = ("first_hop", "delivery") if args.hop == "both" else (args.hop,)
    plot([mxplot.load_run(d) for d in args.runs], args.output, hops, args.labels, args.yscale, args.title)


if __name__ == "__main__":
    main()
