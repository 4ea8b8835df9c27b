"""Figure 2: synth time as the config grows (N dataset groups x 30 filters), against the default app."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from common import PY, ROOT, MeasurementFailed, cdk_synth, median, say

GROUPS = (1, 3, 10)


def measure(runs: int, work: Path) -> dict:
    """Interleaved rounds (default, 1, 3, 10), one discarded warm-up round; medians and ratios."""
    samples: dict[str, list[float]] = {"default": [], **{str(n): [] for n in GROUPS}}
    for i in range(runs + 1):
        line = []
        for key in samples:
            out = Path(tempfile.mkdtemp(dir=work))
            try:
                app = None if key == "default" else f"{PY} {ROOT / 'bench' / 'scale_app.py'} {key}"
                seconds = cdk_synth(out, app=app, what=f"cdk synth ({key})")
                if key != "default":
                    stacks = len(list(out.glob("*.template.json")))
                    if stacks != int(key):
                        raise MeasurementFailed(f"scale app {key}: expected {key} templates, found {stacks}")
            finally:
                shutil.rmtree(out, ignore_errors=True)
            if i:
                samples[key].append(seconds)
            line.append(f"{key} {seconds:.2f}s")
        say(f"  scale round {i}{' (warm-up)' if not i else ''}: " + ", ".join(line))
    default = median(samples["default"])
    return {"default_s": default, "samples": samples,
            "ratios": {n: median(samples[str(n)]) / default for n in GROUPS},
            "seconds": {n: median(samples[str(n)]) for n in GROUPS},
            "round_ratios": {f"{n} × 30 ÷ default": [s / d for s, d in zip(samples[str(n)], samples["default"])] for n in GROUPS}}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(measure(1, Path(tmp)))
