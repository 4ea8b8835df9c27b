"""Figure 1: `cdk synth` of the default app against a one-Lambda baseline app, interleaved runs."""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from common import PY, cdk_synth, median, say

BASELINE_APP = '''\
import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

app = cdk.App()
stack = cdk.Stack(app, "BaselineOneLambda")
lambda_.Function(stack, "Function", runtime=lambda_.Runtime.PYTHON_3_14, handler="index.handler",
                 code=lambda_.Code.from_asset("handler"))
app.synth()
'''


def baseline_dir(parent: Path) -> Path:
    """A minimal Python CDK app with one aws_lambda.Function: same CLI, same venv."""
    app_dir = parent / "baseline"
    (app_dir / "handler").mkdir(parents=True)
    (app_dir / "handler" / "index.py").write_text("def handler(event, context):\n    return None\n")
    (app_dir / "app.py").write_text(BASELINE_APP)
    (app_dir / "cdk.json").write_text(json.dumps({"app": f"{PY} app.py"}))
    return app_dir


def measure(runs: int, work: Path) -> dict:
    """Median wall seconds of each, after one discarded warm-up of each; `work` keeps the default's cdk.out."""
    base = baseline_dir(work)
    default_out = work / "default.out"  # the last run's output, kept for the other figures
    samples: dict[str, list[float]] = {"default": [], "baseline": []}
    for i in range(runs + 1):
        with tempfile.TemporaryDirectory(dir=work) as scratch:
            b = cdk_synth(Path(scratch) / "b", cwd=base, what="baseline cdk synth")
        if default_out.exists():
            shutil.rmtree(default_out)  # every run writes into a fresh directory, as the baseline's does
        d = cdk_synth(default_out, what="default cdk synth")
        if i:  # run 0 warms caches for both
            samples["baseline"].append(b)
            samples["default"].append(d)
        say(f"  synth run {i}{' (warm-up)' if not i else ''}: default {d:.2f}s, baseline {b:.2f}s")
    default, baseline = median(samples["default"]), median(samples["baseline"])
    return {"default_s": default, "baseline_s": baseline, "ratio": default / baseline,
            "samples": samples, "default_out": default_out,
            "round_ratios": {"default ÷ baseline": [d / b for d, b in zip(samples["default"], samples["baseline"])]}}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(1, Path(tmp))
        print({k: v for k, v in result.items() if k != "default_out"})
