"""Config errors stop synth with a message that names the key; stages merge over the default."""
from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

from infra.config import CONFIG_DIR, ConfigError, load_config, parse_config
from tests.conftest import cdk

DEFAULT = tomllib.loads((CONFIG_DIR / "default.toml").read_text())


def problems_of(raw: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, "test", "test.toml")
    return caught.value.problems


def edited(**changes) -> dict:
    raw = copy.deepcopy(DEFAULT)
    for dotted, value in changes.items():
        *path, last = dotted.split("__")
        node = raw
        for part in path:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return raw


def test_default_config_is_the_lab():
    config = load_config()
    assert config.dataset_group.name == "retaildemostore-products"
    assert config.event_tracker_name == "retaildemostore-event-tracker"
    assert len(config.filters) == 6 and len(config.parameters) == 11
    assert {r.resource_type for r in config.recommenders.values()} == {"recommender", "campaign"}
    assert config.account is None and config.region is None  # environment-agnostic


def test_duplicate_filter_name_names_both_keys():
    raw = copy.deepcopy(DEFAULT)
    raw["filters"].append(dict(raw["filters"][0]))
    assert problems_of(raw) == [
        "filters[6].name: duplicate filter name 'retaildemostore-filter-exclude-purchased-products' "
        "(also filters[0].name); filter names are unique per account and region"
    ]


def test_invalid_filter_name():
    problem, dangling = problems_of(edited(filters__2__name="bad name!"))
    assert problem.startswith("filters[2].name: 'bad name!' is not a valid Personalize name")
    # The parameter that pointed at the old name now points at nothing: a second, real problem.
    assert dangling.startswith("parameters[7].source: 'filter:retaildemostore-filter-exclude-purchased-cstore-products'")


def test_name_longer_than_63_characters():
    (problem,) = problems_of(edited(event_tracker__name="t" * 64))
    assert problem.startswith("event_tracker.name: ")


def test_malformed_arn():
    (problem,) = problems_of(edited(dataset_group={"arn": "arn:aws:personalize:us-east-1:12345:dataset-group/x"}))
    assert problem.startswith("dataset_group.arn: 'arn:aws:personalize:us-east-1:12345:dataset-group/x' is not a Personalize ARN")


def test_arn_of_the_wrong_kind():
    arn = "arn:aws:personalize:us-east-1:123456789012:campaign/retaildemostore-related-items"
    (problem,) = problems_of(edited(**{"recommenders__recommended-for-you": {"kind": "recommender", "arn": arn}}))
    assert problem == f"recommenders.recommended-for-you.arn: '{arn}' is a campaign ARN, expected a recommender"


def test_arn_in_another_account_than_the_stage():
    raw = edited(stack__account="111111111111", stack__region="us-east-1",
                 dataset_group={"arn": "arn:aws:personalize:us-east-1:222222222222:dataset-group/retaildemostore-products"})
    (problem,) = problems_of(raw)
    assert "is in account 222222222222, but the stage deploys to 111111111111" in problem


def test_missing_dataset_group():
    assert problems_of(edited(dataset_group=None)) == ["dataset_group: is missing: give `name` or `arn`"]


def test_both_name_and_arn():
    arn = "arn:aws:personalize:us-east-1:123456789012:dataset-group/retaildemostore-products"
    assert problems_of(edited(dataset_group__arn=arn)) == ["dataset_group: give exactly one of `name` or `arn`"]


def test_unknown_key_is_a_typo_not_ignored():
    assert problems_of(edited(filters__0__expresion="x")) == [
        "filters[0].expresion: unknown key (expected one of: expression, name)"
    ]


def test_parameter_source_must_name_a_configured_filter():
    (problem,) = problems_of(edited(parameters__5__source="filter:retaildemostore-filter-nope"))
    assert problem.startswith("parameters[5].source: 'filter:retaildemostore-filter-nope' names no configured filter")


def test_every_problem_is_reported_at_once():
    problems = problems_of(edited(filters__0__name="bad name", event_tracker__name="", parameters__0__name="no-slash"))
    assert [p.split(":")[0] for p in problems] == [
        "event_tracker.name", "filters[0].name", "parameters[0].name", "parameters[5].source"]


def test_expression_over_2500_characters():
    (problem,) = problems_of(edited(filters__1__expression="EXCLUDE ItemID WHERE " + "x" * 2500))
    assert problem == "filters[1].expression: is 2521 characters; Personalize allows 2500"


def test_stage_file_merges_over_the_default(tmp_path: Path):
    (tmp_path / "stages").mkdir()
    (tmp_path / "default.toml").write_text((CONFIG_DIR / "default.toml").read_text())
    (tmp_path / "stages" / "qa.toml").write_text('[stack]\nname = "Qa"\n[dataset_group]\nname = "qa-products"\n')

    config = load_config("qa", tmp_path)

    assert config.stack_name == "Qa" and config.dataset_group.name == "qa-products"
    assert len(config.filters) == 6  # lists not given in the stage file come from the default


def test_unknown_stage_lists_the_known_ones():
    with pytest.raises(ConfigError) as caught:
        load_config("nope")
    assert "no file nope.toml in config/stages (known: dev)" in str(caught.value)


def test_a_stage_may_give_an_arn_where_the_default_gives_a_name(tmp_path: Path):
    (tmp_path / "stages").mkdir()
    (tmp_path / "default.toml").write_text((CONFIG_DIR / "default.toml").read_text())
    arn = "arn:aws:personalize:eu-west-1:123456789012:dataset-group/shop"
    (tmp_path / "stages" / "eu.toml").write_text(f'[dataset_group]\narn = "{arn}"\n')

    config = load_config("eu", tmp_path)

    assert config.dataset_group.arn == arn and config.dataset_group.name is None


def test_timeout_beyond_cloudformations_hour_is_refused():
    (problem,) = problems_of(edited(provisioning__timeout_minutes=90))
    assert problem == "provisioning.timeout_minutes: must be a whole number from 1 to 60, got 90"


def test_synth_refuses_a_bad_config_and_names_the_key(tmp_path: Path):
    (tmp_path / "stages").mkdir()
    text = (CONFIG_DIR / "default.toml").read_text().replace('name = "retaildemostore-products"', 'name = "retail demo"')
    (tmp_path / "default.toml").write_text(text)

    result = cdk("synth", "--quiet", "--no-notices", "-c", f"config_dir={tmp_path}", "-o", str(tmp_path / "out"))

    assert result.returncode != 0
    assert "dataset_group.name: 'retail demo' is not a valid Personalize name" in result.stderr
    assert not list((tmp_path / "out").glob("*.template.json"))
