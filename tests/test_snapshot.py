"""The whole default template, guarded by a snapshot. Refresh with `make snapshot-update`."""
from __future__ import annotations

import json
import re

ASSET_HASH = re.compile(r"[0-9a-f]{64}")
# A Lambda version's logical id ends in a hash of the function, its code included.
VERSION_ID = re.compile(r"(CurrentVersion)[0-9A-Fa-f]{40}")
# cdk-assets publishing destinations (the pipeline's Assets stage) end in a hash of the asset.
DESTINATION = re.compile(r"(\d{12}-[a-z]{2}(?:-[a-z]+)+-\d-)[0-9a-f]{8}")


def masked(template: dict) -> dict:
    """Asset hashes change with every handler edit; what they point at is tested elsewhere."""
    text = ASSET_HASH.sub("<asset-hash>", json.dumps(template, sort_keys=True))
    text = DESTINATION.sub(r"\1<asset-hash>", VERSION_ID.sub(r"\1<code-hash>", text))
    return json.loads(text)


def test_default_template_matches_snapshot(template, snapshot):
    assert masked(template) == snapshot
