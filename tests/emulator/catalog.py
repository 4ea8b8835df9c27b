"""Runtime data of the emulator: Items/Users dataset rows and seeded Interactions.

Rows are shaped as the Retail Demo Store's datasets (see the contract): Items
``ITEM_ID, PRICE, CATEGORY_L1, CATEGORY_L2, PRODUCT_NAME, GENDER, PROMOTED``; Users
``USER_ID, AGE, GENDER``; Interactions ``ITEM_ID, USER_ID, EVENT_TYPE, TIMESTAMP, DISCOUNT``.
Everything is deterministic: the same fixtures give the same interactions.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable, Optional

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PROMOTED_ENCODINGS = {"Y": ("Y", "N"), "True": ("True", "N")}  # "True": the generator's data trap
SEED_TIME = 1_690_000_000  # seeded interactions happen before the VirtualClock's default start
VIEWS_PER_CATEGORY = (8, 6, 4)      # by persona rank: 1st, 2nd, 3rd category
CARTS_PER_CATEGORY = (3, 2, 1)
PURCHASES_PER_CATEGORY = (1, 1, 0)
STRAY_VIEWS = 2                      # views outside the persona, so popularity is not persona-bound


def unit(*parts: object) -> float:
    """A deterministic pseudo-random number in [0, 1) for these parts."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def fixture_catalog() -> tuple[list[dict], list[dict]]:
    """(products, users) from tests/fixtures (see tests/fixtures/make_fixtures.py)."""
    return (json.loads((FIXTURES / "catalog.json").read_text()),
            json.loads((FIXTURES / "users.json").read_text()))


def persona_categories(persona: Optional[str]) -> list[str]:
    """'footwear_jewelry_furniture' -> [footwear, jewelry, furniture];
    'food service:pizza_salty snacks:nuts/seeds' -> [food service, salty snacks]."""
    out: list[str] = []
    for part in (persona or "").split("_"):
        category = part.split(":", 1)[0].strip()
        if category and category not in out:
            out.append(category)
    return out


def item_row(product: dict, promoted_encoding: str = "Y") -> dict:
    if promoted_encoding not in PROMOTED_ENCODINGS:
        raise ValueError(f"promoted_encoding must be one of {sorted(PROMOTED_ENCODINGS)}")
    yes, no = PROMOTED_ENCODINGS[promoted_encoding]
    row = {"ITEM_ID": str(product["id"]), "PRICE": float(product["price"]),
           "CATEGORY_L1": product["category"], "CATEGORY_L2": product.get("style") or "",
           "PRODUCT_NAME": product.get("name", ""),
           "PROMOTED": yes if product.get("promoted") else no}
    if product.get("gender_affinity"):
        row["GENDER"] = product["gender_affinity"]
    return row


def user_row(user: dict) -> dict:
    row = {"USER_ID": str(user["id"])}
    if user.get("age") is not None:
        row["AGE"] = user["age"]
    if user.get("gender"):
        row["GENDER"] = user["gender"]
    return row


def _discount(user: dict, item: dict, n: int) -> str:
    persona = user.get("discount_persona")
    chance = unit("discount", user["USER_ID"] if "USER_ID" in user else user["id"], item["ITEM_ID"], n)
    if persona == "all_discounts":
        return "Yes" if chance < 0.6 else "No"
    if persona == "lower_priced_products":
        return "Yes" if item["PRICE"] < 50 and chance < 0.6 else "No"
    return "Yes" if chance < 0.1 else "No"


def seed_interactions(items: Iterable[dict], users: Iterable[dict]) -> list[dict]:
    """Interactions derived from personas: for the user's k-th persona category, Views on the
    VIEWS_PER_CATEGORY[k] items of that category that hash first for this user, AddToCart on the
    first CARTS_PER_CATEGORY[k] of them, Purchase on the first PURCHASES_PER_CATEGORY[k]; plus
    STRAY_VIEWS views anywhere. ``items`` are Items rows, ``users`` fixture users."""
    items = list(items)
    by_category: dict[str, list[dict]] = {}
    for item in items:
        by_category.setdefault(item["CATEGORY_L1"], []).append(item)
    out: list[dict] = []
    for u_index, user in enumerate(users):
        uid = str(user["id"])
        t = SEED_TIME + u_index * 10_000

        def add(item: dict, event_type: str) -> None:
            nonlocal t
            t += 60
            out.append({"ITEM_ID": item["ITEM_ID"], "USER_ID": uid, "EVENT_TYPE": event_type,
                        "TIMESTAMP": t, "DISCOUNT": _discount(user, item, len(out))})

        for rank, category in enumerate(persona_categories(user.get("persona"))[:3]):
            pool = sorted(by_category.get(category, []), key=lambda i: unit(uid, i["ITEM_ID"]))
            for n, item in enumerate(pool[:VIEWS_PER_CATEGORY[rank]]):
                add(item, "View")
                if n < CARTS_PER_CATEGORY[rank]:
                    add(item, "AddToCart")
                if n < PURCHASES_PER_CATEGORY[rank]:
                    add(item, "Purchase")
        for item in sorted(items, key=lambda i: unit("stray", uid, i["ITEM_ID"]))[:STRAY_VIEWS]:
            add(item, "View")
    return out
