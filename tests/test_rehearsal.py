"""Scenario tests: the synthesized default template played through CloudFormation's lifecycle.

Every scenario ends with the same invariants, checked by the rehearsal at every step of the
virtual clock: no parameter points at a filter or tracker that is not ACTIVE, nothing the stack
made is left behind unreferenced, nothing that existed before the stack is deleted.
"""
from __future__ import annotations

import pytest

from personalize_filter.handler import replacement_name
from rehearsal.cloudformation import Faults
from rehearsal.session import Session, with_expression

PREFIX = "/retaildemostore/personalize/"
PROMOTED = "retaildemostore-filter-promoted-items"
CSTORE = "retaildemostore-filter-cstore-products"
PROMOTED_FIX = 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | INCLUDE ItemID WHERE ITEMS.PROMOTED IN ("True")'
CSTORE_CHANGE = 'EXCLUDE ItemID WHERE ITEMS.CATEGORY_L1 NOT IN ("cold dispensed", "hot dispensed", "salty snacks")'


def filter_arn(name: str) -> str:
    return f"arn:aws:personalize:us-east-1:123456789012:filter/{name}"


@pytest.fixture
def session(template):
    lines: list[str] = []
    with Session(template, log=lines.append) as s:
        s.lines = lines
        yield s
        assert s.check_end() == [], "\n".join(s.world.violations)


def filters_by_name(session) -> dict[str, str]:
    return {f["name"]: f["status"] for f in session.world.emulator.filters()}


def test_fresh_create_writes_every_parameter_once_everything_is_active(session):
    assert session.deploy() == "CREATE_COMPLETE"

    parameters = session.world.parameters()
    (tracker,) = session.world.emulator.trackers()
    assert set(filters_by_name(session).values()) == {"ACTIVE"} and len(filters_by_name(session)) == 6
    assert parameters[PREFIX + "event-tracker-id"] == tracker["trackingId"]
    assert parameters[PREFIX + "filters/promoted-items-filter-arn"] == filter_arn(PROMOTED)
    assert parameters[PREFIX + "recommended-for-you-arn"].endswith(":recommender/retaildemostore-recommended-for-you")
    assert "NONE" not in parameters.values()


def test_existing_tracker_and_filters_are_adopted_and_survive_delete(session):
    tracker = session.world.existing_tracker()
    session.world.existing_filter(PROMOTED, 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | '
                                            'INCLUDE ItemID WHERE ITEMS.PROMOTED IN ("Y")')
    session.world.existing_filter("someone-elses-filter", 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("View")')
    session.world.settle()

    assert session.deploy() == "CREATE_COMPLETE"
    assert session.world.parameters()[PREFIX + "filters/promoted-items-filter-arn"] == filter_arn(PROMOTED)
    assert session.delete() == "DELETE_COMPLETE"

    assert set(filters_by_name(session)) == {PROMOTED, "someone-elses-filter"}
    assert [t["eventTrackerArn"] for t in session.world.emulator.trackers()] == [tracker]
    assert set(session.world.parameters().values()) == {"NONE"}


def test_one_filter_create_failed_rolls_everything_back(session):
    session.world.emulator.faults.fail_create(CSTORE, reason="Field CATEGORY_L1 is not filterable")

    assert session.deploy() == "ROLLBACK_COMPLETE"

    assert any("Field CATEGORY_L1 is not filterable" in line for line in session.lines)
    assert filters_by_name(session) == {} and session.world.emulator.trackers() == []
    assert set(session.world.parameters().values()) == {"NONE"}


def test_limit_exceeded_on_half_the_creates_for_several_polls(session):
    half = [CSTORE, PROMOTED, "retaildemostore-filter-include-categories"]
    session.world.emulator.faults.limit_exceeded("CreateFilter", times=9, names=half)

    assert session.deploy() == "CREATE_COMPLETE"

    refused = [c for c in session.world.emulator.calls if c.error_code == "LimitExceededException"]
    assert len(refused) >= 9
    assert set(filters_by_name(session).values()) == {"ACTIVE"}


def test_expression_change_switches_the_parameter_then_deletes_the_old_filter(session, template):
    session.deploy()

    assert session.deploy(with_expression(template, PROMOTED, PROMOTED_FIX)) == "UPDATE_COMPLETE"

    new_name = replacement_name(PROMOTED, PROMOTED_FIX)
    assert session.world.parameters()[PREFIX + "filters/promoted-items-filter-arn"] == filter_arn(new_name)
    assert PROMOTED not in filters_by_name(session) and filters_by_name(session)[new_name] == "ACTIVE"


def test_expression_change_then_a_later_failure_rolls_back_to_the_old_filters(session, template):
    session.deploy()
    changed = with_expression(with_expression(template, PROMOTED, PROMOTED_FIX), CSTORE, CSTORE_CHANGE)
    session.world.emulator.faults.fail_create(replacement_name(CSTORE, CSTORE_CHANGE), reason="later failure")

    assert session.deploy(changed) == "UPDATE_ROLLBACK_COMPLETE"

    parameters = session.world.parameters()
    assert parameters[PREFIX + "filters/promoted-items-filter-arn"] == filter_arn(PROMOTED)
    assert parameters[PREFIX + "filters/filter-cstore-arn"] == filter_arn(CSTORE)
    assert len(filters_by_name(session)) == 6 and set(filters_by_name(session).values()) == {"ACTIVE"}


def test_delete_restores_every_parameter_and_removes_what_the_stack_made(session):
    session.deploy()

    assert session.delete() == "DELETE_COMPLETE"

    assert set(session.world.parameters().values()) == {"NONE"}
    assert filters_by_name(session) == {} and session.world.emulator.trackers() == []


def test_delete_after_an_out_of_band_delete(session):
    session.deploy()
    session.world.delete_out_of_band(filter_arn(PROMOTED))

    assert session.delete() == "DELETE_COMPLETE"

    assert filters_by_name(session) == {}


def test_repeated_on_event_creates_nothing_twice(template):
    with Session(template, faults=Faults(repeat_on_event=True)) as session:
        assert session.deploy() == "CREATE_COMPLETE"
        created = [c for c in session.world.emulator.calls if c.operation == "CreateFilter" and c.error_code is None]
        assert len(created) == 6
        assert len(session.world.emulator.trackers()) == 1
        assert session.delete() == "DELETE_COMPLETE"
        assert set(session.world.parameters().values()) == {"NONE"}
        assert session.check_end() == []


def test_thirty_percent_throttling_on_every_call(session):
    session.world.emulator.faults.throttle(rate=0.3, seed=11)

    assert session.deploy() == "CREATE_COMPLETE"
    assert session.delete() == "DELETE_COMPLETE"

    assert sum(1 for c in session.world.emulator.calls if c.error_code == "ThrottlingException") > 10
