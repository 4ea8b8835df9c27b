"""Runtime side of the emulator: GetRecommendations, GetPersonalizedRanking (personalize-runtime)
and PutEvents (personalize-events), over a loaded catalogue (``emu.runtime``).

Filters and event trackers come from the control plane (``PersonalizeBackend``): a filter must be
ACTIVE to be used, a trackingId must belong to an ACTIVE tracker. Recipe behaviour: recipes.py.
Guesses are marked "Guess" (the service documents neither).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Optional

from filter_language import FilterEvaluationError, FilterExpressionError, evaluate, parse

from . import exceptions as exc
from . import recipes
from .catalog import fixture_catalog, item_row, seed_interactions, user_row
from .clock import VirtualClock
from .events import RuntimeFaults, event_row
from .models import ACTIVE, PersonalizeBackend

MAX_RESULTS = 500
MAX_RESULTS_WITH_METADATA = 50
DEFAULT_RESULTS = 25


@dataclass(frozen=True)
class InferenceResource:
    name: str
    arn: str
    kind: str  # "recommender" | "campaign"
    recipe: str
    dataset_group_arn: Optional[str]


class _Request:
    """What filters and scorers need to know about one request."""

    def __init__(self, runtime: "RuntimeBackend", user_id: Optional[str], item_id: Optional[str],
                 context: Optional[dict]) -> None:
        self.user_id = user_id
        self.user = runtime.users.get(user_id) if user_id else None
        self.persona = runtime.personas.get(user_id or "", {}).get("persona")
        self.discount_persona = runtime.personas.get(user_id or "", {}).get("discount_persona")
        self.interactions = runtime.user_interactions(user_id) if user_id else []
        self.current_item = runtime.items.get(item_id) if item_id else None
        self.context = context or {}


class RuntimeBackend:
    def __init__(self, control: PersonalizeBackend, clock: VirtualClock) -> None:
        self.control, self.clock = control, clock
        self.event_delay = 2.0  # virtual seconds until a PutEvents event is seen by filters
        # Guess: the ECOMMERCE Recommended-for-you use case may drop purchased items on its own;
        # off by default so only an explicit filter removes them (the stricter setting for checks).
        self.auto_exclude_purchased = False
        self.faults = RuntimeFaults()
        self.items: dict[str, dict] = {}
        self.users: dict[str, dict] = {}
        self.personas: dict[str, dict] = {}
        self.interactions: list[dict] = []  # the Interactions dataset (bulk, always visible)
        self.events: list[dict] = []        # PutEvents rows, with VISIBLE_AT
        self.views: dict[str, int] = {}
        self.resources: dict[str, InferenceResource] = {}
        self._requests = 0

    # ---- seeding ---------------------------------------------------------------------
    def load_catalog(self, items: Optional[list] = None, users: Optional[list] = None,
                     interactions: Optional[list] = None, promoted_encoding: str = "Y") -> None:
        if items is None or users is None:
            fixture_items, fixture_users = fixture_catalog()
            items = fixture_items if items is None else items
            users = fixture_users if users is None else users
        rows = [item_row(p, promoted_encoding) for p in items]
        self.items = {r["ITEM_ID"]: r for r in rows}
        self.users = {str(u["id"]): user_row(u) for u in users}
        self.personas = {str(u["id"]): {"persona": u.get("persona"),
                                        "discount_persona": u.get("discount_persona")}
                         for u in users}
        self.interactions = (seed_interactions(rows, users) if interactions is None
                             else [dict(i) for i in interactions])
        self.views = {}
        for i in self.interactions:
            if str(i.get("EVENT_TYPE")) == "View":
                self.views[i["ITEM_ID"]] = self.views.get(i["ITEM_ID"], 0) + 1

    def _add(self, kind: str, name: str, recipe: str, allowed: tuple,
             dataset_group_arn: Optional[str]) -> str:
        short = recipes.recipe_name(recipe)
        if short not in allowed:
            raise ValueError(f"A {kind} cannot use recipe {recipe!r}; emulated: {allowed}")
        arn = self.control.arn(kind, name)
        self.resources[arn] = InferenceResource(name, arn, kind, short, dataset_group_arn)
        return arn

    def add_recommender(self, name: str, recipe: str,
                        dataset_group_arn: Optional[str] = None) -> str:
        return self._add("recommender", name, recipe, recipes.RECOMMENDER_RECIPES, dataset_group_arn)

    def add_campaign(self, name: str, recipe: str, dataset_group_arn: Optional[str] = None) -> str:
        return self._add("campaign", name, recipe, recipes.CAMPAIGN_RECIPES, dataset_group_arn)

    # ---- state reads -----------------------------------------------------------------
    def user_interactions(self, user_id: str) -> list[dict]:
        now = self.clock.now()
        return ([i for i in self.interactions if i.get("USER_ID") == user_id]
                + [e for e in self.events if e["USER_ID"] == user_id and e["VISIBLE_AT"] <= now])

    def _resource(self, arn: str, kind: str, member: str) -> InferenceResource:
        res = self.resources.get(arn)
        if res is None:
            raise exc.ResourceNotFoundException(f"Could not find resource with ARN {arn}.")
        if res.kind != kind:
            raise exc.InvalidInputException(f"{arn} is a {res.kind}; {member} needs a {kind} ARN.")
        return res

    def _filter(self, arn: str, res: InferenceResource):
        f = self.control._get(self.control.filters, arn)  # ResourceNotFoundException
        status = self.control.lifecycle(f)[0]
        if status != ACTIVE:
            raise exc.InvalidInputException(f"Filter {arn} is not ACTIVE (status: {status}).")
        if res.dataset_group_arn and f.dataset_group_arn != res.dataset_group_arn:
            raise exc.InvalidInputException(
                f"Filter {arn} belongs to {f.dataset_group_arn}, not to {res.dataset_group_arn}.")
        if arn in self.faults.ignored_filters:
            return None
        try:
            return parse(f.filter_expression)
        except FilterExpressionError as e:
            raise exc.InvalidInputException(f"Filter {arn}: {e.message}") from None

    def _passing(self, parsed, ids: list, req: _Request, values: Optional[dict]) -> list:
        if parsed is None:
            return list(ids)
        try:
            return [i for i in ids if evaluate(parsed, self.items.get(i, {"ITEM_ID": i}),
                                               interactions=req.interactions,
                                               current_user=req.user,
                                               current_item=req.current_item,
                                               filter_values=values)]
        except FilterEvaluationError as e:
            raise exc.InvalidInputException(str(e)) from None

    def _recommendation_id(self) -> str:
        self._requests += 1
        return f"RID-{uuid.UUID(int=self._requests)}"  # 40 characters, as PutEvents accepts

    def _metadata(self, p: dict, n: int) -> Optional[list]:
        columns = p.get("metadataColumns")
        if not columns:
            return None
        if set(columns) - {"ITEMS"}:
            raise exc.InvalidInputException("metadataColumns supports only the ITEMS dataset.")
        if n > MAX_RESULTS_WITH_METADATA:
            raise exc.InvalidInputException(
                f"numResults must be at most {MAX_RESULTS_WITH_METADATA} with metadataColumns.")
        wanted = columns["ITEMS"]
        known = {k for row in self.items.values() for k in row}
        unknown = [c for c in wanted if c.upper() not in known]
        if unknown:
            raise exc.InvalidInputException(f"Unknown ITEMS metadata columns: {unknown}")
        return wanted

    def _attach_metadata(self, out: list, wanted: Optional[list]) -> None:
        for entry in out if wanted else ():
            row = self.items.get(entry["itemId"], {})
            entry["metadata"] = {c: str(row.get(c.upper(), "")) for c in wanted}

    # ---- GetRecommendations ----------------------------------------------------------
    def get_recommendations(self, p: dict) -> dict:
        if bool(p.get("recommenderArn")) == bool(p.get("campaignArn")):
            raise exc.InvalidInputException("Provide exactly one of recommenderArn and campaignArn.")
        res = (self._resource(p["recommenderArn"], "recommender", "recommenderArn")
               if p.get("recommenderArn") else
               self._resource(p["campaignArn"], "campaign", "campaignArn"))
        if res.recipe == "aws-personalized-ranking":
            raise exc.InvalidInputException(
                f"Campaign {res.arn} uses aws-personalized-ranking: call GetPersonalizedRanking.")
        user_id, item_id = p.get("userId"), p.get("itemId")
        if res.recipe == "aws-similar-items" and not item_id:
            raise exc.InvalidInputException("itemId is required for a related-items recipe.")
        if res.recipe == "aws-ecomm-recommended-for-you" and not user_id:
            raise exc.InvalidInputException("userId is required for this recommender.")
        n = p.get("numResults", DEFAULT_RESULTS)
        if n > MAX_RESULTS:
            raise exc.InvalidInputException(
                f"numResults must be less than or equal to {MAX_RESULTS}.")
        wanted = self._metadata(p, n)
        req = _Request(self, user_id, item_id, p.get("context"))
        raw = self._rank(res, req)
        scores = recipes.softmax(raw)
        ordered = sorted(raw, key=lambda i: (-raw[i], i))
        if res.recipe == "aws-ecomm-recommended-for-you" and self.auto_exclude_purchased:
            bought = {i["ITEM_ID"] for i in req.interactions if i.get("EVENT_TYPE") == "Purchase"}
            ordered = [i for i in ordered if i not in bought]
        main = ordered
        if p.get("filterArn"):
            main = self._passing(self._filter(p["filterArn"], res), ordered, req,
                                 p.get("filterValues"))
        promoted, name = self._promoted(p, res, ordered, req, n)
        rest = [i for i in main if i not in set(promoted)][:max(n - len(promoted), 0)]
        merged = [(i, None) for i in rest]
        total = len(rest) + len(promoted)
        for j, item in enumerate(promoted):  # spread evenly: positions j * total // k
            merged.insert(j * total // len(promoted), (item, name))
        if self.faults.duplicates and merged:
            merged = merged[:-1] + [merged[0]] if len(merged) > 1 else merged * 2
        out = []
        for item, promotion in merged:
            entry = {"itemId": item, "score": scores[item]}
            if promotion:
                entry["promotionName"] = promotion
            out.append(entry)
        self._attach_metadata(out, wanted)
        return {"itemList": out, "recommendationId": self._recommendation_id()}

    def _rank(self, res: InferenceResource, req: _Request) -> dict:
        """item -> raw preference for every candidate of this recipe."""
        items = self.items
        if res.recipe == "aws-ecomm-popular-items-by-views":
            return {i: recipes.popularity(self.views, i, req.user_id, self.faults.popular_per_user)
                    for i in items}
        if res.recipe == "aws-similar-items":
            if req.current_item is None:  # Guess: an unknown item gets popular items (cold start)
                return {i: recipes.popularity(self.views, i) for i in items}
            return {i: recipes.similarity(req.current_item, row, self.views)
                    for i, row in items.items() if i != req.current_item["ITEM_ID"]}
        return {i: recipes.affinity(req.user, req.persona, req.interactions, items, self.views, row)
                + recipes.discount_lift(req.discount_persona, row, req.context)
                for i, row in items.items()}

    def _promoted(self, p: dict, res: InferenceResource, ordered: list, req: _Request,
                  n: int) -> tuple[list, Optional[str]]:
        """Items for the (at most one) promotion, best first, and its name.

        Count: percentPromotedItems % of numResults, rounded half up, at least 1 (Guess: the
        rounding is undocumented). Candidates pass the promotion's own filter only (Guess: the
        request's filterArn is not applied to promoted items). Too few -> fewer promoted."""
        promotions = p.get("promotions") or []
        if len(promotions) > 1:  # the model's max, checked server-side; kept for handle() callers
            raise exc.InvalidInputException("At most one promotion is supported.")
        if not promotions:
            return [], None
        promo = promotions[0]
        pct = promo.get("percentPromotedItems")
        if pct is None or not 1 <= pct <= 100:
            raise exc.InvalidInputException("percentPromotedItems must be between 1 and 100.")
        if not promo.get("filterArn") or not promo.get("name"):
            raise exc.InvalidInputException("A promotion needs a name and a filterArn.")
        k = max(1, int(n * pct / 100 + 0.5)) if n else 0
        parsed = self._filter(promo["filterArn"], res)
        return self._passing(parsed, ordered, req, promo.get("filterValues"))[:k], promo["name"]

    # ---- GetPersonalizedRanking ------------------------------------------------------
    def get_personalized_ranking(self, p: dict) -> dict:
        res = self._resource(p["campaignArn"], "campaign", "campaignArn")
        if res.recipe != "aws-personalized-ranking":
            raise exc.InvalidInputException(
                f"Campaign {res.arn} uses {res.recipe}, not a ranking recipe.")
        inputs = p["inputList"]
        if len(inputs) > MAX_RESULTS:
            raise exc.InvalidInputException(
                f"inputList must have at most {MAX_RESULTS} items, got {len(inputs)}.")
        wanted = self._metadata(p, min(len(inputs), MAX_RESULTS_WITH_METADATA))
        req = _Request(self, p["userId"], None, p.get("context"))
        unique = list(dict.fromkeys(inputs))  # Guess: repeated ids are ranked once
        known = [i for i in unique if i in self.items]
        raw = {i: recipes.affinity(req.user, req.persona, req.interactions, self.items, self.views,
                                   self.items[i])
               + recipes.discount_lift(req.discount_persona, self.items[i], req.context)
               for i in known}
        scores = recipes.softmax(raw)
        # Guess: items unknown to the model keep their input order after the known ones, score 0.
        ordered = sorted(known, key=lambda i: (-raw[i], i)) + [i for i in unique if i not in raw]
        if p.get("filterArn"):
            ordered = self._passing(self._filter(p["filterArn"], res), ordered, req,
                                    p.get("filterValues"))
        ordered = [i for i in ordered if i not in self.faults.dropped_from_ranking]
        out = [{"itemId": i, "score": scores.get(i, 0.0)} for i in ordered]
        self._attach_metadata(out, wanted)
        return {"personalizedRanking": out, "recommendationId": self._recommendation_id()}

    # ---- PutEvents -------------------------------------------------------------------
    def put_events(self, p: dict) -> dict:
        tracking_id = p["trackingId"]
        tracker = next((t for t in self.control.live(self.control.event_trackers)
                        if t.tracking_id == tracking_id), None)
        # Guess: the model lists only InvalidInputException for PutEvents, so an unknown or not
        # yet ACTIVE tracker is reported with it.
        if tracker is None:
            raise exc.InvalidInputException(f"No event tracker with trackingId {tracking_id}.")
        status = self.control.lifecycle(tracker)[0]
        if status != ACTIVE:
            raise exc.InvalidInputException(
                f"Event tracker {tracker.arn} is not ACTIVE (status: {status}).")
        events = p["eventList"]
        if not 1 <= len(events) <= 10:
            raise exc.InvalidInputException("eventList must have between 1 and 10 events.")
        rows = [event_row(p, e, n) for n, e in enumerate(events)]  # all-or-nothing
        visible_at = self.clock.now() + self.event_delay
        for row in rows:
            row["VISIBLE_AT"] = visible_at
            self.events.append(row)
        return {}
