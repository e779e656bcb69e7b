"""Custom classifiers: CreateClassifier, GetClassifier, GetClassifiers, UpdateClassifier, DeleteClassifier.

A classifier is one of Glue's four kinds, named by the request member that carries it: ``GrokClassifier``,
``XMLClassifier``, ``JsonClassifier`` or ``CsvClassifier``. Each definition is checked by the crawl engine's
``check_classifier`` (a bad grok pattern, JSON path, delimiter...), and its error names the member at fault.
Every update bumps the classifier's ``Version``. Crawlers name classifiers; a crawl resolves the names when it
starts, so deleting a classifier a crawler still names makes that crawler's next crawl fail, saying which.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from glueworks.platform.crawlers.model import ClassifierSpec
from glueworks.platform.db import Database
from glueworks.platform.db.crawler_models import ClassifierRow
from glueworks.platform.errors import AlreadyExistsError, EntityNotFoundError, InvalidInputError
from glueworks.platform.services.paging import decode_token, encode_token, page_size
from glueworks.platform.services.validation import check_name

__all__ = ["KINDS", "ClassifierService", "classifier_shape"]

KINDS: dict[str, str] = {
    "GrokClassifier": "grok",
    "XMLClassifier": "xml",
    "JsonClassifier": "json",
    "CsvClassifier": "csv",
}
"""Glue's request member of each classifier kind -> the kind the crawl engine knows."""

_MEMBER_OF = {kind: member for member, kind in KINDS.items()}
_SERVER_MEMBERS = ("Name", "CreationTime", "LastUpdated", "Version")


def classifier_shape(row: ClassifierRow) -> dict[str, Any]:
    """A stored classifier as Glue's ``Classifier`` shape (one member set, named after its kind)."""
    body = {
        "Name": row.name,
        **row.definition,
        "CreationTime": row.creation_time,
        "LastUpdated": row.last_updated,
        "Version": row.version,
    }
    return {_MEMBER_OF[row.kind]: body}


def _one_kind(params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    given = [member for member in KINDS if params.get(member) is not None]
    if len(given) != 1:
        raise InvalidInputError(
            f"give exactly one of {', '.join(KINDS)}; got {', '.join(given) or 'none'}", field="Classifier"
        )
    member = given[0]
    return member, dict(params[member])


def _checked(member: str, name: str, definition: dict[str, Any]) -> dict[str, Any]:
    """The definition without server members, after the crawl engine's check (errors name the member)."""
    stored = {key: value for key, value in definition.items() if key not in _SERVER_MEMBERS}
    if member in ("GrokClassifier", "XMLClassifier"):
        classification = stored.get("Classification")
        if not classification:
            raise InvalidInputError("is required", field=f"{member}.Classification")
    from glueworks.platform.crawlers import check_classifier  # the engine loads on first use, not at start-up

    try:
        check_classifier(ClassifierSpec(name=name, kind=KINDS[member], definition=stored))
    except ValueError as exc:
        raise InvalidInputError(str(exc), field=member) from None
    return stored


class ClassifierService:
    """Custom classifiers of a tenant."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def create(self, tenant_id: str, params: Mapping[str, Any]) -> None:
        member, definition = _one_kind(params)
        name = check_name(definition.get("Name"), field=f"{member}.Name")
        stored = _checked(member, name, definition)
        now = self._clock()
        try:
            with self._db.transaction() as session:
                if self._find(session, tenant_id, name) is not None:
                    raise AlreadyExistsError(f"Classifier {name} already exists.")
                session.add(
                    ClassifierRow(
                        tenant_id=tenant_id,
                        name=name,
                        kind=KINDS[member],
                        definition=stored,
                        version=1,
                        creation_time=now,
                        last_updated=now,
                    )
                )
        except IntegrityError:  # a concurrent create of the same name won the race
            raise AlreadyExistsError(f"Classifier {name} already exists.") from None

    def get(self, tenant_id: str, name: str) -> dict[str, Any]:
        with self._db.transaction() as session:
            return classifier_shape(self._get(session, tenant_id, name))

    def page(
        self, tenant_id: str, max_results: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Classifiers ordered by name, at most 1000 a page."""
        size = page_size(max_results, default=100, maximum=1000)
        cursor = decode_token(next_token)
        query = select(ClassifierRow).where(ClassifierRow.tenant_id == tenant_id).order_by(ClassifierRow.name)
        if cursor is not None:
            query = query.where(ClassifierRow.name > str(cursor.get("after", "")))
        with self._db.transaction() as session:
            rows = list(session.scalars(query.limit(size + 1)))
        token = encode_token({"after": rows[size - 1].name}) if len(rows) > size else None
        return [classifier_shape(row) for row in rows[:size]], token

    def update(self, tenant_id: str, params: Mapping[str, Any]) -> None:
        """Change the members given; the others keep their values. The kind cannot change."""
        member, changes = _one_kind(params)
        name = check_name(changes.get("Name"), field=f"{member}.Name")
        with self._db.transaction() as session:
            row = self._get(session, tenant_id, name, lock=True)
            if row.kind != KINDS[member]:
                raise InvalidInputError(
                    f"classifier {name!r} is a {_MEMBER_OF[row.kind]}, not a {member}", field=member
                )
            row.definition = _checked(member, name, {**row.definition, **changes})
            row.version += 1
            row.last_updated = self._clock()

    def delete(self, tenant_id: str, name: str) -> None:
        with self._db.transaction() as session:
            session.delete(self._get(session, tenant_id, name, lock=True))

    def specs(self, tenant_id: str, names: Sequence[str]) -> list[ClassifierSpec]:
        """The named classifiers as the crawl engine takes them, in the order given.

        Raises:
            EntityNotFoundError: a name has no classifier (the message names it).
        """
        with self._db.transaction() as session:
            return self.specs_in(session, tenant_id, names)

    def specs_in(self, session: Session, tenant_id: str, names: Sequence[str]) -> list[ClassifierSpec]:
        """:meth:`specs` inside a caller's transaction."""
        specs = []
        for name in names:
            row = self._get(session, tenant_id, name)
            specs.append(ClassifierSpec(name=row.name, kind=row.kind, definition=dict(row.definition)))
        return specs

    @staticmethod
    def _find(session: Session, tenant_id: str, name: str, *, lock: bool = False) -> ClassifierRow | None:
        query = select(ClassifierRow).where(ClassifierRow.tenant_id == tenant_id, ClassifierRow.name == name)
        if lock:
            query = query.with_for_update()
        return session.scalars(query).first()

    def _get(self, session: Session, tenant_id: str, name: str, *, lock: bool = False) -> ClassifierRow:
        row = self._find(session, tenant_id, name, lock=lock)
        if row is None:
            raise EntityNotFoundError(f"Classifier {name} not found.")
        return row
