"""Domain errors of the platform. Each carries the AWS Glue error code a client expects.

Services raise these and nothing else; the two front doors turn them into HTTP in one table each
(``api/glue/errors.py`` for JSON 1.1, ``api/rest/errors.py`` for /v1).

    GlueworksError                       (root; code InternalServiceException)
    ├── EntityNotFoundError              EntityNotFoundException
    ├── AlreadyExistsError               AlreadyExistsException
    ├── InvalidInputError                InvalidInputException   (names the offending field)
    ├── ConcurrentRunsExceededError      ConcurrentRunsExceededException
    ├── ConcurrentModificationError      ConcurrentModificationException
    ├── IdempotentParameterMismatchError IdempotentParameterMismatchException (a reused key, another request)
    ├── AccessDeniedError                AccessDeniedException
    ├── SerializationError               SerializationException  (a body that is not JSON)
    └── UnknownOperationError            UnknownOperationException
"""

from __future__ import annotations


class GlueworksError(Exception):
    """Root of the platform's errors."""

    code = "InternalServiceException"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EntityNotFoundError(GlueworksError):
    code = "EntityNotFoundException"


class AlreadyExistsError(GlueworksError):
    code = "AlreadyExistsException"


class InvalidInputError(GlueworksError):
    """Bad input; ``field`` is the dotted path of the offending field, when there is one."""

    code = "InvalidInputException"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


class ConcurrentRunsExceededError(GlueworksError):
    code = "ConcurrentRunsExceededException"


class ConcurrentModificationError(GlueworksError):
    code = "ConcurrentModificationException"


class IdempotentParameterMismatchError(GlueworksError):
    code = "IdempotentParameterMismatchException"


class AccessDeniedError(GlueworksError):
    code = "AccessDeniedException"


class SerializationError(GlueworksError):
    code = "SerializationException"


class UnknownOperationError(GlueworksError):
    code = "UnknownOperationException"
