"""Figure 3: the rehearsed create on the emulator's virtual clock, against the lab's way.

Run with PYTHONPATH=.:lambdas from the project root: `python bench/rehearsed_deploy.py TEMPLATE`.
Prints one JSON object. Ours: rehearsal.session.Session plays CloudFormation's create of the
synthesized template (custom resources through their real handlers). The lab's way: the notebook's
calls through a boto3 client on the emulator, one resource after another, each waited for with
15 s polls. Both on the same emulator latencies (tests/emulator/models.py, Latencies).
"""
from __future__ import annotations

import json
import logging
import math
import os
import sys
from collections import Counter
from pathlib import Path

from rehearsal.session import Session, load
from tests.emulator import Latencies, PersonalizeEmulator

LAB_POLL_SECONDS = 15
PLAYED = ("Custom::PersonalizeFilter", "Custom::PersonalizeEventTracker", "Custom::SsmParameterWriter", "Custom::Trigger")


def playable(template: dict) -> tuple[dict, list[str]]:
    """The template without custom resources the rehearsal has no handler for (e.g. the post-deploy
    evaluation's Custom::Trigger), and their types; refused if anything else references them."""
    dropped = {n: r["Type"] for n, r in template["Resources"].items()
               if r["Type"].startswith("Custom::") and r["Type"] not in PLAYED}
    kept = {n: r for n, r in template["Resources"].items() if n not in dropped}
    text = json.dumps(kept)
    for n in dropped:
        if f'"{n}"' in text:
            raise SystemExit(f"cannot leave out {n} ({dropped[n]}): other resources reference it")
    return {**template, "Resources": kept}, sorted(set(dropped.values()))
DATASET_GROUP = "retaildemostore-products"


def poll_interval(template: dict) -> float:
    found = {r["Properties"].get("Environment", {}).get("Variables", {}).get("POLL_INTERVAL_SECONDS")
             for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"} - {None}
    if len(found) != 1:
        raise SystemExit(f"expected one POLL_INTERVAL_SECONDS in the template, found {sorted(found)}")
    return float(found.pop())


def describes_per_resource(calls) -> tuple[Counter, Counter]:
    """Describe calls per Personalize resource ARN (filters and trackers): all of them, and those
    that found it, i.e. made after its create went through (the others wait out a LimitExceeded)."""
    every: Counter = Counter()
    after_create: Counter = Counter()
    for call in calls:
        if call.operation in ("DescribeFilter", "DescribeEventTracker"):
            arn = call.params.get("filterArn") or call.params.get("eventTrackerArn")
            every[arn] += 1
            if call.error_code is None:  # found: it exists, so its create went through
                after_create[arn] += 1
    return every, after_create


def describe_figures(counts: tuple[Counter, Counter], latencies: Latencies, interval: float) -> dict:
    """The resource with the most Describe calls relative to its bound ceil(t / interval) + 1."""
    every, after_create = counts
    rows = []
    for arn, n in every.items():
        t = latencies.event_tracker if ":event-tracker/" in arn else latencies.filter
        rows.append({"arn": arn, "calls": n, "after_create": after_create[arn], "bound": math.ceil(t / interval) + 1})
    worst = max(rows, key=lambda r: (r["calls"] - r["bound"], r["calls"]))
    return {"max_calls": max(r["calls"] for r in rows), "worst": worst,
            "max_after_create": max(r["after_create"] for r in rows),
            "all_within": all(r["calls"] <= r["bound"] for r in rows),
            "after_create_within": all(r["after_create"] <= r["bound"] for r in rows), "resources": len(rows)}


def ours(template: dict, max_pending: int | None) -> dict:
    latencies = Latencies()
    with Session(template, latencies=latencies) as session:
        emulator = session.world.emulator
        if max_pending is not None:
            emulator.quotas.max_pending = max_pending  # the backend holds the same Quotas object
        session.stack.started = session.world.clock.now()
        status = session.deploy()
        session.check_end()
        if status != "CREATE_COMPLETE" or session.world.violations:
            raise SystemExit(f"rehearsed create ended {status}; violations: {session.world.violations}")
        refused = [c.params.get("name") for c in emulator.calls if c.error_code == "LimitExceededException"]
        return {"seconds": session.seconds(), "max_pending": emulator.quotas.max_pending,
                "limit_exceeded": len(refused), "limited_resources": len(set(refused)), "counts": describes_per_resource(emulator.calls),
                "api_calls": len(emulator.calls)}


def lab(filters: list[tuple[str, str]], tracker_name: str) -> dict:
    """The notebook: create the tracker, wait; then each filter, wait; polls every 15 s."""
    emulator = PersonalizeEmulator()
    dataset_group = emulator.add_dataset_group(DATASET_GROUP)
    client = emulator.client()
    started = emulator.clock.now()

    def wait(describe, key: str) -> None:
        while True:
            status = describe()[key]["status"]
            if status in ("ACTIVE", "CREATE FAILED"):
                if status != "ACTIVE":
                    raise SystemExit(f"lab: {key} ended {status}")
                return
            emulator.clock.advance(LAB_POLL_SECONDS)  # the notebook's time.sleep(15)

    tracker = client.create_event_tracker(name=tracker_name, datasetGroupArn=dataset_group)["eventTrackerArn"]
    wait(lambda: client.describe_event_tracker(eventTrackerArn=tracker), "eventTracker")
    for name, expression in filters:
        arn = client.create_filter(name=name, datasetGroupArn=dataset_group, filterExpression=expression)["filterArn"]
        wait(lambda: client.describe_filter(filterArn=arn), "filter")
    return {"seconds": emulator.clock.now() - started, "counts": describes_per_resource(emulator.calls),
            "api_calls": len(emulator.calls)}


def main(path: str) -> dict:
    os.environ["LOG_LEVEL"] = "CRITICAL"  # the handlers' own log level
    logging.basicConfig(level=logging.CRITICAL)
    template, dropped = playable(load(Path(path)))
    interval = poll_interval(template)
    latencies = Latencies()
    slowest = max(latencies.filter, latencies.event_tracker)
    customs = [r for r in template["Resources"].values() if r["Type"] in ("Custom::PersonalizeFilter", "Custom::PersonalizeEventTracker")]
    filters = [(r["Properties"]["Name"], r["Properties"]["FilterExpression"])
               for r in customs if r["Type"] == "Custom::PersonalizeFilter"]
    trackers = [r["Properties"]["Name"] for r in customs if r["Type"] == "Custom::PersonalizeEventTracker"]
    if len(trackers) != 1 or not filters:
        raise SystemExit(f"expected one tracker and some filters, found {len(trackers)} and {len(filters)}")
    the_lab = lab(filters, trackers[0])
    out = {"interval": interval, "slowest": slowest, "personalize_resources": len(customs), "left_out": dropped,
           "lab": {"seconds": the_lab["seconds"], "describe": describe_figures(the_lab["counts"], latencies, LAB_POLL_SECONDS)}}
    for label, max_pending in (("default_quotas", None), ("pending_7", len(customs))):
        run = ours(template, max_pending)
        out[label] = {"seconds": run["seconds"], "max_pending": run["max_pending"], "limit_exceeded": run["limit_exceeded"],
                      "limited_resources": run["limited_resources"],
                      "critical_ratio": run["seconds"] / slowest, "vs_lab": run["seconds"] / the_lab["seconds"],
                      "describe": describe_figures(run["counts"], latencies, interval), "api_calls": run["api_calls"]}
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1]), indent=1))
