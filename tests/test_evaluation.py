"""The post-deploy evaluation against the emulator's runtime, serving the storefront fixture.

Every check passes on a healthy emulator and fails (or warns, where the lab only observes) when
the emulator is made to misbehave in the way the check exists to catch."""
from __future__ import annotations

import json

import pytest

from evaluation import handler as evaluation
from evaluation.checks import FAIL, PASS, SKIPPED, WARN
from evaluation.runtime import Runtime
from evaluation.settings import Settings
from tests.emulator.catalog import fixture_catalog

FEATURED = ["2b67230f-dc22-462e-9afe-c9e459f74093", "6bd74f2d-90c0-4ca6-9663-f3bbe9bf405b",
            "b87da3f8-9a3e-417d-abd7-16329c5be1ba", "3b145528-d5fc-4c2a-b2a5-e119128caa5f"]
FILTERS = {
    "purchased": 'EXCLUDE itemId WHERE INTERACTIONS.event_type in ("Purchase")',
    "promoted": 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | INCLUDE ItemID WHERE ITEMS.PROMOTED IN ("Y")',
    "categories": 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | INCLUDE ItemID WHERE ITEMS.CATEGORY_L1 IN ($CATEGORIES)',
}


@pytest.fixture
def shop(emulator, dataset_group_arn, personalize):
    """A deployed stack as the evaluation sees it: inference resources, ACTIVE filters and tracker."""
    def build(promoted_encoding: str = "Y") -> dict:
        emulator.load_catalog(promoted_encoding=promoted_encoding)
        arns = {
            "recommended_for_you_arn": emulator.add_recommender("retaildemostore-recommended-for-you", "aws-ecomm-recommended-for-you"),
            "popular_items_arn": emulator.add_recommender("retaildemostore-popular-items", "aws-ecomm-popular-items-by-views"),
            "related_items_arn": emulator.add_campaign("retaildemostore-related-items", "aws-similar-items"),
            "personalized_ranking_arn": emulator.add_campaign("retaildemostore-personalized-ranking", "aws-personalized-ranking"),
        }
        for key, expression in FILTERS.items():
            arns[f"{key}_filter"] = personalize.create_filter(
                name=f"retaildemostore-filter-{key}", datasetGroupArn=dataset_group_arn, filterExpression=expression)["filterArn"]
        tracking_id = personalize.create_event_tracker(name="retaildemostore-event-tracker",
                                                       datasetGroupArn=dataset_group_arn)["trackingId"]
        emulator.clock.advance(120)
        return {**arns, "tracking_id": tracking_id}
    return build


def settings_for(arns: dict, **changes) -> Settings:
    raw = {
        "mode": "full", "failure_policy": "fail",
        "recommended_for_you_arn": arns["recommended_for_you_arn"], "popular_items_arn": arns["popular_items_arn"],
        "related_items_arn": arns["related_items_arn"], "personalized_ranking_arn": arns["personalized_ranking_arn"],
        "purchased_filter_arn": arns["purchased_filter"], "promotion_filter_arn": arns["promoted_filter"],
        "category_filter_arn": arns["categories_filter"], "tracking_id": arns["tracking_id"],
        "test_user_id": "1", "second_user_id": "2", "synthetic_user_id": "evaluation-synthetic-user",
        "source_item_id": FEATURED[0], "ranking_item_ids": FEATURED, "categories": ["footwear"],
        "report_bucket": "reports", **changes,
    }
    return Settings.from_json(json.dumps(raw))


@pytest.fixture
def run_checks(emulator, monkeypatch):
    monkeypatch.setattr(evaluation, "MAX_WORKERS", 1)

    def run(settings: Settings, catalog: dict | None = None):
        rt = Runtime(emulator.client(service="personalize-runtime"), emulator.client(service="personalize-events"),
                     clock=emulator.clock.now, sleep=emulator.clock.advance)
        reports: dict[str, str] = {}

        def store(key: str, body: str, _content_type: str) -> str:
            reports[key] = body
            return f"s3://reports/{key}"

        checks = evaluation.evaluate(rt, settings, catalog if catalog is not None else CATALOG)
        return {c.name: c for c in checks}, rt, reports, store
    return run


CATALOG = {p["id"]: p for p in fixture_catalog()[0]}  # (products, users)


def test_every_check_passes_on_a_healthy_stack(shop, run_checks):
    checks, rt, _, _ = run_checks(settings_for(shop()))

    assert {name: c.status for name, c in checks.items()} == {
        "recommended-for-you": PASS, "most-viewed": PASS, "similar-items": PASS, "personalized-ranking": PASS,
        "purchased-filter": PASS, "promotion": PASS, "category-filter": PASS}
    assert rt.sent == [{"eventType": "Purchase", "itemId": checks["purchased-filter"].evidence["purchased"],
                        "userId": "evaluation-synthetic-user"}]


def test_the_discount_check_reports_the_most_responsive_items_first(shop, run_checks):
    check = run_checks(settings_for(shop()))[0]["personalized-ranking"]

    ratios = check.evidence["score_ratio"]
    top = check.evidence["most_responsive_to_discount"]
    assert ratios[top[0]] == max(ratios.values()) and ratios[top[0]] >= ratios[top[1]]


def test_a_filter_that_does_not_exclude_fails_the_purchased_check(shop, run_checks, emulator):
    arns = shop()
    emulator.runtime.faults.ignore_filter(arns["purchased_filter"])

    check = run_checks(settings_for(arns, event_deadline_seconds=20))[0]["purchased-filter"]

    assert check.status == FAIL and "still recommended" in check.summary
    assert check.evidence["polls"] > 1  # it polled until the deadline instead of waiting a fixed time


def test_a_ranking_that_drops_an_item_fails(shop, run_checks, emulator):
    emulator.runtime.faults.drop_from_ranking(FEATURED[2])

    check = run_checks(settings_for(shop()))[0]["personalized-ranking"]

    assert check.status == FAIL and FEATURED[2] in check.evidence["missing"]


def test_no_promoted_items_names_the_promoted_data_trap(shop, run_checks):
    check = run_checks(settings_for(shop(promoted_encoding="True")))[0]["promotion"]

    assert check.status == WARN and "PROMOTED as True/N" in check.summary


def test_duplicates_and_a_personalized_popular_list_fail(shop, run_checks, emulator):
    arns = shop()
    emulator.runtime.faults.duplicate_recommendations()
    emulator.runtime.faults.personalize_popular()

    checks = run_checks(settings_for(arns))[0]

    assert checks["recommended-for-you"].status == FAIL and "duplicate" in checks["recommended-for-you"].summary
    assert checks["most-viewed"].status == FAIL


def test_items_outside_the_asked_categories_fail_the_category_check(shop, run_checks, emulator):
    arns = shop()
    emulator.runtime.faults.ignore_filter(arns["categories_filter"])

    check = run_checks(settings_for(arns))[0]["category-filter"]

    assert check.status == FAIL and check.evidence["outside"]
    assert check.evidence["filterValues"] == {"CATEGORIES": '"footwear"'}


def test_read_only_sends_no_events(shop, run_checks, emulator):
    checks, rt, _, _ = run_checks(settings_for(shop(), mode="read-only"))

    assert checks["purchased-filter"].status == SKIPPED
    assert rt.sent == [] and not [c for c in emulator.calls if c.operation == "PutEvents"]


def test_fail_policy_raises_with_the_report_location_and_warn_does_not(shop, emulator, monkeypatch):
    arns = shop()
    emulator.runtime.faults.drop_from_ranking(FEATURED[0])
    monkeypatch.setattr(evaluation, "MAX_WORKERS", 1)
    rt = Runtime(emulator.client(service="personalize-runtime"), emulator.client(service="personalize-events"),
                 clock=emulator.clock.now, sleep=emulator.clock.advance)
    stored: dict[str, str] = {}

    def store(key, body, _type):
        stored[key] = body
        return f"s3://bucket/{key}"

    with pytest.raises(evaluation.EvaluationFailed, match=r"personalized-ranking: not a permutation.*report: s3://bucket/"):
        evaluation.run(rt, settings_for(arns), store, CATALOG)
    summary = evaluation.run(rt, settings_for(arns, failure_policy="warn"), store, CATALOG)

    assert summary["checks"]["personalized-ranking"] == FAIL
    report = json.loads(next(v for k, v in stored.items() if k.endswith("report.json")))
    assert [c["name"] for c in report["checks"]][:2] == ["recommended-for-you", "most-viewed"]


def test_checks_run_concurrently_with_the_same_results(shop, emulator):
    arns = shop()
    rt = Runtime(emulator.client(service="personalize-runtime"), emulator.client(service="personalize-events"),
                 clock=emulator.clock.now, sleep=emulator.clock.advance)

    checks = evaluation.evaluate(rt, settings_for(arns, mode="read-only"), CATALOG)

    assert [c.status for c in checks] == [PASS, PASS, PASS, PASS, SKIPPED, PASS, PASS]
