"""Writes one SSM parameter that another stack owns, and puts the old value back on delete."""
from __future__ import annotations

from aws_cdk import CustomResource, Stack
from constructs import Construct

from .provider import ProviderSettings, ResourceProvider


class SsmParameterWriter(Construct):
    def __init__(
        self, scope: Construct, id_: str, *, parameter_name: str, value: str, description: str, settings: ProviderSettings
    ) -> None:
        super().__init__(scope, id_)
        provider = ResourceProvider.of(self, "SsmParameter", module="ssm_parameter.handler", settings=settings)
        stack = Stack.of(self)
        provider.allow(
            ["ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter", "ssm:GetParameterHistory",
             "ssm:LabelParameterVersion"],
            [f"arn:{stack.partition}:ssm:{stack.region}:{stack.account}:parameter{parameter_name}"],
        )
        resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type="Custom::SsmParameterWriter",
            properties={"Name": parameter_name, "Value": value, "Description": description},
        )
        self.parameter_name = parameter_name
        self.resource = resource
