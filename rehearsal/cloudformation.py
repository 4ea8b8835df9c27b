"""CloudFormation's stack operations, played on a virtual clock.

Resources start when everything they reference is complete and run side by side. Create failures
roll the stack back (delete what was made); update failures roll back (old properties sent back as
Updates, then new and replaced resources deleted); a successful update ends with the cleanup of
replaced and removed resources. Custom resources go through their real handlers via the Provider
framework's protocol; other resource types complete at once with made-up ids.
"""
from __future__ import annotations

import heapq
import importlib
import itertools
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Generator, Mapping

from . import template as tpl
from .provider import Outcome, request

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/8f3c2a10-0000-4000-8000-000000000001"
_request_ids = itertools.count(1)


@dataclass
class Deployed:
    type: str
    properties: dict[str, Any]
    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Faults:
    repeat_on_event: bool = False  # every on_event is delivered twice (Lambda retry)


class CloudFormation:
    def __init__(self, stack_name: str, *, clock, log: Callable[[str], None], on_step: Callable[[str], None],
                 faults: Faults | None = None) -> None:
        self.stack_id = STACK_ID.format(name=stack_name)
        self.clock, self.log, self.on_step = clock, log, on_step
        self.faults = faults or Faults()
        self.state: dict[str, Deployed] = {}
        self.template: dict[str, Any] | None = None
        self.status = "NONE"
        self.started = clock.now()
        self.attempted: dict[str, dict[str, Any]] = {}  # properties of updates that failed
        self.failed_replacements: dict[str, Deployed] = {}
        self.trigger_results: dict[str, Any] = {}
        # Lets the world create what a plain resource stands for (an S3 bucket in moto); returns its id.
        self.on_plain_create: Callable[[str, str], str | None] = lambda n, type_: None

    # ---- stack operations -----------------------------------------------------------------
    def deploy(self, template: Mapping[str, Any]) -> str:
        if self.template is None:
            return self._create(template)
        return self._update(template)

    def delete(self) -> str:
        assert self.template is not None, "nothing deployed"
        failed = self._walk(_reverse(tpl.dependencies(self.template), set(self.state)), self._delete_task)
        self.status = "DELETE_FAILED" if failed else "DELETE_COMPLETE"
        if not failed:
            self.template = None
        return self._finish()

    def _create(self, template: Mapping[str, Any]) -> str:
        self.template = dict(template)
        self.status = "CREATE_IN_PROGRESS"
        failed = self._walk(tpl.dependencies(template), lambda n: self._apply_task(n, template))
        if not failed:
            self.status = "CREATE_COMPLETE"
            return self._finish()
        self.log(f"{self._t()} stack ROLLBACK_IN_PROGRESS: {', '.join(sorted(failed))} failed")
        rollback_failed = self._walk(_reverse(tpl.dependencies(template), set(self.state)), self._delete_task)
        self.status = "ROLLBACK_FAILED" if rollback_failed else "ROLLBACK_COMPLETE"
        return self._finish()

    def _update(self, template: Mapping[str, Any]) -> str:
        old_template, before = self.template, {k: _copy(v) for k, v in self.state.items()}
        self.template = dict(template)
        self.status = "UPDATE_IN_PROGRESS"
        failed = self._walk(tpl.dependencies(template), lambda n: self._apply_task(n, template))
        touched = {n for n in self.state if n not in before or self.state[n].properties != before[n].properties} | failed
        if not failed:
            self.status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
            stale = self._stale(before, set(tpl.resources(template)))
            self._walk(_reverse(tpl.dependencies(old_template), set(stale)), lambda n: self._delete_task(n, stale[n]))
            self.status = "UPDATE_COMPLETE"
            return self._finish()
        self.log(f"{self._t()} stack UPDATE_ROLLBACK_IN_PROGRESS: {', '.join(sorted(failed))} failed")
        self.template = old_template
        forward = {k: _copy(v) for k, v in self.state.items()}
        rolled_back = {n for n in touched if n in before}
        rollback_failed = self._walk(
            tpl.dependencies(old_template),
            lambda n: self._apply_task(n, old_template, previous=before[n]) if n in rolled_back else None,
        )
        created = {n: forward[n] for n in touched if n not in before and n in self.state}
        replaced = {n: forward[n] for n in rolled_back if forward[n].physical_id != self.state[n].physical_id}
        self.status = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
        stale = {**created, **replaced, **self.failed_replacements}
        self.failed_replacements = {}
        cleanup_failed = self._walk(_reverse(tpl.dependencies(template), set(stale)), lambda n: self._delete_task(n, stale[n]))
        for n in created:
            self.state.pop(n, None)
        self.status = "UPDATE_ROLLBACK_FAILED" if rollback_failed or cleanup_failed else "UPDATE_ROLLBACK_COMPLETE"
        return self._finish()

    def _stale(self, before: dict[str, Deployed], kept: set[str]) -> dict[str, Deployed]:
        """What cleanup deletes: resources no longer in the template, and replaced physical ids."""
        out = {n: d for n, d in before.items() if n not in kept}
        for n, old in before.items():
            if n in kept and n in self.state and self.state[n].physical_id != old.physical_id:
                out[n] = old
        for n in out:
            if n not in kept:
                self.state.pop(n, None)
        return out

    def _finish(self) -> str:
        self.log(f"{self._t()} stack {self.status}")
        return self.status

    # ---- one resource ------------------------------------------------------------------------
    def _apply_task(self, n: str, template: Mapping[str, Any], previous: Deployed | None = None):
        resource = tpl.resources(template)[n]
        props = tpl.resolve(resource.get("Properties", {}), self._ref, self._get_att, self.stack_id)
        current = self.state.get(n)
        if current is None:
            return self._custom_or_plain(n, resource["Type"], "Create", props, None, None)
        if previous is None and current.properties == props:
            return None  # unchanged: CloudFormation sends nothing
        # A rollback sends the old properties, with what the failed or undone update asked for as "old".
        old_props = self.attempted.pop(n, current.properties) if previous is not None else current.properties
        return self._custom_or_plain(n, resource["Type"], "Update", props, old_props, current.physical_id)

    def _delete_task(self, n: str, deployed: Deployed | None = None):
        deployed = deployed or self.state.get(n)
        if deployed is None:
            return None
        return self._custom_or_plain(n, deployed.type, "Delete", deployed.properties, None, deployed.physical_id,
                                     forget=deployed is self.state.get(n))

    def _custom_or_plain(self, n, type_, request_type, props, old_props, physical_id, forget=False):
        if type_ == "Custom::Trigger":
            return self._trigger(n, type_, request_type, props, physical_id, forget)
        if not type_.startswith("Custom::"):
            return self._plain(n, type_, request_type, props, physical_id, forget)
        return self._custom(n, type_, request_type, props, old_props, physical_id, forget)

    def _trigger(self, n, type_, request_type, props, physical_id, forget) -> Generator[float, None, Outcome]:
        """aws-cdk-lib's trigger: on create and update, invoke the function version (request-response);
        an error fails the resource, and with it the deploy."""
        verb = request_type.upper()
        self.log(f"{self._t()} {n} {verb}_IN_PROGRESS")
        physical_id = physical_id or f"{n}-rehearsal"
        if request_type == "Delete":
            if forget:
                self.state.pop(n, None)
            self.log(f"{self._t()} {n} {verb}_COMPLETE")
            return Outcome("SUCCESS", physical_id)
        function = self._function_of_version(props["HandlerArn"])
        environment = function.properties.get("Environment", {}).get("Variables", {})
        try:
            result = self._invoker(function.properties["Handler"], environment)({"LogicalResourceId": n})
        except Exception as error:  # noqa: BLE001 - a raised error fails the trigger, as in CloudFormation
            self.log(f"{self._t()} {n} {verb}_FAILED: {str(error).splitlines()[0]}")
            return Outcome("FAILED", physical_id, reason=str(error))
        self.state[n] = Deployed(type_, props, physical_id, {})
        self.trigger_results[n] = result
        self.log(f"{self._t()} {n} {verb}_COMPLETE")
        return Outcome("SUCCESS", physical_id)
        yield  # a generator that finishes at once

    def _function_of_version(self, version_physical_id: str) -> Deployed:
        for logical_id, deployed in self.state.items():
            if deployed.type == "AWS::Lambda::Version" and deployed.physical_id == version_physical_id:
                function_ref = tpl.resources(self.template or {})[logical_id]["Properties"]["FunctionName"]["Ref"]
                return self.state[function_ref]
        raise KeyError(f"no function version {version_physical_id}")

    def _plain(self, n, type_, request_type, props, physical_id, forget) -> Generator[float, None, Outcome]:
        verb = request_type.upper()
        self.log(f"{self._t()} {n} {verb}_IN_PROGRESS")
        if request_type == "Delete":
            if forget:
                self.state.pop(n, None)
        else:
            physical_id = physical_id or self.on_plain_create(n, type_) or f"{n}-rehearsal"
            arn = (f"arn:aws:s3:::{physical_id}" if type_ == "AWS::S3::Bucket"
                   else f"arn:aws:lambda:us-east-1:123456789012:function:{physical_id}")
            self.state[n] = Deployed(type_, props, physical_id, {"Arn": arn})
        self.log(f"{self._t()} {n} {verb}_COMPLETE")
        return Outcome("SUCCESS", physical_id)
        yield  # a generator that finishes at once

    def _custom(self, n, type_, request_type, props, old_props, physical_id, forget) -> Generator[float, None, Outcome]:
        handler = tpl.handlers(self.template or {})[self._service_token_function(props)]
        event = {
            "RequestType": request_type, "LogicalResourceId": n, "StackId": self.stack_id,
            "RequestId": f"rehearsal-{next(_request_ids)}", "ResourceType": type_,
            "ResponseURL": "https://cloudformation-custom-resource-response.invalid/", "ResourceProperties": props,
        }
        if old_props is not None:
            event["OldResourceProperties"] = old_props
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        verb = request_type.upper()
        self.log(f"{self._t()} {n} {verb}_IN_PROGRESS")
        outcome = yield from request(
            self._invoker(handler.on_event, handler.environment),
            self._invoker(handler.is_complete, handler.environment) if handler.is_complete else None,
            event, interval=float(handler.environment.get("POLL_INTERVAL_SECONDS", 10)),
            timeout=float(handler.environment.get("TOTAL_TIMEOUT_SECONDS", 3300)),
            repeat_on_event=self.faults.repeat_on_event,
        )
        if outcome.status != "SUCCESS":
            self.log(f"{self._t()} {n} {verb}_FAILED: {outcome.reason.splitlines()[0] if outcome.reason else ''}")
            if request_type == "Create" and outcome.physical_id:
                self.state[n] = Deployed(type_, props, outcome.physical_id)  # rollback sends it a Delete
            if request_type == "Update":
                self.attempted[n] = props
                if outcome.physical_id and outcome.physical_id != physical_id:
                    # A failed update that reported a new id: CloudFormation deletes it in the cleanup.
                    self.failed_replacements[n] = Deployed(type_, props, outcome.physical_id)
            return outcome
        if request_type == "Delete":
            if forget:
                self.state.pop(n, None)
        else:
            self.state[n] = Deployed(type_, props, outcome.physical_id or "", outcome.data)
        detail = outcome.data.get("FilterArn") or outcome.data.get("TrackingId") or outcome.data.get("ParameterName") or ""
        self.log(f"{self._t()} {n} {verb}_COMPLETE {detail}".rstrip())
        return outcome

    def _service_token_function(self, props: Mapping[str, Any]) -> str:
        token = props["ServiceToken"]
        return token.rsplit(":", 1)[-1].removesuffix("-rehearsal")

    def _invoker(self, dotted: str, environment: Mapping[str, str]):
        module_name, function_name = dotted.rsplit(".", 1)
        function = getattr(importlib.import_module(module_name), function_name)

        def invoke(event):
            os.environ.update(environment)
            try:
                return function(event, None)
            finally:
                self.on_step(event["LogicalResourceId"])

        return invoke

    # ---- intrinsic functions against the current state ----------------------------------
    def _ref(self, n: str) -> Any:
        return self.state[n].physical_id

    def _get_att(self, n: str, attribute: str) -> Any:
        deployed = self.state[n]
        if attribute not in deployed.attributes:
            raise KeyError(f"{n} has no attribute {attribute} (has {sorted(deployed.attributes)})")
        return deployed.attributes[attribute]

    # ---- the scheduler ---------------------------------------------------------------------
    def _walk(self, deps: Mapping[str, set[str]], task: Callable[[str], Any]) -> set[str]:
        """Start each node once its dependencies are done; after a failure start nothing new."""
        pending, done, failed = set(deps), set(), set()
        running: list[tuple[float, int, str, Generator]] = []
        order = itertools.count()

        def step(n: str, steps: Generator, value=None) -> None:
            try:
                wait = steps.send(value)
                heapq.heappush(running, (self.clock.now() + wait, next(order), n, steps))
            except StopIteration as stop:
                (done if stop.value is None or stop.value.status == "SUCCESS" else failed).add(n)

        while True:
            if not failed:
                for n in sorted(p for p in pending if deps[p] <= done):
                    pending.discard(n)
                    steps = task(n)
                    if steps is None:
                        done.add(n)
                    else:
                        step(n, steps)
                if any(deps[p] <= done for p in pending):
                    continue
            if not running:
                return failed
            wake, _, n, steps = heapq.heappop(running)
            if wake > self.clock.now():
                self.clock.set(wake)
            step(n, steps)

    def _t(self) -> str:
        return f"[{self.clock.now() - self.started:8.1f}s]"


def _reverse(deps: Mapping[str, set[str]], present: set[str]) -> dict[str, set[str]]:
    """Delete order: a resource goes once everything that references it has gone."""
    out: dict[str, set[str]] = {n: set() for n in present}
    for n, needs in deps.items():
        for m in needs:
            if m in out and n in present:
                out[m].add(n)
    return out


def _copy(d: Deployed) -> Deployed:
    return Deployed(d.type, dict(d.properties), d.physical_id, dict(d.attributes))
