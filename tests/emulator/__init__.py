"""In-process Amazon Personalize emulator (control plane) for offline tests.

    emu = PersonalizeEmulator()
    dg = emu.add_dataset_group("shop")
    client = emu.client()            # or emu.attach(boto3.client("personalize", ...))
    client.create_filter(name="f", datasetGroupArn=dg, filterExpression="EXCLUDE ...")
    emu.clock.advance(60)            # -> ACTIVE
"""
from .clock import VirtualClock
from .core import Call, PersonalizeEmulator
from .exceptions import (
    InvalidInputException, InvalidNextTokenException, LimitExceededException,
    PersonalizeError, ResourceAlreadyExistsException, ResourceInUseException,
    ResourceNotFoundException, ThrottlingException, TooManyTagKeysException,
    TooManyTagsException,
)
from .faults import Faults
from .models import (
    ACTIVE, CREATE_FAILED, CREATE_IN_PROGRESS, CREATE_PENDING, DELETE_IN_PROGRESS,
    DELETE_PENDING, Latencies, PersonalizeBackend, Quotas,
)

__all__ = [
    "ACTIVE", "CREATE_FAILED", "CREATE_IN_PROGRESS", "CREATE_PENDING", "Call",
    "DELETE_IN_PROGRESS", "DELETE_PENDING", "Faults", "InvalidInputException",
    "InvalidNextTokenException", "Latencies", "LimitExceededException", "PersonalizeBackend",
    "PersonalizeEmulator", "PersonalizeError", "Quotas", "ResourceAlreadyExistsException",
    "ResourceInUseException", "ResourceNotFoundException", "ThrottlingException",
    "TooManyTagKeysException", "TooManyTagsException", "VirtualClock",
]
