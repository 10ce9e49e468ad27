#!/usr/bin/env python3
"""Turn the folder of one `mxsim run --out OUTDIR` into PNGs: the latency CDF,
the load per server and the time series, written into OUTDIR (or --png-dir).

  mxsim run scenarios/seed-failover.yaml --out out/failover
  scripts/plot_run.py out/failover
      -> out/failover/latency-cdf.png, load.png, timeseries.png

The scenario file (for the fault windows of the time series) is taken from
--scenario, else scenarios/<name>.yaml beside this script when it exists.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mxplot  # noqa: E402
import plot_latency_cdf  # noqa: E402
import plot_load  # noqa: E402
import plot_timeseries  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", metavar="OUTDIR", help="a folder written by mxsim run --out")
    parser.add_argument("--scenario", help="the scenario file, for the fault windows")
    parser.add_argument("--png-dir", help="where to write the PNGs (default: OUTDIR)")
    parser.add_argument("--prefix", default="", help="put before each PNG's name, e.g. seed-failover-")
    parser.add_argument("--until", type=mxplot.parse_duration,
                        help="end of the time-series axis, e.g. 6h (default: the run's end)")
    args = parser.parse_args(argv)
    run = mxplot.load_run(args.outdir)
    target = args.png_dir or args.outdir
    name = lambda stem: os.path.join(target, f"{args.prefix}{stem}.png")  # noqa: E731
    plot_latency_cdf.plot([run], name("latency-cdf"))
    plot_load.plot(run, name("load"))
    if run["timeseries"] is not None or run["queue"] is not None:
        plot_timeseries.plot(run, name("timeseries"), args.scenario, until=args.until)


if __name__ == "__main__":
    main()
