"""Presets, the storefront's reads and IAM scope, and the web-UI release (issue "storefront")."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from infra.config import ConfigError, load_config, load_raw, parse_config
from rehearsal import template as tpl
from rehearsal.session import Session, with_expression
from tests.test_template import of_type

PREFIX = "/retaildemostore/personalize/"
CSTORE = "retaildemostore-filter-cstore-products"
CSTORE_CHANGE = 'EXCLUDE ItemID WHERE ITEMS.CATEGORY_L1 NOT IN ("cold dispensed", "hot dispensed", "salty snacks")'


# ---- presets -------------------------------------------------------------------------------
def test_lab4_is_the_default_preset():
    config = load_config()
    assert config.preset == "lab4" and len(config.filters) == 6 and len(config.parameters) == 11
    assert config.evaluation.category_filter == "retaildemostore-filter-include-categories"


def test_storefront_current_preset():
    config = load_config(preset="storefront-current")
    names = [f.name for f in config.filters]
    assert "retaildemostore-filter-include-categories" not in names and len(names) == 7
    assert names[-2:] == ["retaildemostore-filter-same-categories", "retaildemostore-filter-exclude-purchased-include-categories"]
    written = {p.name for p in config.parameters}
    assert PREFIX + "filters/filter-include-categories-arn" not in written
    assert {PREFIX + "filters/filter-same-categories-arn",
            PREFIX + "filters/filter-exclude-purchased-include-categories-arn"} <= written
    assert config.evaluation.category_filter == ""  # no $CATEGORIES filter: the check is skipped


def test_a_stage_picks_its_preset_and_the_context_overrides_it(tmp_path: Path):
    (tmp_path / "stages").mkdir()
    (tmp_path / "default.toml").write_text(Path("config/default.toml").read_text())
    (tmp_path / "stages" / "new.toml").write_text('preset = "storefront-current"\n[stack]\nname = "New"\n')
    assert load_config("new", tmp_path).preset == "storefront-current"
    assert load_config("new", tmp_path, preset="lab4").preset == "lab4"
    with pytest.raises(ConfigError) as caught:
        load_config("new", tmp_path, preset="lab5")
    assert "preset: no preset 'lab5' (known: lab4, storefront-current)" in str(caught.value)


# ---- consumer checks ---------------------------------------------------------------------------
def test_a_config_that_drops_a_parameter_its_storefront_reads_is_refused():
    raw, _ = load_raw(preset="storefront-current")
    raw["parameters"] = [p for p in raw["parameters"] if not p["name"].endswith("filter-same-categories-arn")]
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, "test", "test.toml")
    assert caught.value.problems == [
        "parameters: no [[parameters]] entry writes '/retaildemostore/personalize/filters/filter-same-categories-arn', "
        "which the storefront of preset 'storefront-current' reads for /related (default filter) (storefront.reads[10]); "
        "write it, or remove it from storefront.reads if your storefront does not read it"]


def test_recommenders_outside_the_storefronts_iam_scope_warn_with_the_denied_call():
    raw, _ = load_raw()
    raw = copy.deepcopy(raw)
    raw["recommenders"]["popular-items"]["name"] = "shop-popular"
    raw["recommenders"]["related-items"] = {
        "kind": "campaign", "arn": "arn:aws:personalize:us-east-1:123456789012:campaign/shop-related"}
    assert parse_config(raw, "test").warnings == (
        "recommenders.popular-items.name: 'shop-popular' does not start with 'retaildemo': the storefront's IAM "
        "policies are scoped to retaildemo*: its /popular call would be denied (AccessDenied)",
        "recommenders.related-items.arn: 'shop-related' does not start with 'retaildemo': the storefront's IAM "
        "policies are scoped to retaildemo*: its /related call would be denied (AccessDenied)",
    )


def test_web_ui_needs_a_tracking_id_parameter_and_one_way_to_find_the_pipeline():
    raw, _ = load_raw()
    raw = {**raw, "web_ui": {"pipeline_name": "p", "discover": True}}
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, "test")
    assert caught.value.problems == ["web_ui: give exactly one of `pipeline_name` or `discover = true`"]
    raw["web_ui"] = {"pipeline_name": "retaildemostore-WebUIPipeline"}
    raw["parameters"] = [p for p in raw["parameters"] if p["source"] != "event_tracker:tracking_id"]
    raw["storefront"] = {}
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, "test")
    assert caught.value.problems[0].startswith("web_ui: no [[parameters]] entry writes event_tracker:tracking_id")


# ---- the web-UI release ------------------------------------------------------------------------
def test_the_release_runs_after_the_tracking_id_parameter_and_may_only_start_the_tagged_pipeline(web_ui_template):
    (release,) = [(k, r) for k, r in tpl.resources(web_ui_template).items() if r["Type"] == "Custom::WebUiRelease"]
    tracking_writer = [k for k, r in of_type(web_ui_template, "Custom::SsmParameterWriter").items()
                       if r["Properties"]["Name"] == PREFIX + "event-tracker-id"]
    assert tracking_writer[0] in release[1]["DependsOn"]
    (policy,) = [p for k, p in of_type(web_ui_template, "AWS::IAM::Policy").items()
                 if k.startswith("WebUiReleaseProviderHandlerRole")]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    (start,) = [s for s in statements if s["Action"] == "codepipeline:StartPipelineExecution"]
    assert start["Condition"] == {"StringEquals": {"aws:ResourceTag/RetailDemoStoreServiceName": "web-ui"}}
    codepipeline = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
                    if a.startswith("codepipeline:")}
    assert codepipeline == {"codepipeline:StartPipelineExecution", "codepipeline:ListPipelines",
                            "codepipeline:ListTagsForResource"}


def with_tracker_in(template: dict, dataset_group_arn: str) -> dict:
    """The same template with the tracker moved to another dataset group: a new tracking id."""
    changed = copy.deepcopy(template)
    for resource in tpl.resources(changed).values():
        if resource["Type"] == "Custom::PersonalizeEventTracker":
            resource["Properties"]["DatasetGroupArn"] = dataset_group_arn
    return changed


def test_the_web_ui_is_rebuilt_exactly_when_the_tracking_id_changes(web_ui_template):
    with Session(web_ui_template) as session:
        world, baked = session.world, []
        start = world.codepipeline.start_pipeline_execution

        def recording_start(**kwargs):  # what the web UI would bake in: the parameter at that moment
            baked.append(world.parameters()[PREFIX + "event-tracker-id"])
            return start(**kwargs)

        world.codepipeline.start_pipeline_execution = recording_start
        assert session.deploy() == "CREATE_COMPLETE"
        (tracker,) = world.emulator.trackers()
        assert [s["name"] for s in world.codepipeline.starts] == ["retaildemostore-WebUIPipeline"]
        assert baked == [tracker["trackingId"]]

        assert session.deploy(with_expression(web_ui_template, CSTORE, CSTORE_CHANGE)) == "UPDATE_COMPLETE"
        assert len(world.codepipeline.starts) == 1  # an unrelated update rebuilds nothing

        other = world.emulator.add_dataset_group("retaildemostore-products-2")
        moved = with_tracker_in(with_expression(web_ui_template, CSTORE, CSTORE_CHANGE), other)
        assert session.deploy(moved) == "UPDATE_COMPLETE"
        (new_tracker,) = world.emulator.trackers()
        assert new_tracker["trackingId"] != tracker["trackingId"]
        assert len(world.codepipeline.starts) == 2 and baked[-1] == new_tracker["trackingId"]

        assert session.delete() == "DELETE_COMPLETE"
        assert len(world.codepipeline.starts) == 2  # never on delete
        assert session.check_end() == []
        evaluation = session.stack.trigger_results
        assert evaluation and all(r["checks"]["category-filter"] == "skipped" for r in evaluation.values())
