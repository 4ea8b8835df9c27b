"""`make validate`: checks the config of every stage without synthesizing.

Prints every problem and warning of every stage (default + config/stages/*.toml), then the
problems across stages: stages that deploy into one account and region must not create filters of
the same name (a filter's ARN is its name). Exit code 1 on any problem, 0 otherwise.

    python -m infra.validate [--config-dir PATH]
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from .config import CONFIG_DIR, ActivationConfig, ConfigError, load_config


def stages(config_dir: Path) -> list[str]:
    return ["default", *sorted(p.stem for p in (config_dir / "stages").glob("*.toml"))]


def collisions(configs: dict[str, ActivationConfig]) -> list[str]:
    """Filter names created by more than one stage in the same account and region.

    Only stages that set both stack.account and stack.region can be compared; the others deploy
    wherever the credentials point.
    """
    creators: dict[tuple[str, str, str], list[tuple[str, int]]] = defaultdict(list)
    for stage, config in configs.items():
        if config.account and config.region:
            for index, filter_ in enumerate(config.filters):
                creators[(config.account, config.region, filter_.name)].append((stage, index))
    problems = []
    for (account, region, name), found in creators.items():
        for stage, index in found[1:]:
            others = ", ".join(f"stage {s!r} (filters[{i}])" for s, i in found if s != stage)
            problems.append(f"stage {stage!r}: filters[{index}].name: {name!r} is also created by {others} in account "
                            f"{account}, region {region}; filter names are unique per account and region")
    return problems


def indented(text: str, prefix: str) -> str:
    first, *rest = text.split("\n")
    return "\n".join([prefix + first, *("  " + line for line in rest)])


def _pipeline(config_dir: Path) -> int:
    """config/pipeline.toml, when there is one: what `cdk synth -c pipeline=true` would refuse."""
    from .pipeline_config import PIPELINE_FILE, load_pipeline_config

    if not (config_dir / PIPELINE_FILE).exists():
        return 0
    try:
        load_pipeline_config(config_dir)
    except ConfigError as error:
        print(f"pipeline ({error.origin}): {len(error.problems)} problem(s)")
        for problem in error.problems:
            print(indented(problem, "  error: "))
        return len(error.problems)
    print("pipeline: ok")
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("--config-dir", type=Path, default=CONFIG_DIR, help="folder with default.toml and stages/")
    options = arguments.parse_args(argv)
    configs: dict[str, ActivationConfig] = {}
    errors = warnings = 0
    for stage in stages(options.config_dir):
        try:
            config = load_config(stage, options.config_dir)
            found, cautions, origin = [], list(config.warnings), None
            configs[stage] = config
        except ConfigError as error:
            found, cautions, origin = error.problems, list(error.warnings), error.origin
        summary = f"{len(found)} problem(s), {len(cautions)} warning(s)" if found or cautions else "ok"
        print(f"stage {stage}{f' ({origin})' if origin else ''}: {summary}")
        for problem in found:
            print(indented(problem, "  error: "))
        for caution in cautions:
            print(indented(caution, "  warning: "))
        errors, warnings = errors + len(found), warnings + len(cautions)
    across = collisions(configs)
    if across:
        print(f"across stages: {len(across)} problem(s)")
        for problem in across:
            print(indented(problem, "  error: "))
    errors += len(across)
    errors += _pipeline(options.config_dir)
    print(f"{errors} problem(s), {warnings} warning(s) in {len(stages(options.config_dir))} stage(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
