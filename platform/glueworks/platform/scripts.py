"""The script store: job scripts uploaded through the API, and checks on any script a job names."""

from __future__ import annotations

import re
from pathlib import Path

import fsspec

from glueworks.platform.errors import InvalidInputError
from glueworks.platform.locations import Location, parse_location

_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.py$")
MAX_SCRIPT_BYTES = 1_000_000


class ScriptStore:
    """Stores uploaded scripts under ``<storage root>/scripts/<tenant>/`` and validates script locations."""

    def __init__(
        self, storage_root: str, file_roots: list[Path], storage_options: dict[str, dict[str, object]] | None = None
    ) -> None:
        self._root = Path(storage_root).resolve()
        self._file_roots = file_roots
        self._storage_options = storage_options or {}

    def tenant_folder(self, tenant_id: str) -> Path:
        return self._root / "scripts" / tenant_id

    def upload(self, tenant_id: str, filename: str, source: bytes) -> tuple[str, int]:
        """Store a script after checking its name, size, encoding and syntax; return its URL and size."""
        if not _FILENAME.match(filename):
            raise InvalidInputError(
                "must be 1-128 letters, digits, '_', '.', '-' ending in .py", field="filename"
            )
        if len(source) > MAX_SCRIPT_BYTES:
            raise InvalidInputError(f"script is larger than {MAX_SCRIPT_BYTES} bytes", field="script")
        check_syntax(decode_script(source, filename), filename)
        folder = self.tenant_folder(tenant_id)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / filename
        partial = target.with_suffix(".py.partial")
        partial.write_bytes(source)
        partial.replace(target)  # readers never see half a script
        return f"file://{target}", len(source)

    def resolve(self, tenant_id: str, location: str, *, field: str = "Command.ScriptLocation") -> Location:
        """Validate a script location for ``tenant_id``: allowed, present, and valid Python.

        Raises:
            InvalidInputError: naming ``field``, if the location is not allowed, missing or not valid Python.
        """
        return self.load(tenant_id, location, field=field)[0]

    def load(
        self, tenant_id: str, location: str, *, field: str = "Command.ScriptLocation"
    ) -> tuple[Location, bytes]:
        """Like :meth:`resolve`, and also return the script's bytes (read once)."""
        roots = [*self._file_roots, self.tenant_folder(tenant_id).resolve()]
        parsed = parse_location(location, field=field, file_roots=roots)
        if parsed.scheme == "file":
            scripts_root = (self._root / "scripts").resolve()
            own = self.tenant_folder(tenant_id).resolve()
            path = parsed.local_path
            if scripts_root in path.parents and own not in path.parents:
                raise InvalidInputError("script belongs to another tenant", field=field)
        source = self._read(parsed, field)
        check_syntax(decode_script(source, parsed.url, field=field), Path(parsed.path).name, field=field)
        return parsed, source

    def _read(self, location: Location, field: str) -> bytes:
        try:
            with fsspec.open(location.url, "rb", **self._storage_options.get(location.scheme, {})) as handle:
                data: bytes = handle.read(MAX_SCRIPT_BYTES + 1)
        except FileNotFoundError:
            raise InvalidInputError(f"script not found: {location.url}", field=field) from None
        except IsADirectoryError:
            raise InvalidInputError(f"script location is a folder: {location.url}", field=field) from None
        except PermissionError:
            raise InvalidInputError(f"script is not readable: {location.url}", field=field) from None
        if len(data) > MAX_SCRIPT_BYTES:
            raise InvalidInputError(f"script is larger than {MAX_SCRIPT_BYTES} bytes", field=field)
        return data


def decode_script(source: bytes, name: str, *, field: str = "script") -> str:
    try:
        return source.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{name} is not UTF-8 text (byte {exc.start})", field=field) from None


def check_syntax(source: str, filename: str, *, field: str = "script") -> None:
    """Compile ``source``; a syntax error becomes InvalidInputError with the file and line."""
    try:
        compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise InvalidInputError(
            f"syntax error in {filename}, line {exc.lineno}: {exc.msg}", field=field
        ) from None
    except ValueError as exc:  # e.g. null bytes
        raise InvalidInputError(f"{filename} cannot be compiled: {exc}", field=field) from None
