"""The thin boto3 layer: clients built once per container, error codes read in one place."""
from __future__ import annotations

import functools

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# Legacy mode on purpose: "standard" treats LimitExceededException as throttling and would sleep
# inside the Lambda, while for Personalize it usually means a quota (too many resources pending)
# that is retried from is_complete instead. Legacy still retries ThrottlingException with
# jittered exponential backoff.
PERSONALIZE_RETRIES = Config(retries={"mode": "legacy", "max_attempts": 8})
STANDARD_RETRIES = Config(retries={"mode": "standard", "max_attempts": 8})


@functools.cache
def personalize():
    return boto3.client("personalize", config=PERSONALIZE_RETRIES)


@functools.cache
def ssm():
    return boto3.client("ssm", config=STANDARD_RETRIES)


@functools.cache
def codepipeline():
    return boto3.client("codepipeline", config=STANDARD_RETRIES)


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def is_error(error: BaseException, *codes: str) -> bool:
    return isinstance(error, ClientError) and error_code(error) in codes
