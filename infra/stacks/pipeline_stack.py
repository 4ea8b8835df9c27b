"""The promotion pipeline (CDK Pipelines): source, synth (`make test`, then the same synth), and one
stage per configured environment, in order, with a manual approval before each production stage."""
from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import Environment, Stack, Stage
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import pipelines
from constructs import Construct

from ..config import ActivationConfig
from ..pipeline_config import PipelineConfig, PipelineSource
from .activation_stack import ActivationStack
from .pipeline_nag import acknowledge_pipeline_findings

SYNTH_COMMAND = "npx cdk synth -c pipeline=true"
PACKAGE_JSON = Path(__file__).resolve().parents[2] / "package.json"


def pinned_cli_version() -> str:
    """The CDK CLI that package.json pins: self-mutation deploys with it too (not with the latest)."""
    return json.loads(PACKAGE_JSON.read_text())["devDependencies"]["aws-cdk"]


class ActivationStage(Stage):
    """One environment: the activation stack with that stage's config, in its account and region."""

    def __init__(self, scope: Construct, id_: str, *, config: ActivationConfig, production: bool) -> None:
        super().__init__(scope, id_, env=Environment(account=config.account, region=config.region))
        self.production = production  # read by the evaluation; also decides the manual approval
        self.activation = ActivationStack(
            self, "Activation", config=config, stack_name=config.stack_name,
            description=f"Amazon Personalize activation for the Retail Demo Store (Lab 4 as code), stage {config.stage}",
        )


class PipelineStack(Stack):
    def __init__(self, scope: Construct, id_: str, *, config: PipelineConfig, synth_context: str = "", **kwargs) -> None:
        super().__init__(scope, id_, **kwargs)
        synth = pipelines.CodeBuildStep(
            "Synth",
            input=self._source(config.source),
            # The tests guard every promotion; the synth must build this very pipeline again, or
            # self-mutation would replace it with another one.
            commands=["make test", f"{SYNTH_COMMAND}{synth_context}"],
            build_environment=codebuild.BuildEnvironment(build_image=codebuild.LinuxBuildImage.STANDARD_7_0),
            partial_build_spec=codebuild.BuildSpec.from_object(
                {"phases": {"install": {"runtime-versions": {"python": "3.12", "nodejs": "22"}}}}
            ),
        )
        self.pipeline = pipelines.CodePipeline(
            self, "Pipeline",
            pipeline_name=config.pipeline_name,
            synth=synth,
            cross_account_keys=True,  # KMS-encrypted artifacts, readable by the target accounts' deploy roles
            enable_key_rotation=True,
            pipeline_type=codepipeline.PipelineType.V2,
            cli_version=pinned_cli_version(),
        )
        self.stages: list[ActivationStage] = []
        for stage in config.stages:
            activation = ActivationStage(self, stage.name, config=stage.config, production=stage.production)
            approval = [pipelines.ManualApprovalStep(f"Approve-{stage.name}",
                                                     comment=f"Promote to production stage {stage.name!r} "
                                                             f"(account {stage.account}, region {stage.region})?")]
            self.pipeline.add_stage(activation, pre=approval if stage.production else None)
            self.stages.append(activation)
        self.pipeline.build_pipeline()
        acknowledge_pipeline_findings(self.pipeline)

    def _source(self, source: PipelineSource) -> pipelines.CodePipelineSource:
        if source.codecommit_repository:
            repository = codecommit.Repository.from_repository_name(self, "Repository", source.codecommit_repository)
            return pipelines.CodePipelineSource.code_commit(repository, source.branch)
        assert source.repository and source.connection_arn
        return pipelines.CodePipelineSource.connection(source.repository, source.branch,
                                                       connection_arn=source.connection_arn)
