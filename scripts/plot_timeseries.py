#!/usr/bin/env python3
"""Time series of one mxsim run: messages accepted per server in each bin
(timeseries.csv) and the senders' queues (queue.csv: deferred messages and
messages in flight at the end of each bin), with the scenario's fault
windows shaded and zone updates marked.

Fault windows come from the scenario file: give it with --scenario, or it is
looked up as scenarios/<name>.yaml beside this script; without it the plot
has no shading (and says so).

  scripts/plot_timeseries.py results/runs/seed-failover --scenario scenarios/seed-failover.yaml -o ts.png
"""
import argparse
import os
import sys
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mxplot  # noqa: E402
from mxplot import plt  # noqa: E402


def plot(run, path, scenario=None, title=None, until=None):
    rows = run["timeseries"] or []
    queue = run["queue"] or []
    if not rows and not queue:
        raise SystemExit(f'{run["dir"]}: no timeseries.csv or queue.csv')
    times = [mxplot.number(r["bin_start_s"]) for r in rows] + [mxplot.number(r["bin_start_s"]) for r in queue]
    bin_width = 0.0
    starts = sorted({t for t in times})
    if len(starts) > 1:
        bin_width = starts[1] - starts[0]
    end = until or (max(times) + bin_width if times else 1.0)
    unit, scale = mxplot.time_axis(end)

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.4), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    series = OrderedDict()
    for r in rows:
        key = f'{r["host"]} ({r["address"]})'
        series.setdefault(key, ([], []))
        series[key][0].append(mxplot.number(r["bin_start_s"]) / scale)
        series[key][1].append(mxplot.number(r["accepted"]))
    for i, (key, (xs, ys)) in enumerate(series.items()):
        top.step(xs, ys, where="post", label=key, color=f"C{i}", linewidth=1.2)
    top.set_ylabel(f"accepted per bin ({bin_width:g} s)" if bin_width else "accepted per bin")
    if series:
        top.legend(fontsize=8, loc="best")

    if queue:
        xs = [mxplot.number(r["bin_start_s"]) / scale for r in queue]
        for key, colour in (("deferred", "tab:red"), ("in_flight", "tab:blue")):
            if key in queue[0]:
                bottom.step(xs, [mxplot.number(r[key]) for r in queue], where="post", color=colour,
                            label=key.replace("_", " "), linewidth=1.2)
        bottom.legend(fontsize=8, loc="best")
    bottom.set_ylabel("messages at bin end")
    bottom.set_xlabel(f"simulated time ({unit})")

    note = ""
    scenario = scenario or mxplot.find_scenario(run["summary"], __file__)
    if scenario:
        windows, instants = mxplot.fault_windows(mxplot.scenario_events(scenario), end)
        seen = set()
        for start, stop, fault, target in windows:
            colour = mxplot.FAULT_COLOURS.get(fault, "tab:gray")
            label = f"{fault}: {target}"
            for ax in (top, bottom):
                ax.axvspan(start / scale, stop / scale, color=colour, alpha=0.15,
                           label=label if ax is top and label not in seen else None)
            seen.add(label)
        for at, text in instants:
            for ax in (top, bottom):
                ax.axvline(at / scale, color="black", linestyle="--", linewidth=1,
                           label=text if ax is top and text not in seen else None)
            seen.add(text)
        if seen:
            top.legend(fontsize=8, loc="best")
    else:
        note = " (no scenario file: fault windows not shaded)"
    top.set_xlim(0, end / scale)
    fig.suptitle((title or f"Accepted mail and queues over time: {mxplot.run_label(run)}") + note, fontsize=11)
    mxplot.save(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", metavar="RUN_DIR", help="a folder written by mxsim run --out")
    parser.add_argument("-o", "--output", default="timeseries.png", help="PNG to write (default: %(default)s)")
    parser.add_argument("--scenario", help="the scenario file, for the fault windows")
    parser.add_argument("--until", type=mxplot.parse_duration, help="end of the time axis, e.g. 6h (default: the run's end)")
    parser.add_argument("--title")
    args = parser.parse_args(argv)
    plot(mxplot.load_run(args.run), args.output, args.scenario, args.title, args.until)


if __name__ == "__main__":
    main()
