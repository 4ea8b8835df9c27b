"""Custom resource: the dataset group's event tracker (Name, DatasetGroupArn).

A dataset group has at most one tracker, so the tracker is found by its dataset group, and its
ARN ends in a generated id. When the create is refused by a limit, the physical id is a
placeholder until is_complete has created the tracker and reports the real ARN.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Mapping

from lifecycle.engine import ConfigMismatch, lambda_handlers
from lifecycle.events import CfnEvent
from lifecycle.kind import PersonalizeKind

logging.getLogger().setLevel(os.environ.get("LOG_LEVEL", "INFO"))

PENDING_PREFIX = "pending-event-tracker:"


def pending_id(dataset_group_arn: str) -> str:
    return PENDING_PREFIX + dataset_group_arn


def rename_refusal(event: CfnEvent) -> str | None:
    """One tracker per dataset group: a new name in the same group would need the old one gone
    first, which would leave the storefront without a tracking id mid-update. Refuse instead."""
    old, new = event.old_properties, event.properties
    if old.get("DatasetGroupArn") == new.get("DatasetGroupArn") and old.get("Name") != new.get("Name"):
        return (
            f"event tracker {old.get('Name')!r} cannot be renamed to {new.get('Name')!r} in place: a dataset "
            "group has one tracker. Keep the old name, or remove the tracker from the config, deploy, then add it."
        )
    return None


class EventTrackerKind(PersonalizeKind):
    label = "event tracker"
    replace_on = ("DatasetGroupArn",)

    def create(self, event: CfnEvent, tags: dict[str, str]) -> str:
        response = self.client.create_event_tracker(
            name=event.prop("Name"),
            datasetGroupArn=event.prop("DatasetGroupArn"),
            tags=self.tag_list(tags),
        )
        return response["eventTrackerArn"]

    def pending_id(self, event: CfnEvent) -> str:
        return pending_id(event.prop("DatasetGroupArn"))

    def locate(self, physical_id: str, props: Mapping[str, Any]) -> str | None:
        if ":event-tracker/" in physical_id:
            return physical_id
        if physical_id.startswith(PENDING_PREFIX):
            return self._tracker_of(physical_id[len(PENDING_PREFIX):])
        return None

    def candidates(self, event: CfnEvent) -> list[str]:
        found = self._tracker_of(event.prop("DatasetGroupArn"))
        return [found] if found else []

    def _tracker_of(self, dataset_group_arn: str) -> str | None:
        pages = self.client.get_paginator("list_event_trackers").paginate(datasetGroupArn=dataset_group_arn)
        for page in pages:
            for summary in page.get("eventTrackers", []):
                return summary["eventTrackerArn"]
        return None

    def describe(self, arn: str) -> dict[str, Any] | None:
        try:
            return self.client.describe_event_tracker(eventTrackerArn=arn)["eventTracker"]
        except self.client.exceptions.ResourceNotFoundException:
            return None

    def differences(self, props: Mapping[str, Any], description: Mapping[str, Any]) -> list[str]:
        if description.get("name") != props.get("Name"):
            return [
                f"dataset group {props.get('DatasetGroupArn')} already has tracker {description.get('name')!r} "
                f"(one per dataset group), config says {props.get('Name')!r}"
            ]
        return []

    def delete(self, arn: str) -> None:
        self.client.delete_event_tracker(eventTrackerArn=arn)

    def attributes(self, description: Mapping[str, Any]) -> dict[str, str]:
        return {
            "EventTrackerArn": description["eventTrackerArn"],
            "TrackingId": description["trackingId"],
            "EventTrackerName": description["name"],
        }

    def check_update(self, event: CfnEvent) -> None:
        refusal = rename_refusal(event)
        if not refusal:
            return
        # A rollback of a refused rename sends the old name back, which is the tracker's real name.
        arn = self.locate(event.physical_id or "", event.properties)
        current = self.describe(arn) if arn else None
        if current is None or current.get("name") != event.prop("Name"):
            raise ConfigMismatch(refusal)


on_event, is_complete = lambda_handlers(EventTrackerKind)
