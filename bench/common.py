"""Shared by the bench modules: paths, the CDK CLI's environment, timed subprocesses, medians."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
CDK = ROOT / "node_modules" / ".bin" / "cdk"


class MeasurementFailed(Exception):
    """A measurement could not be taken; the bench exits non-zero and writes nothing."""


def cdk_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1",
               JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
               CDK_DISABLE_CLI_TELEMETRY="true")  # no network attempts from the CLI, in every run alike
    return env


def timed(cmd: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None,
          what: str = "") -> tuple[float, str]:
    """Wall seconds of one command and its stdout; MeasurementFailed if it exits non-zero."""
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise MeasurementFailed(f"{what or cmd[0]}: exit {done.returncode}\n{tail}")
    return seconds, done.stdout


def cdk_synth(out_dir: Path, *, cwd: Path = ROOT, app: str | None = None, what: str = "cdk synth") -> float:
    cmd = [str(CDK), "synth", "--quiet", "--no-notices", "-o", str(out_dir)]
    if app:
        cmd += ["--app", app]
    seconds, _ = timed(cmd, cwd=cwd, env=cdk_env(), what=what)
    return seconds


def median(values: list[float]) -> float:
    return statistics.median(values)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
