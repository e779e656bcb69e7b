"""Reading the bounded prefix of files that classifiers and inference look at.

Text files are read up to ``max_prefix_bytes`` (1 MiB by default); a whole-file codec (gzip, bzip2, xz,
zstd, snappy) is recognised by its magic bytes (Hadoop's block snappy, which has none, by the ``.snappy``
extension) and the prefix is decompressed up to the same bound. Columnar files (Parquet, ORC, Avro) are
recognised by their magic bytes, and only their footer or header is read later.

Reading is done in bulk per batch of files: locally with plain reads of exactly the bytes wanted (fsspec's
local ``cat_ranges`` costs several times more per tiny file), elsewhere with one ``cat_ranges`` call, which
s3fs runs concurrently.
"""

from __future__ import annotations

import bz2
import lzma
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from glueworks.runtime.formats.compression import decompress

_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\xff\x06\x00\x00sNaPpY", "snappy"),
)


class CorruptFileError(Exception):
    """A file that cannot be used: its reason becomes a `CrawlFileError`."""


@dataclass
class FileSample:
    """The start of one file, as read.

    Attributes:
        url: The file's URL (the name in errors).
        path: Its filesystem path.
        size: Its size in bytes as listed.
        head: Raw bytes from offset 0.
    """

    url: str
    path: str
    size: int
    head: bytes

    @property
    def complete(self) -> bool:
        """Whether `head` holds the whole file."""
        return len(self.head) >= self.size


@dataclass
class TextSample:
    """The (decompressed) text prefix of a file, cut at the last complete line.

    Attributes:
        url: The file's URL.
        data: Bytes of whole lines (the whole content when `complete`).
        complete: `data` is the file's whole (decompressed) content.
        compression: ``none`` or the codec name.
        stored_fraction: The fraction of the stored file that `data` stands for (for record estimates).
    """

    url: str
    data: bytes
    complete: bool
    compression: str
    stored_fraction: float


def read_heads(
    fs: Any, protocol: str, paths: Sequence[str], sizes: Sequence[int], limit: int
) -> list[bytes | BaseException]:
    """Read the first `limit` bytes of each file (an exception in place of a file that failed)."""
    ends = [min(size, limit) for size in sizes]
    if protocol == "file":
        out: list[bytes | BaseException] = []
        for path, end in zip(paths, ends, strict=True):
            # os.open/os.read: no buffered file object per tiny file.
            try:
                fd = os.open(path, os.O_RDONLY)
                try:
                    out.append(_read(fd, end))
                finally:
                    os.close(fd)
            except OSError as exc:
                out.append(exc)
        return out
    wanted = [i for i, end in enumerate(ends) if end > 0]
    heads: list[bytes | BaseException] = [b""] * len(paths)
    if wanted:
        results = fs.cat_ranges(
            [paths[i] for i in wanted], [0] * len(wanted), [ends[i] for i in wanted], on_error="return"
        )
        for i, result in zip(wanted, results, strict=True):
            heads[i] = result if isinstance(result, bytes | BaseException) else bytes(result)
    return heads


def _read(fd: int, size: int) -> bytes:
    data = os.read(fd, size) if size else b""
    while 0 < len(data) < size:
        more = os.read(fd, size - len(data))
        if not more:
            break
        data += more
    return data


def codec_of(sample: FileSample) -> str:
    """The whole-file codec of a sample, by magic bytes (``none`` for plain files)."""
    head = sample.head
    for magic, codec in _MAGICS:
        if head.startswith(magic):
            return codec
    if sample.path.lower().endswith(".snappy"):
        return "snappy"
    return "none"


def text_sample(sample: FileSample, codec: str, limit: int, fs: Any) -> TextSample:
    """Decompress (when needed) and bound the text prefix of a file.

    Raises:
        CorruptFileError: The compressed data cannot be decompressed.
    """
    if codec == "none":
        data, complete = sample.head, sample.complete
        fraction = 1.0
    else:
        data, complete, fraction = _decompressed(sample, codec, limit, fs)
    if len(data) > limit:
        fraction *= limit / len(data)
        data, complete = data[:limit], False
    if not complete:
        cut = data.rfind(b"\n")
        data = data[: cut + 1] if cut >= 0 else b""
        if codec == "none":
            fraction = len(data) / sample.size if sample.size else 1.0
    return TextSample(sample.url, data, complete, codec, fraction)


def _decompressed(sample: FileSample, codec: str, limit: int, fs: Any) -> tuple[bytes, bool, float]:
    """Decompressed bytes, whether they are the whole content, and the stored fraction they cover."""
    head = sample.head
    if not sample.complete and codec in ("gzip", "bzip2", "xz"):
        # A stream decoder takes a prefix of the stored bytes; stop once the bound is reached.
        decoder: Any = {
            "gzip": lambda: zlib.decompressobj(31),
            "bzip2": bz2.BZ2Decompressor,
            "xz": lzma.LZMADecompressor,
        }[codec]()
        try:
            out = decoder.decompress(head, limit + 1)
        except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
            raise CorruptFileError(f"cannot decompress as {codec}: {exc}") from exc
        used = len(head) - len(getattr(decoder, "unconsumed_tail", b""))
        return out, False, (used / sample.size) if sample.size else 1.0
    if not sample.complete:
        # zstd and snappy files larger than the prefix are read whole (their decoders need whole frames).
        head = fs.cat_file(sample.path)
    try:
        out = decompress(head, codec, sample.url)
    except OSError as exc:
        raise CorruptFileError(str(exc)) from exc
    return out, True, 1.0
