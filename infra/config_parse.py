"""Turns the merged TOML tables into an ActivationConfig, collecting every problem with its key."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from lambdas.filter_language import Filter, FilterExpressionError, check_dataset_group, validate

from .config_reader import KeyedReader
from .evaluation_config import parse_evaluation
from .config import (
    ACCOUNT, ARN, FILTER_QUOTA, MAX_EXPRESSION, PERSONALIZE_NAME, REGION, SOURCE_KINDS, SSM_NAME, STOREFRONT_PREFIX,
    TRACKER_ATTRIBUTES, ActivationConfig, ConfigError, FilterConfig, ParameterConfig, PersonalizeRef, StorefrontRead,
    WebUiConfig,
)

TOP_LEVEL = {"preset", "stack", "provisioning", "dataset_group", "event_tracker", "recommenders", "filters",
             "parameters", "evaluation", "storefront", "web_ui"}
PIPELINE_NAME = re.compile(r"^[A-Za-z0-9.@\-_]{1,100}$")
RECOMMENDER_KINDS = {"recommender": "recommender", "campaign": "campaign"}


class Parser(KeyedReader):
    def __init__(self, raw: dict[str, Any], stage: str, origin: str, production: bool = False):
        super().__init__()
        self.raw, self.stage, self.origin, self.production = raw, stage, origin, production
        # Names and keys as written, valid or not, so that a bad entry is reported once and not
        # again by every parameter that refers to it.
        self.declared: dict[str, set[str]] = {"recommender": set(), "filter": set(), "event_tracker": set(TRACKER_ATTRIBUTES)}
        self.parameter_names: set[str] = set()  # as written, valid or not (see consumer_checks)
        self.bad_parameter_names = False

    def expression_problem(self, key: str, error: FilterExpressionError) -> None:
        """The message, then the expression and a caret under the offending column."""
        self.problem(key, f"{error.message}\n{error.render()}")

    def storefront_name(self, key: str, name: str | None, kind: str) -> None:
        if name and not name.startswith(STOREFRONT_PREFIX):
            self.warning(key, f"{name!r} does not start with {STOREFRONT_PREFIX!r}: the storefront's IAM policies are "
                              f"scoped to {STOREFRONT_PREFIX}*: its calls with this {kind} would be denied")

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
        dataset_group = self.reference("dataset_group", self.raw.get("dataset_group"), "dataset-group", extra={"filter_quota"})
        filter_quota = self.filter_quota()
        tracker_name = self.personalize_name("event_tracker.name", tracker.get("name"))
        # No prefix warning for the tracker: its ARN ends in a generated id, so the storefront's
        # */retaildemo* scope never depended on its name (and PutEvents takes the tracking id).
        config = ActivationConfig(
            stage=self.stage,
            stack_name=stack_name,
            account=account,
            region=region,
            poll_interval_seconds=self.integer("provisioning.poll_interval_seconds", provisioning.get("poll_interval_seconds"), 10, 1, 300),
            timeout_minutes=self.integer("provisioning.timeout_minutes", provisioning.get("timeout_minutes"), 55, 1, 60),
            dataset_group=dataset_group or PersonalizeRef("dataset-group", name="invalid"),
            event_tracker_name=tracker_name or "invalid",
            recommenders=self.recommenders(),
            filters=self.filters(filter_quota),
            parameters=(),
            filter_quota=filter_quota,
        )
        parameters = self.parameters(config)
        reads = self.storefront_reads()
        self.consumer_checks(config, parameters, reads)
        web_ui = self.web_ui(parameters)
        config = replace(config, preset=self.preset(), storefront_reads=reads, web_ui=web_ui)
        config = _with_parameters(config, parameters, tuple(self.warnings))
        evaluation = parse_evaluation(self, self.raw.get("evaluation"), production=self.production,
                                      recommenders=self.declared["recommender"], filters=self.declared["filter"])
        config = replace(config, evaluation=evaluation, production=self.production)
        if self.problems:
            raise ConfigError(self.origin, self.problems, tuple(self.warnings))
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

    def filter_quota(self) -> int:
        section = self.raw.get("dataset_group")
        value = section.get("filter_quota") if isinstance(section, dict) else None
        return self.integer("dataset_group.filter_quota", value, FILTER_QUOTA, 1, 10000)

    def filters(self, quota: int) -> tuple[FilterConfig, ...]:
        out: list[FilterConfig] = []
        section = self.raw.get("filters") or []
        if not isinstance(section, list):
            self.problem("filters", "must be a list of [[filters]] tables")
            return ()
        if len(section) > quota:
            self.problem("filters", f"{len(section)} filters, more than the dataset group's quota of {quota} "
                                    "(dataset_group.filter_quota; raise it if AWS raised yours)")
        seen: dict[str, int] = {}
        parsed: list[tuple[int, Filter]] = []
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
            if expression is not None:
                expression = self.filter_expression(f"{key}.expression", expression, index, parsed)
            self.storefront_name(f"{key}.name", name, "filter")
            if name in seen:
                self.problem(f"{key}.name", f"duplicate filter name {name!r} (also filters[{seen[name]}].name); filter names are unique per account and region")
                continue
            if name and expression:
                seen[name] = index
                out.append(FilterConfig(name, expression))
        found = check_dataset_group(f for _, f in parsed)
        if found:
            self.expression_problem(f"filters[{parsed[found[0]][0]}].expression", found[1])
        return tuple(out)

    def filter_expression(self, key: str, expression: str, index: int, parsed: list[tuple[int, Filter]]) -> str | None:
        """The expression if Personalize would accept it; its problem (with a caret) otherwise."""
        try:
            filter_, warnings = validate(expression)
        except FilterExpressionError as error:
            self.expression_problem(key, error)
            return None
        parsed.append((index, filter_))
        for message in dict.fromkeys(w.message for w in warnings):
            self.warning(key, message)
        return expression

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
            if isinstance(entry.get("name"), str):
                self.parameter_names.add(entry["name"])
            if name and (len(name) > 1011 or not SSM_NAME.match(name)):
                self.problem(f"{key}.name", f"{name!r} is not a valid SSM parameter name (/path/segments of letters, digits, _ . -)")
                name = None
            if name is None:
                self.bad_parameter_names = True
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


    # ---- the preset, its storefront, and the web UI ---------------------------------------------
    def preset(self) -> str | None:
        value = self.raw.get("preset")
        return self.string("preset", value) if value is not None else None

    def storefront_reads(self) -> tuple[StorefrontRead, ...]:
        section = self.table("storefront", self.raw.get("storefront"), {"description", "reads"})
        if section.get("description") is not None:
            self.string("storefront.description", section["description"])
        reads = section.get("reads") or []
        if not isinstance(reads, list):
            self.problem("storefront.reads", "must be a list of { parameter = \"/...\", used_by = \"...\" } tables")
            return ()
        out: list[StorefrontRead] = []
        for index, value in enumerate(reads):
            key = f"storefront.reads[{index}]"
            entry = self.table(key, value, {"parameter", "used_by"})
            parameter = self.string(f"{key}.parameter", entry.get("parameter"))
            used_by = self.string(f"{key}.used_by", entry.get("used_by"), required=False) or ""
            if parameter:
                out.append(StorefrontRead(parameter, used_by))
        return tuple(out)

    def consumer_checks(self, config: ActivationConfig, parameters: tuple[ParameterConfig, ...],
                        reads: tuple[StorefrontRead, ...]) -> None:
        """What the chosen storefront reads must be written; what it calls must be in its IAM scope."""
        preset = self.raw.get("preset")
        whose = f"the storefront of preset {preset!r}" if isinstance(preset, str) else "the storefront"
        if not self.bad_parameter_names:  # an unreadable name is reported once, at its own key
            for index, read in enumerate(reads):
                if read.parameter not in self.parameter_names:
                    use = f" for {read.used_by}" if read.used_by else ""
                    self.problem("parameters", f"no [[parameters]] entry writes {read.parameter!r}, which {whose} "
                                               f"reads{use} (storefront.reads[{index}]); write it, or remove it from "
                                               "storefront.reads if your storefront does not read it")
        used_by = {r.parameter: r.used_by for r in reads if r.used_by}
        for key, ref in config.recommenders.items():
            name = ref.name or (ref.arn or "").rsplit("/", 1)[-1]
            if name.startswith(STOREFRONT_PREFIX):
                continue
            calls = [used_by[p.name] for p in parameters
                     if p.source_kind == "recommender" and p.source_key == key and p.name in used_by]
            denied = f"its {' and '.join(calls)} call would be denied" if calls else \
                f"its calls with this {ref.resource_type} would be denied"
            self.warning(f"recommenders.{key}.{'name' if ref.name else 'arn'}",
                         f"{name!r} does not start with {STOREFRONT_PREFIX!r}: the storefront's IAM policies are scoped "
                         f"to {STOREFRONT_PREFIX}*: {denied} (AccessDenied)")

    def web_ui(self, parameters: tuple[ParameterConfig, ...]) -> WebUiConfig | None:
        section = self.table("web_ui", self.raw.get("web_ui"), {"pipeline_name", "discover"})
        if not section:
            return None
        name, discover = section.get("pipeline_name"), section.get("discover", False)
        if not isinstance(discover, bool):
            self.problem("web_ui.discover", f"must be true or false, got {discover!r}")
            return None
        if (name is None) == (not discover):
            self.problem("web_ui", "give exactly one of `pipeline_name` or `discover = true`")
            return None
        if name is not None:
            name = self.string("web_ui.pipeline_name", name)
            if name is None:
                return None
            if not PIPELINE_NAME.match(name):
                self.problem("web_ui.pipeline_name", f"{name!r} is not a CodePipeline name (1-100 of letters, digits, . @ - _)")
                return None
        if not any(p.source_kind == "event_tracker" and p.source_key == "tracking_id" for p in parameters):
            self.problem("web_ui", "no [[parameters]] entry writes event_tracker:tracking_id: the web UI would be "
                                   "rebuilt with nothing new to bake in")
            return None
        return WebUiConfig(pipeline_name=name, discover=discover)


def _with_parameters(config: ActivationConfig, parameters: tuple[ParameterConfig, ...],
                     warnings: tuple[str, ...] = ()) -> ActivationConfig:
    from dataclasses import replace

    return replace(config, parameters=parameters, warnings=warnings)
