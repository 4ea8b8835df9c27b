"""The Lab 4 checks. Each takes the runtime layer and the settings and returns a Check with its
evidence; none raises for a failing expectation (a broken call is a `fail` with the error)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .runtime import Runtime, quoted
from .settings import Settings

PASS, WARN, FAIL, SKIPPED = "pass", "warn", "fail", "skipped"


@dataclass
class Check:
    name: str
    status: str
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    tables: list[dict[str, Any]] = field(default_factory=list)  # {title, columns, rows}


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["itemId"] for i in items]


def recommended_for_you(rt: Runtime, s: Settings, catalog: dict) -> Check:
    items = rt.recommend(s.recommended_for_you_arn, user_id=s.test_user_id, num=s.num_results)
    got = ids(items)
    evidence = {"user": s.test_user_id, "asked": s.num_results, "items": got}
    table = {"title": f"Recommended for you: user {s.test_user_id}", "columns": ["#", "item"],
             "rows": [[n + 1, item] for n, item in enumerate(got)]}
    if not got:
        return Check("recommended-for-you", FAIL, "no items returned", evidence, [table])
    if len(set(got)) != len(got):
        return Check("recommended-for-you", FAIL, "duplicate items in one list", evidence, [table])
    if len(got) != s.num_results:
        return Check("recommended-for-you", WARN, f"{len(got)} items, {s.num_results} asked", evidence, [table])
    return Check("recommended-for-you", PASS, f"{len(got)} distinct items", evidence, [table])


def most_viewed(rt: Runtime, s: Settings, catalog: dict) -> Check:
    first = ids(rt.recommend(s.popular_items_arn, user_id=s.test_user_id, num=s.num_results))
    second = ids(rt.recommend(s.popular_items_arn, user_id=s.second_user_id, num=s.num_results))
    evidence = {"users": [s.test_user_id, s.second_user_id], "first": first, "second": second}
    table = {"title": "Most viewed, for two users", "columns": ["#", s.test_user_id, s.second_user_id],
             "rows": [[n + 1, a, b] for n, (a, b) in enumerate(zip(first, second))]}
    if not first:
        return Check("most-viewed", FAIL, "no items returned", evidence, [table])
    if first != second:
        return Check("most-viewed", FAIL, "the list differs between users, but most-viewed is not personalized",
                     evidence, [table])
    return Check("most-viewed", PASS, f"the same {len(first)} items for both users", evidence, [table])


def similar_items(rt: Runtime, s: Settings, catalog: dict) -> Check:
    got = ids(rt.recommend(s.related_items_arn, item_id=s.source_item_id, num=s.num_results))
    evidence = {"source": s.source_item_id, "items": got}
    table = {"title": f"Similar to {s.source_item_id}", "columns": ["#", "item"],
             "rows": [[n + 1, item] for n, item in enumerate(got)]}
    if not got:
        return Check("similar-items", FAIL, "no items returned", evidence, [table])
    if s.source_item_id in got:
        return Check("similar-items", FAIL, "the source item is among its own similar items", evidence, [table])
    return Check("similar-items", PASS, f"{len(got)} items, source not among them", evidence, [table])


def personalized_ranking(rt: Runtime, s: Settings, catalog: dict) -> Check:
    items = list(s.ranking_item_ids)
    plain = rt.rank(s.personalized_ranking_arn, s.test_user_id, items)
    discounted = rt.rank(s.personalized_ranking_arn, s.test_user_id, items, {s.discount_context_key: "Yes"})
    evidence: dict[str, Any] = {"input": items, "ranked": ids(plain), "ranked_with_discount": ids(discounted)}
    table = {"title": "Unranked next to reranked", "columns": ["input", "reranked", f"reranked, {s.discount_context_key}=Yes"],
             "rows": [list(r) for r in zip(items, ids(plain), ids(discounted))]}
    if sorted(ids(plain)) != sorted(items) or sorted(ids(discounted)) != sorted(items):
        missing = sorted(set(items) - set(ids(plain)) | set(items) - set(ids(discounted)))
        evidence["missing"] = missing
        return Check("personalized-ranking", FAIL, f"not a permutation of the input (missing {missing})", evidence, [table])
    before = {i["itemId"]: max(float(i.get("score") or 0.0), 1e-5) for i in plain}
    rise = {i["itemId"]: float(i.get("score") or 0.0) / before[i["itemId"]] for i in discounted}
    # Most responsive first: the lab sorts ascending and so reports the least responsive ones.
    responsive = sorted(rise, key=lambda item: rise[item], reverse=True)
    evidence["most_responsive_to_discount"] = responsive[:2]
    evidence["score_ratio"] = {k: round(v, 4) for k, v in rise.items()}
    if all(abs(v - 1.0) < 1e-9 for v in rise.values()):
        return Check("personalized-ranking", WARN, f"a permutation, but context {s.discount_context_key}=Yes changes "
                     "no score (context keys are case-sensitive)", evidence, [table])
    return Check("personalized-ranking", PASS, f"a permutation; most responsive to a discount: {', '.join(responsive[:2])}",
                 evidence, [table])


def purchased_filter(rt: Runtime, s: Settings, catalog: dict) -> Check:
    """Buy a recommended item for the synthetic user, then poll (with a deadline) until the
    purchased-products filter excludes it while the unfiltered list still has it: that proves the
    filter, not a reordering after the purchase, removed it."""
    if s.mode != "full" or not s.tracking_id:
        return Check("purchased-filter", SKIPPED, "read-only mode sends no events")
    user, wide = s.synthetic_user_id, 500  # the service's maximum: the bought item stays in view
    before = ids(rt.recommend(s.recommended_for_you_arn, user_id=user, num=wide, filter_arn=s.purchased_filter_arn))
    if not before:
        return Check("purchased-filter", FAIL, "no recommendations to purchase from", {"user": user})
    bought = before[0]
    rt.purchase(s.tracking_id, user, bought)
    deadline = rt.clock() + s.event_deadline_seconds
    polls = 0
    while True:
        polls += 1
        after = ids(rt.recommend(s.recommended_for_you_arn, user_id=user, num=wide, filter_arn=s.purchased_filter_arn))
        unfiltered = ids(rt.recommend(s.recommended_for_you_arn, user_id=user, num=wide))
        excluded, visible = bought not in after, bought in unfiltered
        if (excluded and visible) or rt.clock() >= deadline:
            break
        rt.sleep(2.0)
    evidence = {"user": user, "purchased": bought, "polls": polls, "filter": s.purchased_filter_arn,
                "before": before[:s.num_results], "after": after[:s.num_results]}
    table = {"title": f"Synthetic user {user}: the event sent next to recommendations",
             "columns": ["event sent", "before", "after"],
             "rows": [[f"Purchase {bought}" if n == 0 else "", b, a]
                      for n, (b, a) in enumerate(zip(before[:s.num_results], after[:s.num_results]))]}
    if not excluded:
        return Check("purchased-filter", FAIL, f"{bought} still recommended {s.event_deadline_seconds:.0f} s after "
                     "its purchase", evidence, [table])
    if not visible:
        return Check("purchased-filter", WARN, f"{bought} left the filtered list, but also the unfiltered one: "
                     "the filter's effect cannot be told apart", evidence, [table])
    return Check("purchased-filter", PASS, f"{bought} excluded by the filter after {polls} poll(s)", evidence, [table])


def promotion(rt: Runtime, s: Settings, catalog: dict) -> Check:
    name = "evaluation-promotion"
    items = rt.recommend(s.recommended_for_you_arn, user_id=s.test_user_id, num=10,
                         promotion={"name": name, "percentPromotedItems": s.promotion_percent,
                                    "filterArn": s.promotion_filter_arn})
    promoted = [i["itemId"] for i in items if i.get("promotionName") == name]
    evidence = {"asked_percent": s.promotion_percent, "returned": len(items), "promoted": promoted}
    table = {"title": "Recommendations with a promotion", "columns": ["#", "item", "promoted"],
             "rows": [[n + 1, i["itemId"], "yes" if i.get("promotionName") == name else ""] for n, i in enumerate(items)]}
    if not items:
        return Check("promotion", FAIL, "no items returned", evidence, [table])
    if not promoted:
        return Check("promotion", WARN, "no item carries the promotion. Likely cause: the storefront's data writes "
                     "PROMOTED as True/N, not Y/N, so ITEMS.PROMOTED IN (\"Y\") matches nothing", evidence, [table])
    return Check("promotion", PASS, f"{len(promoted)} of {len(items)} items promoted", evidence, [table])


def category_filter(rt: Runtime, s: Settings, catalog: dict) -> Check:
    if not s.category_filter_arn:
        return Check("category-filter", SKIPPED, "no $CATEGORIES filter configured (evaluation.category_filter = \"\", "
                     "as in preset storefront-current)")
    values = {"CATEGORIES": quoted(s.categories)}
    got = ids(rt.recommend(s.recommended_for_you_arn, user_id=s.test_user_id, num=s.num_results,
                           filter_arn=s.category_filter_arn, filter_values=values))
    evidence = {"categories": list(s.categories), "filterValues": values, "items": got}
    outside = [i for i in got if i in catalog and catalog[i].get("category") not in s.categories]
    table = {"title": f"Filtered to {', '.join(s.categories)}", "columns": ["#", "item", "category"],
             "rows": [[n + 1, i, catalog.get(i, {}).get("category", "?")] for n, i in enumerate(got)]}
    if not got:
        return Check("category-filter", FAIL, "no items returned", evidence, [table])
    if outside:
        evidence["outside"] = outside
        return Check("category-filter", FAIL, f"{len(outside)} item(s) outside the asked categories", evidence, [table])
    if not catalog:
        return Check("category-filter", WARN, "items returned; no catalog configured to check their categories",
                     evidence, [table])
    return Check("category-filter", PASS, f"all {len(got)} items in {', '.join(s.categories)}", evidence, [table])


ALL: list[Callable[[Runtime, Settings, dict], Check]] = [
    recommended_for_you, most_viewed, similar_items, personalized_ranking, purchased_filter, promotion, category_filter,
]


def guarded(check: Callable[[Runtime, Settings, dict], Check], rt: Runtime, s: Settings, catalog: dict) -> Check:
    """A failing call is a failed check with the error as evidence, not a crash of the whole run."""
    try:
        return check(rt, s, catalog)
    except Exception as error:  # noqa: BLE001 - reported, and it fails the check
        name = check.__name__.replace("_", "-")
        return Check(name, FAIL, f"the call failed: {error}", {"error": repr(error)})
