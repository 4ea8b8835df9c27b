"""The event-tracker custom resource: one tracker per dataset group, found by its group."""
from __future__ import annotations

import pytest

from event_tracker.handler import PENDING_PREFIX, EventTrackerKind
from lifecycle.engine import Lifecycle
from tests.cfn_driver import cfn_event, drive

NAME = "retaildemostore-event-tracker"


@pytest.fixture
def lifecycle(emulator, personalize):
    return Lifecycle(EventTrackerKind(personalize), poll_interval=10, clock=emulator.clock.now)


@pytest.fixture
def run(emulator, lifecycle):
    return lambda event: drive(lifecycle.on_event, lifecycle.is_complete, event, advance=emulator.clock.advance)


def props(dataset_group_arn, name=NAME):
    return {"Name": name, "DatasetGroupArn": dataset_group_arn}


def test_create_reports_arn_and_tracking_id(run, emulator, dataset_group_arn):
    outcome = run(cfn_event("Create", props(dataset_group_arn)))

    tracker = emulator.trackers()[0]
    assert outcome.status == "SUCCESS", outcome.reason
    assert outcome.physical_id == tracker["eventTrackerArn"]
    assert outcome.data["TrackingId"] == tracker["trackingId"]
    assert outcome.data["EventTrackerArn"] == tracker["eventTrackerArn"]
    assert tracker["status"] == "ACTIVE"


def test_the_storefronts_own_tracker_is_adopted_and_survives_delete(run, emulator, personalize, dataset_group_arn):
    existing = personalize.create_event_tracker(name=NAME, datasetGroupArn=dataset_group_arn)
    emulator.clock.advance(60)

    created = run(cfn_event("Create", props(dataset_group_arn)))
    deleted = run(cfn_event("Delete", props(dataset_group_arn), physical_id=created.physical_id))

    assert created.data["Ownership"] == "adopted"
    assert created.data["TrackingId"] == existing["trackingId"]
    assert deleted.status == "SUCCESS"
    assert [t["eventTrackerArn"] for t in emulator.trackers()] == [existing["eventTrackerArn"]]


def test_a_differently_named_tracker_in_the_group_is_reported(run, personalize, dataset_group_arn):
    personalize.create_event_tracker(name="someone-elses-tracker", datasetGroupArn=dataset_group_arn)

    outcome = run(cfn_event("Create", props(dataset_group_arn)))

    assert outcome.status == "FAILED"
    assert "'someone-elses-tracker'" in outcome.reason and "one per dataset group" in outcome.reason


def test_limit_exceeded_uses_a_placeholder_then_reports_the_real_arn(run, emulator, dataset_group_arn):
    emulator.faults.limit_exceeded(operation="CreateEventTracker", times=2)

    outcome = run(cfn_event("Create", props(dataset_group_arn)))

    assert outcome.status == "SUCCESS", outcome.reason
    assert outcome.physical_id == emulator.trackers()[0]["eventTrackerArn"]
    assert emulator.call_counts()["CreateEventTracker"] == 3


def test_delete_of_a_placeholder_finds_the_tracker_through_its_group(run, emulator, lifecycle, dataset_group_arn):
    emulator.faults.limit_exceeded(operation="CreateEventTracker", times=1)
    started = lifecycle.on_event(cfn_event("Create", props(dataset_group_arn)))
    assert started["PhysicalResourceId"].startswith(PENDING_PREFIX)
    emulator.clock.advance(30)
    lifecycle.is_complete({**cfn_event("Create", props(dataset_group_arn)), **started})  # retry creates it
    assert len(emulator.trackers()) == 1
    emulator.clock.advance(60)

    deleted = run(cfn_event("Delete", props(dataset_group_arn), physical_id=started["PhysicalResourceId"]))

    assert deleted.status == "SUCCESS"
    assert emulator.trackers() == []


def test_delete_waits_until_the_tracker_is_gone(run, emulator, dataset_group_arn):
    created = run(cfn_event("Create", props(dataset_group_arn)))

    deleted = run(cfn_event("Delete", props(dataset_group_arn), physical_id=created.physical_id))

    assert deleted.status == "SUCCESS" and deleted.polls > 1
    assert emulator.trackers() == []


def test_rename_in_the_same_group_is_refused_and_its_rollback_succeeds(run, emulator, dataset_group_arn):
    created = run(cfn_event("Create", props(dataset_group_arn)))
    renamed = run(cfn_event("Update", props(dataset_group_arn, name="retaildemostore-tracker-2"),
                            physical_id=created.physical_id, old=props(dataset_group_arn)))
    assert renamed.status == "FAILED"
    assert "cannot be renamed" in renamed.reason
    assert [t["name"] for t in emulator.trackers()] == [NAME]  # refused before anything changed

    rollback = run(cfn_event("Update", props(dataset_group_arn), physical_id=created.physical_id,
                             old=props(dataset_group_arn, name="retaildemostore-tracker-2")))

    assert rollback.status == "SUCCESS", rollback.reason
    assert [t["name"] for t in emulator.trackers()] == [NAME]


def test_after_a_refused_create_someone_elses_tracker_is_not_taken(run, emulator, personalize, lifecycle, dataset_group_arn):
    emulator.faults.limit_exceeded(operation="CreateEventTracker", times=1)
    started = lifecycle.on_event(cfn_event("Create", props(dataset_group_arn)))
    personalize.create_event_tracker(name="someone-elses-tracker", datasetGroupArn=dataset_group_arn)
    emulator.clock.advance(60)

    with pytest.raises(Exception, match="one per dataset group"):
        lifecycle.is_complete({**cfn_event("Create", props(dataset_group_arn)), **started})
