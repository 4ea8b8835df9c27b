"""The promotion pipeline (`cdk synth -c pipeline=true`), synthesized once by the real CDK CLI, and the
config/pipeline.toml loader. The pipeline template's snapshot lives in __snapshots__/test_pipeline.ambr."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from infra.config import CONFIG_DIR, ConfigError
from infra.pipeline_config import is_production, load_pipeline_config
from tests.conftest import ROOT, cdk
from tests.test_snapshot import masked
from tests.test_template import flatten, of_type

PIPELINE = load_pipeline_config()


@pytest.fixture(scope="session")
def pipeline_assembly(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cdk.out.pipeline")
    result = cdk("synth", "--quiet", "--no-notices", "-c", "pipeline=true", "-o", str(out))
    assert result.returncode == 0, f"cdk synth -c pipeline=true failed:\n{result.stderr[-4000:]}"
    return out


@pytest.fixture(scope="session")
def pipeline_template(pipeline_assembly) -> dict:
    return json.loads((pipeline_assembly / f"{PIPELINE.stack_name}.template.json").read_text())


@pytest.fixture(scope="session")
def stage_templates(pipeline_assembly) -> dict[str, dict]:
    """Each stage's activation template, by stage name (cdk.out/assembly-<pipeline>-<stage>/)."""
    out = {}
    for stage in PIPELINE.stages:
        (template,) = (pipeline_assembly / f"assembly-{PIPELINE.stack_name}-{stage.name}").glob("*.template.json")
        out[stage.name] = json.loads(template.read_text())
    return out


def pipeline_stages(template: dict) -> list[dict]:
    (pipeline,) = of_type(template, "AWS::CodePipeline::Pipeline").values()
    return pipeline["Properties"]["Stages"]


# ---- the pipeline --------------------------------------------------------------------------
def test_stages_deploy_in_the_configured_order_after_build_and_assets(pipeline_template):
    names = [s["Name"] for s in pipeline_stages(pipeline_template)]
    assert names == ["Source", "Build", "UpdatePipeline", "Assets", *(s.name for s in PIPELINE.stages)]
    assert [s.name for s in PIPELINE.stages] == ["dev", "prod"]


def test_a_manual_approval_comes_before_each_production_stage_only(pipeline_template):
    by_name = {s["Name"]: s["Actions"] for s in pipeline_stages(pipeline_template)}
    for stage in PIPELINE.stages:
        actions = by_name[stage.name]
        approvals = [a for a in actions if a["ActionTypeId"]["Category"] == "Approval"]
        deploys = [a for a in actions if a["ActionTypeId"]["Category"] == "Deploy"]
        assert deploys, stage.name
        if stage.production:
            (approval,) = approvals
            assert approval["RunOrder"] < min(a["RunOrder"] for a in deploys)
        else:
            assert approvals == [], f"stage {stage.name} is not production but waits for an approval"
    assert PIPELINE.production_stages == ("prod",)
    assert is_production("prod") and not is_production("dev")
    # load_config reads the same mark, so a stage's own config agrees with the pipeline
    assert all(getattr(s.config, "production", s.production) == s.production for s in PIPELINE.stages)


def test_each_stage_deploys_with_the_cdk_deploy_role_of_its_own_account(pipeline_template):
    by_name = {s["Name"]: s["Actions"] for s in pipeline_stages(pipeline_template)}
    for stage in PIPELINE.stages:
        for action in (a for a in by_name[stage.name] if a["ActionTypeId"]["Category"] == "Deploy"):
            role = flatten(action["RoleArn"])
            assert role.endswith(f":iam::{stage.account}:role/cdk-hnb659fds-deploy-role-{stage.account}-{stage.region}")
            assert action["Configuration"]["StackName"] == stage.config.stack_name
            assert action.get("Region", stage.region) == stage.region


def test_synth_runs_the_tests_then_the_same_pipeline_synth(pipeline_template):
    projects = of_type(pipeline_template, "AWS::CodeBuild::Project")
    (synth,) = [p for key, p in projects.items() if "Synth" in key]
    commands = json.loads(synth["Properties"]["Source"]["BuildSpec"])["phases"]["build"]["commands"]
    assert commands == ["make test", "npx cdk synth -c pipeline=true"]


def test_source_is_the_configured_connection_and_branch(pipeline_template):
    (source,) = pipeline_stages(pipeline_template)[0]["Actions"]
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"]["ConnectionArn"] == PIPELINE.source.connection_arn
    assert source["Configuration"]["FullRepositoryId"] == PIPELINE.source.repository
    assert source["Configuration"]["BranchName"] == PIPELINE.source.branch


def test_artifacts_are_kms_encrypted_with_a_rotated_key_and_tls_only(pipeline_template):
    (bucket,) = of_type(pipeline_template, "AWS::S3::Bucket").values()
    (rule,) = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    (key,) = of_type(pipeline_template, "AWS::KMS::Key").values()
    assert key["Properties"]["EnableKeyRotation"] is True
    (policy,) = of_type(pipeline_template, "AWS::S3::BucketPolicy").values()
    assert {"Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Effect": "Deny",
            "Principal": {"AWS": "*"}} in [{k: v for k, v in s.items() if k != "Resource"}
                                           for s in policy["Properties"]["PolicyDocument"]["Statement"]]


def test_no_long_lived_credentials(pipeline_template):
    assert not of_type(pipeline_template, "AWS::IAM::AccessKey")
    assert not of_type(pipeline_template, "AWS::IAM::User")


# ---- each stage's stack ------------------------------------------------------------------------
def test_each_stage_template_carries_its_own_account_and_region(stage_templates):
    for stage in PIPELINE.stages:
        template = stage_templates[stage.name]
        group = f"arn:${{AWS::Partition}}:personalize:{stage.region}:{stage.account}:dataset-group/retaildemostore-products"
        filters = of_type(template, "Custom::PersonalizeFilter").values()
        assert {flatten(f["Properties"]["DatasetGroupArn"]) for f in filters} == {group}
        (tracker,) = of_type(template, "Custom::PersonalizeEventTracker").values()
        assert flatten(tracker["Properties"]["DatasetGroupArn"]) == group
        values = [p["Properties"]["Value"] for p in of_type(template, "Custom::SsmParameterWriter").values()]
        recommenders = [flatten(v) for v in values if "Fn::Join" in v and any(
            kind in json.dumps(v) for kind in (":recommender/", ":campaign/"))]
        assert len(recommenders) == 4
        assert all(f":personalize:{stage.region}:{stage.account}:" in v for v in recommenders)
        others = {s.account for s in PIPELINE.stages} - {stage.account}
        assert not any(account in json.dumps(template) for account in others), f"{stage.name} names another account"


def test_each_stage_keeps_the_stack_name_of_its_stage_file(pipeline_assembly):
    for stage in PIPELINE.stages:
        manifest = json.loads((pipeline_assembly / f"assembly-{PIPELINE.stack_name}-{stage.name}" / "manifest.json").read_text())
        stacks = [a for a in manifest["artifacts"].values() if a["type"] == "aws:cloudformation:stack"]
        assert [(s["environment"], s["properties"]["stackName"]) for s in stacks] == [
            (f"aws://{stage.account}/{stage.region}", stage.config.stack_name)]


def test_cfn_lint_reports_nothing_on_any_template(pipeline_assembly):
    templates = sorted(pipeline_assembly.glob("*.template.json")) + sorted(pipeline_assembly.glob("assembly-*/*.template.json"))
    assert len(templates) == 1 + len(PIPELINE.stages)
    result = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), *map(str, templates)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pipeline_template_matches_snapshot(pipeline_template, snapshot):
    assert masked(pipeline_template) == snapshot


# ---- config/pipeline.toml ---------------------------------------------------------------------
PIPELINE_TOML = """
[pipeline]
stack_name = "Pipeline"
account = "333333333333"
region = "us-east-1"

[source]
connection_arn = "arn:aws:codeconnections:us-east-1:333333333333:connection/abc-123"
repository = "org/repo"
branch = "main"
"""


@pytest.fixture
def config_dir(tmp_path) -> Path:
    shutil.copy(CONFIG_DIR / "default.toml", tmp_path / "default.toml")
    (tmp_path / "stages").mkdir()
    return tmp_path


def write(config_dir: Path, stages: dict[str, str], pipeline: str) -> None:
    for name, text in stages.items():
        (config_dir / "stages" / f"{name}.toml").write_text(textwrap.dedent(text))
    (config_dir / "pipeline.toml").write_text(PIPELINE_TOML + textwrap.dedent(pipeline))


def problems(config_dir: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_pipeline_config(config_dir)
    return caught.value.problems


def stage(name: str, account: str = "111111111111", region: str = "us-east-1") -> str:
    return f'[stack]\nname = "{name}"\naccount = "{account}"\nregion = "{region}"\n'


def test_example_pipeline_config():
    assert PIPELINE.account == "333333333333" and PIPELINE.region == "us-east-1"
    assert [(s.name, s.account, s.production) for s in PIPELINE.stages] == [
        ("dev", "111111111111", False), ("prod", "222222222222", True)]


def test_a_stage_without_account_or_region_is_refused_naming_the_key(config_dir):
    write(config_dir, {"a": '[stack]\nname = "A"\nregion = "us-east-1"\n'}, '[[stages]]\nname = "a"\n')
    (problem,) = problems(config_dir)
    assert problem.startswith("stages[0].name (a.toml): stack.account is required for a pipeline stage")


def test_two_stages_in_one_account_and_region_cannot_create_the_same_filters(config_dir):
    write(config_dir, {"a": stage("A"), "b": stage("B")}, '[[stages]]\nname = "a"\n[[stages]]\nname = "b"\n')
    found = problems(config_dir)
    assert len(found) == 6  # the six lab filters, each named once
    assert found[0] == ("stages: stage 'b': filters[0].name: 'retaildemostore-filter-exclude-purchased-products' is also "
                        "created by stage 'a' (filters[0]) in account 111111111111, region us-east-1; filter names are "
                        "unique per account and region")


def test_two_stages_in_different_regions_may_share_filter_names(config_dir):
    write(config_dir, {"a": stage("A"), "b": stage("A", region="eu-west-1")}, '[[stages]]\nname = "a"\n[[stages]]\nname = "b"\n')
    assert [s.region for s in load_pipeline_config(config_dir).stages] == ["us-east-1", "eu-west-1"]


def test_every_problem_is_reported_with_its_key(config_dir):
    write(config_dir, {"a": stage("A")}, """
        [[stages]]
        name = "a"
        production = "yes"
        [[stages]]
        name = "a"
        [[stages]]
        name = "missing"
        [[stages]]
        name = "a b"
    """)
    (config_dir / "pipeline.toml").write_text((config_dir / "pipeline.toml").read_text()
                                              .replace('account = "333333333333"', 'account = "333"')
                                              .replace('repository = "org/repo"', 'repository = "org/repo"\ncodecommit_repository = "x"'))
    found = problems(config_dir)
    assert found == [
        "pipeline.account: '333' is not a 12-digit AWS account id",
        "source.connection_arn: give either codecommit_repository, or connection_arn and repository, not both",
        "source.repository: give either codecommit_repository, or connection_arn and repository, not both",
        "stages[0].production: must be true or false, got 'yes'",
        "stages[1].name: duplicate stage 'a' (also stages[0].name)",
        f"stages[2].name: no file missing.toml in {config_dir / 'stages'} (known: a)",
        "stages[3].name: 'a b' is not a stage name (letters, digits, '-')",
    ]


def test_unknown_keys_and_an_empty_stage_list_are_refused(config_dir):
    write(config_dir, {}, "[bogus]\n")
    assert problems(config_dir) == [
        "bogus: unknown key (expected one of: pipeline, source, stages)",
        "stages: must be a non-empty list of [[stages]] tables, in deploy order",
    ]


def test_a_codecommit_source(config_dir):
    write(config_dir, {"a": stage("A")}, '[[stages]]\nname = "a"\n')
    text = (config_dir / "pipeline.toml").read_text()
    text = text.replace('connection_arn = "arn:aws:codeconnections:us-east-1:333333333333:connection/abc-123"\n', "")
    (config_dir / "pipeline.toml").write_text(text.replace('repository = "org/repo"', 'codecommit_repository = "repo"'))
    source = load_pipeline_config(config_dir).source
    assert (source.codecommit_repository, source.branch, source.connection_arn) == ("repo", "main", None)


def test_the_plain_synth_is_not_the_pipeline():
    """Without -c pipeline=true the app builds the activation stack alone (tests/test_snapshot.py guards it)."""
    import aws_cdk as cdk_lib

    from app import build_app

    app = build_app(cdk_lib.App(context={"config_dir": str(CONFIG_DIR)}))
    assert [c.node.id for c in app.node.children if isinstance(c, cdk_lib.Stack)] == ["RetailDemoStorePersonalizeActivation"]
