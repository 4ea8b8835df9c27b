"""Pure decisions and the canonical expression form, without any client."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lifecycle import decisions as d
from lifecycle.expression import canonical, same_expression


def test_active_completes_failed_fails_missing_retries_only_when_due():
    assert isinstance(d.after_create_describe({"status": "ACTIVE"}, retry_due=False), d.Complete)
    failed = d.after_create_describe({"status": "CREATE FAILED", "name": "f", "failureReason": "bad field"}, retry_due=False)
    assert isinstance(failed, d.Fail) and "bad field" in failed.reason
    assert isinstance(d.after_create_describe(None, retry_due=True), d.RetryCreate)
    assert isinstance(d.after_create_describe(None, retry_due=False), d.Wait)
    assert isinstance(d.after_create_describe({"status": "CREATE IN_PROGRESS"}, retry_due=True), d.Wait)


def test_delete_decisions():
    assert isinstance(d.after_delete_describe(None), d.Complete)
    assert isinstance(d.after_delete_describe({"status": "DELETE PENDING"}), d.Wait)
    assert isinstance(d.after_delete_describe({"status": "ACTIVE"}), d.ReissueDelete)
    assert isinstance(d.after_delete_describe({"status": "CREATE IN_PROGRESS"}), d.Wait)


THRESHOLDS = [30.0, 60.0, 120.0, 240.0, 540.0, 840.0, 1140.0]  # doubling under the 300 s cap, then every 300 s


def _due_polls(gaps) -> list[float]:
    t, due = 0.0, []
    for gap in gaps:
        t += gap
        if d.retry_due(t, 10.0):
            due.append(t)
    return due


def test_retry_schedule_doubles_then_caps_with_at_most_two_attempts_per_step():
    due = _due_polls([10.0] * 120)
    for threshold in THRESHOLDS:
        hits = [t for t in due if threshold <= t < threshold + 15.0]
        assert 1 <= len(hits) <= 2, (threshold, hits)
    assert all(any(t <= p < t + 15.0 for t in THRESHOLDS) for p in due if p < 1150.0)


@given(st.lists(st.floats(min_value=10.0, max_value=14.0), min_size=150, max_size=150))
def test_no_step_is_skipped_when_the_waiter_adds_overhead(gaps):
    """The waiter waits `interval` after each call, so real gaps are longer than the interval."""
    due = _due_polls(gaps)
    for threshold in [t for t in THRESHOLDS if t < sum(gaps) - 20.0]:
        assert any(threshold <= p <= threshold + 20.0 for p in due), (threshold, due[:10])


def test_reason_is_cut_to_the_byte_budget_on_a_character_boundary():
    text = "é" * 3000
    cut = d.fit_reason(text, budget=101)
    assert len(cut.encode()) <= 101 and cut.endswith("[truncated]")
    assert d.fit_reason("short") == "short"


def test_ownership_needs_both_tags():
    tags = d.owner_tags("stack-a", "Filter1")
    assert d.is_owned(tags, "stack-a", "Filter1")
    assert not d.is_owned(tags, "stack-b", "Filter1")
    assert not d.is_owned({}, "stack-a", "Filter1")


def test_canonical_form_ignores_layout_and_keyword_case_but_not_values():
    lab = 'EXCLUDE itemId WHERE INTERACTIONS.event_type in ("Purchase")'
    assert same_expression(lab, 'exclude ItemID  where Interactions.EVENT_TYPE IN ( "Purchase" )')
    assert not same_expression(lab, 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("purchase")')
    assert not same_expression(lab, 'INCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase")')
    assert canonical('INCLUDE ItemID WHERE ITEMS.CATEGORY_L1 IN ($CATEGORIES)') == \
        'INCLUDE ITEMID WHERE ITEMS.CATEGORY_L1 IN ($CATEGORIES)'


@given(st.text(max_size=200))
def test_canonical_form_is_stable(text):
    once = canonical(text)
    assert canonical(once) == once
