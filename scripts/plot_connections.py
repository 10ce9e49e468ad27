#!/usr/bin/env python3
"""Connections of one mxsim run over time, from timeseries.csv summed over
the servers: new connections per second in each bin, and the messages per
connection of the connections that ended in it (closed_messages /
connections_closed: above 1 when senders keep sessions for the mail waiting,
as Postfix does for a backlog; failed connections count as 0). The
run's fault windows (from its summary.json) are shaded, as in plot_timeseries.py.

Runs written before mxsim reported connections_closed have no messages per
connection: the lower panel then says so.

  scripts/plot_connections.py results/runs/slow-start -o connections.png
"""
import argparse
import os
import sys
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mxplot  # noqa: E402
from mxplot import plt  # noqa: E402


def per_bin(rows):
    """{bin start: [connections, connections closed, messages they carried]} over every server."""
    bins = OrderedDict()
    for r in rows:
        entry = bins.setdefault(mxplot.number(r["bin_start_s"]), [0.0, 0.0, 0.0])
        entry[0] += mxplot.number(r.get("connections"), 0.0)
        entry[1] += mxplot.number(r.get("connections_closed"), 0.0)
        entry[2] += mxplot.number(r.get("closed_messages"), 0.0)
    return bins


def plot(run, path, title=None, until=None):
    rows = run["timeseries"]
    if not rows:
        raise SystemExit(f'{run["dir"]}: no timeseries.csv')
    bins = per_bin(rows)
    starts = list(bins)
    width = starts[1] - starts[0] if len(starts) > 1 else 1.0
    end = until or starts[-1] + width
    unit, scale = mxplot.time_axis(end)
    xs = [t / scale for t in starts]

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.4), sharex=True, gridspec_kw={"height_ratios": [1, 1]})
    top.step(xs, [bins[t][0] / width for t in starts], where="post", color="tab:blue", linewidth=1.2,
             label="new connections")
    top.set_ylabel(f"connections per second\n(bins of {width:g} s)")
    has_closed = "connections_closed" in rows[0]
    if has_closed:
        ratio = [bins[t][2] / bins[t][1] if bins[t][1] else float("nan") for t in starts]
        bottom.step(xs, ratio, where="post", color="tab:green", linewidth=1.2, label="messages per connection")
        bottom.axhline(1, color="gray", linewidth=0.8, linestyle=":")
    else:
        bottom.text(0.5, 0.5, "this run has no connections_closed column (written before mxsim reported it)",
                    ha="center", va="center", transform=bottom.transAxes, fontsize=9)
    bottom.set_ylabel("messages per connection\n(connections ending in the bin)")
    bottom.set_xlabel(f"simulated time ({unit})")

    # The fault windows as this run applied them (summary.json): the scenario file is not read.
    windows, instants = mxplot.applied_events(run["summary"])
    seen = set()
    for start, stop, fault, target in windows:
        label = f"{fault}: {target}"
        for ax in (top, bottom):
            ax.axvspan(start / scale, min(stop, end) / scale, color=mxplot.FAULT_COLOURS.get(fault, "tab:gray"),
                       alpha=0.15, label=label if ax is top and label not in seen else None)
        seen.add(label)
    for at, text in instants:
        for ax in (top, bottom):
            ax.axvline(at / scale, color="black", linestyle="--", linewidth=1,
                       label=text if ax is top and text not in seen else None)
        seen.add(text)
    top.legend(fontsize=8, loc="best")
    if has_closed:
        bottom.legend(fontsize=8, loc="best")
    top.set_xlim(0, end / scale)
    fig.suptitle(title or f"Connections over time: {mxplot.run_label(run)}", fontsize=11)
    mxplot.save(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", metavar="RUN_DIR", help="a folder written by mxsim run --out")
    parser.add_argument("-o", "--output", default="connections.png", help="PNG to write (default: %(default)s)")
    parser.add_argument("--until", type=mxplot.parse_duration, help="end of the time axis, e.g. 1h (default: the run's end)")
    parser.add_argument("--title")
    args = parser.parse_args(argv)
    plot(mxplot.load_run(args.run), args.output, args.title, args.until)


if __name__ == "__main__":
    main()
