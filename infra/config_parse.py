"""Turns the merged TOML tables into an ActivationConfig, collecting every problem with its key."""
from __future__ import annotations

from typing import Any

from .config import (
    ACCOUNT, ARN, MAX_EXPRESSION, PERSONALIZE_NAME, REGION, SOURCE_KINDS, SSM_NAME, TRACKER_ATTRIBUTES,
    ActivationConfig, ConfigError, FilterConfig, ParameterConfig, PersonalizeRef,
)

TOP_LEVEL = {"stack", "provisioning", "dataset_group", "event_tracker", "recommenders", "filters", "parameters"}
RECOMMENDER_KINDS = {"recommender": "recommender", "campaign": "campaign"}


class Parser:
    def __init__(self, raw: dict[str, Any], stage: str, origin: str):
        self.raw, self.stage, self.origin = raw, stage, origin
        self.problems: list[str] = []
        # Names and keys as written, valid or not, so that a bad entry is reported once and not
        # again by every parameter that refers to it.
        self.declared: dict[str, set[str]] = {"recommender": set(), "filter": set(), "event_tracker": set(TRACKER_ATTRIBUTES)}

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    # ---- small typed getters ---------------------------------------------------------------
    def table(self, key: str, value: Any, allowed: set[str]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(key, f"must be a table, got {type(value).__name__}")
            return {}
        for unknown in sorted(set(value) - allowed):
            self.problem(f"{key}.{unknown}" if key else unknown, f"unknown key (expected one of: {', '.join(sorted(allowed))})")
        return value

    def string(self, key: str, value: Any, required: bool = True) -> str | None:
        if value is None:
            if required:
                self.problem(key, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(key, f"must be a non-empty string, got {value!r}")
            return None
        return value

    def integer(self, key: str, value: Any, default: int, low: int, high: int) -> int:
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.problem(key, f"must be a whole number from {low} to {high}, got {value!r}")
            return default
        return value

    def personalize_name(self, key: str, value: Any) -> str | None:
        name = self.string(key, value)
        if name is not None and (len(name) > 63 or not PERSONALIZE_NAME.match(name)):
            self.problem(key, f"{name!r} is not a valid Personalize name (1-63 characters: letters, digits, '-', '_'; starting with a letter or digit)")
            return None
        return name

    def reference(self, key: str, value: Any, resource_type: str, extra: set[str] = frozenset()) -> PersonalizeRef | None:
        entry = self.table(key, value, {"name", "arn", *extra})
        name, arn = entry.get("name"), entry.get("arn")
        if (name is None) == (arn is None):
            self.problem(key, "give exactly one of `name` or `arn`" if name is not None else "is missing: give `name` or `arn`")
            return None
        if name is not None:
            name = self.personalize_name(f"{key}.name", name)
            return PersonalizeRef(resource_type, name=name) if name else None
        arn = self.string(f"{key}.arn", arn)
        if arn is None:
            return None
        match = ARN.match(arn)
        if not match:
            self.problem(f"{key}.arn", f"{arn!r} is not a Personalize ARN (arn:aws:personalize:REGION:ACCOUNT:{resource_type}/NAME)")
            return None
        if match["type"] != resource_type:
            self.problem(f"{key}.arn", f"{arn!r} is a {match['type']} ARN, expected a {resource_type}")
            return None
        stack = self.raw.get("stack") or {}
        for part in ("account", "region"):
            if isinstance(stack.get(part), str) and stack[part] != match[part]:
                self.problem(f"{key}.arn", f"{arn!r} is in {part} {match[part]}, but the stage deploys to {stack[part]}")
        return PersonalizeRef(resource_type, arn=arn)

    # ---- sections --------------------------------------------------------------------------
    def parse(self) -> ActivationConfig:
        self.table("", self.raw, TOP_LEVEL)
        stack = self.table("stack", self.raw.get("stack"), {"name", "account", "region"})
        stack_name = self.string("stack.name", stack.get("name")) or "invalid"
        account = self.string("stack.account", stack.get("account"), required=False)
        region = self.string("stack.region", stack.get("region"), required=False)
        if account and not ACCOUNT.match(account):
            self.problem("stack.account", f"{account!r} is not a 12-digit AWS account id")
        if region and not REGION.match(region):
            self.problem("stack.region", f"{region!r} is not an AWS region name")
        provisioning = self.table("provisioning", self.raw.get("provisioning"), {"poll_interval_seconds", "timeout_minutes"})
        tracker = self.table("event_tracker", self.raw.get("event_tracker"), {"name"})
        dataset_group = self.reference("dataset_group", self.raw.get("dataset_group"), "dataset-group")
        config = ActivationConfig(
            stage=self.stage,
            stack_name=stack_name,
            account=account,
            region=region,
            poll_interval_seconds=self.integer("provisioning.poll_interval_seconds", provisioning.get("poll_interval_seconds"), 10, 1, 300),
            timeout_minutes=self.integer("provisioning.timeout_minutes", provisioning.get("timeout_minutes"), 55, 1, 60),
            dataset_group=dataset_group or PersonalizeRef("dataset-group", name="invalid"),
            event_tracker_name=self.personalize_name("event_tracker.name", tracker.get("name")) or "invalid",
            recommenders=self.recommenders(),
            filters=self.filters(),
            parameters=(),
        )
        config = _with_parameters(config, self.parameters(config))
        if self.problems:
            raise ConfigError(self.origin, self.problems)
        return config

    def recommenders(self) -> dict[str, PersonalizeRef]:
        out: dict[str, PersonalizeRef] = {}
        section = self.raw.get("recommenders") or {}
        if not isinstance(section, dict):
            self.problem("recommenders", "must be a table of named recommenders and campaigns")
            return out
        for key, value in section.items():
            self.declared["recommender"].add(key)
            kind = value.get("kind") if isinstance(value, dict) else None
            if kind not in RECOMMENDER_KINDS:
                self.problem(f"recommenders.{key}.kind", f"must be \"recommender\" or \"campaign\", got {kind!r}")
                continue
            ref = self.reference(f"recommenders.{key}", value, RECOMMENDER_KINDS[kind], extra={"kind"})
            if ref:
                out[key] = ref
        return out

    def filters(self) -> tuple[FilterConfig, ...]:
        out: list[FilterConfig] = []
        section = self.raw.get("filters") or []
        if not isinstance(section, list):
            self.problem("filters", "must be a list of [[filters]] tables")
            return ()
        seen: dict[str, int] = {}
        for index, value in enumerate(section):
            key = f"filters[{index}]"
            entry = self.table(key, value, {"name", "expression"})
            if isinstance(entry.get("name"), str):
                self.declared["filter"].add(entry["name"])
            name = self.personalize_name(f"{key}.name", entry.get("name"))
            expression = self.string(f"{key}.expression", entry.get("expression"))
            if expression is not None and len(expression) > MAX_EXPRESSION:
                self.problem(f"{key}.expression", f"is {len(expression)} characters; Personalize allows {MAX_EXPRESSION}")
                expression = None
            if name in seen:
                self.problem(f"{key}.name", f"duplicate filter name {name!r} (also filters[{seen[name]}].name); filter names are unique per account and region")
                continue
            if name and expression:
                seen[name] = index
                out.append(FilterConfig(name, expression))
        return tuple(out)

    def parameters(self, config: ActivationConfig) -> tuple[ParameterConfig, ...]:
        out: list[ParameterConfig] = []
        section = self.raw.get("parameters") or []
        if not isinstance(section, list):
            self.problem("parameters", "must be a list of [[parameters]] tables")
            return ()
        seen: dict[str, int] = {}
        for index, value in enumerate(section):
            key = f"parameters[{index}]"
            entry = self.table(key, value, {"name", "source", "description"})
            name = self.string(f"{key}.name", entry.get("name"))
            if name and (len(name) > 1011 or not SSM_NAME.match(name)):
                self.problem(f"{key}.name", f"{name!r} is not a valid SSM parameter name (/path/segments of letters, digits, _ . -)")
                name = None
            if name in seen:
                self.problem(f"{key}.name", f"duplicate parameter {name!r} (also parameters[{seen[name]}].name)")
                continue
            source = self.string(f"{key}.source", entry.get("source"))
            parsed = self.source(f"{key}.source", source) if source else None
            if name and parsed:
                seen[name] = index
                description = entry.get("description") or f"Written by the {config.stack_name} stack ({source})"
                out.append(ParameterConfig(name, parsed[0], parsed[1], str(description)))
        return tuple(out)

    def source(self, key: str, source: str) -> tuple[str, str] | None:
        kind, _, target = source.partition(":")
        if kind not in SOURCE_KINDS or not target:
            self.problem(key, f"{source!r} must be recommender:<key>, filter:<filter name> or event_tracker:tracking_id|arn")
            return None
        known = self.declared[kind]
        if target not in known:
            self.problem(key, f"{source!r} names no configured {kind.replace('_', ' ')} (known: {', '.join(sorted(known)) or 'none'})")
            return None
        return kind, target


def _with_parameters(config: ActivationConfig, parameters: tuple[ParameterConfig, ...]) -> ActivationConfig:
    from dataclasses import replace

    return replace(config, parameters=parameters)
