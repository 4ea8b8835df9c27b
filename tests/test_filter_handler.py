"""The filter custom resource against the Personalize emulator, through the handlers' boto3 client."""
from __future__ import annotations

import pytest

from lifecycle.decisions import OWNER_STACK_TAG, REASON_BUDGET_BYTES
from lifecycle.engine import Lifecycle
from personalize_filter.handler import FilterKind, replacement_name
from tests.cfn_driver import cfn_event, drive

PURCHASED = 'EXCLUDE itemId WHERE INTERACTIONS.event_type in ("Purchase")'
NAME = "retaildemostore-filter-exclude-purchased-products"


@pytest.fixture
def run(emulator, personalize):
    lifecycle = Lifecycle(FilterKind(personalize), poll_interval=10, clock=emulator.clock.now)

    def run(event):
        return drive(lifecycle.on_event, lifecycle.is_complete, event, advance=emulator.clock.advance)

    return run


def props(dataset_group_arn, name=NAME, expression=PURCHASED):
    return {"Name": name, "DatasetGroupArn": dataset_group_arn, "FilterExpression": expression}


def test_create_returns_the_arn_at_once_and_completes_when_active(run, emulator, dataset_group_arn):
    outcome = run(cfn_event("Create", props(dataset_group_arn)))

    arn = f"arn:aws:personalize:us-east-1:123456789012:filter/{NAME}"
    assert outcome.status == "SUCCESS", outcome.reason
    assert outcome.physical_id == arn
    assert outcome.data["FilterArn"] == arn and outcome.data["Ownership"] == "created"
    assert emulator.status_of(arn) == "ACTIVE"
    # Polled every 10 s over the emulator's 60 s creation: ceil(60 / 10) + 1 Describe calls.
    assert emulator.call_counts()["DescribeFilter"] == 7
    assert emulator.call_counts()["CreateFilter"] == 1


def test_create_failed_fails_with_personalize_reason_and_rollback_deletes_it(run, emulator, dataset_group_arn):
    emulator.faults.fail_create(NAME, reason="Dataset field PROMOTED is not filterable " + "x" * 5000)

    outcome = run(cfn_event("Create", props(dataset_group_arn)))

    assert outcome.status == "FAILED"
    assert "CREATE FAILED: Dataset field PROMOTED is not filterable" in outcome.reason
    assert len(outcome.reason.encode()) <= REASON_BUDGET_BYTES
    # The physical id is the ARN, so CloudFormation's rollback Delete reaches the failed filter.
    rollback = run(cfn_event("Delete", props(dataset_group_arn), physical_id=outcome.physical_id))
    assert rollback.status == "SUCCESS"
    assert emulator.filters() == []


def test_existing_equivalent_filter_is_adopted_and_kept_on_delete(run, emulator, personalize, dataset_group_arn):
    personalize.create_filter(name=NAME, datasetGroupArn=dataset_group_arn,
                              filterExpression='exclude ItemID where Interactions.EVENT_TYPE IN ( "Purchase" )')
    emulator.clock.advance(120)

    created = run(cfn_event("Create", props(dataset_group_arn)))
    deleted = run(cfn_event("Delete", props(dataset_group_arn), physical_id=created.physical_id))

    assert created.status == "SUCCESS" and created.data["Ownership"] == "adopted"
    assert deleted.status == "SUCCESS" and deleted.data["Deleted"] == "retained, not owned"
    assert [f["name"] for f in emulator.filters()] == [NAME]


def test_existing_filter_with_another_expression_is_refused_with_the_difference(run, personalize, dataset_group_arn):
    personalize.create_filter(name=NAME, datasetGroupArn=dataset_group_arn,
                              filterExpression='EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("View")')

    outcome = run(cfn_event("Create", props(dataset_group_arn)))

    assert outcome.status == "FAILED"
    assert "cannot be adopted" in outcome.reason
    assert '("View")' in outcome.reason and '("Purchase")' in outcome.reason
    assert outcome.physical_id == "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"


def test_same_name_in_another_dataset_group_is_refused(run, emulator, personalize, dataset_group_arn):
    other = emulator.add_dataset_group("another-shop")
    personalize.create_filter(name=NAME, datasetGroupArn=other, filterExpression=PURCHASED)

    outcome = run(cfn_event("Create", props(dataset_group_arn)))

    assert outcome.status == "FAILED"
    assert "unique per account and region" in outcome.reason


def test_limit_exceeded_on_create_is_retried_from_is_complete_with_backoff(run, emulator, dataset_group_arn):
    emulator.faults.limit_exceeded(operation="CreateFilter", times=3)

    outcome = run(cfn_event("Create", props(dataset_group_arn)))

    assert outcome.status == "SUCCESS", outcome.reason
    creates = [c for c in emulator.calls if c.operation == "CreateFilter"]
    assert [c.error_code for c in creates] == ["LimitExceededException"] * 3 + [None]
    assert creates[1].time - creates[0].time >= 30, "the first retry waits for the backoff"
    assert creates[-1].time - creates[0].time >= 60, "later retries wait longer"


def test_repeated_on_event_creates_nothing_twice(emulator, personalize, dataset_group_arn):
    lifecycle = Lifecycle(FilterKind(personalize), poll_interval=10, clock=emulator.clock.now)
    event = cfn_event("Create", props(dataset_group_arn))

    first = lifecycle.on_event(event)
    again = lifecycle.on_event(event)  # Lambda retried the same request

    assert first["PhysicalResourceId"] == again["PhysicalResourceId"]
    assert again["Data"]["Ownership"] == "created"  # tagged by this stack: still ours, not adopted
    assert len(emulator.filters()) == 1


def test_delete_waits_until_gone_and_tolerates_already_gone(run, emulator, dataset_group_arn):
    created = run(cfn_event("Create", props(dataset_group_arn)))
    deleted = run(cfn_event("Delete", props(dataset_group_arn), physical_id=created.physical_id))

    assert deleted.status == "SUCCESS"
    assert emulator.status_of(created.physical_id) is None
    assert deleted.polls > 1  # it waited through DELETE PENDING / IN_PROGRESS
    again = run(cfn_event("Delete", props(dataset_group_arn), physical_id=created.physical_id))
    assert again.status == "SUCCESS"


def test_delete_of_a_filter_still_creating_waits_then_deletes(run, emulator, personalize, dataset_group_arn):
    lifecycle = Lifecycle(FilterKind(personalize), poll_interval=10, clock=emulator.clock.now)
    arn = lifecycle.on_event(cfn_event("Create", props(dataset_group_arn)))["PhysicalResourceId"]

    deleted = run(cfn_event("Delete", props(dataset_group_arn), physical_id=arn))

    assert deleted.status == "SUCCESS"
    assert emulator.filters() == []


def test_expression_change_creates_a_new_filter_under_a_derived_name(run, emulator, dataset_group_arn):
    created = run(cfn_event("Create", props(dataset_group_arn)))
    new_expression = 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase", "AddToCart")'

    updated = run(cfn_event("Update", props(dataset_group_arn, expression=new_expression),
                            physical_id=created.physical_id, old=props(dataset_group_arn)))

    assert updated.status == "SUCCESS", updated.reason
    assert updated.data["FilterName"] == replacement_name(NAME, new_expression)
    assert updated.physical_id != created.physical_id
    assert len(updated.data["FilterName"]) <= 63
    assert {f["name"] for f in emulator.filters()} == {NAME, updated.data["FilterName"]}


def test_update_without_change_keeps_the_filter(run, emulator, dataset_group_arn):
    created = run(cfn_event("Create", props(dataset_group_arn)))

    updated = run(cfn_event("Update", props(dataset_group_arn), physical_id=created.physical_id,
                            old=props(dataset_group_arn)))

    assert updated.status == "SUCCESS" and updated.physical_id == created.physical_id
    assert emulator.call_counts()["CreateFilter"] == 1


def test_created_filters_carry_the_owner_tags(run, personalize, dataset_group_arn):
    created = run(cfn_event("Create", props(dataset_group_arn), logical_id="FilterPurchased"))

    tags = {t["tagKey"]: t["tagValue"] for t in personalize.list_tags_for_resource(resourceArn=created.physical_id)["tags"]}
    assert tags[OWNER_STACK_TAG].startswith("arn:aws:cloudformation:")
    assert tags["personalize-activation:logical-id"] == "FilterPurchased"


def test_throttling_is_retried_by_the_client(run, emulator, dataset_group_arn, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda _seconds: None)
    emulator.faults.throttle(rate=0.3, seed=7)

    created = run(cfn_event("Create", props(dataset_group_arn)))

    assert created.status == "SUCCESS", created.reason
    assert any(c.error_code == "ThrottlingException" for c in emulator.calls)


def test_module_entry_points_use_the_handler_clients(personalize, emulator, dataset_group_arn):
    from personalize_filter import handler

    result = handler.on_event(cfn_event("Create", props(dataset_group_arn)))

    assert result["PhysicalResourceId"].endswith(f":filter/{NAME}")
    assert handler.is_complete({**cfn_event("Create", props(dataset_group_arn)), **result}) == {"IsComplete": False}


# ---- findings of the first review: rollback, ownership moves, limits that do not pass ------

def test_rollback_of_an_expression_change_returns_to_the_original_filter(run, emulator, dataset_group_arn):
    original = run(cfn_event("Create", props(dataset_group_arn)))
    changed = 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase", "AddToCart")'
    forward = run(cfn_event("Update", props(dataset_group_arn, expression=changed),
                            physical_id=original.physical_id, old=props(dataset_group_arn)))

    # A later resource fails: CloudFormation sends the old properties back to the new physical id.
    rollback = run(cfn_event("Update", props(dataset_group_arn), physical_id=forward.physical_id,
                             old=props(dataset_group_arn, expression=changed)))

    assert rollback.status == "SUCCESS", rollback.reason
    assert rollback.physical_id == original.physical_id
    assert emulator.call_counts()["CreateFilter"] == 2  # the original and the replacement, no third
    cleanup = run(cfn_event("Delete", props(dataset_group_arn, expression=changed), physical_id=forward.physical_id))
    assert cleanup.status == "SUCCESS"
    assert [f["filterArn"] for f in emulator.filters()] == [original.physical_id]


def test_changing_an_expression_back_reuses_the_plain_name_once_it_is_free(run, emulator, dataset_group_arn):
    original = run(cfn_event("Create", props(dataset_group_arn)))
    changed = 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("View")'
    forward = run(cfn_event("Update", props(dataset_group_arn, expression=changed),
                            physical_id=original.physical_id, old=props(dataset_group_arn)))
    run(cfn_event("Delete", props(dataset_group_arn), physical_id=original.physical_id))  # cleanup

    back = run(cfn_event("Update", props(dataset_group_arn), physical_id=forward.physical_id,
                         old=props(dataset_group_arn, expression=changed)))

    assert back.status == "SUCCESS", back.reason
    assert back.data["FilterName"] == NAME


def test_a_moved_logical_id_takes_ownership_so_the_old_ids_delete_keeps_it(run, emulator, dataset_group_arn):
    old = run(cfn_event("Create", props(dataset_group_arn), logical_id="FilterOld"))

    new = run(cfn_event("Create", props(dataset_group_arn), logical_id="FilterNew"))
    cleanup = run(cfn_event("Delete", props(dataset_group_arn), logical_id="FilterOld", physical_id=old.physical_id))

    assert new.data["Ownership"] == "created"
    assert cleanup.data["Deleted"] == "retained, not owned"
    assert emulator.status_of(old.physical_id) == "ACTIVE"


def test_a_limit_that_never_passes_fails_with_personalizes_message_before_the_timeout(emulator, personalize, dataset_group_arn):
    lifecycle = Lifecycle(FilterKind(personalize), poll_interval=10, clock=emulator.clock.now, timeout=1800)
    emulator.faults.limit_exceeded(operation="CreateFilter", times=10_000, message="The maximum of 30 filters was reached")

    outcome = drive(lifecycle.on_event, lifecycle.is_complete, cfn_event("Create", props(dataset_group_arn)),
                    advance=emulator.clock.advance, timeout=1800)

    assert outcome.status == "FAILED"
    assert "The maximum of 30 filters was reached" in outcome.reason
    assert "timed out" not in outcome.reason


def test_a_filter_in_use_by_a_batch_job_fails_the_delete_with_the_reason(run, emulator, dataset_group_arn):
    created = run(cfn_event("Create", props(dataset_group_arn)))
    emulator.faults.in_use(created.physical_id, by="batch inference job nightly")

    deleted = run(cfn_event("Delete", props(dataset_group_arn), physical_id=created.physical_id))

    assert deleted.status == "FAILED"
    assert "batch inference job nightly" in deleted.reason
    assert emulator.call_counts()["DeleteFilter"] == 1  # failed at once, not retried for an hour


def test_after_a_refused_create_what_is_found_later_is_still_checked(emulator, personalize, dataset_group_arn):
    lifecycle = Lifecycle(FilterKind(personalize), poll_interval=10, clock=emulator.clock.now)
    emulator.faults.limit_exceeded(operation="CreateFilter", times=1)
    started = lifecycle.on_event(cfn_event("Create", props(dataset_group_arn)))
    # Meanwhile someone creates a filter of that name with another expression.
    personalize.create_filter(name=NAME, datasetGroupArn=dataset_group_arn,
                              filterExpression='EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("View")')
    emulator.clock.advance(120)

    with pytest.raises(Exception, match="cannot be adopted"):
        lifecycle.is_complete({**cfn_event("Create", props(dataset_group_arn)), **started})


def test_a_long_mismatch_message_still_fits_the_response(run, personalize, dataset_group_arn):
    long_a = 'EXCLUDE ItemID WHERE ITEMS.CATEGORY_L1 IN (' + ", ".join(f'"a{i}"' for i in range(300)) + ")"
    long_b = long_a.replace('"a1"', '"b1"')
    assert 2000 < len(long_a) <= 2500
    personalize.create_filter(name=NAME, datasetGroupArn=dataset_group_arn, filterExpression=long_a)

    outcome = run(cfn_event("Create", props(dataset_group_arn, expression=long_b)))

    assert outcome.status == "FAILED"
    assert len(outcome.reason.encode()) <= REASON_BUDGET_BYTES


def test_an_expression_changed_outside_the_stack_is_reported_on_the_next_update(run, emulator, dataset_group_arn):
    created = run(cfn_event("Create", props(dataset_group_arn)))
    emulator.faults.change_expression_out_of_band(created.physical_id, 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("View")')

    # An update that does not replace the filter (the dataset group ARN is re-resolved, say).
    updated = run(cfn_event("Update", props(dataset_group_arn), physical_id=created.physical_id,
                            old=props(dataset_group_arn)))

    assert updated.status == "FAILED"
    assert "changed outside the stack" in updated.reason and '("View")' in updated.reason


def test_a_filter_deleted_outside_the_stack_is_created_again_on_the_next_update(run, emulator, dataset_group_arn):
    created = run(cfn_event("Create", props(dataset_group_arn)))
    emulator.faults.delete_out_of_band(created.physical_id)

    updated = run(cfn_event("Update", props(dataset_group_arn), physical_id=created.physical_id,
                            old=props(dataset_group_arn)))

    assert updated.status == "SUCCESS", updated.reason
    assert updated.physical_id == created.physical_id
    assert emulator.status_of(created.physical_id) == "ACTIVE"
