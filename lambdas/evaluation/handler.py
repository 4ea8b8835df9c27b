"""The evaluation Lambda, run by a CDK trigger after each deploy: runs the checks concurrently,
stores the JSON and HTML reports, and raises when a check fails under the `fail` policy, which
fails the deploy."""
from __future__ import annotations

import concurrent.futures
import logging
import os
import time
from typing import Any

from . import catalog as catalog_source
from .checks import ALL, FAIL, Check, guarded
from .report import as_html, as_json
from .runtime import Runtime
from .settings import Settings

logging.getLogger().setLevel(os.environ.get("LOG_LEVEL", "INFO"))
log = logging.getLogger(__name__)


class EvaluationFailed(Exception):
    """Raised under the `fail` policy: the trigger's error fails the deploy."""


# Independent checks run side by side; the rehearsal runs them one at a time on its virtual clock.
MAX_WORKERS = len(ALL)


def evaluate(rt: Runtime, settings: Settings, catalog: dict[str, dict]) -> list[Check]:
    """The order of the report stays the order of ALL."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=MAX_WORKERS) as pool:
        futures = [pool.submit(guarded, check, rt, settings, catalog) for check in ALL]
        return [f.result() for f in futures]


def run(rt: Runtime, settings: Settings, store, catalog: dict[str, dict]) -> dict[str, Any]:
    started = rt.clock()
    checks = evaluate(rt, settings, catalog)
    meta = {"mode": settings.mode, "failure_policy": settings.failure_policy, "digest": settings.digest,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            "seconds": round(rt.clock() - started, 1)}
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(started))
    locations = [
        store(f"{settings.report_prefix}{stamp}/report.json", as_json(checks, meta), "application/json"),
        store(f"{settings.report_prefix}{stamp}/report.html", as_html(checks, meta, catalog), "text/html"),
        store(f"{settings.report_prefix}latest.html", as_html(checks, meta, catalog), "text/html"),
    ]
    for check in checks:
        log.info("%s %s: %s", check.status.upper(), check.name, check.summary)
    log.info("report: %s", ", ".join(locations))
    failed = [c for c in checks if c.status == FAIL]
    summary = {"checks": {c.name: c.status for c in checks}, "report": locations}
    if failed and settings.failure_policy == "fail":
        raise EvaluationFailed("; ".join(f"{c.name}: {c.summary}" for c in failed)[:2000] + f" (report: {locations[1]})")
    return summary


def default_client(service: str):
    import boto3

    return boto3.client(service)


# How the handler gets its clients and its clock; the local rehearsal swaps in the emulator's.
CLIENT_FACTORY = default_client
CLOCK, SLEEP = time.time, time.sleep


def handler(event, _context=None):
    settings = Settings.from_environment()
    s3 = CLIENT_FACTORY("s3")

    def store(key: str, body: str, content_type: str) -> str:
        s3.put_object(Bucket=settings.report_bucket, Key=key, Body=body.encode(), ContentType=content_type)
        return f"s3://{settings.report_bucket}/{key}"

    catalog = catalog_source.load(settings.catalog_url, settings.catalog_s3_uri,
                                  lambda b, k: s3.get_object(Bucket=b, Key=k)["Body"].read())
    rt = Runtime(CLIENT_FACTORY("personalize-runtime"), CLIENT_FACTORY("personalize-events"),
                 clock=lambda: CLOCK(), sleep=lambda seconds: SLEEP(seconds))
    return run(rt, settings, store, catalog)
