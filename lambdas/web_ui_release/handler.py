"""Starts the storefront's web-UI CodePipeline when the tracking id it bakes in has changed.

The custom resource's properties hold the tracking id (a token from the tracker), so CloudFormation
sends an Update only when that id (or the pipeline setting) changes. The pipeline is started on
Create, and on Update only when `TrackingId` differs from the old one; never on Delete. A rollback
that puts the old id back is such an Update, so the web UI is rebuilt with the id in force again.
"""
from __future__ import annotations

import hashlib
import logging
import os
from typing import Any

from lifecycle import aws

LOG = logging.getLogger()
LOG.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
PHYSICAL_ID = "web-ui-release"

# Replaced in the rehearsal (rehearsal/world.py), which has no CodePipeline: moto does not
# implement StartPipelineExecution, so a recording stub stands in for the client.
CLIENT_FACTORY = aws.codepipeline


def on_event(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    request = event["RequestType"]
    props = event.get("ResourceProperties") or {}
    physical_id = event.get("PhysicalResourceId") or PHYSICAL_ID
    if request == "Delete":
        return {"PhysicalResourceId": physical_id}  # nothing to undo: a build is not taken back
    old = event.get("OldResourceProperties") or {}
    if request == "Update" and props.get("TrackingId") == old.get("TrackingId"):
        LOG.info("tracking id unchanged: the web UI is not rebuilt")
        return {"PhysicalResourceId": physical_id, "Data": {"Started": "false"}}
    client = CLIENT_FACTORY()
    name = props.get("PipelineName") or discover(client, props)
    # The request id makes a retried invocation of the same request start nothing twice.
    token = hashlib.sha256(event["RequestId"].encode()).hexdigest()[:64]
    execution = client.start_pipeline_execution(name=name, clientRequestToken=token)["pipelineExecutionId"]
    LOG.info("tracking id %s: started %s (execution %s)", props.get("TrackingId"), name, execution)
    return {"PhysicalResourceId": physical_id,
            "Data": {"Started": "true", "PipelineName": name, "PipelineExecutionId": execution}}


def is_complete(_event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """The build runs on its own; the deploy does not wait for it."""
    return {"IsComplete": True}


def discover(client, props: dict[str, Any]) -> str:
    """The one pipeline tagged TagKey=TagValue (the storefront tags its web-UI pipeline
    RetailDemoStoreServiceName=web-ui)."""
    key, value, prefix = props["TagKey"], props["TagValue"], props["PipelineArnPrefix"]
    found = []
    for page in client.get_paginator("list_pipelines").paginate():
        for pipeline in page.get("pipelines", []):
            tags = client.list_tags_for_resource(resourceArn=prefix + pipeline["name"]).get("tags", [])
            if any(t.get("key") == key and t.get("value") == value for t in tags):
                found.append(pipeline["name"])
    if len(found) != 1:
        raise RuntimeError(f"web_ui.discover: expected one CodePipeline tagged {key}={value}, found "
                           f"{len(found)} ({', '.join(found) or 'none'}); set web_ui.pipeline_name instead")
    return found[0]
