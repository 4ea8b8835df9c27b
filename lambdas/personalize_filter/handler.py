"""Custom resource: a Personalize filter (Name, DatasetGroupArn, FilterExpression).

A filter cannot be updated. A changed expression under the same name becomes a new filter named
`<name>-<8 hex of the expression's canonical form>`, created before CloudFormation deletes the old.
"""
from __future__ import annotations

import hashlib
import logging
import os
from typing import Any, Mapping

from lifecycle.engine import lambda_handlers
from lifecycle.events import CfnEvent
from lifecycle.kind import PersonalizeKind
from lifecycle.expression import canonical, same_expression

logging.getLogger().setLevel(os.environ.get("LOG_LEVEL", "INFO"))

MAX_NAME = 63


def replacement_name(name: str, expression: str) -> str:
    digest = hashlib.sha256(canonical(expression).encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9]}-{digest}"


def candidate_names(event: CfnEvent) -> list[str]:
    """The names this resource may have: the configured one, and after an expression change under
    the same name, the derived one (the old filter still holds the configured name)."""
    name = event.prop("Name")
    if event.request_type == "Update" and event.old_properties.get("Name") == name:
        return [name, replacement_name(name, event.prop("FilterExpression"))]
    return [name]


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

    def _existing(self, dataset_group_arn: str) -> dict[str, str]:
        pages = self.client.get_paginator("list_filters").paginate(datasetGroupArn=dataset_group_arn)
        return {f["name"]: f["filterArn"] for page in pages for f in page.get("Filters", [])}

    def _name_for(self, event: CfnEvent) -> str:
        """The first candidate name that is free; changing an expression back reuses the plain name."""
        names = candidate_names(event)
        if len(names) == 1:
            return names[0]
        existing = self._existing(event.prop("DatasetGroupArn"))
        return next((n for n in names if n not in existing), names[-1])

    def create(self, event: CfnEvent, tags: dict[str, str]) -> str:
        response = self.client.create_filter(
            name=self._name_for(event),
            datasetGroupArn=event.prop("DatasetGroupArn"),
            filterExpression=event.prop("FilterExpression"),
            tags=self.tag_list(tags),
        )
        return response["filterArn"]

    def pending_id(self, event: CfnEvent) -> str:
        return filter_arn(event.prop("DatasetGroupArn"), self._name_for(event))

    def locate(self, physical_id: str, props: Mapping[str, Any]) -> str | None:
        return physical_id if ":filter/" in physical_id else None

    def candidates(self, event: CfnEvent) -> list[str]:
        existing = self._existing(event.prop("DatasetGroupArn"))
        return [existing[n] for n in candidate_names(event) if n in existing]

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
