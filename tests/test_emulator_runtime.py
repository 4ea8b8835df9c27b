"""The emulator's runtime side (personalize-runtime, personalize-events) through real boto3 clients,
with the Retail Demo Store fixtures and the lab's filters."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.emulator import PersonalizeEmulator
from tests.emulator.catalog import fixture_catalog, persona_categories

CSTORE = '("cold dispensed", "hot dispensed", "salty snacks", "food service")'
PURCHASED = 'EXCLUDE itemId WHERE INTERACTIONS.event_type in ("Purchase")'
PROMOTED = 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | INCLUDE ItemID WHERE ITEMS.PROMOTED IN ("Y")'
CATEGORIES = ('EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | '
              "INCLUDE ItemID WHERE ITEMS.CATEGORY_L1 IN ($CATEGORIES)")
SAME_CATEGORY = "INCLUDE ItemID WHERE ITEMS.CATEGORY_L1 IN CurrentItem.CATEGORY_L1"


def user_with(persona: str) -> str:
    return next(u["id"] for u in fixture_catalog()[1] if u["persona"] == persona)


FOOTWEAR_USER = user_with("footwear_jewelry_furniture")
FURNITURE_USER = user_with("furniture_homedecor_housewares")



class Shop:
    """An emulator with the fixtures, the lab's four inference resources and three clients."""

    def __init__(self, promoted_encoding: str = "Y") -> None:
        self.emu = emu = PersonalizeEmulator()
        self.dg = emu.add_dataset_group("retaildemostore-products")
        emu.load_catalog(*fixture_catalog(), promoted_encoding=promoted_encoding)
        self.rfy = emu.add_recommender("retaildemostore-recommended-for-you", "aws-ecomm-recommended-for-you")
        self.popular = emu.add_recommender("retaildemostore-popular-items", "aws-ecomm-popular-items-by-views")
        self.related = emu.add_campaign("retaildemostore-related-items", "aws-similar-items")
        self.ranking = emu.add_campaign("retaildemostore-personalized-ranking", "aws-personalized-ranking")
        self.control = emu.attach(boto3.client("personalize"))
        self.runtime = emu.attach(boto3.client("personalize-runtime"))
        self.events = emu.attach(boto3.client("personalize-events"))

    def filter(self, name: str, expression: str) -> str:
        arn = self.control.create_filter(name=name, datasetGroupArn=self.dg,
                                         filterExpression=expression)["filterArn"]
        self.emu.clock.advance(60)
        return arn

    def tracker(self) -> str:
        tracking_id = self.control.create_event_tracker(
            name="retaildemostore-event-tracker", datasetGroupArn=self.dg)["trackingId"]
        self.emu.clock.advance(30)
        return tracking_id

    def recommend(self, **kwargs) -> list[str]:
        return [i["itemId"] for i in self.runtime.get_recommendations(**kwargs)["itemList"]]

    def category(self, item_id: str) -> str:
        return self.emu.runtime.items[item_id]["CATEGORY_L1"]


@pytest.fixture
def shop() -> Shop:
    return Shop()


def code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


# ---- fixtures ------------------------------------------------------------------------------
def test_fixtures_cover_every_category_and_both_user_kinds():
    products, users = fixture_catalog()
    assert 250 <= len(products) <= 350 and len({p["category"] for p in products}) == 20
    assert any(p["promoted"] for p in products) and not all(p["promoted"] for p in products)
    assert 30 <= len(users) <= 50 and any(":" in u["persona"] for u in users)
    assert persona_categories("food service:pizza_salty snacks:nuts/seeds") == ["food service", "salty snacks"]


# ---- recipes -------------------------------------------------------------------------------
def test_recommendations_follow_the_persona(shop):
    footwear = shop.recommend(recommenderArn=shop.rfy, userId=FOOTWEAR_USER, numResults=10)
    furniture = shop.recommend(recommenderArn=shop.rfy, userId=FURNITURE_USER, numResults=10)
    assert footwear != furniture and len(footwear) == len(set(footwear)) == 10
    assert {shop.category(i) for i in footwear} <= set(persona_categories("footwear_jewelry_furniture"))
    assert shop.category(furniture[0]) == "furniture"
    response = shop.runtime.get_recommendations(recommenderArn=shop.rfy, userId=FOOTWEAR_USER)
    scores = [i["score"] for i in response["itemList"]]
    assert len(scores) == 25 and scores == sorted(scores, reverse=True) and 0 < scores[-1] < 1
    assert response["recommendationId"].startswith("RID-")
    assert shop.recommend(recommenderArn=shop.rfy, userId=FOOTWEAR_USER, numResults=10) == footwear


def test_popular_items_are_the_same_for_every_user(shop):
    a = shop.recommend(recommenderArn=shop.popular, userId=FOOTWEAR_USER, numResults=20)
    b = shop.recommend(recommenderArn=shop.popular, userId=FURNITURE_USER, numResults=20)
    assert a == b and len(set(a)) == 20


def test_similar_items_never_include_the_source(shop):
    source = shop.recommend(recommenderArn=shop.rfy, userId=FOOTWEAR_USER, numResults=1)[0]
    similar = shop.recommend(campaignArn=shop.related, itemId=source, numResults=50)
    assert source not in similar and len(similar) == 50
    assert shop.category(similar[0]) == shop.category(source)
    same = shop.filter("retaildemostore-filter-same-categories", SAME_CATEGORY)
    filtered = shop.recommend(campaignArn=shop.related, itemId=source, filterArn=same, numResults=50)
    assert filtered and {shop.category(i) for i in filtered} == {shop.category(source)}


def test_ranking_is_a_permutation_of_the_input(shop):
    inputs = shop.recommend(recommenderArn=shop.popular, userId=FOOTWEAR_USER, numResults=30)
    ranked = shop.runtime.get_personalized_ranking(campaignArn=shop.ranking, userId=FOOTWEAR_USER,
                                                    inputList=inputs)["personalizedRanking"]
    assert sorted(i["itemId"] for i in ranked) == sorted(inputs)
    assert [i["itemId"] for i in ranked] != inputs
    assert abs(sum(i["score"] for i in ranked) - 1) < 1e-4


def test_discount_context_raises_some_scores_and_is_case_sensitive(shop):
    inputs = shop.recommend(recommenderArn=shop.popular, userId=FOOTWEAR_USER, numResults=20)

    def scores(**kwargs) -> dict:
        ranked = shop.runtime.get_personalized_ranking(campaignArn=shop.ranking, userId=FOOTWEAR_USER,
                                                        inputList=inputs, **kwargs)["personalizedRanking"]
        return {i["itemId"]: i["score"] for i in ranked}

    plain, discount = scores(), scores(context={"DISCOUNT": "Yes"})
    lifts = {i: discount[i] - plain[i] for i in inputs}
    assert any(v > 0 for v in lifts.values()) and any(v < 0 for v in lifts.values())
    assert len(set(lifts.values())) > 5  # items respond differently
    assert scores(context={"Discount": "Yes"}) == plain
    assert scores(context={"DISCOUNT": "Yes"}) == discount  # deterministic


# ---- filters and events --------------------------------------------------------------------
def test_a_purchased_item_disappears_once_the_event_is_visible(shop):
    purchased = shop.filter("retaildemostore-filter-purchased-products", PURCHASED)
    tracking_id = shop.tracker()
    user = FOOTWEAR_USER
    first = shop.recommend(recommenderArn=shop.rfy, userId=user, filterArn=purchased)[0]
    shop.events.put_events(trackingId=tracking_id, userId=user, sessionId="s-1", eventList=[{
        "eventType": "Purchase", "itemId": first, "sentAt": shop.emu.clock.now(),
        "properties": json.dumps({"discount": "No"})}])
    assert first in shop.recommend(recommenderArn=shop.rfy, userId=user, filterArn=purchased)
    shop.emu.clock.advance(shop.emu.runtime.event_delay)
    assert first not in shop.recommend(recommenderArn=shop.rfy, userId=user, filterArn=purchased)
    assert first in shop.recommend(recommenderArn=shop.rfy, userId=user)  # no filter, no change
    assert shop.emu.runtime.events[-1]["DISCOUNT"] == "No"


def test_seeded_purchases_are_filtered_too(shop):
    purchased = shop.filter("retaildemostore-filter-purchased-products", PURCHASED)
    bought = {i["ITEM_ID"] for i in shop.emu.runtime.user_interactions(FOOTWEAR_USER)
              if i["EVENT_TYPE"] == "Purchase"}
    everything = shop.recommend(recommenderArn=shop.rfy, userId=FOOTWEAR_USER, numResults=500)
    assert bought and bought <= set(everything)
    assert not bought & set(shop.recommend(recommenderArn=shop.rfy, userId=FOOTWEAR_USER,
                                           filterArn=purchased, numResults=500))


@pytest.mark.parametrize("encoding, expected", [("Y", 3), ("True", 0)])
def test_promotion_with_the_labs_promoted_filter(encoding, expected):
    shop = Shop(promoted_encoding=encoding)
    promoted = shop.filter("retaildemostore-filter-promoted-items", PROMOTED)
    items = shop.runtime.get_recommendations(
        recommenderArn=shop.rfy, userId=FOOTWEAR_USER, numResults=10,
        promotions=[{"name": "promo", "percentPromotedItems": 30, "filterArn": promoted}])["itemList"]
    marked = [i["itemId"] for i in items if i.get("promotionName") == "promo"]
    assert len(items) == 10 and len(set(i["itemId"] for i in items)) == 10
    assert len(marked) == expected  # "True" is not "Y": the storefront generator's data trap
    wanted = "Y" if encoding == "Y" else "True"
    assert all(shop.emu.runtime.items[i]["PROMOTED"] == wanted for i in marked)


def test_filter_values_include_only_those_categories(shop):
    arn = shop.filter("retaildemostore-filter-include-categories", CATEGORIES)
    got = shop.recommend(recommenderArn=shop.rfy, userId=FURNITURE_USER, filterArn=arn, numResults=30,
                         filterValues={"CATEGORIES": '"footwear","jewelry"'})
    assert len(got) == 30 and {shop.category(i) for i in got} == {"footwear", "jewelry"}
    with pytest.raises(ClientError) as e:  # INCLUDE needs every placeholder
        shop.recommend(recommenderArn=shop.rfy, userId=FURNITURE_USER, filterArn=arn)
    assert code(e) == "InvalidInputException"


def test_filters_must_exist_and_be_active(shop):
    arn = shop.control.create_filter(name="retaildemostore-filter-purchased-products",
                                     datasetGroupArn=shop.dg, filterExpression=PURCHASED)["filterArn"]
    with pytest.raises(ClientError) as e:
        shop.recommend(recommenderArn=shop.rfy, userId="1", filterArn=arn)
    assert code(e) == "InvalidInputException"
    with pytest.raises(ClientError) as e:
        shop.recommend(recommenderArn=shop.rfy, userId="1", filterArn=arn + "-nope")
    assert code(e) == "ResourceNotFoundException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# ---- server-side validation ----------------------------------------------------------------
def test_what_botocore_lets_through_the_service_refuses(shop):
    tracking_id = shop.tracker()
    promoted = shop.filter("retaildemostore-filter-promoted-items", PROMOTED)
    event = {"eventType": "View", "itemId": "x", "sentAt": 1_700_000_000}
    refused = [
        lambda: shop.events.put_events(trackingId=tracking_id, userId="1", sessionId="s",
                                       eventList=[event] * 11),
        lambda: shop.events.put_events(trackingId=tracking_id, userId="1", sessionId="s",
                                       eventList=[{**event, "properties": '{"userId": "2"}'}]),
        lambda: shop.events.put_events(trackingId=tracking_id, userId="1", sessionId="s",
                                       eventList=[{**event, "properties": json.dumps({"a": "b" * 1100})}]),
        lambda: shop.events.put_events(trackingId="not-a-tracker", userId="1", sessionId="s",
                                       eventList=[event]),
        lambda: shop.runtime.get_recommendations(
            recommenderArn=shop.rfy, userId="1",
            promotions=[{"name": "p", "percentPromotedItems": 150, "filterArn": promoted}]),
        lambda: shop.runtime.get_recommendations(
            recommenderArn=shop.rfy, userId="1",
            promotions=[{"name": "p", "percentPromotedItems": 10, "filterArn": promoted}] * 2),
        lambda: shop.runtime.get_recommendations(recommenderArn=shop.rfy, userId="1", numResults=501),
        lambda: shop.runtime.get_personalized_ranking(campaignArn=shop.ranking, userId="1",
                                                       inputList=["x"] * 501),
        lambda: shop.runtime.get_recommendations(recommenderArn=shop.related, userId="1"),
        lambda: shop.runtime.get_recommendations(campaignArn=shop.ranking, userId="1"),
        lambda: shop.runtime.get_personalized_ranking(campaignArn=shop.rfy, userId="1", inputList=["x"]),
    ]
    for call in refused:
        with pytest.raises(ClientError) as e:
            call()
        assert code(e) == "InvalidInputException", e.value
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(shop.runtime.exceptions.ResourceNotFoundException):
        shop.runtime.get_recommendations(recommenderArn=shop.rfy + "-gone", userId="1")
    assert shop.emu.runtime.events == []
    assert [c.service for c in shop.emu.calls[-3:]] == ["personalize-runtime"] * 3
    assert shop.emu.call_counts()["PutEvents"] == 4


# ---- fault knobs: each evaluation check can fail -------------------------------------------
def test_ignore_filter(shop):
    purchased = shop.filter("retaildemostore-filter-purchased-products", PURCHASED)
    bought = {i["ITEM_ID"] for i in shop.emu.runtime.user_interactions(FOOTWEAR_USER)
              if i["EVENT_TYPE"] == "Purchase"}
    shop.emu.runtime.faults.ignore_filter(purchased)
    got = shop.recommend(recommenderArn=shop.rfy, userId=FOOTWEAR_USER, filterArn=purchased, numResults=500)
    assert bought <= set(got)


def test_drop_from_ranking(shop):
    inputs = shop.recommend(recommenderArn=shop.popular, userId="1", numResults=10)
    shop.emu.runtime.faults.drop_from_ranking(inputs[3])
    ranked = shop.runtime.get_personalized_ranking(campaignArn=shop.ranking, userId="1",
                                                    inputList=inputs)["personalizedRanking"]
    assert {i["itemId"] for i in ranked} == set(inputs) - {inputs[3]}


def test_duplicate_recommendations(shop):
    shop.emu.runtime.faults.duplicate_recommendations()
    got = shop.recommend(recommenderArn=shop.rfy, userId="1", numResults=10)
    assert len(got) == 10 and len(set(got)) == 9


def test_personalize_popular(shop):
    shop.emu.runtime.faults.personalize_popular()
    a = shop.recommend(recommenderArn=shop.popular, userId=FOOTWEAR_USER)
    b = shop.recommend(recommenderArn=shop.popular, userId=FURNITURE_USER)
    assert a != b
    shop.emu.runtime.faults.clear()
    assert shop.recommend(recommenderArn=shop.popular, userId=FOOTWEAR_USER) == \
        shop.recommend(recommenderArn=shop.popular, userId=FURNITURE_USER)


# ---- smaller contracts ---------------------------------------------------------------------
def test_metadata_columns_and_their_limit(shop):
    items = shop.runtime.get_recommendations(recommenderArn=shop.rfy, userId="1", numResults=3,
                                             metadataColumns={"ITEMS": ["PRICE", "CATEGORY_L1"]})["itemList"]
    assert [set(i["metadata"]) for i in items] == [{"PRICE", "CATEGORY_L1"}] * 3
    assert items[0]["metadata"]["CATEGORY_L1"] == shop.category(items[0]["itemId"])
    with pytest.raises(ClientError) as e:
        shop.runtime.get_recommendations(recommenderArn=shop.rfy, userId="1", numResults=51,
                                         metadataColumns={"ITEMS": ["PRICE"]})
    assert code(e) == "InvalidInputException"


def test_current_item_filters_need_an_item_and_trackers_must_be_active(shop):
    same = shop.filter("retaildemostore-filter-same-categories", SAME_CATEGORY)
    with pytest.raises(ClientError) as e:
        shop.recommend(recommenderArn=shop.rfy, userId="1", filterArn=same)
    assert code(e) == "InvalidInputException"
    tracking_id = shop.control.create_event_tracker(
        name="retaildemostore-event-tracker", datasetGroupArn=shop.dg)["trackingId"]
    event = {"eventType": "View", "itemId": "x", "sentAt": 1_700_000_000}
    with pytest.raises(ClientError) as e:  # still CREATE PENDING
        shop.events.put_events(trackingId=tracking_id, sessionId="s", eventList=[event])
    assert code(e) == "InvalidInputException"
    shop.emu.clock.advance(30)
    shop.events.put_events(trackingId=tracking_id, sessionId="anon-1", eventList=[event])
    assert shop.emu.runtime.events[-1]["USER_ID"] == "anon-1"  # anonymous: the session stands in


def test_attach_still_rejects_unrelated_services():
    emu = PersonalizeEmulator()
    with pytest.raises(ValueError):
        emu.attach(boto3.client("s3"))
    assert emu.client(service="personalize-events").meta.service_model.service_name == "personalize-events"
