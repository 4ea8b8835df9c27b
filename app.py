#!/usr/bin/env python3
"""Builds the activation stack for the stage chosen with `cdk synth -c stage=NAME`,
or with `-c pipeline=true` the pipeline that promotes it between accounts (config/pipeline.toml)."""
from __future__ import annotations

import sys
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.config import CONFIG_DIR, ConfigError, load_config
from infra.pipeline_config import load_pipeline_config
from infra.stacks import ActivationStack, PipelineStack


def build_app(app: cdk.App) -> cdk.App:
    config_dir = app.node.try_get_context("config_dir")
    if str(app.node.try_get_context("pipeline")).lower() == "true":
        return build_pipeline(app, config_dir)
    config = load_config(app.node.try_get_context("stage"), Path(config_dir) if config_dir else CONFIG_DIR,
                         preset=app.node.try_get_context("preset"))
    env = cdk.Environment(account=config.account, region=config.region) if config.account or config.region else None
    ActivationStack(app, config.stack_name, config=config, env=env,
                    description="Amazon Personalize activation for the Retail Demo Store (Lab 4 as code)")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def build_pipeline(app: cdk.App, config_dir: str | None) -> cdk.App:
    """`-c pipeline=true`: the pipeline of config/pipeline.toml, which deploys every stage in order."""
    config = load_pipeline_config(Path(config_dir) if config_dir else CONFIG_DIR)
    PipelineStack(app, config.stack_name, config=config, synth_context=f" -c config_dir={config_dir}" if config_dir else "",
                  env=cdk.Environment(account=config.account, region=config.region),
                  description="Promotes the Personalize activation stack through its stages (CDK Pipelines)")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def main() -> None:
    app = cdk.App()
    try:
        build_app(app)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    app.synth()


if __name__ == "__main__":
    main()
