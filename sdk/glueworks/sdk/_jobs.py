"""`client.jobs`: create, read, list, update and delete jobs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from glueworks.sdk._transport import Transport, path_segment
from glueworks.sdk.errors import APIError
from glueworks.sdk.models import Job, JobCreate, JobDeleted, JobList, JobUpdate

_M = TypeVar("_M", JobCreate, JobUpdate)


class Jobs:
    """Operations on jobs; reached as `client.jobs`.

    Args:
        transport: The client's transport.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def create(self, job: JobCreate | None = None, /, **fields: Any) -> Job:
        """Create a job.

        Args:
            job: The job to create; or leave it out and pass `JobCreate`'s fields as keywords.
            **fields: `JobCreate` fields, e.g. `name="nightly", command={"script_location": url}`.

        Returns:
            The created job.

        Raises:
            TypeError: If both `job` and keyword fields are given.
            pydantic.ValidationError: If the fields do not form a valid `JobCreate` (names the field).
            AlreadyExistsException: A job with that name exists.
            APIError: Any other server error.

        Example:
            >>> client.jobs.create(name="nightly", command={"script_location": url})  # doctest: +SKIP
        """
        body = _model_from(JobCreate, job, fields)
        # Unset fields are left out so the server applies its own defaults.
        return self._transport.request_model(
            Job, "POST", "/jobs", json=body.model_dump(mode="json", exclude_unset=True)
        )

    def get(self, name: str) -> Job:
        """Return the job named `name`.

        Raises:
            EntityNotFoundException: There is no such job.
        """
        return self._transport.request_model(Job, "GET", f"/jobs/{path_segment(name, 'name')}")

    def list(self, *, max_results: int | None = None, next_token: str | None = None) -> JobList:
        """Return one page of jobs; use `iter()` to walk all pages.

        Args:
            max_results: Most jobs to return in the page; None takes the server's default.
            next_token: The `next_token` of the previous page.

        Returns:
            The page, with `next_token` None on the last page.
        """
        params: dict[str, str | int] = {}
        if max_results is not None:
            params["max_results"] = max_results
        if next_token is not None:
            params["next_token"] = next_token
        return self._transport.request_model(JobList, "GET", "/jobs", params=params)

    def iter(self, *, max_results: int | None = None) -> Iterator[Job]:
        """Yield every job, fetching pages as needed (one request per page).

        Args:
            max_results: Page size to ask for.

        Yields:
            Each job in the server's order.
        """
        token: str | None = None
        while True:
            page = self.list(max_results=max_results, next_token=token)
            yield from page.jobs
            if page.next_token is None:
                return
            if page.next_token == token:
                raise APIError(f"server returned the same next_token twice ({token!r}) listing jobs")
            token = page.next_token

    def update(self, name: str, update: JobUpdate | None = None, /, **fields: Any) -> Job:
        """Change some settings of a job; the fields not given keep their values.

        Args:
            name: The job to change.
            update: The changes; or leave it out and pass `JobUpdate`'s fields as keywords.
            **fields: `JobUpdate` fields, e.g. `timeout=60`. A field given as None is cleared.

        Returns:
            The job after the change.

        Raises:
            TypeError: If both `update` and keyword fields are given.
            pydantic.ValidationError: If the fields do not form a valid `JobUpdate`.
            EntityNotFoundException: There is no such job.
        """
        body = _model_from(JobUpdate, update, fields)
        return self._transport.request_model(
            Job,
            "PATCH",
            f"/jobs/{path_segment(name, 'name')}",
            json=body.model_dump(mode="json", exclude_unset=True),
        )

    def delete(self, name: str) -> str:
        """Delete a job.

        Returns:
            The name of the deleted job.

        Raises:
            EntityNotFoundException: There is no such job.
        """
        reply = self._transport.request_model(JobDeleted, "DELETE", f"/jobs/{path_segment(name, 'name')}")
        return reply.name


def _model_from(model: type[_M], given: _M | None, fields: dict[str, Any]) -> _M:
    if given is not None and fields:
        raise TypeError(f"pass a {model.__name__} or keyword fields, not both")
    if given is not None:
        return given
    return model.model_validate(fields)
