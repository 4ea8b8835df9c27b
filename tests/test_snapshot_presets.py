"""The other preset's whole template, guarded by a snapshot like the default's (tests/test_snapshot.py).
Refresh with `make snapshot-update`."""
from __future__ import annotations

from tests.test_snapshot import masked


def test_storefront_current_template_matches_snapshot(storefront_current_template, snapshot):
    assert masked(storefront_current_template) == snapshot
