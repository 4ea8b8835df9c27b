"""One rehearsal: a world, a stack, and what happened to them."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable, Mapping

from tests.emulator import Latencies

from . import template as tpl
from .cloudformation import CloudFormation, Faults
from .world import World


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def with_expression(template: Mapping[str, Any], filter_name: str, expression: str) -> dict[str, Any]:
    """The same template with one filter's expression changed, as a new synth would write it."""
    changed = copy.deepcopy(dict(template))
    matches = [r for r in tpl.resources(changed).values()
               if r["Type"] == "Custom::PersonalizeFilter" and r["Properties"]["Name"] == filter_name]
    if not matches:
        raise KeyError(f"no filter named {filter_name!r} in the template")
    matches[0]["Properties"]["FilterExpression"] = expression
    return changed


def parameter_names(template: Mapping[str, Any]) -> list[str]:
    return [r["Properties"]["Name"] for r in tpl.resources(template).values() if r["Type"] == "Custom::SsmParameterWriter"]


class Session:
    def __init__(self, template: Mapping[str, Any], *, stack_name: str = "RetailDemoStorePersonalizeActivation",
                 latencies: Latencies | None = None, base_stack: bool = True, faults: Faults | None = None,
                 log: Callable[[str], None] = lambda line: None, storefront: bool = True,
                 promoted_encoding: str = "Y") -> None:
        self.world = World(latencies=latencies)
        self.log = log
        if base_stack:
            self.world.base_stack_parameters(parameter_names(template))
        self.template = template
        self.stack = CloudFormation(stack_name, clock=self.world.clock, log=log, on_step=self.world.check_step,
                                    faults=faults)
        self.stack.on_plain_create = self.world.create_bucket
        if storefront:
            self.world.storefront(promoted_encoding)

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        self.world.close()

    def deploy(self, template: Mapping[str, Any] | None = None) -> str:
        return self.stack.deploy(template or self.template)

    def delete(self) -> str:
        return self.stack.delete()

    def check_end(self) -> list[str]:
        current = {d.physical_id for d in self.stack.state.values()}
        self.world.check_end(self.stack.stack_id, current)
        return self.world.violations

    def reports(self, folder: Path) -> list[Path]:
        """Copy the evaluation's reports out of the (moto) bucket into a local folder."""
        buckets = [d.physical_id for d in self.stack.state.values() if d.type == "AWS::S3::Bucket"]
        return [p for bucket in buckets for p in self.world.download(bucket, "reports/", folder)]

    def seconds(self) -> float:
        return self.world.clock.now() - self.stack.started

    def summary(self) -> str:
        calls = self.world.emulator.call_counts() + self.world.ssm_calls
        parameters = self.world.parameters()
        lines = [
            f"stack {self.stack.status} after {self.seconds():.0f} simulated seconds",
            f"resources: {len(self.stack.state)} in the stack; Personalize: "
            f"{len(self.world.emulator.filters())} filters, {len(self.world.emulator.trackers())} trackers",
            "parameters (ARNs shown from their last '/'): "
            + ", ".join(f"{n.rsplit('/', 1)[-1]}={_short(v)}" for n, v in sorted(parameters.items())),
            "API calls: " + ", ".join(f"{op} {count}" for op, count in sorted(calls.items())),
            "invariants: " + ("all held" if not self.world.violations else f"{len(self.world.violations)} violated"),
        ]
        lines += [f"  - {v}" for v in self.world.violations]
        return "\n".join(lines)


def _short(value: str) -> str:
    return "…/" + value.rsplit("/", 1)[-1] if value.startswith("arn:") else value
