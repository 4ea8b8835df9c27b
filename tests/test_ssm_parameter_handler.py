"""The SSM parameter writer custom resource, driven the way the CDK Provider framework drives it.

Every test runs against moto's in-memory SSM; nothing here talks to AWS.
"""
from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws

from lifecycle import aws
from lifecycle.events import CREATE_FAILED_MARKER
from ssm_parameter.handler import INLINE_LIMIT, Previous, is_complete, on_event

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/personalize/4f1c2d3e"
SERVICE_TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:provider-framework-onEvent"
NAME = "/retaildemostore/personalize/recommended-for-you-arn"
OWNER_DESCRIPTION = "Retail Demo Store recommended-for-you campaign ARN"
ARN_1 = "arn:aws:personalize:us-east-1:123456789012:campaign/rfy-1"
ARN_2 = "arn:aws:personalize:us-east-1:123456789012:campaign/rfy-2"


@pytest.fixture
def ssm(monkeypatch):
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    aws.ssm.cache_clear()
    with mock_aws():
        yield boto3.client("ssm", region_name="us-east-1")
    aws.ssm.cache_clear()


# --- events as the Provider framework sends them -------------------------------------------------


def props(name: str = NAME, value: str = ARN_1, description: str = "written by the personalize stack") -> dict:
    return {"ServiceToken": SERVICE_TOKEN, "Name": name, "Value": value, "Description": description}


def _base(request_type: str, properties: dict) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "LogicalResourceId": "RecommendedForYouArnParameter",
        "StackId": STACK_ID,
        "RequestId": str(uuid.uuid4()),
        "ResourceProperties": properties,
    }


def create_event(properties: dict) -> dict[str, Any]:
    return _base("Create", properties)


def update_event(physical_id: str, properties: dict, old_properties: dict) -> dict[str, Any]:
    return {**_base("Update", properties), "OldResourceProperties": old_properties, "PhysicalResourceId": physical_id}


def delete_event(physical_id: str, properties: dict) -> dict[str, Any]:
    return {**_base("Delete", properties), "PhysicalResourceId": physical_id}


def run(event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """on_event, then is_complete on the merged event, as the framework does. Returns both answers."""
    result = on_event(event)
    completion = is_complete({**event, **result})
    return result, completion


def value_of(ssm, name: str = NAME) -> str | None:
    try:
        return ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return None


def base_stack_parameter(ssm, name: str = NAME, value: str = "NONE") -> None:
    ssm.put_parameter(Name=name, Value=value, Type="String", Description=OWNER_DESCRIPTION)


def describe(ssm, name: str = NAME) -> dict[str, Any]:
    found = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"]
    assert len(found) == 1
    return found[0]


# --- 1. the base stack's "NONE" placeholder --------------------------------------------------------


def test_create_overwrites_base_stack_placeholder_and_delete_restores_it(ssm):
    # GIVEN the base stack's placeholder parameter
    base_stack_parameter(ssm)

    # WHEN the resource is created
    result, completion = run(create_event(props()))

    # THEN the ARN is written, the physical id remembers "NONE", and is_complete confirms it
    assert value_of(ssm) == ARN_1
    assert result["PhysicalResourceId"] == Previous(NAME, value="NONE").physical_id()
    assert result["Data"] == {"ParameterName": NAME}
    assert completion["IsComplete"] is True
    assert completion["Data"]["ParameterName"] == NAME
    assert completion["Data"]["Version"] == "2"
    # and the owner's type and description are untouched
    assert describe(ssm)["Type"] == "String"
    assert describe(ssm)["Description"] == OWNER_DESCRIPTION

    # WHEN the stack is deleted
    result, completion = run(delete_event(result["PhysicalResourceId"], props()))

    # THEN "NONE" is back, still a String with the owner's description
    assert value_of(ssm) == "NONE"
    assert completion == {"IsComplete": True}
    assert describe(ssm)["Type"] == "String"
    assert describe(ssm)["Description"] == OWNER_DESCRIPTION


# --- 2. no parameter before ----------------------------------------------------------------------------


def test_create_without_prior_parameter_creates_it_and_delete_removes_it(ssm):
    # GIVEN no such parameter
    assert value_of(ssm) is None

    # WHEN the resource is created
    result, completion = run(create_event(props(description="made by us")))

    # THEN it exists as a String with our description, and the physical id says it was absent
    assert value_of(ssm) == ARN_1
    assert describe(ssm)["Type"] == "String"
    assert describe(ssm)["Description"] == "made by us"
    assert result["PhysicalResourceId"] == f"{NAME}#absent"
    assert completion["IsComplete"] is True

    # WHEN the stack is deleted
    run(delete_event(result["PhysicalResourceId"], props(description="made by us")))

    # THEN the parameter is gone again
    assert value_of(ssm) is None


def test_delete_of_absent_parameter_tolerates_it_already_being_gone(ssm):
    # GIVEN a resource created on an absent parameter, which someone then deleted
    result, _ = run(create_event(props()))
    ssm.delete_parameter(Name=NAME)

    # WHEN the stack is deleted THEN nothing fails and nothing is recreated
    run(delete_event(result["PhysicalResourceId"], props()))
    assert value_of(ssm) is None


# --- 3. value updates and their rollback -------------------------------------------------------------


def test_value_update_keeps_physical_id_and_delete_restores_original(ssm):
    # GIVEN a resource created over the placeholder
    base_stack_parameter(ssm)
    created, _ = run(create_event(props(value=ARN_1)))
    physical_id = created["PhysicalResourceId"]

    # WHEN the Value changes
    updated, completion = run(update_event(physical_id, props(value=ARN_2), props(value=ARN_1)))

    # THEN the physical id stays (no replacement) and the new value is written
    assert updated["PhysicalResourceId"] == physical_id
    assert value_of(ssm) == ARN_2
    assert completion["IsComplete"] is True

    # WHEN CloudFormation rolls that update back (an Update with the properties swapped)
    rolled_back, completion = run(update_event(physical_id, props(value=ARN_1), props(value=ARN_2)))

    # THEN the old value is back under the same physical id
    assert rolled_back["PhysicalResourceId"] == physical_id
    assert value_of(ssm) == ARN_1
    assert completion["IsComplete"] is True

    # WHEN the stack is deleted THEN the pre-stack value, not an intermediate one, comes back
    run(delete_event(physical_id, props(value=ARN_1)))
    assert value_of(ssm) == "NONE"


def test_update_after_a_value_change_then_delete_restores_original(ssm):
    # GIVEN a created and then updated resource
    base_stack_parameter(ssm)
    created, _ = run(create_event(props(value=ARN_1)))
    physical_id = created["PhysicalResourceId"]
    run(update_event(physical_id, props(value=ARN_2), props(value=ARN_1)))

    # WHEN the stack is deleted (properties are the latest ones)
    run(delete_event(physical_id, props(value=ARN_2)))

    # THEN the placeholder is back
    assert value_of(ssm) == "NONE"


# --- 4. name updates (replacement) -----------------------------------------------------------------


def test_name_update_replaces_and_old_delete_restores_old_parameter(ssm):
    other = "/retaildemostore/personalize/similar-items-arn"
    # GIVEN two placeholders and a resource written to the first
    base_stack_parameter(ssm, NAME, "NONE")
    base_stack_parameter(ssm, other, "NONE-OTHER")
    created, _ = run(create_event(props(NAME, ARN_1)))
    old_physical_id = created["PhysicalResourceId"]

    # WHEN the Name changes
    updated, completion = run(update_event(old_physical_id, props(other, ARN_1), props(NAME, ARN_1)))

    # THEN a new physical id (a replacement) remembers the second parameter's value
    assert updated["PhysicalResourceId"] != old_physical_id
    assert updated["PhysicalResourceId"] == Previous(other, value="NONE-OTHER").physical_id()
    assert updated["Data"] == {"ParameterName": other}
    assert value_of(ssm, other) == ARN_1
    assert completion["IsComplete"] is True

    # WHEN CloudFormation deletes the old resource in the cleanup phase (with its old properties)
    run(delete_event(old_physical_id, props(NAME, ARN_1)))

    # THEN the first parameter is back to its placeholder and the new one keeps the value
    assert value_of(ssm, NAME) == "NONE"
    assert value_of(ssm, other) == ARN_1

    # WHEN the stack is later deleted THEN the second one is restored too
    run(delete_event(updated["PhysicalResourceId"], props(other, ARN_1)))
    assert value_of(ssm, other) == "NONE-OTHER"


# --- 5. out-of-band changes --------------------------------------------------------------------------


def test_delete_leaves_a_value_someone_changed_after_our_write(ssm):
    # GIVEN our write over the placeholder, then someone else's
    base_stack_parameter(ssm)
    created, _ = run(create_event(props(value=ARN_1)))
    ssm.put_parameter(Name=NAME, Value="set-by-hand", Overwrite=True)

    # WHEN the stack is deleted
    result, _ = run(delete_event(created["PhysicalResourceId"], props(value=ARN_1)))

    # THEN their value stays
    assert value_of(ssm) == "set-by-hand"
    assert result["PhysicalResourceId"] == created["PhysicalResourceId"]


def test_delete_leaves_a_parameter_we_created_if_someone_changed_it(ssm):
    # GIVEN a parameter we created, then changed by hand
    created, _ = run(create_event(props(value=ARN_1)))
    ssm.put_parameter(Name=NAME, Value="set-by-hand", Overwrite=True)

    # WHEN the stack is deleted THEN it is not deleted
    run(delete_event(created["PhysicalResourceId"], props(value=ARN_1)))
    assert value_of(ssm) == "set-by-hand"


# --- 6. long previous values --------------------------------------------------------------------------


def test_long_previous_value_is_restored_from_history(ssm):
    long_value = "x" * (INLINE_LIMIT + 1)
    # GIVEN a previous value too long to carry in the physical id, at version 1
    base_stack_parameter(ssm, value=long_value)

    # WHEN the resource is created
    created, completion = run(create_event(props(value=ARN_1)))

    # THEN the physical id points at the version instead
    assert created["PhysicalResourceId"] == f"{NAME}#previous-version=1"
    assert value_of(ssm) == ARN_1
    assert completion["IsComplete"] is True

    # and WHEN there are further writes and the stack is then deleted
    physical_id = created["PhysicalResourceId"]
    run(update_event(physical_id, props(value=ARN_2), props(value=ARN_1)))
    run(delete_event(physical_id, props(value=ARN_2)))

    # THEN the long value comes back from the history
    assert value_of(ssm) == long_value
    assert describe(ssm)["Description"] == OWNER_DESCRIPTION


def test_previous_value_at_the_inline_limit_stays_inline(ssm):
    # GIVEN a previous value exactly at the limit
    value = "y" * INLINE_LIMIT
    base_stack_parameter(ssm, value=value)

    # WHEN created THEN it is carried inline, and Delete restores it
    created, _ = run(create_event(props()))
    assert created["PhysicalResourceId"] == Previous(NAME, value=value).physical_id()
    run(delete_event(created["PhysicalResourceId"], props()))
    assert value_of(ssm) == value


PHYSICAL_ID_MAX_BYTES = 1024  # CloudFormation: "can be up to 1 KB in size"


@pytest.mark.parametrize(
    "name, previous",
    [
        # multi-byte characters: 300 characters, 1,200 bytes before base64
        ("/retaildemostore/personalize/arn", "\U0001F600" * 300),
        # ASCII under the character limit, but with a long (valid) parameter name
        ("/retaildemostore/" + "n" * 150, "z" * INLINE_LIMIT),
    ],
    ids=["multibyte-value", "long-name"],
)
def test_physical_id_stays_within_cloudformation_limit(ssm, name, previous):
    # GIVEN a previous value that fits the character limit but not a 1 KB physical id inline
    base_stack_parameter(ssm, name=name, value=previous)

    # WHEN the resource is created
    created, _ = run(create_event(props(name=name)))

    # THEN the physical id fits CloudFormation's limit
    assert len(created["PhysicalResourceId"].encode()) <= PHYSICAL_ID_MAX_BYTES

    # and Delete still restores the previous value
    run(delete_event(created["PhysicalResourceId"], props(name=name)))
    assert value_of(ssm, name) == previous


# --- 7. physical ids we never issued -------------------------------------------------------------


@pytest.mark.parametrize("physical_id", [CREATE_FAILED_MARKER, "garbage", f"{NAME}#something-else", ""])
def test_delete_of_foreign_physical_id_touches_nothing(ssm, physical_id):
    # GIVEN a parameter holding exactly the value in the properties
    base_stack_parameter(ssm, value=ARN_1)

    # WHEN a Delete arrives for a physical id we never returned
    result, completion = run(delete_event(physical_id, props(value=ARN_1)))

    # THEN nothing fails and the parameter is untouched (not even a new version)
    assert result["PhysicalResourceId"] == physical_id
    assert completion == {"IsComplete": True}
    assert value_of(ssm) == ARN_1
    assert ssm.get_parameter(Name=NAME)["Parameter"]["Version"] == 1


def test_delete_without_physical_id_touches_nothing(ssm):
    base_stack_parameter(ssm, value=ARN_1)
    event = delete_event("x", props(value=ARN_1))
    del event["PhysicalResourceId"]
    on_event(event)
    assert value_of(ssm) == ARN_1


# --- 8. is_complete waits for the value ---------------------------------------------------------------


def test_is_complete_is_false_while_parameter_does_not_hold_the_value(ssm):
    # GIVEN on_event has written the value
    base_stack_parameter(ssm)
    event = create_event(props(value=ARN_1))
    result = on_event(event)

    # WHEN the parameter changes before is_complete runs
    ssm.put_parameter(Name=NAME, Value="changed-in-between", Overwrite=True)

    # THEN is_complete keeps waiting
    assert is_complete({**event, **result}) == {"IsComplete": False}


def test_is_complete_is_false_while_parameter_is_missing(ssm):
    event = create_event(props(value=ARN_1))
    result = on_event(event)
    ssm.delete_parameter(Name=NAME)
    assert is_complete({**event, **result}) == {"IsComplete": False}


# --- 9. physical id round trip ------------------------------------------------------------------------

ssm_names = st.from_regex(r"/[A-Za-z0-9_.\-]{1,20}(/[A-Za-z0-9_.\-]{1,20}){0,3}", fullmatch=True)


@given(name=ssm_names, value=st.text(max_size=INLINE_LIMIT))
def test_previous_round_trips_through_physical_id(name, value):
    previous = Previous(name, value=value)
    assert Previous.parse(previous.physical_id()) == previous


@pytest.mark.parametrize("value", ["", " ", "#", "=", "==", "a#b=c", "#previous=x", "#absent", "ü€😀", "\x00", "\n"])
def test_previous_round_trips_awkward_values(value):
    previous = Previous(NAME, value=value)
    assert Previous.parse(previous.physical_id()) == previous


@given(name=ssm_names, version=st.integers(min_value=1, max_value=10**9))
def test_previous_version_and_absent_round_trip(name, version):
    assert Previous.parse(Previous(name, version=version).physical_id()) == Previous(name, version=version)
    assert Previous.parse(Previous(name).physical_id()) == Previous(name)


def test_a_retried_create_remembers_the_value_from_before_its_own_write(ssm):
    ssm.put_parameter(Name=NAME, Value="NONE", Type="String")
    event = create_event(props())

    first = on_event(event)
    again = on_event(event)  # Lambda delivered the same request twice

    assert again["PhysicalResourceId"] == first["PhysicalResourceId"]
    assert Previous.parse(again["PhysicalResourceId"]).value == "NONE"
    assert ssm.get_parameter(Name=NAME)["Parameter"]["Version"] == 2  # written once
    on_event(delete_event(again["PhysicalResourceId"], props()))
    assert value_of(ssm) == "NONE"


def test_a_retried_create_of_a_new_parameter_still_deletes_it(ssm):
    event = create_event(props())

    on_event(event)
    again = on_event(event)

    assert again["PhysicalResourceId"].endswith("#absent")
    on_event(delete_event(again["PhysicalResourceId"], props()))
    assert value_of(ssm) is None
