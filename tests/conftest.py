"""Shared fixtures: fake AWS credentials (nothing here may reach AWS), the Personalize emulator
wired into the handlers' boto3 layer, and one synthesized template per session."""
from __future__ import annotations

import pytest

from tests.emulator import PersonalizeEmulator

DATASET_GROUP = "retaildemostore-products"


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch, tmp_path):
    for key, value in {
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),  # no profile of the developer's leaks in
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def emulator() -> PersonalizeEmulator:
    emu = PersonalizeEmulator()
    emu.add_dataset_group(DATASET_GROUP)
    return emu


@pytest.fixture
def personalize(emulator, monkeypatch):
    """The handlers' own Personalize client (their retry settings), answered by the emulator."""
    from lifecycle import aws

    aws.personalize.cache_clear()
    client = emulator.attach(aws.personalize())
    yield client
    aws.personalize.cache_clear()


@pytest.fixture
def dataset_group_arn(emulator) -> str:
    return f"arn:aws:personalize:{emulator.region}:{emulator.account}:dataset-group/{DATASET_GROUP}"


# ---- synthesis: the real CDK CLI, once per session ----------------------------------------
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CDK_CLI = ROOT / "node_modules" / ".bin" / "cdk"


def cdk(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    if not CDK_CLI.exists():
        pytest.fail("the CDK CLI is not installed in node_modules: run `make test`, which installs it")
    env = {**os.environ, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
           "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CDK_DISABLE_VERSION_CHECK": "1"}
    return subprocess.run([str(CDK_CLI), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="session")
def cloud_assembly(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cdk.out")
    result = cdk("synth", "--quiet", "--no-notices", "-o", str(out))
    assert result.returncode == 0, f"cdk synth failed:\n{result.stderr[-4000:]}"
    return out


@pytest.fixture(scope="session")
def template(cloud_assembly) -> dict:
    templates = sorted(cloud_assembly.glob("*.template.json"))
    assert len(templates) == 1, f"expected one stack, got {[t.name for t in templates]}"
    return json.loads(templates[0].read_text())


def synth_template(out: Path, *args: str) -> dict:
    """One more session synth through the real CLI (cdk-nag included), e.g. another preset."""
    result = cdk("synth", "--quiet", "--no-notices", "-o", str(out), *args)
    assert result.returncode == 0, f"cdk synth {' '.join(args)} failed:\n{result.stderr[-4000:]}"
    (template_file,) = sorted(out.glob("*.template.json"))
    return json.loads(template_file.read_text())


@pytest.fixture(scope="session")
def storefront_current_template(tmp_path_factory) -> dict:
    return synth_template(tmp_path_factory.mktemp("cdk.out.storefront-current"), "-c", "preset=storefront-current")


@pytest.fixture(scope="session")
def web_ui_template(tmp_path_factory) -> dict:
    """preset storefront-current with the web-UI release, its pipeline found by tag."""
    config_dir = tmp_path_factory.mktemp("config.web-ui")
    (config_dir / "stages").mkdir()
    (config_dir / "default.toml").write_text((ROOT / "config" / "default.toml").read_text())
    (config_dir / "stages" / "webui.toml").write_text('preset = "storefront-current"\n[web_ui]\ndiscover = true\n')
    return synth_template(tmp_path_factory.mktemp("cdk.out.web-ui"), "-c", f"config_dir={config_dir}", "-c", "stage=webui")
