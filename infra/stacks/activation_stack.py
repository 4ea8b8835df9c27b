"""The Lab 4 activation: event tracker, filters, and the SSM parameters that point at them."""
from __future__ import annotations

import re

from aws_cdk import Annotations, CfnOutput, Stack
from constructs import Construct

from ..config import ActivationConfig, ParameterConfig
from ..constructs import EventTracker, PersonalizeFilter, ProviderSettings, SsmParameterWriter


def construct_id(prefix: str, name: str) -> str:
    return prefix + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)


class ActivationStack(Stack):
    def __init__(self, scope: Construct, id_: str, *, config: ActivationConfig, **kwargs) -> None:
        super().__init__(scope, id_, **kwargs)
        for index, warning in enumerate(config.warnings):  # config problems that do not stop a deploy
            Annotations.of(self).add_warning_v2(f"config:{index}:{warning.split(':', 1)[0]}", warning)
        settings = ProviderSettings(config.poll_interval_seconds, config.timeout_minutes)
        arn_context = (self.partition, self.region, self.account)
        dataset_group_arn = config.dataset_group.resolve(*arn_context)

        self.event_tracker = EventTracker(
            self, "EventTracker", name=config.event_tracker_name, dataset_group_arn=dataset_group_arn, settings=settings
        )
        self.filters = {
            f.name: PersonalizeFilter(
                self, construct_id("Filter", f.name), name=f.name, expression=f.expression,
                dataset_group_arn=dataset_group_arn, settings=settings,
            )
            for f in config.filters
        }
        self.recommender_arns = {key: ref.resolve(*arn_context) for key, ref in config.recommenders.items()}
        self.parameters = [
            SsmParameterWriter(
                self, construct_id("Parameter", p.name), parameter_name=p.name, value=self._value_of(p),
                description=p.description, settings=settings,
            )
            for p in config.parameters
        ]
        CfnOutput(self, "EventTrackerArn", value=self.event_tracker.event_tracker_arn)
        CfnOutput(self, "TrackingId", value=self.event_tracker.tracking_id)

    def _value_of(self, parameter: ParameterConfig) -> str:
        """Tokens from the constructs, so CloudFormation writes a parameter after what it points at."""
        if parameter.source_kind == "filter":
            return self.filters[parameter.source_key].filter_arn
        if parameter.source_kind == "recommender":
            return self.recommender_arns[parameter.source_key]
        if parameter.source_key == "tracking_id":
            return self.event_tracker.tracking_id
        return self.event_tracker.event_tracker_arn
