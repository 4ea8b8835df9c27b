"""The account the rehearsal deploys into: the Personalize emulator with the lab's dataset group,
moto's SSM with the storefront base stack's parameters (value NONE), and the handlers' boto3
clients wired to both. Also the invariants checked at every step of the virtual clock."""
from __future__ import annotations

import os
import time
from collections import Counter
from typing import Iterable

import boto3
from moto import mock_aws

from lifecycle import aws
from lifecycle import engine as lifecycle_engine
from lifecycle.decisions import OWNER_STACK_TAG
from tests.emulator import Latencies, PersonalizeEmulator

DATASET_GROUP = "retaildemostore-products"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "rehearsal", "AWS_SECRET_ACCESS_KEY": "rehearsal", "AWS_SESSION_TOKEN": "rehearsal",
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
}


class World:
    def __init__(self, *, latencies: Latencies | None = None, seed: int = 0) -> None:
        self._saved_env = {k: os.environ.get(k) for k in FAKE_CREDENTIALS}
        os.environ.update(FAKE_CREDENTIALS)
        self._moto = mock_aws()
        self._moto.start()
        self.emulator = PersonalizeEmulator(latencies=latencies, seed=seed)
        self.clock = self.emulator.clock
        self.dataset_group_arn = self.emulator.add_dataset_group(DATASET_GROUP)
        aws.personalize.cache_clear()
        aws.ssm.cache_clear()
        self.personalize = self.emulator.attach(aws.personalize())
        self.ssm = aws.ssm()
        self.ssm_calls: Counter[str] = Counter()
        self.ssm.meta.events.register("before-call.ssm", self._count_ssm)
        self._saved_clock, self._saved_sleep = lifecycle_engine.CLOCK, time.sleep
        lifecycle_engine.CLOCK = self.clock.now
        time.sleep = self.clock.advance  # botocore's retry back-off waits on the virtual clock
        self.violations: list[str] = []
        self.bystanders: list[str] = []
        self._wire_evaluation()
        self.codepipeline = RecordingCodePipeline()
        self._wire_web_ui_release()
        self.removed_out_of_band: set[str] = set()  # not the stack's doing: exempt from the checks

    # ---- the storefront's Personalize side and the evaluation Lambda -------------------------
    LAB_INFERENCE = {
        "recommender": {"retaildemostore-recommended-for-you": "aws-ecomm-recommended-for-you",
                        "retaildemostore-popular-items": "aws-ecomm-popular-items-by-views"},
        "campaign": {"retaildemostore-related-items": "aws-similar-items",
                     "retaildemostore-personalized-ranking": "aws-personalized-ranking"},
    }

    def storefront(self, promoted_encoding: str = "Y") -> None:
        """The earlier labs' result: the catalog and interactions, the recommenders and campaigns."""
        self.emulator.load_catalog(promoted_encoding=promoted_encoding)
        for name, recipe in self.LAB_INFERENCE["recommender"].items():
            self.emulator.add_recommender(name, recipe)
        for name, recipe in self.LAB_INFERENCE["campaign"].items():
            self.emulator.add_campaign(name, recipe)

    def _wire_evaluation(self) -> None:
        from evaluation import handler as evaluation

        def client(service: str):
            if service.startswith("personalize"):
                return self.emulator.client(service=service)
            return boto3.client(service, region_name="us-east-1")

        self._saved_evaluation = (evaluation.CLIENT_FACTORY, evaluation.CLOCK, evaluation.SLEEP, evaluation.MAX_WORKERS)
        evaluation.CLIENT_FACTORY, evaluation.CLOCK, evaluation.SLEEP = client, self.clock.now, self.clock.advance
        evaluation.MAX_WORKERS = 1  # the virtual clock is not shared across threads

    def _wire_web_ui_release(self) -> None:
        """moto has no StartPipelineExecution: the web-UI release handler gets a recording stub."""
        from web_ui_release import handler as web_ui_release

        self._saved_web_ui_release = web_ui_release.CLIENT_FACTORY
        web_ui_release.CLIENT_FACTORY = lambda: self.codepipeline

    def create_bucket(self, logical_id: str, type_: str) -> str | None:
        if type_ != "AWS::S3::Bucket":
            return None
        name = f"{logical_id.lower()}-rehearsal"[-63:].lstrip("-")
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=name)
        return name

    def download(self, bucket: str, prefix: str, folder) -> list:
        client, saved = boto3.client("s3", region_name="us-east-1"), []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                target = folder / entry["Key"].removeprefix(prefix)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(client.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read())
                saved.append(target)
        return saved

    def _count_ssm(self, model, **_kwargs) -> None:
        self.ssm_calls[model.name] += 1

    def close(self) -> None:
        from evaluation import handler as evaluation

        evaluation.CLIENT_FACTORY, evaluation.CLOCK, evaluation.SLEEP, evaluation.MAX_WORKERS = self._saved_evaluation
        from web_ui_release import handler as web_ui_release

        web_ui_release.CLIENT_FACTORY = self._saved_web_ui_release
        lifecycle_engine.CLOCK, time.sleep = self._saved_clock, self._saved_sleep
        aws.personalize.cache_clear()
        aws.ssm.cache_clear()
        self._moto.stop()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    # ---- what the account holds before the deploy ------------------------------------------
    def base_stack_parameters(self, names: Iterable[str]) -> None:
        """The storefront's base stack creates every parameter with the value NONE."""
        client = boto3.client("ssm", region_name="us-east-1")
        for name in names:
            client.put_parameter(Name=name, Value="NONE", Type="String", Description="Retail Demo Store base stack")

    def existing_tracker(self, name: str = "retaildemostore-event-tracker") -> str:
        arn = self.personalize.create_event_tracker(name=name, datasetGroupArn=self.dataset_group_arn)["eventTrackerArn"]
        self.bystanders.append(arn)
        return arn

    def existing_filter(self, name: str, expression: str) -> str:
        arn = self.personalize.create_filter(name=name, datasetGroupArn=self.dataset_group_arn,
                                             filterExpression=expression)["filterArn"]
        self.bystanders.append(arn)
        return arn

    def delete_out_of_band(self, arn: str) -> None:
        """Someone deletes a resource behind the stack's back."""
        self.emulator.faults.delete_out_of_band(arn)
        self.removed_out_of_band.add(arn)

    def settle(self, seconds: float = 300.0) -> None:
        self.clock.advance(seconds)

    # ---- invariants -------------------------------------------------------------------------
    def parameters(self) -> dict[str, str]:
        out = {}
        for page in boto3.client("ssm", region_name="us-east-1").get_paginator("get_parameters_by_path").paginate(
                Path="/", Recursive=True):
            out.update({p["Name"]: p["Value"] for p in page["Parameters"]})
        return out

    def check_step(self, label: str) -> None:
        """No parameter may point at a filter or tracker that is not ACTIVE, at any moment."""
        trackers = {t["trackingId"]: t for t in self.emulator.trackers()}
        for name, value in self.parameters().items():
            if value in self.removed_out_of_band:
                continue
            if ":filter/" in value and self.emulator.status_of(value) != "ACTIVE":
                self._violate(f"{label}: {name} points at {value}, which is {self.emulator.status_of(value) or 'gone'}")
            if name.endswith("event-tracker-id") and value != "NONE":
                tracker = trackers.get(value)
                if tracker is None or tracker["status"] != "ACTIVE":
                    self._violate(f"{label}: {name} holds tracking id {value} of no ACTIVE tracker")

    def check_end(self, stack_id: str, current_physical_ids: set[str]) -> None:
        """Nothing of ours left unreferenced; nothing that was not ours deleted."""
        for resource in [*self.emulator.filters(), *self.emulator.trackers()]:
            arn = resource.get("filterArn") or resource.get("eventTrackerArn")
            tags = {t["tagKey"]: t["tagValue"] for t in self.personalize.list_tags_for_resource(resourceArn=arn)["tags"]}
            if tags.get(OWNER_STACK_TAG) == stack_id and arn not in current_physical_ids:
                self._violate(f"end: {arn} was created by the stack and is not part of it (orphaned)")
        for arn in self.bystanders:
            if self.emulator.status_of(arn) is None:
                self._violate(f"end: {arn} existed before the stack and was deleted")

    def _violate(self, message: str) -> None:
        if message not in self.violations:
            self.violations.append(message)


class RecordingCodePipeline:
    """The storefront's CodePipelines, as far as the web-UI release handler calls them. moto 5 has
    no StartPipelineExecution, so this stub stands in: it knows pipelines and their tags and records
    every start (with its clientRequestToken, which makes a repeated request start nothing twice)."""

    ARN_PREFIX = "arn:aws:codepipeline:us-east-1:123456789012:"

    def __init__(self) -> None:
        self.pipelines: dict[str, dict[str, str]] = {"retaildemostore-WebUIPipeline": {"RetailDemoStoreServiceName": "web-ui"}}
        self.starts: list[dict[str, str]] = []
        self._tokens: dict[str, str] = {}

    def start_pipeline_execution(self, *, name: str, clientRequestToken: str) -> dict[str, str]:
        if name not in self.pipelines:
            raise KeyError(f"PipelineNotFoundException: {name}")
        if clientRequestToken not in self._tokens:
            self._tokens[clientRequestToken] = f"execution-{len(self.starts) + 1}"
            self.starts.append({"name": name, "token": clientRequestToken})
        return {"pipelineExecutionId": self._tokens[clientRequestToken]}

    def get_paginator(self, operation: str):
        assert operation == "list_pipelines", operation
        pipelines = [{"name": n} for n in self.pipelines]

        class Paginator:
            def paginate(self):
                return iter([{"pipelines": pipelines}])

        return Paginator()

    def list_tags_for_resource(self, *, resourceArn: str) -> dict:
        tags = self.pipelines[resourceArn.removeprefix(self.ARN_PREFIX)]
        return {"tags": [{"key": k, "value": v} for k, v in tags.items()]}
