"""The HTML report as a person sees it: rendered by headless Chromium (Debian's package), with a
screenshot, and the lab's tables present in the rendered page."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from evaluation.checks import Check
from evaluation.report import as_html

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    # Debian's chromium here and in CI; CodeBuild's standard images (the pipeline) ship Google Chrome.
    names = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    found = os.environ.get("CHROMIUM") or next((shutil.which(n) for n in names if shutil.which(n)), None)
    if not found:
        pytest.fail("Chromium is needed to render the report: `make test` installs Debian's `chromium` when run as "
                    "root; otherwise install it (apt-get install chromium) or set CHROMIUM=/path/to/chromium")
    return found


def sample_report() -> str:
    catalog = {"p1": {"name": "Mauve Leather Daypack", "category": "accessories", "image": "https://example.invalid/p1.jpg"}}
    checks = [
        Check("personalized-ranking", "pass", "a permutation; most responsive to a discount: p2, p1",
              {"input": ["p1", "p2"]}, [{"title": "Unranked next to reranked", "columns": ["input", "reranked"],
                                         "rows": [["p1", "p2"], ["p2", "p1"]]}]),
        Check("promotion", "warn", "no item carries the promotion", {},
              [{"title": "Recommendations with a promotion", "columns": ["#", "item", "promoted"],
                "rows": [[1, "p1", ""], [2, "p3", "yes"]]}]),
        Check("purchased-filter", "fail", "p1 still recommended 60 s after its purchase", {"purchased": "p1"},
              [{"title": "Synthetic user: the event sent next to recommendations",
                "columns": ["event sent", "before", "after"], "rows": [["Purchase p1", "p1", "p1"]]}]),
    ]
    return as_html(checks, {"mode": "full", "digest": "abc"}, catalog)


def test_the_report_renders_with_its_tables(tmp_path: Path):
    page = tmp_path / "report.html"
    page.write_text(sample_report())
    profile = tmp_path / "profile"
    common = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]

    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    shot = tmp_path / "report.png"
    subprocess.run([*common, f"--screenshot={shot}", "--window-size=1200,1400", page.as_uri()],
                   capture_output=True, text=True, timeout=120)

    assert dom.stdout.count("<table>") == 3, dom.stderr[-2000:]
    for caption in ("Unranked next to reranked", "Recommendations with a promotion", "the event sent next to"):
        assert caption in dom.stdout
    assert "Mauve Leather Daypack" in dom.stdout and "FAIL" in dom.stdout
    assert shot.exists() and shot.stat().st_size > 10_000  # a real picture, not an empty canvas
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
