"""Runs bench/rehearsed_deploy.py in its own interpreter (the rehearsal patches time.sleep and
starts moto), with PYTHONPATH=.:lambdas as `make rehearse` does."""
from __future__ import annotations

import json
import os
from pathlib import Path

from common import PY, ROOT, MeasurementFailed, timed


def template_of(out_dir: Path) -> Path:
    found = sorted(out_dir.glob("*.template.json"))
    if len(found) != 1:
        raise MeasurementFailed(f"expected one template in {out_dir}, found {len(found)}")
    return found[0]


def measure(out_dir: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'lambdas'}"}
    _, out = timed([str(PY), str(ROOT / "bench" / "rehearsed_deploy.py"), str(template_of(out_dir))],
                   cwd=ROOT, env=env, what="rehearsed deploy")
    try:
        return json.loads(out)
    except json.JSONDecodeError as error:
        raise MeasurementFailed(f"rehearsed deploy printed no JSON ({error}): {out[-500:]}") from None
