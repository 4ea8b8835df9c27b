"""Config errors stop synth with a message that names the key; stages merge over the default."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from infra.config import CONFIG_DIR, ConfigError, load_config, load_raw, parse_config
from tests.conftest import cdk

DEFAULT = load_raw()[0]  # config/presets/lab4.toml merged with config/default.toml


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
        "event_tracker.name", "filters[0].name", "parameters[0].name", "parameters[5].source",
        "evaluation.purchased_filter"]


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
    assert "no file nope.toml in config/stages (known: dev, prod)" in str(caught.value)


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


# ---- filter expressions, quotas and storefront names (checked before anything deploys) --------
def warnings_of(raw: dict) -> tuple[str, ...]:
    return parse_config(raw, "test", "test.toml").warnings


def test_a_bad_expression_is_refused_with_its_key_and_a_caret():
    expression = 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | INCLUDE ItemID WHERE ITEMS.CATEGORY_L1 NOT IN ($CATEGORIES)'
    assert problems_of(edited(filters__3__expression=expression)) == [
        "filters[3].expression: placeholders are not allowed with NOT IN\n"
        f"    {expression}\n"
        f"    {' ' * expression.index('$CATEGORIES')}^"
    ]


def test_every_bad_expression_is_reported_and_shown_under_each_problem_line():
    raw = edited(filters__0__expression='EXCLUDE ItemID WHERE Interactions.EVENT_VALUE IN ("1")',
                 filters__1__expression='EXCLUDE ItemID WHERE Items.A IN (footwear)')
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, "test", "test.toml")
    assert str(caught.value) == (
        "invalid configuration (test.toml): 2 problem(s)\n"
        "  - filters[0].expression: Interactions can be filtered by EVENT_TYPE only, not EVENT_VALUE\n"
        '    EXCLUDE ItemID WHERE Interactions.EVENT_VALUE IN ("1")\n'
        "                                      ^\n"
        '  - filters[1].expression: string values must be in double quotes: "footwear"\n'
        "    EXCLUDE ItemID WHERE Items.A IN (footwear)\n"
        "                                     ^"
    )


def test_more_than_20_distinct_fields_across_the_config():
    raw = copy.deepcopy(DEFAULT)
    for i in range(3):
        fields = " AND ".join(f'Items.F{i}{j} IN ("a")' for j in range(7))
        raw["filters"].append({"name": f"retaildemostore-f{i}", "expression": f"EXCLUDE ItemID WHERE {fields}"})
    (problem,) = problems_of(raw)
    # the lab uses Interactions.EVENT_TYPE, Items.CATEGORY_L1 and Items.PROMOTED: 3 + 7 + 7 + 4 = 21st
    assert problem.startswith("filters[8].expression: more than 20 distinct fields across the dataset group's filters "
                              "(Items.F23 is the 21st)\n")


def test_more_filters_than_the_quota():
    raw = edited(dataset_group__filter_quota=5)
    assert problems_of(raw) == [
        "filters: 6 filters, more than the dataset group's quota of 5 (dataset_group.filter_quota; raise it if AWS raised yours)"]
    assert parse_config(edited(dataset_group__filter_quota=6), "test").filter_quota == 6
    assert problems_of(edited(dataset_group__filter_quota=0)) == [
        "dataset_group.filter_quota: must be a whole number from 1 to 10000, got 0"]


def test_the_default_quota_is_30():
    raw = copy.deepcopy(DEFAULT)
    raw["filters"] += [{"name": f"retaildemostore-extra-{i}", "expression": 'EXCLUDE ItemID WHERE Items.PRICE > 1'}
                       for i in range(25)]
    assert problems_of(raw)[0].startswith("filters: 31 filters, more than the dataset group's quota of 30")


def test_the_lab_config_has_no_warnings():
    assert load_config().warnings == ()


def test_names_outside_the_storefronts_iam_scope_are_a_warning():
    raw = edited(filters__0__name="my-filter", event_tracker__name="my-tracker", evaluation__purchased_filter="my-filter",
                 parameters__5__source="filter:my-filter")
    # The tracker is not warned about: its ARN ends in a generated id, not its name.
    assert warnings_of(raw) == (
        "filters[0].name: 'my-filter' does not start with 'retaildemo': the storefront's IAM policies are scoped "
        "to retaildemo*: its calls with this filter would be denied",
    )


def test_current_item_is_a_warning():
    raw = edited(filters__3__expression="INCLUDE ItemID WHERE ITEMS.CATEGORY_L1 IN CurrentItem.CATEGORY_L1")
    assert warnings_of(raw) == (
        "filters[3].expression: uses CurrentItem, which only works with related-items recipes such as aws-similar-items",)


def test_warnings_reach_the_synth_output(tmp_path: Path):
    from aws_cdk import App
    from aws_cdk.assertions import Annotations, Match

    from infra.stacks import ActivationStack

    config = parse_config(edited(filters__0__name="my-filter", parameters__5__source="filter:my-filter",
                                  evaluation__purchased_filter="my-filter"), "test")
    stack = ActivationStack(App(), "Test", config=config)
    Annotations.from_stack(stack).has_warning("*", Match.string_like_regexp("filters\\[0\\].name: 'my-filter' does not start"))


# ---- make validate: every stage, all problems at once ------------------------------------------
def run_validate(config_dir: Path):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "infra.validate", "--config-dir", str(config_dir)],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent, timeout=120)


def test_validate_reports_every_problem_of_every_stage(tmp_path: Path):
    (tmp_path / "stages").mkdir()
    (tmp_path / "presets").mkdir()  # a preset of the config folder's own shadows the built-in one
    text = (CONFIG_DIR / "presets" / "lab4.toml").read_text().replace("IN ($CATEGORIES)", "NOT IN ($CATEGORIES)")
    (tmp_path / "presets" / "lab4.toml").write_text(text)
    (tmp_path / "default.toml").write_text((CONFIG_DIR / "default.toml").read_text())
    (tmp_path / "stages" / "a.toml").write_text('[stack]\nname = "A"\naccount = "111111111111"\nregion = "us-east-1"\n')
    (tmp_path / "stages" / "b.toml").write_text(
        '[stack]\nname = "B"\n[dataset_group]\nname = "retail demo"\nfilter_quota = 2\n')

    result = run_validate(tmp_path)

    assert result.returncode == 1
    out = result.stdout
    assert out.count("error: filters[3].expression: placeholders are not allowed with NOT IN\n") == 3  # every stage
    assert "      EXCLUDE ItemID WHERE INTERACTIONS.event_type IN (\"Purchase\") | INCLUDE ItemID" in out
    assert "error: dataset_group.name: 'retail demo' is not a valid Personalize name" in out
    assert "error: filters: 6 filters, more than the dataset group's quota of 2" in out
    assert out.splitlines()[-1] == "5 problem(s), 0 warning(s) in 3 stage(s)"


def test_validate_finds_filter_names_that_collide_in_one_account_and_region(tmp_path: Path):
    (tmp_path / "stages").mkdir()
    (tmp_path / "default.toml").write_text((CONFIG_DIR / "default.toml").read_text())
    env = 'account = "111111111111"\nregion = "us-east-1"\n'
    (tmp_path / "stages" / "a.toml").write_text(f'[stack]\nname = "A"\n{env}')
    (tmp_path / "stages" / "b.toml").write_text(f'[stack]\nname = "B"\n{env}[dataset_group]\nname = "retaildemostore-b"\n')
    (tmp_path / "stages" / "c.toml").write_text('[stack]\nname = "C"\naccount = "111111111111"\nregion = "eu-west-1"\n')

    result = run_validate(tmp_path)

    assert result.returncode == 1
    assert "across stages: 6 problem(s)" in result.stdout
    assert ("  error: stage 'b': filters[0].name: 'retaildemostore-filter-exclude-purchased-products' is also created by "
            "stage 'a' (filters[0]) in account 111111111111, region us-east-1; filter names are unique per account and region"
            ) in result.stdout
    assert "stage 'c'" not in result.stdout.split("across stages")[1]  # another region, no collision


def test_validate_passes_the_projects_own_config():
    result = run_validate(CONFIG_DIR)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "0 problem(s), 0 warning(s) in 3 stage(s)"
