"""One class per Amazon Personalize error code.

Serialized by the emulator as a JSON-protocol error: HTTP 400 with
``{"__type": code, "message": message}``, which botocore turns into a ClientError
(and into ``client.exceptions.<Code>`` when the code is modelled for the service).
"""
from __future__ import annotations


class PersonalizeError(Exception):
    code = "PersonalizeError"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_body(self) -> dict:
        return {"__type": self.code, "message": self.message}


class InvalidInputException(PersonalizeError):
    code = "InvalidInputException"


class ResourceAlreadyExistsException(PersonalizeError):
    code = "ResourceAlreadyExistsException"


class ResourceNotFoundException(PersonalizeError):
    code = "ResourceNotFoundException"


class LimitExceededException(PersonalizeError):
    code = "LimitExceededException"


class ResourceInUseException(PersonalizeError):
    code = "ResourceInUseException"


class TooManyTagsException(PersonalizeError):
    code = "TooManyTagsException"


class TooManyTagKeysException(PersonalizeError):
    """Modelled for UntagResource (more than 200 tag keys)."""

    code = "TooManyTagKeysException"


class InvalidNextTokenException(PersonalizeError):
    code = "InvalidNextTokenException"


class ThrottlingException(PersonalizeError):
    """Not in the personalize model; botocore's retry handlers know the code.

    HTTP 400 as the brief asks (real throttles may also come back as 400 with this code).
    """

    code = "ThrottlingException"
