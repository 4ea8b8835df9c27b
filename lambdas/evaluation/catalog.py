"""Product names and images for the report, from the storefront's products service or a file in S3."""
from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any, Callable

log = logging.getLogger(__name__)


def index(products: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(p["id"]): p for p in products if "id" in p}


def load(url: str = "", s3_uri: str = "", s3_get: Callable[[str, str], bytes] | None = None) -> dict[str, dict]:
    """An empty catalog when none is configured or it cannot be read: the report then shows ids."""
    try:
        if s3_uri:
            bucket, _, key = s3_uri.removeprefix("s3://").partition("/")
            return index(json.loads(s3_get(bucket, key)))  # type: ignore[misc]
        if url:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the configured service
                return index(json.loads(response.read()))
    except Exception as error:  # noqa: BLE001 - a missing catalog only costs the report its names
        log.warning("catalog not loaded (%s): %s", url or s3_uri, error)
    return {}
