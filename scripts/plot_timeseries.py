#!/usr/bin/env python3
"""Time series of one mxsim run: messages accepted per server in each bin
(timeseries.csv) and the senders' queues (queue.csv: messages in flight and
deferred ones at the end of each bin), with the fault windows shaded and
zone updates marked where the run applied them (summary.json's
fault_windows and zone_changes: the scenario file is not read).

  scripts/plot_timeseries.py results/runs/seed-failover -o ts.png --until 6h
"""
import argparse
import os
import sys
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mxplot  # noqa: E402
from mxplot import plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def shade(axes, windows, instants, scale, end):
    """Fault windows as bands, zone updates as dashed lines, on every axis;
    returns the first axis's ones for its legend, one per label."""
    handles, seen = [], set()
    for start, stop, fault, target in windows:
        if start >= end:
            continue
        colour = mxplot.FAULT_COLOURS.get(fault, "tab:gray")
        bands = [ax.axvspan(start / scale, min(stop, end) / scale, color=colour, alpha=0.15, linewidth=0) for ax in axes]
        text = f"{fault}: {target}"
        if text not in seen:
            bands[0].set_label(text)
            handles.append(bands[0])
            seen.add(text)
    for at, text in instants:
        if at > end:
            continue
        lines = [ax.axvline(at / scale, color="black", linestyle="--", linewidth=1) for ax in axes]
        if text not in seen:
            lines[0].set_label(text)
            handles.append(lines[0])
            seen.add(text)
    return handles


def plot(run, path, title=None, until=None):
    """Draws the figure; returns the fault windows it shaded, (start_s, end_s, fault, target)."""
    rows = run["timeseries"] or []
    queue = run["queue"] or []
    if not rows and not queue:
        raise SystemExit(f'{run["dir"]}: no timeseries.csv or queue.csv')
    times = sorted({mxplot.number(r["bin_start_s"]) for r in rows} | {mxplot.number(r["bin_start_s"]) for r in queue})
    bin_width = times[1] - times[0] if len(times) > 1 else 0.0
    # The axis ends with the run (or earlier, at --until): nothing happens after it.
    run_end = float(run["summary"].get("simulated_s") or 0) or (times[-1] + bin_width if times else 1.0)
    end = min(until, run_end) if until else run_end
    unit, scale = mxplot.time_axis(end)
    windows, instants = mxplot.applied_events(run["summary"])

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.8), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    series = OrderedDict()
    for r in rows:
        key = f'{r["host"]} ({r["address"]})'
        series.setdefault(key, ([], []))
        series[key][0].append(mxplot.number(r["bin_start_s"]) / scale)
        series[key][1].append(mxplot.number(r["accepted"]))
    for i, (key, (xs, ys)) in enumerate(series.items()):
        top.step(xs, ys, where="post", label=key, color=f"C{i}", linewidth=1.3)
    width = f"{bin_width:g} s" if bin_width < 120 else f"{bin_width / 60:g} min"
    top.set_ylabel(f"messages accepted per {width}" if bin_width else "messages accepted per bin")
    top.set_ylim(bottom=0)
    top.yaxis.set_major_locator(MaxNLocator(integer=True))

    if queue:
        xs = [mxplot.number(r["bin_start_s"]) / scale for r in queue]
        # In flight includes the deferred: drawn first, filled, so that the
        # deferred line on top of it stays visible where the two meet.
        in_flight = [mxplot.number(r["in_flight"]) for r in queue]
        bottom.fill_between(xs, in_flight, step="post", color="tab:blue", alpha=0.25, linewidth=0)
        bottom.step(xs, in_flight, where="post", color="tab:blue", linewidth=1.2,
                    label="in flight (submitted, not yet delivered or bounced)")
        bottom.step(xs, [mxplot.number(r["deferred"]) for r in queue], where="post", color="tab:red",
                    linewidth=1.6, linestyle="--", label="of which deferred (waiting for a retry)")
        bottom.set_ylim(bottom=0)
        bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.set_ylabel("messages queued at senders\n(at the end of each bin)")
    bottom.set_xlabel(f"simulated time ({unit})")

    handles = shade((top, bottom), windows, instants, scale, end)
    top.legend(handles=[h for h in top.get_legend_handles_labels()[0] if h not in handles] + handles, fontsize=8,
               loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, title="servers and events",
               title_fontsize=8)
    if queue:
        bottom.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
    top.set_xlim(0, end / scale)
    note = "" if windows or instants else " (no faults or zone changes)"
    fig.suptitle(title or f"Accepted mail and sender queues over time: {mxplot.run_label(run)}{note}", fontsize=11)
    fig.tight_layout()
    mxplot.save(fig, path)
    return windows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", metavar="RUN_DIR", help="a folder written by mxsim run --out")
    parser.add_argument("-o", "--output", default="timeseries.png", help="PNG to write (default: %(default)s)")
    parser.add_argument("--until", type=mxplot.parse_duration,
                        help="end of the time axis, e.g. 6h (units ms, s, m, h, d; default and latest: the run's end)")
    parser.add_argument("--title")
    args = parser.parse_args(argv)
    plot(mxplot.load_run(args.run), args.output, args.title, args.until)


if __name__ == "__main__":
    main()
