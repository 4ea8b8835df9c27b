"""Typed configuration of the promotion pipeline: config/pipeline.toml.

The file names the pipeline once: where its source comes from, the account and region it runs in,
and the ordered stages it deploys. Each stage is a config/stages/NAME.toml file, loaded with
`load_config(NAME)` like `cdk synth -c stage=NAME` does, and must set stack.account and stack.region.
Every problem is reported with the key it concerns, all at once (as infra/config_parse.py does).
Whether a stage is production lives here (`[[stages]] production = true`), not in the stage file:
it is a property of the promotion path, and it decides where the pipeline waits for an approval.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config_reader import KeyedReader
from .config import ACCOUNT, CONFIG_DIR, REGION, STAGE_NAME, ActivationConfig, ConfigError, load_config
from .validate import collisions

PIPELINE_FILE = "pipeline.toml"
CONNECTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z]{2}(-[a-z]+)+-\d:\d{12}:connection/[0-9a-zA-Z-]+$"
)
REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")  # owner/name, as CodeConnections wants it
CODECOMMIT_NAME = re.compile(r"^[\w.-]{1,100}$")
STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")


@dataclass(frozen=True)
class PipelineSource:
    branch: str
    connection_arn: str | None = None  # CodeStar/CodeConnections connection, with `repository`
    repository: str | None = None  # owner/name on GitHub, GitLab or Bitbucket
    codecommit_repository: str | None = None  # or a CodeCommit repository in the pipeline's account


@dataclass(frozen=True)
class PipelineStageConfig:
    name: str  # config/stages/NAME.toml
    production: bool
    config: ActivationConfig  # its stack.account and stack.region are set (checked)

    @property
    def account(self) -> str:
        return self.config.account or ""

    @property
    def region(self) -> str:
        return self.config.region or ""


@dataclass(frozen=True)
class PipelineConfig:
    stack_name: str
    pipeline_name: str
    account: str
    region: str
    source: PipelineSource
    stages: tuple[PipelineStageConfig, ...]

    def stage(self, name: str) -> PipelineStageConfig:
        return next(s for s in self.stages if s.name == name)

    @property
    def production_stages(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages if s.production)


def load_pipeline_config(config_dir: Path = CONFIG_DIR) -> PipelineConfig:
    path = config_dir / PIPELINE_FILE
    if not path.exists():
        raise ConfigError("context", [f"pipeline: no file {PIPELINE_FILE} in {config_dir} (needed by -c pipeline=true)"])
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(str(path), [f"not valid TOML: {error}"]) from None
    return _Parser(raw, config_dir, str(path)).parse()


def is_production(stage: str, config_dir: Path = CONFIG_DIR) -> bool:
    """Whether the pipeline marks this stage as production (False when there is no pipeline.toml)."""
    if not (config_dir / PIPELINE_FILE).exists():
        return False
    return stage in load_pipeline_config(config_dir).production_stages


class _Parser(KeyedReader):
    def __init__(self, raw: dict[str, Any], config_dir: Path, origin: str):
        super().__init__()
        self.raw, self.config_dir, self.origin = raw, config_dir, origin

    def parse(self) -> PipelineConfig:
        self.table("", self.raw, {"pipeline", "source", "stages"})
        pipeline = self.table("pipeline", self.raw.get("pipeline"), {"stack_name", "name", "account", "region"},
                              required=True)
        stack_name = self.string("pipeline.stack_name", pipeline.get("stack_name"), STACK_NAME,
                                 "a CloudFormation stack name (letters, digits, '-', starting with a letter)")
        name = self.string("pipeline.name", pipeline.get("name"), re.compile(r"^[A-Za-z0-9.@_-]{1,100}$"),
                           "a CodePipeline name (1-100 characters: letters, digits, . @ - _)", required=False)
        account = self.string("pipeline.account", pipeline.get("account"), ACCOUNT, "a 12-digit AWS account id")
        region = self.string("pipeline.region", pipeline.get("region"), REGION, "an AWS region name")
        source = self.source()
        stages = self.stages()
        if self.problems:
            raise ConfigError(self.origin, self.problems)
        assert stack_name and account and region and source
        return PipelineConfig(stack_name, name or stack_name, account, region, source, stages)

    def source(self) -> PipelineSource | None:
        section = self.table("source", self.raw.get("source"), required=True, allowed=
                             {"connection_arn", "repository", "branch", "codecommit_repository"})
        branch = self.string("source.branch", section.get("branch"))
        if "codecommit_repository" in section:
            for key in ("connection_arn", "repository"):
                if key in section:
                    self.problem(f"source.{key}", "give either codecommit_repository, or connection_arn and repository, not both")
            repository = self.string("source.codecommit_repository", section["codecommit_repository"], CODECOMMIT_NAME,
                                     "a CodeCommit repository name (1-100 characters: letters, digits, . _ -)")
            return PipelineSource(branch, codecommit_repository=repository) if branch and repository else None
        if not section:
            return None
        arn = self.string("source.connection_arn", section.get("connection_arn"), CONNECTION_ARN,
                          "a CodeConnections connection ARN (arn:aws:codeconnections:REGION:ACCOUNT:connection/ID)")
        repository = self.string("source.repository", section.get("repository"), REPOSITORY, "a repository as owner/name")
        return PipelineSource(branch, connection_arn=arn, repository=repository) if branch and arn and repository else None

    def stages(self) -> tuple[PipelineStageConfig, ...]:
        section = self.raw.get("stages")
        if not isinstance(section, list) or not section:
            self.problem("stages", "must be a non-empty list of [[stages]] tables, in deploy order")
            return ()
        out: list[PipelineStageConfig] = []
        seen: dict[str, int] = {}
        for index, value in enumerate(section):
            key = f"stages[{index}]"
            entry = self.table(key, value, {"name", "production"})
            name = self.string(f"{key}.name", entry.get("name"), STAGE_NAME, "a stage name (letters, digits, '-')")
            production = entry.get("production", False)
            if not isinstance(production, bool):
                self.problem(f"{key}.production", f"must be true or false, got {production!r}")
            if name is None:
                continue
            if name in seen:
                self.problem(f"{key}.name", f"duplicate stage {name!r} (also stages[{seen[name]}].name)")
                continue
            seen[name] = index
            config = self.stage_config(f"{key}.name", name)
            if config:
                out.append(PipelineStageConfig(name, production is True, config))
        self.across(out)
        return tuple(out)

    def stage_config(self, key: str, name: str) -> ActivationConfig | None:
        stage_file = self.config_dir / "stages" / f"{name}.toml"
        if not stage_file.exists():
            known = sorted(p.stem for p in (self.config_dir / "stages").glob("*.toml"))
            self.problem(key, f"no file {stage_file.name} in {stage_file.parent} (known: {', '.join(known) or 'none'})")
            return None
        try:
            config = load_config(name, self.config_dir)
        except ConfigError as error:
            for problem in error.problems:
                self.problem(f"{key} ({error.origin})", problem)
            return None
        missing = [part for part in ("account", "region") if not getattr(config, part)]
        for part in missing:
            self.problem(f"{key} ({stage_file.name})", f"stack.{part} is required for a pipeline stage: set it in "
                                                       f"{stage_file.name} (the {part} this stage deploys into)")
        return None if missing else config

    def across(self, stages: list[PipelineStageConfig]) -> None:
        """Stages sharing an account and region: distinct stack names, and no filter name twice."""
        index = {s["name"]: i for i, s in enumerate(self.raw.get("stages") or []) if isinstance(s, dict) and "name" in s}
        stacks: dict[tuple[str, str, str], str] = {}
        for stage in stages:
            where = (stage.account, stage.region, stage.config.stack_name)
            if where in stacks:
                self.problem(f"stages[{index[stage.name]}].name", f"stage {stage.name!r} deploys stack.name "
                             f"{stage.config.stack_name!r} into account {stage.account}, region {stage.region}, "
                             f"like stage {stacks[where]!r}; give one of them another stack.name")
            stacks.setdefault(where, stage.name)
        for problem in collisions({s.name: s.config for s in stages}):
            self.problem("stages", problem)
