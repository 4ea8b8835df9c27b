"""Starts the storefront's web-UI CodePipeline after the tracking id changes (the web UI bakes the
id in at build time; the lab does this by hand with "Release change")."""
from __future__ import annotations

from aws_cdk import CustomResource, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from . import nag
from ..config import WebUiConfig
from .provider import ProviderSettings, ResourceProvider


class WebUiRelease(Construct):
    def __init__(self, scope: Construct, id_: str, *, web_ui: WebUiConfig, tracking_id: str,
                 settings: ProviderSettings) -> None:
        super().__init__(scope, id_)
        provider = ResourceProvider.of(self, "WebUiRelease", module="web_ui_release.handler", settings=settings)
        stack = Stack.of(self)
        pipelines = f"arn:{stack.partition}:codepipeline:{stack.region}:{stack.account}:"
        properties = {"TrackingId": tracking_id}
        if web_ui.pipeline_name:
            provider.allow(["codepipeline:StartPipelineExecution"], [pipelines + web_ui.pipeline_name])
            properties["PipelineName"] = web_ui.pipeline_name
        else:
            role = provider.handler_role
            # ListPipelines has no resource-level permissions; IAM accepts only '*' for it.
            provider.allow(["codepipeline:ListPipelines"], ["*"])
            nag.acknowledge_wildcard_resource(role, "*", "codepipeline:ListPipelines supports no resource-level "
                                              "permissions; read-only, used to find the web-UI pipeline by its tag.")
            provider.allow(["codepipeline:ListTagsForResource"], [pipelines + "*"])
            # Only a pipeline carrying the storefront's web-UI tag may be started.
            role.add_to_principal_policy(iam.PolicyStatement(
                actions=["codepipeline:StartPipelineExecution"], resources=[pipelines + "*"],
                conditions={"StringEquals": {f"aws:ResourceTag/{web_ui.tag_key}": web_ui.tag_value}}))
            nag.acknowledge_wildcard_resource(
                role, pipelines + "*", "The web-UI pipeline is found by its tag, so its name is not known in advance: "
                "ListTagsForResource is read-only, and StartPipelineExecution is conditioned on "
                f"aws:ResourceTag/{web_ui.tag_key}={web_ui.tag_value}.")
            properties.update({"TagKey": web_ui.tag_key, "TagValue": web_ui.tag_value, "PipelineArnPrefix": pipelines})
        self.resource = CustomResource(self, "Resource", service_token=provider.service_token,
                                       resource_type="Custom::WebUiRelease", properties=properties)
