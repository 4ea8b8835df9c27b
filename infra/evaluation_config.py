"""The `[evaluation]` table: what the post-deploy evaluation checks, and how a failure counts."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config_parse import Parser

# Lab defaults: storefront users 1 and 2, and featured products of the storefront's catalog.
FEATURED = (
    "2b67230f-dc22-462e-9afe-c9e459f74093", "6bd74f2d-90c0-4ca6-9663-f3bbe9bf405b",
    "b87da3f8-9a3e-417d-abd7-16329c5be1ba", "3b145528-d5fc-4c2a-b2a5-e119128caa5f",
)
KEYS = {
    "enabled", "mode", "failure_policy", "test_user_id", "second_user_id", "synthetic_user_id", "source_item_id",
    "ranking_item_ids", "categories", "recommended_for_you", "popular_items", "related_items",
    "personalized_ranking", "purchased_filter", "promotion_filter", "category_filter", "discount_context_key",
    "catalog_url", "catalog_s3_uri", "report_retention_days", "event_deadline_seconds", "num_results",
    "promotion_percent",
}


@dataclass(frozen=True)
class EvaluationConfig:
    mode: str
    failure_policy: str
    test_user_id: str = "1"
    second_user_id: str = "2"
    synthetic_user_id: str = "evaluation-synthetic-user"
    source_item_id: str = FEATURED[0]
    ranking_item_ids: tuple[str, ...] = FEATURED
    categories: tuple[str, ...] = ("footwear",)
    recommended_for_you: str = "recommended-for-you"
    popular_items: str = "popular-items"
    related_items: str = "related-items"
    personalized_ranking: str = "personalized-ranking"
    purchased_filter: str = "retaildemostore-filter-exclude-purchased-products"
    promotion_filter: str = "retaildemostore-filter-promoted-items"
    category_filter: str = "retaildemostore-filter-include-categories"
    discount_context_key: str = "DISCOUNT"
    catalog_url: str = ""
    catalog_s3_uri: str = ""
    report_retention_days: int = 30
    event_deadline_seconds: int = 60
    num_results: int = 10
    promotion_percent: int = 30

    def digest(self, *parts: Any) -> str:
        """Changes whenever what is checked changes, so the trigger runs again (it reruns only when
        its function's configuration changes)."""
        text = json.dumps([asdict(self), *parts], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse_evaluation(p: "Parser", raw: Any, *, production: bool, recommenders: set[str],
                     filters: set[str]) -> EvaluationConfig | None:
    table = p.table("evaluation", raw, KEYS)
    if table.get("enabled") is False:
        return None
    mode = table.get("mode", "read-only" if production else "full")
    if mode not in ("full", "read-only"):
        p.problem("evaluation.mode", f"must be \"full\" or \"read-only\", got {mode!r}")
    if production and mode == "full":
        p.problem("evaluation.mode", "a production stage may not send synthetic events: use \"read-only\"")
    policy = table.get("failure_policy", "fail")
    if policy not in ("fail", "warn"):
        p.problem("evaluation.failure_policy", f"must be \"fail\" or \"warn\", got {policy!r}")
    values: dict[str, Any] = {"mode": mode, "failure_policy": policy}
    for key in ("recommended_for_you", "popular_items", "related_items", "personalized_ranking"):
        if key in table:
            values[key] = table[key]
        target = values.get(key, getattr(EvaluationConfig, key))
        if target not in recommenders:
            p.problem(f"evaluation.{key}", f"{target!r} names no configured recommender or campaign")
    for key in ("purchased_filter", "promotion_filter", "category_filter"):
        if key in table:
            values[key] = table[key]
        target = values.get(key, getattr(EvaluationConfig, key))
        if key == "category_filter" and target == "":
            continue  # no $CATEGORIES filter (preset storefront-current): the check is skipped
        if target not in filters:
            p.problem(f"evaluation.{key}", f"{target!r} names no configured filter")
    for key in ("test_user_id", "second_user_id", "synthetic_user_id", "source_item_id", "discount_context_key",
                "catalog_url", "catalog_s3_uri"):
        if key in table:
            values[key] = p.string(f"evaluation.{key}", table[key], required=key not in ("catalog_url", "catalog_s3_uri"))
    for key in ("ranking_item_ids", "categories"):
        if key in table:
            items = table[key]
            if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
                p.problem(f"evaluation.{key}", "must be a non-empty list of strings")
            else:
                values[key] = tuple(items)
    for key, low, high in (("report_retention_days", 1, 3650), ("event_deadline_seconds", 5, 600),
                           ("num_results", 1, 500), ("promotion_percent", 1, 100)):
        if key in table:
            values[key] = p.integer(f"evaluation.{key}", table[key], getattr(EvaluationConfig, key), low, high)
    if values.get("synthetic_user_id") == values.get("test_user_id", "1"):
        p.problem("evaluation.synthetic_user_id", "must not be the test user: synthetic events go to their own user")
    return EvaluationConfig(**values)
