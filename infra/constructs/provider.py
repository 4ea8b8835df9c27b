"""One CDK Provider framework per resource kind per stack, shared by every instance of that kind.

Each provider has its own execution role, so the filter handler can touch only filters, the
tracker handler only trackers and the parameter handler only the configured parameter names.
Instances add their own resource ARNs to that role with `allow`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from . import nag

LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"
# Everything under lambdas/ but caches: the handlers share the `lifecycle` package.
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.pytest_cache"]
RUNTIME = lambda_.Runtime.PYTHON_3_14


@dataclass(frozen=True)
class ProviderSettings:
    poll_interval_seconds: int = 10
    timeout_minutes: int = 55


class ResourceProvider(Construct):
    def __init__(
        self, scope: Construct, id_: str, *, module: str, settings: ProviderSettings, list_actions: tuple[str, ...] = ()
    ) -> None:
        super().__init__(scope, id_)
        self.handler_role = _lambda_role(self, "HandlerRole", f"{id_} on_event and is_complete handlers")
        if list_actions:
            # Personalize's List* actions have no resource types: IAM only accepts Resource '*' for them.
            self.allow(list(list_actions), ["*"])
            nag.acknowledge_wildcard_resource(
                self.handler_role, "*", f"{', '.join(list_actions)} support no resource-level permissions; "
                "read-only, used to find an existing resource to adopt.",
            )
        handler_logs = _log_group(self, "HandlerLogs")
        handler_logs.grant_write(self.handler_role)
        code = lambda_.Code.from_asset(str(LAMBDAS_DIR), exclude=ASSET_EXCLUDES)
        common = dict(
            runtime=RUNTIME,
            code=code,
            role=self.handler_role,
            log_group=handler_logs,
            timeout=Duration.minutes(1),
            memory_size=256,
            environment={
                "POLL_INTERVAL_SECONDS": str(settings.poll_interval_seconds),
                "TOTAL_TIMEOUT_SECONDS": str(settings.timeout_minutes * 60),
            },
        )
        on_event = lambda_.Function(self, "OnEvent", handler=f"{module}.on_event", **common)
        is_complete = lambda_.Function(self, "IsComplete", handler=f"{module}.is_complete", **common)
        framework_logs = _log_group(self, "FrameworkLogs")
        on_event_role = _lambda_role(self, "FrameworkOnEventRole", "provider framework onEvent")
        waiter_role = _lambda_role(self, "FrameworkWaiterRole", "provider framework isComplete and onTimeout")
        for role in (on_event_role, waiter_role):
            framework_logs.grant_write(role)
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=on_event,
            is_complete_handler=is_complete,
            query_interval=Duration.seconds(settings.poll_interval_seconds),
            total_timeout=Duration.minutes(settings.timeout_minutes),
            log_group=framework_logs,
            framework_on_event_role=on_event_role,
            framework_complete_and_timeout_role=waiter_role,
            # Step Functions logging needs logs:*LogDelivery on Resource '*'; the handlers log every step.
            disable_waiter_state_machine_logging=True,
        )
        self.service_token = self.provider.service_token
        self._acknowledge_framework(handlers=(on_event, is_complete), framework_roles=(on_event_role, waiter_role))

    @classmethod
    def of(
        cls, scope: Construct, kind: str, *, module: str, settings: ProviderSettings, list_actions: tuple[str, ...] = ()
    ) -> "ResourceProvider":
        stack = Stack.of(scope)
        id_ = f"{kind}Provider"
        existing = stack.node.try_find_child(id_)
        if isinstance(existing, ResourceProvider):
            return existing
        return cls(stack, id_, module=module, settings=settings, list_actions=list_actions)

    def _acknowledge_framework(self, *, handlers, framework_roles) -> None:
        invoke = (
            "The Provider framework may invoke our own handler and its versions (ARN:*); "
            "lambda:InvokeFunction only, on functions this construct defines."
        )
        for role in framework_roles:
            for handler in handlers:
                nag.acknowledge_wildcard_resource(role, f"{handler.function_arn}:*", invoke)
        waiter = self.provider.node.find_child("waiter-state-machine")
        for name in ("framework-isComplete", "framework-onTimeout"):
            framework_fn = self.provider.node.find_child(name)
            nag.acknowledge_wildcard_resource(waiter, f"{framework_fn.function_arn}:*", invoke)
        nag.acknowledge(
            waiter, "AwsSolutions::AwsSolutions-SF1", "Logging the waiter would need logs:*LogDelivery on Resource '*'. It only "
            "re-invokes isComplete; the handlers log every step to their own log groups."
        )
        nag.acknowledge(
            waiter, "AwsSolutions::AwsSolutions-SF2", "The Provider framework's waiter is a one-task retry loop with no tracing "
            "option; the handlers' logs carry the detail."
        )

    def allow(self, actions: list[str], resources: list[str]) -> None:
        self.handler_role.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=resources))


def _lambda_role(scope: Construct, id_: str, purpose: str) -> iam.Role:
    # No AWSLambdaBasicExecutionRole: log permissions are granted on the one log group used.
    return iam.Role(scope, id_, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=f"Role of the {purpose}")


def _log_group(scope: Construct, id_: str) -> logs.LogGroup:
    return logs.LogGroup(scope, id_, retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY)

