#!/usr/bin/env python3
"""A CDK app with N activation stacks of 30 filters each, one per dataset group, for the bench.

    cdk synth --app "python bench/scale_app.py N"

Each stack is the lab's config (config/default.toml, whatever it holds) with its own stack name
and Personalize/SSM names, 30 filters (the lab's 6 and 24 generated) and a parameter for each
(35 in all), validated by infra.config.parse_config and checked by cdk-nag, as app.py does.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra.config import load_raw, parse_config  # noqa: E402
from infra.stacks import ActivationStack  # noqa: E402

FILTERS_PER_GROUP = 30


def raw_config(group: int, filters: int = FILTERS_PER_GROUP) -> dict:
    """The lab's config for dataset group number `group`: its six filters and the rest up to `filters`
    generated; every Personalize and SSM name made unique to the group (names are per account)."""
    raw, _origin = load_raw()  # the preset merged with config/default.toml
    raw.pop("preset", None)
    raw.pop("storefront", None)  # its parameter names are renamed per group below

    def own(name: str) -> str:
        return name.replace("retaildemostore-", f"retaildemostore-dg{group}-", 1)

    raw["stack"]["name"] = f"BenchActivationDg{group}"
    raw["dataset_group"] = {"name": own(raw["dataset_group"]["name"])}
    raw["event_tracker"] = {"name": own(raw["event_tracker"]["name"])}
    for key, reference in raw["recommenders"].items():
        if "name" in reference:
            reference["name"] = own(reference["name"])
    lab = [{**f, "name": own(f["name"])} for f in raw["filters"]]
    extra = [{"name": f"retaildemostore-dg{group}-filter-{i:02d}",
              "expression": f'EXCLUDE ItemID WHERE ITEMS.CATEGORY_L1 IN ("c{i}")'}
             for i in range(len(lab), filters)]
    raw["filters"] = lab + extra
    raw["parameters"] = [
        {**p, "name": p["name"].replace("/retaildemostore/", f"/retaildemostore/dg{group}/", 1),
         "source": f"filter:{own(p['source'].split(':', 1)[1])}" if p["source"].startswith("filter:") else p["source"]}
        for p in raw["parameters"]
    ] + [{"name": f"/retaildemostore/dg{group}/personalize/filters/{f['name']}-arn", "source": f"filter:{f['name']}"}
         for f in extra]
    for key, value in raw.get("evaluation", {}).items():
        if key.endswith("_filter"):
            raw["evaluation"][key] = own(value)
    return raw


def build(app: cdk.App, groups: int) -> cdk.App:
    for group in range(groups):
        config = parse_config(raw_config(group), "default", f"bench dataset group {group}")
        ActivationStack(app, config.stack_name, config=config,
                        description="Amazon Personalize activation (bench: scaled config)")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def main() -> None:
    groups = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    app = cdk.App()
    build(app, groups)
    app.synth()


if __name__ == "__main__":
    main()
