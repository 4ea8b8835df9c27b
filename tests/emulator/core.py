"""PersonalizeEmulator: the public entry point.

It plugs into real boto3 clients through botocore's ``before-send`` event, so botocore
still validates parameters, serializes the request and parses the response/errors.
``personalize`` (JSON protocol, X-Amz-Target) is served by the control-plane backend;
``personalize-runtime`` and ``personalize-events`` (rest-json, routed by method + path)
by ``emu.runtime`` (runtime.py, rest.py).
"""
from __future__ import annotations

import json
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from io import BytesIO
from typing import Any, Optional

from botocore.awsrequest import AWSResponse

from . import rest
from .clock import VirtualClock
from .exceptions import PersonalizeError
from .faults import Faults
from .models import Latencies, PersonalizeBackend, Quotas
from .responses import PersonalizeResponse
from .runtime import RuntimeBackend

TARGET_PREFIX = "AmazonPersonalize"
SERVICES = ("personalize", *rest.SERVICES)


@dataclass(frozen=True)
class Call:
    time: float
    operation: str
    params: dict
    error_code: Optional[str]  # None on success; "NotImplementedError" for unsupported ops
    service: str = "personalize"  # or personalize-runtime / personalize-events


class _RawBody(BytesIO):
    """What AWSResponse expects as ``raw``: a file-like object with ``stream()``."""

    def stream(self, **_: Any):
        chunk = self.read()
        while chunk:
            yield chunk
            chunk = self.read()


def _unhook_moto(client) -> None:
    """Remove moto's catch-all stubber from this one client, if moto is loaded.

    botocore ``emit``s before-send to *every* handler and only then picks the first
    response, so register_first alone does not stop moto's stubber from also running
    (with mock_aws active it raises "The create_filter action has not been implemented").
    The client's emitter is its own copy, so other clients keep moto.
    """
    moto_models = sys.modules.get("moto.core.models")
    stubber = getattr(moto_models, "botocore_stubber", None)
    if stubber is not None:
        try:
            client.meta.events.unregister("before-send", stubber)
        except AttributeError:  # botocore: the stubber was never registered on this emitter
            pass


class PersonalizeEmulator:
    def __init__(self, clock: Optional[VirtualClock] = None, account: str = "123456789012",
                 region: str = "us-east-1", latencies: Optional[Latencies] = None,
                 quotas: Optional[Quotas] = None, seed: int = 0) -> None:
        self.clock = clock if clock is not None else VirtualClock()
        self.account, self.region = account, region
        self.latencies = latencies if latencies is not None else Latencies()
        self.quotas = quotas if quotas is not None else Quotas()
        self.backend = PersonalizeBackend(account, region, self.clock, self.latencies,
                                          self.quotas, seed=seed)
        self.faults = Faults(self.backend)
        self._responses = PersonalizeResponse(self.backend)
        self.runtime = RuntimeBackend(self.backend, self.clock)
        self.calls: list[Call] = []

    # ---- wiring into boto3 -----------------------------------------------------------
    def attach(self, client):
        """Serve every request of this personalize / personalize-runtime / personalize-events
        client from the emulator; returns it."""
        service = client.meta.service_model.service_name
        if service not in SERVICES:
            raise ValueError(f"Can only attach {', '.join(SERVICES)} clients, not {service}")
        if client.meta.region_name != self.region:
            raise ValueError(f"Client region {client.meta.region_name} != emulator region "
                             f"{self.region} (state is per account+region)")
        # register_first: ours is the first non-None response, the one botocore uses.
        if service == "personalize":
            client.meta.events.register_first("before-send.personalize", self._before_send,
                                              unique_id=f"personalize-emulator-{id(self)}")
        else:
            event = f"before-send.{client.meta.service_model.service_id.hyphenize()}"
            client.meta.events.register_first(event, self._before_send_rest,
                                              unique_id=f"personalize-emulator-{id(self)}-{service}")
        _unhook_moto(client)
        return client

    def client(self, region: Optional[str] = None, service: str = "personalize", **client_kwargs):
        """A boto3 client of ``service`` (see SERVICES) with dummy credentials, already attached."""
        import boto3

        session = boto3.session.Session(aws_access_key_id="testing",
                                        aws_secret_access_key="testing",
                                        aws_session_token="testing",
                                        region_name=region or self.region)
        return self.attach(session.client(service, **client_kwargs))

    def _before_send(self, request, **_: Any) -> AWSResponse:
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        prefix, _, operation = target.partition(".")
        if prefix != TARGET_PREFIX or not operation:
            raise NotImplementedError(f"Personalize emulator: unexpected X-Amz-Target {target!r}")
        body = request.body or b"{}"
        if hasattr(body, "read"):
            body = body.read()
        params = json.loads(body or b"{}")
        status, payload = self.handle(operation, params)
        headers = {"Content-Type": "application/x-amz-json-1.1",
                   "x-amzn-RequestId": str(uuid.UUID(int=len(self.calls)))}
        data = json.dumps(payload).encode()
        headers["Content-Length"] = str(len(data))
        return AWSResponse(request.url, status, headers, _RawBody(data))

    def handle(self, operation: str, params: dict) -> tuple[int, dict]:
        """Dispatch one decoded request; (HTTP status, JSON body). Usable without boto3."""
        error = None
        try:
            if operation in self._responses.IMPLEMENTED:  # unsupported ops fail loudly first
                self.faults.before_call(operation, params)
            return 200, self._responses.dispatch(operation, params)
        except PersonalizeError as e:
            error = e.code
            return e.status, e.to_body()
        except NotImplementedError:
            error = "NotImplementedError"
            raise
        finally:
            self.calls.append(Call(self.clock.now(), operation, params, error))

    def _before_send_rest(self, request, **_: Any) -> AWSResponse:
        service, operation = rest.route(request.method, request.url)
        status, payload = self.handle_runtime(operation, rest.decode(request.body), service)
        headers = {"Content-Type": "application/json",
                   "x-amzn-RequestId": str(uuid.UUID(int=len(self.calls)))}
        if status >= 300:
            headers["x-amzn-ErrorType"] = payload["__type"]
        data = json.dumps(payload).encode() if payload else b""
        headers["Content-Length"] = str(len(data))
        return AWSResponse(request.url, status, headers, _RawBody(data))

    def handle_runtime(self, operation: str, params: dict,
                       service: str = "personalize-runtime") -> tuple[int, dict]:
        """Dispatch one decoded runtime/events request; (HTTP status, JSON body)."""
        error = None
        try:
            return 200, rest.dispatch(self.runtime, service, operation, params)
        except PersonalizeError as e:
            error = e.code
            return rest.error_status(service, e.code), e.to_body()
        except NotImplementedError:
            error = "NotImplementedError"
            raise
        finally:
            self.calls.append(Call(self.clock.now(), operation, params, error, service))

    # ---- seeding and observability ---------------------------------------------------
    def load_catalog(self, items: Optional[list] = None, users: Optional[list] = None,
                     interactions: Optional[list] = None, promoted_encoding: str = "Y") -> None:
        """Items/Users/Interactions for the runtime (default: tests/fixtures). See runtime.py."""
        self.runtime.load_catalog(items, users, interactions, promoted_encoding)

    def add_recommender(self, name: str, recipe: str,
                        dataset_group_arn: Optional[str] = None) -> str:
        return self.runtime.add_recommender(name, recipe, dataset_group_arn)

    def add_campaign(self, name: str, recipe: str, dataset_group_arn: Optional[str] = None) -> str:
        return self.runtime.add_campaign(name, recipe, dataset_group_arn)

    def add_dataset_group(self, name: str, domain: Optional[str] = "ECOMMERCE") -> str:
        return self.backend.add_dataset_group(name, domain)

    def advance(self, seconds: float) -> float:
        return self.clock.advance(seconds)

    def call_counts(self) -> Counter:
        return Counter(c.operation for c in self.calls)

    def filters(self, dataset_group_arn: Optional[str] = None) -> list[dict]:
        """Describe-shaped dicts (with filterExpression) of filters that still exist."""
        return [self.backend.describe_filter(f.arn) for f in self.backend.live(self.backend.filters)
                if dataset_group_arn in (None, f.dataset_group_arn)]

    def trackers(self, dataset_group_arn: Optional[str] = None) -> list[dict]:
        """Describe-shaped dicts (with trackingId) of event trackers that still exist."""
        return [self.backend.describe_event_tracker(t.arn)
                for t in self.backend.live(self.backend.event_trackers)
                if dataset_group_arn in (None, t.dataset_group_arn)]

    def status_of(self, arn: str) -> Optional[str]:
        """Current status of a filter/tracker/dataset group, or None if it does not exist."""
        if arn in self.backend.dataset_groups:
            return "ACTIVE"
        for store in (self.backend.filters, self.backend.event_trackers):
            if arn in store:
                state = self.backend.lifecycle(store[arn])
                return state[0] if state else None
        return None
