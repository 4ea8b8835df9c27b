"""Deterministic stand-ins for the four recipes the lab uses.

Each scorer returns a raw preference per item (higher is better); the runtime turns raw values
into scores with a softmax over the candidate set (over the whole catalogue for recommendation
lists, over the input list for ranking), so scores are in (0, 1) and sum to 1 as Personalize's do.
"""
from __future__ import annotations

import math
from typing import Optional

from .catalog import persona_categories, unit

RECOMMENDER_RECIPES = ("aws-ecomm-recommended-for-you", "aws-ecomm-popular-items-by-views")
CAMPAIGN_RECIPES = ("aws-similar-items", "aws-personalized-ranking")
PERSONA_WEIGHTS = (3.0, 2.5, 2.0)     # raw bonus for the user's 1st/2nd/3rd persona category
CONTEXT_FIELDS = ("DISCOUNT",)         # contextual metadata of the Interactions schema (case-sensitive)


def recipe_name(recipe: str) -> str:
    """'arn:aws:personalize:::recipe/aws-similar-items' or 'aws-similar-items' -> the short name."""
    return recipe.rsplit("/", 1)[-1]


def popularity(views: dict, item_id: str, user_id: Optional[str] = None,
               per_user: bool = False) -> float:
    """aws-ecomm-popular-items-by-views: View count (+ a tiny id tie-breaker). The same for every
    user, unless the ``personalize_popular`` fault mixes the user in."""
    raw = math.log1p(views.get(item_id, 0)) + 0.01 * unit("pop", item_id)
    if per_user:
        raw += 3.0 * unit("fault-pop", user_id, item_id)
    return raw


def affinity(user: Optional[dict], persona: Optional[str], interactions: list, items: dict,
             views: dict, item: dict) -> float:
    """aws-ecomm-recommended-for-you / aws-personalized-ranking: the user's taste for ``item``.

    Persona categories first (PERSONA_WEIGHTS by rank), then categories the user interacted with
    (fixture + visible PutEvents: real-time personalization), gender affinity, a per-user-item
    jitter. A user without persona or history (cold) gets popularity."""
    categories = persona_categories(persona)
    if not categories and not interactions:
        return popularity(views, item["ITEM_ID"])
    uid = user["USER_ID"] if user else ""
    raw = 0.5 * unit("aff", uid, item["ITEM_ID"])
    if item["CATEGORY_L1"] in categories[:3]:
        raw += PERSONA_WEIGHTS[categories.index(item["CATEGORY_L1"])]
    seen = sum(1 for i in interactions
               if items.get(i.get("ITEM_ID"), {}).get("CATEGORY_L1") == item["CATEGORY_L1"])
    raw += 0.4 * min(seen, 5) / 5
    gender, wanted = (user or {}).get("GENDER"), item.get("GENDER")
    if gender and wanted:
        raw += 0.3 if gender == wanted else -0.3
    return raw


def discount_lift(discount_persona: Optional[str], item: dict, context: dict) -> float:
    """Raw lift of ``item`` when the request's context says DISCOUNT=Yes (exact key and value:
    'Discount' or 'yes' change nothing). How much each item responds is a per-item constant scaled
    by the user's discount persona, so a discount raises some scores more than others (and, after
    normalization, lowers the rest)."""
    if context.get("DISCOUNT") != "Yes":
        return 0.0
    factor = {"all_discounts": 1.5, "discount_indifferent": 0.3}.get(discount_persona or "", 1.0)
    if discount_persona == "lower_priced_products":
        factor = 1.5 if float(item.get("PRICE", 0)) < 50 else 0.3
    return factor * unit("discount-lift", item["ITEM_ID"])


def similarity(source: dict, item: dict, views: dict) -> float:
    """aws-similar-items: same category and style first, then same category, then the rest."""
    raw = 0.3 * unit("sims", source["ITEM_ID"], item["ITEM_ID"]) + 0.05 * math.log1p(
        views.get(item["ITEM_ID"], 0))
    if item["CATEGORY_L1"] == source["CATEGORY_L1"]:
        raw += 2.0
        if item.get("CATEGORY_L2") and item.get("CATEGORY_L2") == source.get("CATEGORY_L2"):
            raw += 1.0
    return raw


def softmax(raw: dict) -> dict:
    """item -> score in (0, 1), summing to 1, rounded to 7 decimals (as the service's are)."""
    if not raw:
        return {}
    top = max(raw.values())
    weights = {k: math.exp(v - top) for k, v in raw.items()}
    total = sum(weights.values())
    return {k: round(w / total, 7) for k, w in weights.items()}
