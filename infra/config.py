"""Typed configuration: a preset (config/presets/), config/default.toml and config/stages/<stage>.toml, merged.

Every problem is reported with the key it concerns (`filters[2].name: ...`), all at once,
before anything is synthesized.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .evaluation_config import EvaluationConfig

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"

PERSONALIZE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*$")
ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):personalize:(?P<region>[a-z]{2}(-[a-z]+)+-\d):(?P<account>\d{12}):"
    r"(?P<type>[a-z-]+)/(?P<name>[a-zA-Z0-9][a-zA-Z0-9\-_]*)$"
)
SSM_NAME = re.compile(r"^/[a-zA-Z0-9_.\-]+(/[a-zA-Z0-9_.\-]+)*$")
STAGE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*$")
ACCOUNT = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
SOURCE_KINDS = ("recommender", "filter", "event_tracker")
TRACKER_ATTRIBUTES = ("tracking_id", "arn")
MAX_EXPRESSION = 2500
FILTER_QUOTA = 30  # filters per dataset group (adjustable: dataset_group.filter_quota)
STOREFRONT_PREFIX = "retaildemo"  # the storefront's IAM policies allow */retaildemo* only


class ConfigError(Exception):
    def __init__(self, origin: str, problems: list[str], warnings: tuple[str, ...] = ()):
        self.origin = origin
        self.problems = problems
        self.warnings = warnings  # found beside the problems; `make validate` shows both
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid configuration ({origin}): {len(problems)} problem(s)\n{lines}")


@dataclass(frozen=True)
class PersonalizeRef:
    """A Personalize resource given by name (ARN built in the stack's account) or by full ARN."""

    resource_type: str  # ARN resource type: dataset-group, recommender, campaign
    name: str | None = None
    arn: str | None = None

    def resolve(self, partition: str, region: str, account: str) -> str:
        if self.arn:
            return self.arn
        return f"arn:{partition}:personalize:{region}:{account}:{self.resource_type}/{self.name}"


@dataclass(frozen=True)
class FilterConfig:
    name: str
    expression: str


@dataclass(frozen=True)
class ParameterConfig:
    name: str
    source_kind: str  # recommender | filter | event_tracker
    source_key: str
    description: str = ""


@dataclass(frozen=True)
class StorefrontRead:
    """A parameter the chosen preset's storefront reads, and the storefront call that uses it."""
    parameter: str
    used_by: str = ""


@dataclass(frozen=True)
class WebUiConfig:
    """The storefront's web-UI CodePipeline, started after the tracking id changes (it bakes it in)."""
    pipeline_name: str | None = None  # or found by its tag when `discover` is set
    discover: bool = False
    tag_key: str = "RetailDemoStoreServiceName"
    tag_value: str = "web-ui"


@dataclass(frozen=True)
class ActivationConfig:
    stage: str
    stack_name: str
    account: str | None
    region: str | None
    poll_interval_seconds: int
    timeout_minutes: int
    dataset_group: PersonalizeRef
    event_tracker_name: str
    recommenders: dict[str, PersonalizeRef] = field(default_factory=dict)
    filters: tuple[FilterConfig, ...] = ()
    parameters: tuple[ParameterConfig, ...] = ()
    filter_quota: int = FILTER_QUOTA
    warnings: tuple[str, ...] = ()  # `key: message`; the stack shows them as synth warnings
    production: bool = False  # marked in config/pipeline.toml; production evaluates read-only
    evaluation: "EvaluationConfig | None" = None
    preset: str | None = None  # config/presets/NAME.toml the config started from
    storefront_reads: tuple[StorefrontRead, ...] = ()  # `[storefront] reads`, checked against the parameters
    web_ui: WebUiConfig | None = None  # `[web_ui]`: restart the web-UI pipeline when the tracking id changes


# A Personalize reference is given by one of these; a stage that gives one drops the default's other.
EXCLUSIVE_KEYS = ("name", "arn")


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; anything else (lists included) is replaced whole."""
    out = dict(base)
    given = [k for k in EXCLUSIVE_KEYS if k in override]
    if len(given) == 1:
        for other in EXCLUSIVE_KEYS:
            if other not in given:
                out.pop(other, None)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def load_config(stage: str | None = None, config_dir: Path = CONFIG_DIR, preset: str | None = None) -> ActivationConfig:
    """`preset` is `cdk synth -c preset=NAME`: it picks the preset over the files' `preset` key."""
    raw, origin = load_raw(stage, config_dir, preset)
    stage = stage or "default"
    return parse_config(raw, stage, origin, production=_marked_production(stage, config_dir))


def load_raw(stage: str | None = None, config_dir: Path = CONFIG_DIR, preset: str | None = None) -> tuple[dict[str, Any], str]:
    """The merged tables before parsing: preset -> default.toml -> stage file. The preset is the one
    named by `preset` (the context), else by the stage file, else by default.toml; none is fine."""
    default_file = config_dir / "default.toml"
    raw = _read(default_file)
    origin = _shown(default_file)
    if stage and stage != "default":
        if not STAGE_NAME.match(stage):
            raise ConfigError("context", [f"stage: {stage!r} is not a valid stage name (letters, digits, '-')"])
        stage_file = config_dir / "stages" / f"{stage}.toml"
        if not stage_file.exists():
            known = sorted(p.stem for p in (config_dir / "stages").glob("*.toml"))
            raise ConfigError("context", [f"stage: no file {stage_file.name} in {_shown(stage_file.parent)} (known: {', '.join(known) or 'none'})"])
        raw = merge(raw, _read(stage_file))
        origin += f" + {_shown(stage_file)}"
    chosen = preset if preset is not None else raw.get("preset")
    if chosen is None:
        return raw, origin
    preset_file = preset_path(chosen, config_dir, "context" if preset is not None else "preset")
    raw = {**merge(_read(preset_file), raw), "preset": chosen}
    return raw, f"{_shown(preset_file)} + {origin}"


def known_presets(config_dir: Path = CONFIG_DIR) -> list[str]:
    return sorted({p.stem for d in (config_dir / "presets", CONFIG_DIR / "presets") for p in d.glob("*.toml")})


def preset_path(name: Any, config_dir: Path = CONFIG_DIR, origin: str = "preset") -> Path:
    """config_dir/presets/NAME.toml, else the project's own config/presets/NAME.toml (so a config
    folder of your own can start from a built-in preset without copying it)."""
    if not isinstance(name, str) or not STAGE_NAME.match(name):
        raise ConfigError(origin, [f"preset: {name!r} is not a valid preset name (letters, digits, '-')"])
    for folder in (config_dir / "presets", CONFIG_DIR / "presets"):
        if (folder / f"{name}.toml").exists():
            return folder / f"{name}.toml"
    raise ConfigError(origin, [f"preset: no preset {name!r} (known: {', '.join(known_presets(config_dir)) or 'none'})"])


def _marked_production(stage: str, config_dir: Path) -> bool:
    """Production is a pipeline fact (config/pipeline.toml `[[stages]] production = true`); read
    here without validating the pipeline, which infra/pipeline_config.py does."""
    path = config_dir / "pipeline.toml"
    if not path.exists():
        return False
    stages = _read(path).get("stages", [])
    return any(isinstance(s, dict) and s.get("name") == stage and s.get("production") is True for s in stages)


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(str(path), [f"not valid TOML: {error}"]) from None


def parse_config(raw: dict[str, Any], stage: str, origin: str = "config", production: bool = False) -> ActivationConfig:
    from .config_parse import Parser  # the checks live beside, to keep this file about shapes

    return Parser(raw, stage, origin, production).parse()
