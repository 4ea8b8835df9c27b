"""cdk-nag acknowledgements for what CDK Pipelines generates, each on the role or bucket it concerns.

Every one is a grant aws-cdk-lib writes itself; none is on the stages' stacks, which keep their own
(infra/constructs/). A new kind of finding (a CDK upgrade, a Docker asset, another source) fails
the synth until someone reads it and adds a reason here.
"""
from __future__ import annotations

from aws_cdk import Stack, pipelines
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from ..constructs.nag import acknowledge, finding_text

ARTIFACT_ACTIONS = ("s3:GetBucket*", "s3:GetObject*", "s3:List*", "s3:DeleteObject*", "s3:Abort*")
ARTIFACT_KEY_ACTIONS = ("kms:GenerateDataKey*", "kms:ReEncrypt*")


def acknowledge_pipeline_findings(pipeline: pipelines.CodePipeline) -> None:
    codepipeline = pipeline.pipeline
    bucket = codepipeline.artifact_bucket
    acknowledge(bucket, "AwsSolutions::AwsSolutions-S1",
                "The artifact bucket holds only this pipeline's intermediate artifacts (source zip, cloud assembly), "
                "KMS-encrypted, TLS-only and private; every read and write is by the pipeline's own roles and is "
                "recorded by CloudTrail. Access logs would need a second bucket that itself has no access logs.")
    roles = {
        "pipeline": codepipeline.role,
        "source": _source_role(codepipeline),
        "synth": pipeline.synth_project.role,
        "self-mutation": pipeline.self_mutation_project.role,
        "file assets": pipeline.node.find_child("Assets").node.find_child("FileRole"),
    }
    for purpose, role in roles.items():
        _artifact_access(role, bucket.bucket_arn, purpose)
    for project in (pipeline.synth_project, pipeline.self_mutation_project):
        _own_codebuild_logs(project.role, finding_text(Stack.of(project), project.project_name))
    _file_asset_role(roles["file assets"])
    _self_mutation_role(roles["self-mutation"])


def _source_role(codepipeline: IConstruct) -> IConstruct:
    source = codepipeline.node.find_child("Source")
    (action,) = source.node.children  # one source action: the connection or the CodeCommit repository
    return action.node.find_child("CodePipelineActionRole")


def _artifact_access(role: IConstruct, bucket_arn: str, purpose: str) -> None:
    """CDK's grantRead/grantReadWrite on the artifact bucket and key, as the {purpose} step needs."""
    reason = (f"The {purpose} step reads and writes pipeline artifacts: CDK's grant on the pipeline's own artifact "
              "bucket (S3 action groups, and `/*` for its objects, whose keys CodePipeline generates per execution). "
              "Only that one bucket.")
    for action in ARTIFACT_ACTIONS:
        _if_present(role, f"AwsSolutions::AwsSolutions-IAM5[Action::{action}]", reason)
    _if_present(role, f"AwsSolutions::AwsSolutions-IAM5[Resource::{finding_text(Stack.of(role), bucket_arn)}/*]", reason)
    for action in ARTIFACT_KEY_ACTIONS:
        _if_present(role, f"AwsSolutions::AwsSolutions-IAM5[Action::{action}]",
                    f"The {purpose} step encrypts artifacts with the pipeline's artifact key; the wildcard is the KMS "
                    "action family CDK grants, and the resource is that one key's ARN.")


def _codebuild_logs(role: IConstruct, log_group: str, report_group: str, reason: str) -> None:
    """CodeBuild's grant on a project's log group and report groups, in the pipeline's account and region."""
    stack = Stack.of(role)
    where = f"arn:<AWS::Partition>:{{}}:{stack.region}:{stack.account}"
    acknowledge(role, f"AwsSolutions::AwsSolutions-IAM5[Resource::{where.format('logs')}:log-group:{log_group}]", reason)
    acknowledge(role, f"AwsSolutions::AwsSolutions-IAM5[Resource::{where.format('codebuild')}:report-group/{report_group}]", reason)


def _own_codebuild_logs(role: IConstruct, project: str) -> None:
    _codebuild_logs(role, f"/aws/codebuild/{project}:*", f"{project}-*",
                    "CodeBuild's default grant for its own project: the log streams of /aws/codebuild/<project> and "
                    "the report groups named after the project, which CodeBuild creates per build.")


def _file_asset_role(role: IConstruct) -> None:
    _codebuild_logs(role, "/aws/codebuild/*", "*",
                    "One role serves every file-asset publishing project (one per asset); CDK Pipelines grants it "
                    "their log groups and report groups by the /aws/codebuild/ prefix, in the pipeline's account and "
                    "region only.")
    acknowledge(role, "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                "codebuild:StartBuild/BatchGetBuilds/StopBuild: the role is also the pipeline action role that starts "
                "the asset projects, which are created with this role, so naming them would be a circular reference. "
                "Publishing itself happens by assuming the target accounts' cdk file-publishing roles, named exactly.")


def _self_mutation_role(role: IConstruct) -> None:
    stack = Stack.of(role)
    acknowledge(role, f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:*:iam::{stack.account}:role/*]",
                "sts:AssumeRole only on roles tagged aws-cdk:bootstrap-role = deploy / file-publishing / "
                "image-publishing (condition in the statement): the CDK bootstrap roles of the pipeline's own account, "
                "whose names carry a bootstrap qualifier the app does not pin.")
    acknowledge(role, "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                "cloudformation:DescribeStacks and s3:ListBucket, both read-only: `cdk deploy` in self-mutation looks up "
                "the bootstrap stack and its staging bucket, whose names it learns only at run time.")


def _if_present(role: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge only a finding the role's policy can raise (not every role gets every action group)."""
    policy = role.node.try_find_child("DefaultPolicy")
    if not isinstance(policy, iam.Policy):
        return
    document = Stack.of(role).resolve(policy.document.to_json())
    wanted, text = rule.split("[", 1)[1].rstrip("]").split("::", 1)  # Action|Resource, then the value
    for statement in document.get("Statement", []):
        values = statement.get(wanted, [])
        values = values if isinstance(values, list) else [values]
        if wanted == "Action" and text in values:
            return acknowledge(role, rule, reason)
        if wanted == "Resource" and any(_render(Stack.of(role), v) == text for v in values):
            return acknowledge(role, rule, reason)


def _render(stack: Stack, value: object) -> str:
    try:
        return finding_text(stack, value)  # type: ignore[arg-type]
    except ValueError:
        return ""
