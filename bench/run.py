#!/usr/bin/env python3
"""`make bench`: measure, then rewrite BENCHMARKS.md with the figures of this one run.

    .venv/bin/python bench/run.py [--runs 5] [--scale-runs 3] [--import-runs 5] [--output BENCHMARKS.md]

Exits non-zero, leaving BENCHMARKS.md as it was, if any measurement fails. A target that does not
hold is reported in the table, not as a failure.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lambda_footprint
import rehearsal_figures
import report
import suite_time
import synth_scale
import synth_time
from common import CDK, ROOT, MeasurementFailed, cdk_env, say


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="synth runs of each app for figure 1 (default 5)")
    parser.add_argument("--scale-runs", type=int, default=3, help="rounds of figure 2 (default 3)")
    parser.add_argument("--import-runs", type=int, default=5, help="fresh interpreters per handler import (default 5)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    return parser.parse_args(argv)


def header() -> list[str]:
    cdk = subprocess.run([str(CDK), "--version"], capture_output=True, text=True, env=cdk_env()).stdout.strip()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return [f"run {time.strftime('%Y-%m-%d %H:%M %Z')} on {os.cpu_count()} cores, {platform.system()} {platform.machine()}",
            f"Python {platform.python_version()}, Node {node}, CDK CLI {cdk}"]


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    runs = {"synth": args.runs, "scale": args.scale_runs, "imports": args.import_runs}
    results: dict = {}
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            work = Path(tmp)
            say(f"1/5 synth: default app vs one-Lambda baseline, {args.runs} runs each")
            results["synth"] = synth_time.measure(args.runs, work)
            default_out = results["synth"]["default_out"]
            say("3/5 rehearsed create on the virtual clock, and the lab's way")
            results["deploy"] = rehearsal_figures.measure(default_out)
            say("4/5 Lambda asset and cold imports")
            results["footprint"] = lambda_footprint.measure(default_out, args.import_runs)
            say(f"2/5 synth as the config grows, {args.scale_runs} rounds")
            results["scale"] = synth_scale.measure(args.scale_runs, work)
            say("5/5 the test suite")
            results["suite"] = suite_time.measure()
            text = report.markdown(results, runs, header())
    except MeasurementFailed as error:
        say(f"bench: a measurement failed, {args.output.name} left as it was:\n{error}")
        return 1
    args.output.write_text(text)
    say(f"bench: wrote {args.output} in {time.perf_counter() - started:.0f} s")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
