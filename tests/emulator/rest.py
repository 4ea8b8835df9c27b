"""rest-json layer for personalize-runtime and personalize-events.

Routes by HTTP method + path, read from the botocore service models (each operation's
``http.requestUri``), and validates what botocore leaves to the service: every ``max``
(length, count, value) and ``pattern`` constraint of the input shape.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Optional
from urllib.parse import urlsplit

import botocore.session

from . import exceptions as exc
from .runtime import RuntimeBackend

SERVICES = ("personalize-runtime", "personalize-events")
IMPLEMENTED = {"GetRecommendations": "get_recommendations",
               "GetPersonalizedRanking": "get_personalized_ranking",
               "PutEvents": "put_events"}


@lru_cache(maxsize=None)
def _model(service: str):
    return botocore.session.get_session().get_service_model(service)


@lru_cache(maxsize=None)
def routes() -> dict:
    """(METHOD, path) -> (service, operation) for every operation of both services."""
    table = {}
    for service in SERVICES:
        model = _model(service)
        for name in model.operation_names:
            http = model.operation_model(name).http
            table[(http["method"].upper(), http["requestUri"].split("?")[0])] = (service, name)
    return table


def route(method: str, url: str) -> tuple[str, str]:
    path = urlsplit(url).path or "/"
    found = routes().get((method.upper(), path))
    if found is None:
        raise NotImplementedError(f"Personalize emulator: no runtime/events operation at {method} {path}")
    return found


def error_status(service: str, code: str) -> int:
    try:
        return _model(service).shape_for(code).metadata.get("error", {}).get("httpStatusCode", 400)
    except Exception:  # not modelled for this service
        return 400


def _shown(shape, value) -> str:
    if shape.metadata.get("sensitive"):
        return "***"
    text = str(value)
    return text if len(text) <= 100 else text[:97] + "..."


def _violation(shape, value, path: str) -> Optional[str]:
    meta, kind = shape.metadata, shape.type_name
    if "max" in meta:
        if kind in ("string", "list", "map", "blob") and len(value) > meta["max"]:
            return (f"Value '{_shown(shape, value)}' at '{path}' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {meta['max']}")
        if kind in ("integer", "long", "float", "double") and value > meta["max"]:
            return (f"Value '{value}' at '{path}' failed to satisfy constraint: "
                    f"Member must have value less than or equal to {meta['max']}")
    if kind == "string" and "pattern" in meta and re.fullmatch(meta["pattern"], value) is None:
        return (f"Value '{_shown(shape, value)}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {meta['pattern']}")
    return None


def violations(shape, value: Any, path: str = "") -> list[str]:
    """Server-side constraint violations of ``value`` against ``shape`` (botocore's names)."""
    if value is None:
        return []
    found = [v for v in [_violation(shape, value, path)] if v]
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                found += violations(member, value[name], f"{path}.{name}" if path else name)
    elif shape.type_name == "list" and isinstance(value, list):
        for n, element in enumerate(value):
            found += violations(shape.member, element, f"{path}.{n + 1}.member")
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, element in value.items():
            found += violations(shape.key, key, f"{path}.{key}.key")
            found += violations(shape.value, element, f"{path}.{key}.value")
    return found


def validate(service: str, operation: str, params: dict) -> None:
    found = violations(_model(service).operation_model(operation).input_shape, params)
    if found:
        count = len(found)
        raise exc.InvalidInputException(
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(found))


def dispatch(runtime: RuntimeBackend, service: str, operation: str, params: dict) -> dict:
    if operation not in IMPLEMENTED:
        raise NotImplementedError(
            f"The Personalize emulator does not implement {service} {operation}; "
            "add it to tests/emulator before using it.")
    validate(service, operation, params)
    return getattr(runtime, IMPLEMENTED[operation])(params)


def decode(body: Any) -> dict:
    if body is None:
        return {}
    if hasattr(body, "read"):
        body = body.read()
    return json.loads(body or b"{}")
