"""Figure 5: wall time of the test suite, as `make test` runs it (.venv/bin/python -m pytest)."""
from __future__ import annotations

from common import PY, ROOT, timed


def measure() -> dict:
    seconds, out = timed([str(PY), "-m", "pytest"], cwd=ROOT, what="the test suite (python -m pytest)")
    summary = next((line for line in reversed(out.strip().splitlines()) if " in " in line), "")
    return {"seconds": seconds, "summary": summary.strip("= ")}


if __name__ == "__main__":
    print(measure())
