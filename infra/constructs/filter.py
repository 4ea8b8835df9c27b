"""A Personalize filter, created (or adopted) and awaited until ACTIVE by a custom resource."""
from __future__ import annotations

from aws_cdk import CustomResource, Stack
from constructs import Construct

from .provider import ProviderSettings, ResourceProvider

MAX_NAME = 63


def replacement_pattern(name: str) -> str:
    """IAM pattern of the names an expression change creates: lambdas/personalize_filter's
    replacement_name, `<name cut to 54>-<8 hex>`. `?` matches one character, so a hand-made
    `<name>-by-hand` filter stays out of reach."""
    return f"{name[:MAX_NAME - 9]}-{'?' * 8}"


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
        filters = f"arn:{stack.partition}:personalize:{stack.region}:{stack.account}:filter/"
        provider.allow(
            ["personalize:CreateFilter", "personalize:DescribeFilter", "personalize:DeleteFilter",
             "personalize:TagResource", "personalize:ListTagsForResource"],
            [filters + name, filters + replacement_pattern(name)],
        )
        # CreateFilter is authorized on the dataset group as well as on the filter.
        provider.allow(["personalize:CreateFilter"], [dataset_group_arn])
        resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type="Custom::PersonalizeFilter",
            properties={"Name": name, "DatasetGroupArn": dataset_group_arn, "FilterExpression": expression},
        )
        self.filter_name = name
        self.filter_arn = resource.get_att_string("FilterArn")
