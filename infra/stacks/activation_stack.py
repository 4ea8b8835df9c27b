"""The Lab 4 activation: event tracker, filters, and the SSM parameters that point at them."""
from __future__ import annotations

import re
from dataclasses import asdict

from aws_cdk import Annotations, CfnOutput, Stack
from constructs import Construct

from ..config import ActivationConfig, ParameterConfig
from ..constructs import EventTracker, PersonalizeFilter, ProviderSettings, SsmParameterWriter
from ..constructs.evaluation import EvaluationTrigger
from ..constructs.web_ui_release import WebUiRelease
from ..evaluation_config import EvaluationConfig

# Evaluation settings handed to the Lambda as they are in the config.
EVALUATION_PASSTHROUGH = {
    "mode", "failure_policy", "test_user_id", "second_user_id", "synthetic_user_id", "source_item_id",
    "discount_context_key", "num_results", "promotion_percent", "event_deadline_seconds", "catalog_url",
    "catalog_s3_uri",
}


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
        if config.web_ui:
            self.web_ui_release = self._web_ui_release(config, settings)
        if config.evaluation:
            self.evaluation = self._evaluation(config, config.evaluation)

    def _web_ui_release(self, config: ActivationConfig, settings: ProviderSettings) -> WebUiRelease:
        """The web UI bakes the tracking id in at build time: start its pipeline after the tracking-id
        parameter holds a new id, and only then."""
        (writer,) = [w for p, w in zip(config.parameters, self.parameters)
                     if p.source_kind == "event_tracker" and p.source_key == "tracking_id"][:1]
        release = WebUiRelease(self, "WebUiRelease", web_ui=config.web_ui, tracking_id=self.event_tracker.tracking_id,
                               settings=settings)
        release.node.add_dependency(writer)
        return release

    def _evaluation(self, config: ActivationConfig, ev: EvaluationConfig) -> EvaluationTrigger:
        full = ev.mode == "full"
        inference = [self.recommender_arns[k] for k in
                     (ev.recommended_for_you, ev.popular_items, ev.related_items, ev.personalized_ranking)]
        # An empty category_filter (preset storefront-current: no $CATEGORIES filter) skips that check.
        filter_arns = [self.filters[n].filter_arn if n else "" for n in (ev.purchased_filter, ev.promotion_filter, ev.category_filter)]
        settings = {
            **{k: v for k, v in asdict(ev).items() if k in EVALUATION_PASSTHROUGH},
            "recommended_for_you_arn": inference[0], "popular_items_arn": inference[1],
            "related_items_arn": inference[2], "personalized_ranking_arn": inference[3],
            "purchased_filter_arn": filter_arns[0], "promotion_filter_arn": filter_arns[1],
            "category_filter_arn": filter_arns[2],
            "ranking_item_ids": list(ev.ranking_item_ids), "categories": list(ev.categories),
            "tracking_id": self.event_tracker.tracking_id if full else "", "report_prefix": "reports/",
        }
        checked = [[f.name, f.expression] for f in config.filters] + [
            [k, r.name or r.arn] for k, r in sorted(config.recommenders.items())] + [
            config.event_tracker_name, config.dataset_group.name or config.dataset_group.arn]
        return EvaluationTrigger(
            self, "Evaluation", settings=settings, digest=ev.digest(checked), inference_arns=inference,
            filter_arns=[a for a in filter_arns if a], tracker_arn=self.event_tracker.event_tracker_arn if full else None,
            retention_days=ev.report_retention_days,
            execute_after=[self.event_tracker, *self.filters.values(), *self.parameters],
        )

    def _value_of(self, parameter: ParameterConfig) -> str:
        """Tokens from the constructs, so CloudFormation writes a parameter after what it points at."""
        if parameter.source_kind == "filter":
            return self.filters[parameter.source_key].filter_arn
        if parameter.source_kind == "recommender":
            return self.recommender_arns[parameter.source_key]
        if parameter.source_key == "tracking_id":
            return self.event_tracker.tracking_id
        return self.event_tracker.event_tracker_arn
