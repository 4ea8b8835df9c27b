"""The dataset group's event tracker, created or adopted, with its ARN and tracking id."""
from __future__ import annotations

from aws_cdk import CustomResource, Stack
from constructs import Construct

from . import nag
from .provider import ProviderSettings, ResourceProvider


class EventTracker(Construct):
    def __init__(self, scope: Construct, id_: str, *, name: str, dataset_group_arn: str, settings: ProviderSettings) -> None:
        super().__init__(scope, id_)
        provider = ResourceProvider.of(
            self, "EventTracker", module="event_tracker.handler", settings=settings,
            list_actions=("personalize:ListEventTrackers",),
        )
        stack = Stack.of(self)
        # Tracker ARNs end in a generated id, so they cannot be named in advance.
        trackers = f"arn:{stack.partition}:personalize:{stack.region}:{stack.account}:event-tracker/*"
        provider.allow(
            ["personalize:CreateEventTracker", "personalize:DescribeEventTracker", "personalize:DeleteEventTracker",
             "personalize:TagResource", "personalize:ListTagsForResource"],
            [trackers],
        )
        # CreateEventTracker is authorized on the dataset group as well as on the tracker.
        provider.allow(["personalize:CreateEventTracker"], [dataset_group_arn])
        nag.acknowledge_wildcard_resource(
            provider.handler_role, trackers,
            "Event tracker ARNs end in an id Personalize generates, so they cannot be named in advance. The "
            "handler reaches a tracker only through its dataset group and deletes only trackers tagged as "
            "created by this stack.",
        )
        resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type="Custom::PersonalizeEventTracker",
            properties={"Name": name, "DatasetGroupArn": dataset_group_arn},
        )
        self.tracker_name = name
        self.event_tracker_arn = resource.get_att_string("EventTrackerArn")
        self.tracking_id = resource.get_att_string("TrackingId")
        self.provider = provider
