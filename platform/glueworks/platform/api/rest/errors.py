"""The one table that turns domain errors into REST responses: ``{"error": {"code", "message"}}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from glueworks.platform.errors import GlueworksError

log = logging.getLogger(__name__)

STATUS_BY_CODE: dict[str, int] = {
    "EntityNotFoundException": 404,
    "AlreadyExistsException": 409,
    "InvalidInputException": 400,
    "ValidationException": 400,
    "SerializationException": 400,
    "UnknownOperationException": 400,
    "ConcurrentRunsExceededException": 429,
    "ConcurrentModificationException": 409,
    "IllegalWorkflowStateException": 409,  # a workflow run not in a state for the operation (scheduling)
    "ResourceNumberLimitExceededException": 429,
    "IdempotentParameterMismatchException": 409,
    "AccessDeniedException": 403,
    "ThrottlingException": 429,
    "OperationTimeoutException": 504,
    "InternalServiceException": 500,
    "CrawlerRunningException": 409,
    "CrawlerNotRunningException": 409,
    "CrawlerStoppingException": 409,
    "SchedulerRunningException": 409,
    "SchedulerNotRunningException": 409,
    "NoScheduleException": 409,
}


def error_response(code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=STATUS_BY_CODE.get(code, 500))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GlueworksError)
    async def _domain(_request: Request, exc: GlueworksError) -> JSONResponse:
        return error_response(exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
            problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
        return error_response("InvalidInputException", "; ".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "EntityNotFoundException", 405: "InvalidInputException"}.get(
            exc.status_code, "InvalidInputException" if exc.status_code < 500 else "InternalServiceException"
        )
        response = error_response(code, str(exc.detail))
        response.status_code = exc.status_code
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response("InternalServiceException", "internal error; see the server log")
