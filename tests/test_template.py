"""What the default (Lab 4) template carries, synthesized once by the real CDK CLI."""
from __future__ import annotations

import subprocess
from pathlib import Path
import sys

import pytest

from tests.conftest import ROOT

LAB_FILTERS = {
    "retaildemostore-filter-exclude-purchased-products":
        'EXCLUDE itemId WHERE INTERACTIONS.event_type in ("Purchase")',
    "retaildemostore-filter-cstore-products":
        'EXCLUDE ItemID WHERE ITEMS.CATEGORY_L1 NOT IN ("cold dispensed", "hot dispensed", "salty snacks", "food service")',
    "retaildemostore-filter-exclude-purchased-cstore-products":
        'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | EXCLUDE ItemID WHERE ITEMS.CATEGORY_L1 IN ("cold dispensed", "hot dispensed", "salty snacks", "food service")',
    "retaildemostore-filter-include-categories":
        'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | INCLUDE ItemID WHERE ITEMS.CATEGORY_L1 IN ($CATEGORIES)',
    "retaildemostore-filter-promoted-items":
        'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | INCLUDE ItemID WHERE ITEMS.PROMOTED IN ("Y")',
    "retaildemostore-filter-promoted-items-no-cstore":
        'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Purchase") | INCLUDE ItemID WHERE ITEMS.PROMOTED IN ("Y") AND ITEMS.CATEGORY_L1 NOT IN ("cold dispensed", "hot dispensed", "salty snacks", "food service")',
}

# The contract's eleven parameters and what each must point at.
P = "/retaildemostore/personalize/"
FILTER_PARAMETERS = {
    P + "filters/filter-purchased-arn": "retaildemostore-filter-exclude-purchased-products",
    P + "filters/filter-cstore-arn": "retaildemostore-filter-cstore-products",
    P + "filters/filter-purchased-and-cstore-arn": "retaildemostore-filter-exclude-purchased-cstore-products",
    P + "filters/filter-include-categories-arn": "retaildemostore-filter-include-categories",
    P + "filters/promoted-items-filter-arn": "retaildemostore-filter-promoted-items",
    P + "filters/promoted-items-no-cstore-filter-arn": "retaildemostore-filter-promoted-items-no-cstore",
}
INFERENCE_PARAMETERS = {
    P + "recommended-for-you-arn": "recommender/retaildemostore-recommended-for-you",
    P + "popular-items-arn": "recommender/retaildemostore-popular-items",
    P + "related-items-arn": "campaign/retaildemostore-related-items",
    P + "personalized-ranking-arn": "campaign/retaildemostore-personalized-ranking",
}


def of_type(template, type_):
    return {k: r for k, r in template["Resources"].items() if r["Type"] == type_}


def flatten(value) -> str:
    """A Fn::Join of literals and pseudo parameters, as one readable string."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "${" + value["Ref"] + "}"
    if "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    separator, parts = value["Fn::Join"]
    return separator.join(flatten(p) for p in parts)


def test_the_six_lab_filters_with_their_exact_expressions(template):
    filters = of_type(template, "Custom::PersonalizeFilter").values()
    assert {f["Properties"]["Name"]: f["Properties"]["FilterExpression"] for f in filters} == LAB_FILTERS
    for f in filters:
        assert flatten(f["Properties"]["DatasetGroupArn"]) == \
            "arn:${AWS::Partition}:personalize:${AWS::Region}:${AWS::AccountId}:dataset-group/retaildemostore-products"


def test_one_event_tracker_for_the_lab_dataset_group(template):
    (tracker,) = of_type(template, "Custom::PersonalizeEventTracker").values()
    assert tracker["Properties"]["Name"] == "retaildemostore-event-tracker"
    assert flatten(tracker["Properties"]["DatasetGroupArn"]).endswith(":dataset-group/retaildemostore-products")


def test_eleven_parameter_writers_wired_to_the_right_values(template):
    writers = {w["Properties"]["Name"]: w for w in of_type(template, "Custom::SsmParameterWriter").values()}
    filters = {f["Properties"]["Name"]: k for k, f in of_type(template, "Custom::PersonalizeFilter").items()}
    (tracker_id,) = of_type(template, "Custom::PersonalizeEventTracker")
    assert len(writers) == 11
    for name, filter_name in FILTER_PARAMETERS.items():
        assert writers[name]["Properties"]["Value"] == {"Fn::GetAtt": [filters[filter_name], "FilterArn"]}, name
    for name, suffix in INFERENCE_PARAMETERS.items():
        assert flatten(writers[name]["Properties"]["Value"]) == \
            f"arn:${{AWS::Partition}}:personalize:${{AWS::Region}}:${{AWS::AccountId}}:{suffix}", name
    assert writers[P + "event-tracker-id"]["Properties"]["Value"] == {"Fn::GetAtt": [tracker_id, "TrackingId"]}


def test_one_provider_per_resource_kind(template):
    tokens = {}
    for type_ in ("Custom::PersonalizeFilter", "Custom::PersonalizeEventTracker", "Custom::SsmParameterWriter"):
        tokens[type_] = {str(r["Properties"]["ServiceToken"]) for r in of_type(template, type_).values()}
    assert all(len(t) == 1 for t in tokens.values()), tokens
    assert len(set.union(*tokens.values())) == 3
    assert len(of_type(template, "AWS::StepFunctions::StateMachine")) == 3


MUTATING_PREFIXES = ("Create", "Delete", "Put", "Tag", "Untag", "Update", "Invoke", "Start")


def test_no_mutating_action_on_a_wildcard_resource(template):
    for logical_id, policy in of_type(template, "AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            mutating = [a for a in actions if a.split(":")[1].startswith(MUTATING_PREFIXES)]
            if mutating:
                assert "*" not in resources, f"{logical_id}: {mutating} on '*'"


def test_ssm_writes_are_scoped_to_the_exact_parameter_names(template):
    (role_policy,) = [p for k, p in of_type(template, "AWS::IAM::Policy").items() if k.startswith("SsmParameterProviderHandlerRole")]
    ssm_resources = [
        flatten(r) for s in role_policy["Properties"]["PolicyDocument"]["Statement"] if "ssm:PutParameter" in s["Action"]
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    expected = {f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{n}"
                for n in [*FILTER_PARAMETERS, *INFERENCE_PARAMETERS, P + "event-tracker-id"]}
    assert set(ssm_resources) == expected


def test_lambdas_run_the_latest_python(template):
    runtimes = {f["Properties"].get("Runtime") for f in of_type(template, "AWS::Lambda::Function").values()}
    assert "python3.14" in runtimes


def test_cfn_lint_reports_nothing(cloud_assembly):
    (template_file,) = cloud_assembly.glob("*.template.json")
    result = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), str(template_file)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cdk_nag_acknowledgements_are_recorded_on_narrow_constructs(cloud_assembly):
    import json

    (metadata_file,) = cloud_assembly.glob("*.metadata.json")
    acknowledged = {
        path: entry["data"] for path, entries in json.loads(metadata_file.read_text()).items()
        for entry in entries if entry["type"] == "aws:cdk:acknowledged-rules"
    }
    assert acknowledged, "expected the documented acknowledgements in the metadata"
    for path, rules in acknowledged.items():
        assert path.count("/") >= 3, f"acknowledgement at {path} is too broad: put it on the resource's construct"
        for rule, reason in rules.items():
            assert rule.startswith("AwsSolutions::AwsSolutions-"), rule
            assert len(reason) > 40, f"{path}: {rule} needs a reason a reviewer would accept"


def _calls_in(*modules: str) -> set[str]:
    """The boto3 operations a handler makes, read from its source (client.op(...) and paginators)."""
    import re

    source = "".join((ROOT / "lambdas" / m).read_text() for m in modules)
    ops = set(re.findall(r"client\.([a-z_]+)\(", source)) | set(re.findall(r"ssm\(\)\.([a-z_]+)\(", source))
    ops |= set(re.findall(r'get_paginator\("([a-z_]+)"\)', source))
    return {"".join(part.capitalize() for part in op.split("_")) for op in ops} - {"GetPaginator"}


@pytest.mark.parametrize("role_prefix, service, modules", [
    ("FilterProviderHandlerRole", "personalize", ["personalize_filter/handler.py", "lifecycle/kind.py"]),
    ("EventTrackerProviderHandlerRole", "personalize", ["event_tracker/handler.py", "lifecycle/kind.py"]),
    ("SsmParameterProviderHandlerRole", "ssm", ["ssm_parameter/handler.py"]),
])
def test_each_handler_role_grants_exactly_what_its_code_calls(template, role_prefix, service, modules):
    (policy,) = [p for k, p in of_type(template, "AWS::IAM::Policy").items() if k.startswith(role_prefix)]
    granted = {
        action.split(":")[1] for s in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        if action.startswith(service + ":")
    }
    # Creating with tags needs TagResource as well as the Create action.
    needed = _calls_in(*modules) | ({"TagResource"} if service == "personalize" else set())
    assert granted == needed


def _resources_for(template, role_prefix: str, action: str) -> list[str]:
    (policy,) = [p for k, p in of_type(template, "AWS::IAM::Policy").items() if k.startswith(role_prefix)]
    return [
        flatten(r) for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]


def test_creates_are_allowed_on_the_dataset_group_too(template):
    group = "arn:${AWS::Partition}:personalize:${AWS::Region}:${AWS::AccountId}:dataset-group/retaildemostore-products"
    assert group in _resources_for(template, "FilterProviderHandlerRole", "personalize:CreateFilter")
    assert group in _resources_for(template, "EventTrackerProviderHandlerRole", "personalize:CreateEventTracker")


def test_replacement_filters_are_within_the_role_and_hand_made_ones_are_not(template):
    import fnmatch

    from personalize_filter.handler import replacement_name

    allowed = _resources_for(template, "FilterProviderHandlerRole", "personalize:DeleteFilter")
    prefix = "arn:${AWS::Partition}:personalize:${AWS::Region}:${AWS::AccountId}:filter/"

    def permitted(name: str) -> bool:  # IAM: * any run, ? one character
        return any(fnmatch.fnmatchcase(prefix + name, pattern) for pattern in allowed)

    for name in LAB_FILTERS:
        assert permitted(name)
        assert permitted(replacement_name(name, 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("View")')), name
        assert not permitted(name + "-by-hand"), name


# ---- the post-deploy evaluation -------------------------------------------------------------

def test_the_evaluation_trigger_runs_after_the_tracker_filters_and_parameters(template):
    (trigger_id, trigger), = of_type(template, "Custom::Trigger").items()
    waits_for = set(trigger.get("DependsOn", []))
    for type_ in ("Custom::PersonalizeFilter", "Custom::PersonalizeEventTracker", "Custom::SsmParameterWriter"):
        assert set(of_type(template, type_)) <= waits_for, type_
    assert trigger["Properties"]["InvocationType"] == "RequestResponse"  # an error fails the deploy


def test_the_evaluation_calls_only_what_it_checks(template):
    filters = {f["Properties"]["Name"]: k for k, f in of_type(template, "Custom::PersonalizeFilter").items()}
    (tracker_id,) = of_type(template, "Custom::PersonalizeEventTracker")
    runtime = _resources_for(template, "EvaluationRole", "personalize:GetRecommendations")
    assert sorted(r.rsplit(":", 1)[-1] for r in runtime if r.startswith("arn:")) == sorted([
        "campaign/retaildemostore-personalized-ranking", "campaign/retaildemostore-related-items",
        "recommender/retaildemostore-popular-items", "recommender/retaildemostore-recommended-for-you"])
    (policy,) = [p for k, p in of_type(template, "AWS::IAM::Policy").items() if k.startswith("EvaluationRole")]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    filter_refs = [r for s in statements if "personalize:GetRecommendations" in s["Action"] for r in s["Resource"]
                   if isinstance(r, dict) and "Fn::GetAtt" in r]
    assert sorted(r["Fn::GetAtt"][0] for r in filter_refs) == sorted(
        filters[n] for n in ("retaildemostore-filter-exclude-purchased-products", "retaildemostore-filter-promoted-items",
                             "retaildemostore-filter-include-categories"))
    (put_events,) = [s for s in statements if s["Action"] == "personalize:PutEvents"]
    assert put_events["Resource"] == {"Fn::GetAtt": [tracker_id, "EventTrackerArn"]}


def test_a_production_stage_evaluates_read_only_and_may_not_send_events():
    import json as json_

    from aws_cdk import App
    from aws_cdk.assertions import Template

    from infra.config import load_config
    from infra.stacks import ActivationStack

    config = load_config("prod")
    stack = ActivationStack(App(), "Prod", config=config)
    rendered = json_.dumps(Template.from_stack(stack).to_json())

    assert config.production and config.evaluation.mode == "read-only"
    assert "personalize:PutEvents" not in rendered
    assert '\\"mode\\":\\"read-only\\"' in rendered
