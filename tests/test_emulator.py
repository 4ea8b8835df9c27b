"""The Personalize emulator, exercised through real boto3 clients (offline)."""
from __future__ import annotations

import datetime

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from tests.emulator import Latencies, PersonalizeEmulator, Quotas, models

EXPR = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")'



@pytest.fixture
def emu():
    return PersonalizeEmulator()


@pytest.fixture
def client(emu):
    return emu.attach(boto3.client("personalize"))  # a plain client, env credentials


@pytest.fixture
def dg(emu):
    return emu.add_dataset_group("shop")


def code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def status(client, arn: str) -> str:
    return client.describe_filter(filterArn=arn)["filter"]["status"]


def test_filter_status_advances_with_the_clock(emu, client, dg):
    arn = client.create_filter(name="no-repeats", datasetGroupArn=dg, filterExpression=EXPR)[
        "filterArn"]
    assert arn == "arn:aws:personalize:us-east-1:123456789012:filter/no-repeats"
    f = client.describe_filter(filterArn=arn)["filter"]
    assert (f["status"], f["filterExpression"], f["datasetGroupArn"]) == ("CREATE PENDING", EXPR, dg)
    assert isinstance(f["creationDateTime"], datetime.datetime)
    assert "failureReason" not in f
    emu.clock.advance(5)
    assert status(client, arn) == "CREATE IN_PROGRESS"
    emu.clock.advance(54)
    assert status(client, arn) == "CREATE IN_PROGRESS"
    emu.clock.advance(1)
    f = client.describe_filter(filterArn=arn)["filter"]
    assert f["status"] == "ACTIVE"
    assert (f["lastUpdatedDateTime"] - f["creationDateTime"]).total_seconds() == 60


def test_latencies_can_be_overridden_per_kind():
    emu = PersonalizeEmulator(latencies=Latencies(filter=120))
    client = emu.client()
    dg = emu.add_dataset_group("shop")
    arn = client.create_filter(name="f", datasetGroupArn=dg, filterExpression=EXPR)["filterArn"]
    emu.clock.advance(60)
    assert status(client, arn) == "CREATE IN_PROGRESS"
    emu.clock.advance(60)
    assert status(client, arn) == "ACTIVE"


def test_filter_names_are_unique_across_dataset_groups(emu, client, dg):
    other = emu.add_dataset_group("staging")
    client.create_filter(name="same", datasetGroupArn=dg, filterExpression=EXPR)
    with pytest.raises(ClientError) as e:
        client.create_filter(name="same", datasetGroupArn=other, filterExpression=EXPR)
    assert code(e) == "ResourceAlreadyExistsException"
    assert "filter/same" in e.value.response["Error"]["Message"]
    assert isinstance(e.value, client.exceptions.ResourceAlreadyExistsException)


@pytest.mark.parametrize("name, expression", [
    ("bad name", EXPR), ("-leading-dash", EXPR), ("x" * 64, EXPR),
    ("ok", "REMOVE ItemID"), ("ok", "EXCLUDE " + "x" * 2493),
])
def test_invalid_input(client, dg, name, expression):
    with pytest.raises(client.exceptions.InvalidInputException):
        client.create_filter(name=name, datasetGroupArn=dg, filterExpression=expression)


def test_expression_validator_is_pluggable(monkeypatch, client, dg):
    def reject(expression):
        raise ValueError("Unknown dataset Foo")
    monkeypatch.setattr(models, "expression_validator", reject)
    with pytest.raises(ClientError) as e:
        client.create_filter(name="f", datasetGroupArn=dg, filterExpression=EXPR)
    assert e.value.response["Error"] == {"Code": "InvalidInputException",
                                         "Message": "Unknown dataset Foo"}


def test_unknown_dataset_group(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.create_filter(name="f", datasetGroupArn="arn:aws:personalize:us-east-1:"
                             "123456789012:dataset-group/nope", filterExpression=EXPR)


def test_one_event_tracker_per_dataset_group(emu, client, dg):
    out = client.create_event_tracker(name="tracker", datasetGroupArn=dg)
    assert out["eventTrackerArn"].startswith(
        "arn:aws:personalize:us-east-1:123456789012:event-tracker/")
    assert len(out["eventTrackerArn"].rsplit("/", 1)[1]) == 8
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException):
        client.create_event_tracker(name="tracker2", datasetGroupArn=dg)
    t = client.describe_event_tracker(eventTrackerArn=out["eventTrackerArn"])["eventTracker"]
    assert (t["trackingId"], t["accountId"], t["status"]) == (
        out["trackingId"], "123456789012", "CREATE PENDING")
    emu.clock.advance(30)
    [summary] = client.list_event_trackers(datasetGroupArn=dg)["eventTrackers"]
    assert summary["status"] == "ACTIVE" and "trackingId" not in summary
    # Deterministic ids: same seed, same ARN and trackingId.
    again = PersonalizeEmulator()
    dg2 = again.add_dataset_group("shop")
    out2 = again.client().create_event_tracker(name="tracker", datasetGroupArn=dg2)
    assert (out2["eventTrackerArn"], out2["trackingId"]) == (
        out["eventTrackerArn"], out["trackingId"])


def test_list_filters_uses_capital_f_and_paginates(emu, client, dg):
    for i in range(7):
        client.create_filter(name=f"f{i}", datasetGroupArn=dg, filterExpression=EXPR)
        emu.clock.advance(60)
    page = client.list_filters(datasetGroupArn=dg, maxResults=3)
    assert [f["name"] for f in page["Filters"]] == ["f0", "f1", "f2"]
    assert "filterExpression" not in page["Filters"][0]
    page = client.list_filters(datasetGroupArn=dg, maxResults=3, nextToken=page["nextToken"])
    assert [f["name"] for f in page["Filters"]] == ["f3", "f4", "f5"]
    names = [f["name"] for p in client.get_paginator("list_filters").paginate(
        datasetGroupArn=dg, PaginationConfig={"PageSize": 2}) for f in p["Filters"]]
    assert names == [f"f{i}" for i in range(7)]
    assert "nextToken" not in client.list_filters(datasetGroupArn=dg)
    with pytest.raises(client.exceptions.InvalidNextTokenException):
        client.list_filters(datasetGroupArn=dg, nextToken="garbage")
    with pytest.raises(client.exceptions.InvalidInputException):
        client.list_filters(datasetGroupArn=dg, maxResults=101)


def test_tags_round_trip(emu, client, dg):
    arn = client.create_filter(name="f", datasetGroupArn=dg, filterExpression=EXPR,
                               tags=[{"tagKey": "stage", "tagValue": "dev"}])["filterArn"]
    client.tag_resource(resourceArn=arn, tags=[{"tagKey": "team", "tagValue": "recs"}])
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"tagKey": "stage", "tagValue": "dev"}, {"tagKey": "team", "tagValue": "recs"}]
    client.untag_resource(resourceArn=arn, tagKeys=["stage"])
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"tagKey": "team", "tagValue": "recs"}]
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.list_tags_for_resource(resourceArn=arn + "-missing")
    many = [{"tagKey": f"k{i}", "tagValue": "v"} for i in range(201)]
    with pytest.raises(client.exceptions.TooManyTagsException):
        client.create_filter(name="g", datasetGroupArn=dg, filterExpression=EXPR, tags=many)
    with pytest.raises(client.exceptions.TooManyTagsException):
        client.tag_resource(resourceArn=arn, tags=many[:200])  # 1 existing + 200


def test_delete_goes_through_delete_states_then_is_gone(emu, client, dg):
    arn = client.create_filter(name="f", datasetGroupArn=dg, filterExpression=EXPR)["filterArn"]
    with pytest.raises(client.exceptions.ResourceInUseException):
        client.delete_filter(filterArn=arn)  # still CREATE PENDING (guessed behaviour)
    emu.clock.advance(60)
    client.delete_filter(filterArn=arn)
    assert status(client, arn) == "DELETE PENDING"
    client.delete_filter(filterArn=arn)  # repeat: no-op success (guessed behaviour)
    emu.clock.advance(5)
    assert status(client, arn) == "DELETE IN_PROGRESS"
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException):
        client.create_filter(name="f", datasetGroupArn=dg, filterExpression=EXPR)
    emu.clock.advance(15)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_filter(filterArn=arn)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.delete_filter(filterArn=arn)
    assert client.list_filters(datasetGroupArn=dg)["Filters"] == []
    client.create_filter(name="f", datasetGroupArn=dg, filterExpression=EXPR)  # name is free


def test_event_tracker_delete(emu, client, dg):
    arn = client.create_event_tracker(name="t", datasetGroupArn=dg)["eventTrackerArn"]
    emu.clock.advance(30)
    client.delete_event_tracker(eventTrackerArn=arn)
    assert emu.status_of(arn) == "DELETE PENDING"
    emu.clock.advance(20)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_event_tracker(eventTrackerArn=arn)
    client.create_event_tracker(name="t2", datasetGroupArn=dg)


def test_fail_create(emu, client, dg):
    emu.faults.fail_create("broken", reason="Invalid filter expression: Items.foo", times=1)
    emu.faults.fail_create("bad-tracker")
    arn = client.create_filter(name="broken", datasetGroupArn=dg, filterExpression=EXPR)[
        "filterArn"]
    tracker = client.create_event_tracker(name="bad-tracker", datasetGroupArn=dg)
    emu.clock.advance(60)
    f = client.describe_filter(filterArn=arn)["filter"]
    assert (f["status"], f["failureReason"]) == ("CREATE FAILED", "Invalid filter expression: Items.foo")
    assert client.list_filters()["Filters"][0]["failureReason"] == f["failureReason"]
    t = client.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])["eventTracker"]
    assert t["status"] == "CREATE FAILED" and "failureReason" not in t
    client.delete_filter(filterArn=arn)
    emu.clock.advance(20)
    arn = client.create_filter(name="broken", datasetGroupArn=dg, filterExpression=EXPR)[
        "filterArn"]
    emu.clock.advance(60)
    assert status(client, arn) == "ACTIVE"  # times=1 was used up


def test_limit_exceeded_fault(emu, client, dg):
    emu.faults.limit_exceeded("CreateFilter", times=2, names=["a"])
    for _ in range(2):
        with pytest.raises(client.exceptions.LimitExceededException):
            client.create_filter(name="a", datasetGroupArn=dg, filterExpression=EXPR)
    client.create_filter(name="b", datasetGroupArn=dg, filterExpression=EXPR)
    client.create_filter(name="a", datasetGroupArn=dg, filterExpression=EXPR)
    assert emu.filters() and len(emu.filters()) == 2


def test_max_pending_quota(emu, client, dg):
    for i in range(4):
        client.create_filter(name=f"f{i}", datasetGroupArn=dg, filterExpression=EXPR)
    client.create_event_tracker(name="t", datasetGroupArn=dg)
    with pytest.raises(ClientError) as e:
        client.create_filter(name="f5", datasetGroupArn=dg, filterExpression=EXPR)
    assert e.value.response["Error"] == {
        "Code": "LimitExceededException",
        "Message": "More than 5 resources with PENDING or IN_PROGRESS status"}
    emu.clock.advance(30)  # the tracker is ACTIVE now
    client.create_filter(name="f5", datasetGroupArn=dg, filterExpression=EXPR)


def test_filters_per_dataset_group_quota():
    emu = PersonalizeEmulator(quotas=Quotas(filters_per_dataset_group=2))
    client, dg = emu.client(), emu.add_dataset_group("shop")
    for name in ("a", "b"):
        client.create_filter(name=name, datasetGroupArn=dg, filterExpression=EXPR)
    with pytest.raises(client.exceptions.LimitExceededException):
        client.create_filter(name="c", datasetGroupArn=dg, filterExpression=EXPR)
    client.create_filter(name="c", datasetGroupArn=emu.add_dataset_group("other"),
                         filterExpression=EXPR)


def test_throttling(monkeypatch, emu, dg):
    sleeps = []
    monkeypatch.setattr("botocore.endpoint.time.sleep", sleeps.append)
    emu.faults.throttle(rate=0.3, seed=1)
    bare = emu.client(config=Config(retries={"mode": "standard", "max_attempts": 1}))
    errors = []
    for _ in range(20):
        try:
            bare.describe_dataset_group(datasetGroupArn=dg)
        except ClientError as e:
            errors.append(e.response["Error"]["Code"])
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert errors and set(errors) == {"ThrottlingException"}
    patient = emu.client(config=Config(retries={"mode": "standard", "max_attempts": 10}))
    for i in range(10):
        patient.create_filter(name=f"f{i}", datasetGroupArn=dg, filterExpression=EXPR)
        emu.clock.advance(60)
    assert len(emu.filters()) == 10 and sleeps  # some calls were retried
    # Repeatable: the same seed throttles the same calls.
    twin = PersonalizeEmulator()
    twin.faults.throttle(rate=0.3, seed=1)
    twin_client = twin.client(config=Config(retries={"mode": "standard", "max_attempts": 1}))
    twin_errors = []
    for _ in range(20):
        try:
            twin_client.describe_dataset_group(datasetGroupArn=twin.add_dataset_group("shop"))
        except ClientError as e:
            twin_errors.append(e.response["Error"]["Code"])
    assert twin_errors == errors


def test_botocore_validates_before_the_emulator(emu, client, dg):
    with pytest.raises(ParamValidationError):
        client.create_filter(name="f", datasetGroupArn=dg)  # no filterExpression
    assert emu.calls == []


def test_unimplemented_operation_raises(emu, client):
    with pytest.raises(NotImplementedError, match="CreateSchema"):
        client.create_schema(name="s", schema="{}")
    assert emu.calls[-1].error_code == "NotImplementedError"


def test_out_of_band_changes(emu, client, dg):
    arn = client.create_filter(name="f", datasetGroupArn=dg, filterExpression=EXPR)["filterArn"]
    emu.faults.change_expression_out_of_band(arn, "INCLUDE ItemID WHERE Items.x IN ($X)")
    assert client.describe_filter(filterArn=arn)["filter"]["filterExpression"].startswith("INCLUDE")
    emu.faults.delete_out_of_band(arn)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_filter(filterArn=arn)


def test_observability(emu, client, dg):
    arn = client.create_filter(name="f", datasetGroupArn=dg, filterExpression=EXPR)["filterArn"]
    client.describe_filter(filterArn=arn)
    with pytest.raises(ClientError):
        client.describe_filter(filterArn=arn + "x")
    assert emu.call_counts() == {"CreateFilter": 1, "DescribeFilter": 2}
    assert [c.error_code for c in emu.calls] == [None, None, "ResourceNotFoundException"]
    assert emu.calls[0].params["name"] == "f"
    assert [f["filterExpression"] for f in emu.filters(dg)] == [EXPR]
    assert emu.filters(emu.add_dataset_group("other")) == [] and emu.trackers() == []
    assert emu.status_of(arn) == "CREATE PENDING" and emu.status_of(arn + "x") is None
    assert client.describe_dataset_group(datasetGroupArn=dg)["datasetGroup"]["domain"] == "ECOMMERCE"


def test_attach_wins_over_moto_and_leaves_other_clients_to_moto(emu, dg):
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        client = emu.client()
        arn = client.create_filter(name="f", datasetGroupArn=dg, filterExpression=EXPR)[
            "filterArn"]
        assert status(client, arn) == "CREATE PENDING"
        assert boto3.client("personalize").list_schemas()["schemas"] == []  # moto's


def test_attach_rejects_other_services_and_regions(emu):
    with pytest.raises(ValueError):
        emu.attach(boto3.client("personalize", region_name="eu-west-1"))
    with pytest.raises(ValueError):
        emu.attach(boto3.client("s3"))
