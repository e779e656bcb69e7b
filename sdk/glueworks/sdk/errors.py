"""Errors raised by the glueworks SDK.

The tree:

* GlueworksError - root of every error the SDK raises.
  * APIError - the server answered with an error (`.code`, `.message`, `.status_code`). Raised as is for a
    code this SDK does not know, or for a reply that is not a glueworks error body.
    * EntityNotFoundException (404)
    * AlreadyExistsException (409)
    * InvalidInputException (400)
    * ValidationException (400)
    * ConcurrentRunsExceededException (429)
    * ConcurrentModificationException (409)
    * ResourceNumberLimitExceededException (429)
    * IdempotentParameterMismatchException (409)
    * AccessDeniedException (403)
    * ThrottlingException (429)
    * OperationTimeoutException (504)
    * InternalServiceException (500)
  * APIConnectionError (also a `ConnectionError`) - the server could not be reached, or the connection
    failed before a reply came.
  * WaitTimeoutError (also a `TimeoutError`) - a waiter gave up before the run reached a terminal state.

The classes are named exactly as the Glue error codes, and `ERROR_CLASSES` is the one table from code to
class; each class's `status` is the HTTP status the REST API uses for that code.

Example:
    >>> err = error_from_code("EntityNotFoundException", "job nightly not found", 404)
    >>> isinstance(err, EntityNotFoundException), err.code, err.status_code
    (True, 'EntityNotFoundException', 404)
    >>> type(error_from_code("BrandNewException", "?", 400)).__name__
    'APIError'
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from glueworks.sdk.models import JobRun

__all__ = [
    "ERROR_CLASSES",
    "APIConnectionError",
    "APIError",
    "AccessDeniedException",
    "AlreadyExistsException",
    "ConcurrentModificationException",
    "ConcurrentRunsExceededException",
    "EntityNotFoundException",
    "GlueworksError",
    "IdempotentParameterMismatchException",
    "InternalServiceException",
    "InvalidInputException",
    "OperationTimeoutException",
    "ResourceNumberLimitExceededException",
    "ThrottlingException",
    "ValidationException",
    "WaitTimeoutError",
    "error_from_code",
]


class GlueworksError(Exception):
    """Root of every error raised by the glueworks SDK."""


class APIError(GlueworksError):
    """The server answered with an error.

    Args:
        message: What went wrong, as the server said it.
        code: The Glue error code; defaults to the class's own code.
        status_code: The HTTP status of the reply; defaults to the class's usual status.

    Attributes:
        code: The Glue error code, e.g. `EntityNotFoundException`.
        message: The server's message.
        status_code: The HTTP status of the reply, or None when the error was built without one.
    """

    #: The Glue error code of this class; empty for the generic class.
    CODE: ClassVar[str] = ""
    #: The HTTP status the REST API uses for this code; 0 for the generic class.
    status: ClassVar[int] = 0

    def __init__(self, message: str, code: str | None = None, status_code: int | None = None) -> None:
        code = code if code is not None else self.CODE
        status_code = status_code if status_code is not None else (self.status or None)
        # All three go to args so the error survives pickling (cls(*args) rebuilds it).
        super().__init__(message, code, status_code)
        self.message = message
        self.code = code
        self.status_code = status_code

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.code else self.message


class EntityNotFoundException(APIError):
    """The named job, run or other entity does not exist."""

    CODE = "EntityNotFoundException"
    status = 404


class AlreadyExistsException(APIError):
    """An entity with that name already exists."""

    CODE = "AlreadyExistsException"
    status = 409


class InvalidInputException(APIError):
    """The request is malformed or a field is invalid; the message names the field."""

    CODE = "InvalidInputException"
    status = 400


class ValidationException(APIError):
    """A value failed validation; the message names the field."""

    CODE = "ValidationException"
    status = 400


class ConcurrentRunsExceededException(APIError):
    """The job already has `max_concurrent_runs` active runs."""

    CODE = "ConcurrentRunsExceededException"
    status = 429


class ConcurrentModificationException(APIError):
    """Another request changed the entity at the same time; read it again and retry."""

    CODE = "ConcurrentModificationException"
    status = 409


class ResourceNumberLimitExceededException(APIError):
    """A quota on the number of entities was reached."""

    CODE = "ResourceNumberLimitExceededException"
    status = 429


class IdempotentParameterMismatchException(APIError):
    """An idempotency token was reused with different parameters."""

    CODE = "IdempotentParameterMismatchException"
    status = 409


class AccessDeniedException(APIError):
    """The API key is missing, wrong, or not allowed to do this."""

    CODE = "AccessDeniedException"
    status = 403


class ThrottlingException(APIError):
    """Too many requests; retried by the client on safe methods."""

    CODE = "ThrottlingException"
    status = 429


class OperationTimeoutException(APIError):
    """The server gave up on the operation before it finished."""

    CODE = "OperationTimeoutException"
    status = 504


class InternalServiceException(APIError):
    """The server failed; the request may be retried."""

    CODE = "InternalServiceException"
    status = 500


ERROR_CLASSES: Mapping[str, type[APIError]] = MappingProxyType(
    {
        cls.CODE: cls
        for cls in (
            EntityNotFoundException,
            AlreadyExistsException,
            InvalidInputException,
            ValidationException,
            ConcurrentRunsExceededException,
            ConcurrentModificationException,
            ResourceNumberLimitExceededException,
            IdempotentParameterMismatchException,
            AccessDeniedException,
            ThrottlingException,
            OperationTimeoutException,
            InternalServiceException,
        )
    }
)
"""Glue error code -> exception class: the one table the SDK maps server errors with."""


def error_from_code(code: str, message: str, status_code: int | None = None) -> APIError:
    """Build the exception for a Glue error code.

    Args:
        code: The error code from the server's error body.
        message: The message from the server's error body.
        status_code: The HTTP status of the reply.

    Returns:
        An instance of the class registered for `code` in `ERROR_CLASSES`, or a plain `APIError` carrying
        the code when the code is unknown.
    """
    cls = ERROR_CLASSES.get(code, APIError)
    return cls(message, code, status_code)


class APIConnectionError(GlueworksError, ConnectionError):
    """The server could not be reached, or the connection failed before a reply came.

    Args:
        message: What failed, naming the method and URL.
    """


class WaitTimeoutError(GlueworksError, TimeoutError):
    """A waiter gave up before the run reached a terminal state.

    Args:
        message: What was waited for and for how long.
        last_run: The run as last seen, if it was seen at all.

    Attributes:
        last_run: The run as last seen, or None.
    """

    def __init__(self, message: str, last_run: JobRun | None = None) -> None:
        super().__init__(message)
        self.last_run = last_run
