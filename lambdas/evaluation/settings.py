"""What the evaluation checks, passed by the stack as one JSON environment variable."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Settings:
    mode: str  # "full" sends events for the synthetic user; "read-only" sends nothing
    failure_policy: str  # "fail" raises (the deploy fails); "warn" only reports
    recommended_for_you_arn: str
    popular_items_arn: str
    related_items_arn: str
    personalized_ranking_arn: str
    purchased_filter_arn: str
    promotion_filter_arn: str
    category_filter_arn: str
    test_user_id: str
    second_user_id: str
    synthetic_user_id: str
    source_item_id: str
    ranking_item_ids: tuple[str, ...]
    categories: tuple[str, ...]
    tracking_id: str = ""
    discount_context_key: str = "DISCOUNT"
    num_results: int = 10
    promotion_percent: int = 30
    event_deadline_seconds: float = 60.0
    report_bucket: str = ""
    report_prefix: str = "reports/"
    catalog_url: str = ""  # the storefront's products service, e.g. http://.../products/all
    catalog_s3_uri: str = ""  # or a catalog file in S3: s3://bucket/key.json
    digest: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, text: str) -> "Settings":
        raw = json.loads(text)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"EVALUATION_SETTINGS: unknown keys {unknown}")
        for key in ("ranking_item_ids", "categories"):
            raw[key] = tuple(raw.get(key, ()))
        settings = cls(**raw)
        if settings.mode not in ("full", "read-only"):
            raise ValueError(f"EVALUATION_SETTINGS.mode: {settings.mode!r} is neither 'full' nor 'read-only'")
        if settings.failure_policy not in ("fail", "warn"):
            raise ValueError(f"EVALUATION_SETTINGS.failure_policy: {settings.failure_policy!r} is neither 'fail' nor 'warn'")
        return settings

    @classmethod
    def from_environment(cls) -> "Settings":
        return cls.from_json(os.environ["EVALUATION_SETTINGS"])
