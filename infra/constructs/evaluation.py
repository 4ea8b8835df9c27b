"""The post-deploy evaluation: a CDK trigger that runs the Lab 4 checks after the filters, the
tracker and the parameters are in place, stores its report in a bucket of its own, and fails the
deploy (request-response invocation) when a check that must hold does not."""
from __future__ import annotations

from typing import Any, Sequence

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import triggers
from constructs import Construct

from . import nag
from .provider import ASSET_EXCLUDES, LAMBDAS_DIR, RUNTIME


class EvaluationTrigger(Construct):
    def __init__(self, scope: Construct, id_: str, *, settings: dict[str, Any], digest: str,
                 inference_arns: Sequence[str], filter_arns: Sequence[str], tracker_arn: str | None,
                 retention_days: int, execute_after: Sequence[Construct]) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        self.bucket = s3.Bucket(
            self, "Reports", encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, versioned=False,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(retention_days))],
            removal_policy=RemovalPolicy.RETAIN,  # reports outlive the stack; the lifecycle rule expires them
        )
        nag.acknowledge(self.bucket, "AwsSolutions::AwsSolutions-S1", "Report bucket written only by the "
                        "evaluation Lambda, objects expire; CloudTrail data events cover access if a team wants it.")
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                        description="Role of the post-deploy evaluation")
        function_logs = logs.LogGroup(self, "Logs", retention=logs.RetentionDays.ONE_MONTH,
                                      removal_policy=RemovalPolicy.DESTROY)
        function_logs.grant_write(role)
        # Runtime calls only on what is checked: the recommenders, campaigns and filters of the config.
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["personalize:GetRecommendations", "personalize:GetPersonalizedRanking"],
            resources=[*inference_arns, *filter_arns]))
        if tracker_arn:  # full mode only: PutEvents on the stack's own tracker
            role.add_to_principal_policy(iam.PolicyStatement(actions=["personalize:PutEvents"], resources=[tracker_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["s3:PutObject"], resources=[self.bucket.arn_for_objects(f"{settings['report_prefix']}*")]))
        nag.acknowledge_wildcard_resource(role, f"{self.bucket.bucket_arn}/{settings['report_prefix']}*",
                                          "Each run writes its report under a new timestamped key in this bucket.")
        if settings.get("catalog_s3_uri"):
            bucket, _, key = settings["catalog_s3_uri"].removeprefix("s3://").partition("/")
            role.add_to_principal_policy(iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[f"arn:{stack.partition}:s3:::{bucket}/{key}"]))
        environment = {
            "EVALUATION_SETTINGS": stack.to_json_string({**settings, "report_bucket": self.bucket.bucket_name,
                                                         "digest": digest}),
            # What is checked, hashed: a change makes a new function version, so the trigger runs again.
            "EVALUATION_DIGEST": digest,
        }
        self.function = triggers.TriggerFunction(
            self, "Function", runtime=RUNTIME, handler="evaluation.handler.handler",
            code=lambda_.Code.from_asset(str(LAMBDAS_DIR), exclude=ASSET_EXCLUDES), role=role, log_group=function_logs,
            timeout=Duration.minutes(5), memory_size=512, environment=environment,
            execute_after=list(execute_after), execute_on_handler_change=True,
        )
        self._acknowledge_trigger_provider(stack)
        CfnOutput(self, "ReportLocation", value=f"s3://{self.bucket.bucket_name}/{settings['report_prefix']}latest.html",
                  description="The latest post-deploy evaluation report")

    def _acknowledge_trigger_provider(self, stack: Stack) -> None:
        """aws-cdk-lib's trigger runs through a provider Lambda it defines once per stack."""
        provider = stack.node.try_find_child("AWSCDK.TriggerCustomResourceProviderCustomResourceProvider")
        role = provider.node.try_find_child("Role") if provider is not None else None
        if role is not None:
            nag.acknowledge(role, "AwsSolutions::AwsSolutions-IAM4", "aws-cdk-lib's trigger provider uses "
                            "AWSLambdaBasicExecutionRole; it only invokes the evaluation function.")
