"""A Personalize filter, created (or adopted) and awaited until ACTIVE by a custom resource."""
from __future__ import annotations

from aws_cdk import CustomResource, Stack
from constructs import Construct

from . import nag
from .provider import ProviderSettings, ResourceProvider


class PersonalizeFilter(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        expression: str,
        dataset_group_arn: str,
        settings: ProviderSettings,
    ) -> None:
        super().__init__(scope, id_)
        provider = ResourceProvider.of(
            self, "Filter", module="personalize_filter.handler", settings=settings, list_actions=("personalize:ListFilters",)
        )
        stack = Stack.of(self)
        # The configured name, and the `<name>-<hash>` names an expression change creates.
        arn_prefix = f"arn:{stack.partition}:personalize:{stack.region}:{stack.account}:filter/{name}"
        provider.allow(
            ["personalize:CreateFilter", "personalize:DescribeFilter", "personalize:DeleteFilter",
             "personalize:TagResource", "personalize:ListTagsForResource"],
            [arn_prefix, f"{arn_prefix}-*"],
        )
        nag.acknowledge_wildcard_resource(
            provider.handler_role, f"{arn_prefix}-*",
            f"Replacement filters for an expression change are named {name}-<8 hex digits>; the wildcard "
            "stays inside this filter's own name.",
        )
        resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type="Custom::PersonalizeFilter",
            properties={"Name": name, "DatasetGroupArn": dataset_group_arn, "FilterExpression": expression},
        )
        self.filter_name = name
        self.filter_arn = resource.get_att_string("FilterArn")
