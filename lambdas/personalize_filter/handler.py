"""Custom resource: a Personalize filter (Name, DatasetGroupArn, FilterExpression).

A filter cannot be updated. A changed expression under the same name becomes a new filter named
`<name>-<8 hex of the expression's canonical form>`, created before CloudFormation deletes the old.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any, Mapping

from lifecycle.engine import lambda_handlers
from lifecycle.events import CfnEvent
from lifecycle.kind import PersonalizeKind
from lifecycle.expression import canonical, same_expression

logging.getLogger().setLevel(logging.INFO)

MAX_NAME = 63


def replacement_name(name: str, expression: str) -> str:
    digest = hashlib.sha256(canonical(expression).encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9]}-{digest}"


def name_to_create(event: CfnEvent) -> str:
    """The configured name, unless this update changes the expression of a same-named filter."""
    name = event.prop("Name")
    if event.request_type == "Update" and event.old_properties.get("Name") == name:
        return replacement_name(name, event.prop("FilterExpression"))
    return name


def filter_arn(dataset_group_arn: str, name: str) -> str:
    """Filter ARNs are `arn:PARTITION:personalize:REGION:ACCOUNT:filter/NAME`."""
    partition, _, region, account = dataset_group_arn.split(":")[1:5]
    return f"arn:{partition}:personalize:{region}:{account}:filter/{name}"


def differences(props: Mapping[str, Any], description: Mapping[str, Any]) -> list[str]:
    out = []
    if description.get("datasetGroupArn") != props.get("DatasetGroupArn"):
        out.append(f"dataset group is {description.get('datasetGroupArn')}, config says {props.get('DatasetGroupArn')}")
    if not same_expression(description.get("filterExpression", ""), props.get("FilterExpression", "")):
        out.append(
            f"expression is {description.get('filterExpression')!r}, config says {props.get('FilterExpression')!r}"
        )
    if description.get("status") == "CREATE FAILED":
        out.append(f"it is CREATE FAILED ({description.get('failureReason', 'no reason given')})")
    return out


class FilterKind(PersonalizeKind):
    label = "filter"
    replace_on = ("Name", "DatasetGroupArn", "FilterExpression")

    def create(self, event: CfnEvent, tags: dict[str, str]) -> str:
        response = self.client.create_filter(
            name=name_to_create(event),
            datasetGroupArn=event.prop("DatasetGroupArn"),
            filterExpression=event.prop("FilterExpression"),
            tags=self.tag_list(tags),
        )
        return response["filterArn"]

    def pending_id(self, event: CfnEvent) -> str:
        return filter_arn(event.prop("DatasetGroupArn"), name_to_create(event))

    def locate(self, physical_id: str, props: Mapping[str, Any]) -> str | None:
        return physical_id if ":filter/" in physical_id else None

    def find_existing(self, event: CfnEvent) -> str | None:
        wanted = name_to_create(event)
        pages = self.client.get_paginator("list_filters").paginate(datasetGroupArn=event.prop("DatasetGroupArn"))
        for page in pages:
            for summary in page.get("Filters", []):
                if summary["name"] == wanted:
                    return summary["filterArn"]
        return None

    def describe(self, arn: str) -> dict[str, Any] | None:
        try:
            return self.client.describe_filter(filterArn=arn)["filter"]
        except self.client.exceptions.ResourceNotFoundException:
            return None

    def differences(self, props, description) -> list[str]:
        return differences(props, description)

    def delete(self, arn: str) -> None:
        self.client.delete_filter(filterArn=arn)

    def attributes(self, description: Mapping[str, Any]) -> dict[str, str]:
        return {"FilterArn": description["filterArn"], "FilterName": description["name"]}

    def check_update(self, event: CfnEvent) -> None:
        return None


on_event, is_complete = lambda_handlers(FilterKind)
