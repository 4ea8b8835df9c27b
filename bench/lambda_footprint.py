"""Figure 4: the handlers' asset, zipped, and each handler module's cold import time.

The asset is the directory the synthesized template's handler functions point at
(Metadata aws:asset:path, asset.<hash>/ in cdk.out), zipped as Lambda receives it. Imports run
in fresh interpreters from that directory with PYTHONDONTWRITEBYTECODE=1, so our modules are
compiled from source as on a cold start (the asset has no __pycache__), while boto3 and botocore
load from the venv's bytecode, as from the Lambda runtime's.
"""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

from common import PY, MeasurementFailed, median, timed

HANDLERS = ("personalize_filter.handler", "event_tracker.handler", "ssm_parameter.handler")
TIMER = "import time; t = time.perf_counter(); import {m}; print(time.perf_counter() - t)"


def asset_dir(out_dir: Path) -> Path:
    """The one asset directory every handler Lambda of the default stack uses."""
    paths = set()
    for template in out_dir.glob("*.template.json"):
        for resource in json.loads(template.read_text())["Resources"].values():
            handler = resource.get("Properties", {}).get("Handler", "")
            if resource["Type"] == "AWS::Lambda::Function" and handler.rsplit(".", 1)[0] in HANDLERS:
                paths.add(resource.get("Metadata", {}).get("aws:asset:path"))
    if len(paths) != 1 or None in paths:
        raise MeasurementFailed(f"expected one asset directory for the handlers, found {sorted(map(str, paths))}")
    found = out_dir / paths.pop()
    if not found.is_dir():
        raise MeasurementFailed(f"asset directory {found} is missing")
    return found


def zipped_size(directory: Path) -> tuple[int, int]:
    """Bytes of a deflated zip of the directory (without __pycache__), and the number of files."""
    buffer, files = io.BytesIO(), 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                archive.write(path, path.relative_to(directory).as_posix())
                files += 1
    return len(buffer.getvalue()), files


def _env(code_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PYTHONPATH=str(code_dir), PYTHONDONTWRITEBYTECODE="1", AWS_DEFAULT_REGION="us-east-1")
    return env


def import_seconds(module: str, code_dir: Path, runs: int) -> float:
    samples = []
    for _ in range(runs):
        _, out = timed([str(PY), "-c", TIMER.format(m=module)], cwd=code_dir, env=_env(code_dir), what=f"import {module}")
        samples.append(float(out.strip().splitlines()[-1]))
    return median(samples)


def boto3_share_seconds(module: str, code_dir: Path, runs: int) -> float:
    """Median cumulative import time of boto3 inside the handler's import (python -X importtime)."""
    samples = []
    for _ in range(runs):
        cmd = [str(PY), "-X", "importtime", "-c", f"import {module}"]
        done = subprocess.run(cmd, cwd=code_dir, env=_env(code_dir), capture_output=True, text=True)
        if done.returncode != 0:
            raise MeasurementFailed(f"-X importtime {module}: exit {done.returncode}\n{done.stderr[-1500:]}")
        match = re.search(r"^import time:\s+\d+ \|\s+(\d+) \|\s*boto3$", done.stderr, re.MULTILINE)
        if not match:
            raise MeasurementFailed(f"{module} does not import boto3 (no boto3 line in -X importtime)")
        samples.append(int(match.group(1)) / 1e6)
    return median(samples)


def measure(out_dir: Path, runs: int) -> dict:
    directory = asset_dir(out_dir)
    size, files = zipped_size(directory)
    imports = {m: import_seconds(m, directory, runs) for m in HANDLERS}
    boto3 = {m: boto3_share_seconds(m, directory, runs) for m in HANDLERS}
    slowest = max(imports, key=imports.get)
    return {"asset": directory.name, "zip_bytes": size, "files": files, "imports": imports, "boto3": boto3,
            "slowest": slowest}


if __name__ == "__main__":
    import sys
    print(measure(Path(sys.argv[1]), 3))
