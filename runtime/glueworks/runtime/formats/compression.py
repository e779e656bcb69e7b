"""Whole-file compression of text formats (JSON, CSV): gzip, bzip2, zstd, snappy, xz.

Reading picks the codec from ``compressionType`` or, when absent, from the file's extension
(``.gz``, ``.bz2``, ``.zst``, ``.snappy``, ``.xz``). Snappy files may be in Hadoop's block
format (what Spark and Glue write) or in the snappy framing format; both are read, and the
Hadoop format is written so Spark can read our output.

Input that cannot be decompressed (a truncated ``.gz``, a bad bzip2 stream) raises
`CompressedInputError`, an `OSError`: it fails the read and is never counted as bad records,
because nothing inside the file can be trusted or located.

Binary formats (Parquet, ORC, Avro) compress inside the file and never pass through here.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
import zlib
from typing import Any, BinaryIO

import cramjam

from glueworks.runtime.errors import GlueworksError, InvalidOptionError

#: Codec name → file extension (without the dot) written for it.
CODEC_EXTENSIONS = {"gzip": "gz", "bzip2": "bz2", "zstd": "zst", "snappy": "snappy", "xz": "xz"}
_ALIASES = {
    "gz": "gzip",
    "gzip": "gzip",
    "bz2": "bzip2",
    "bzip2": "bzip2",
    "zstd": "zstd",
    "zst": "zstd",
    "zstandard": "zstd",
    "snappy": "snappy",
    "xz": "xz",
    "lzma": "xz",
    "none": "none",
    "uncompressed": "none",
    "": "none",
}
_BY_EXTENSION = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bzip2", ".zst": "zstd", ".zstd": "zstd"}
_BY_EXTENSION.update({".snappy": "snappy", ".xz": "xz"})
_SNAPPY_FRAMED_MAGIC = b"\xff\x06\x00\x00sNaPpY"
# Hadoop's SnappyCodec default buffer: each block holds at most this many uncompressed bytes.
_HADOOP_BLOCK = 256 * 1024


class CompressedInputError(GlueworksError, OSError):
    """A compressed input file cannot be decompressed (truncated or corrupt).

    An I/O-level failure: the read fails with this error; it never becomes error records.
    """


def normalize_codec(value: Any, option: str) -> str:
    """The canonical codec name for a user value (``"gz"`` → ``"gzip"``, None → ``"none"``).

    Raises:
        InvalidOptionError: The value names no supported codec.
    """
    if value is None:
        return "none"
    if isinstance(value, str) and value.strip().lower() in _ALIASES:
        return _ALIASES[value.strip().lower()]
    allowed = ", ".join(sorted({*CODEC_EXTENSIONS, "none"}))
    raise InvalidOptionError(option, f"unknown compression {value!r}; use one of {allowed}")


def infer_codec(path: str) -> str:
    """The codec a file name implies by its extension, or ``"none"``."""
    lower = path.lower()
    for extension, codec in _BY_EXTENSION.items():
        if lower.endswith(extension):
            return codec
    return "none"


def decompress(data: bytes, codec: str, url: str) -> bytes:
    """Decompress a whole file.

    Raises:
        CompressedInputError: The data is not a complete, valid stream of `codec`.
    """
    if codec == "none":
        return data
    try:
        if codec == "gzip":
            return gzip.decompress(data)
        if codec == "bzip2":
            return bz2.decompress(data)
        if codec == "xz":
            return lzma.decompress(data)
        if codec == "zstd":
            return bytes(cramjam.zstd.decompress(data)) if data else b""
        if codec == "snappy":
            return _snappy_decompress(data)
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError, cramjam.DecompressionError) as exc:
        raise CompressedInputError(f"cannot decompress {url} as {codec}: {exc}") from exc
    raise ValueError(f"unknown codec {codec!r}")


def _snappy_decompress(data: bytes) -> bytes:
    if data.startswith(_SNAPPY_FRAMED_MAGIC):
        return bytes(cramjam.snappy.decompress(data))
    # Hadoop block format: [raw length][compressed length][chunk]... per block, big-endian.
    out = bytearray()
    pos = 0
    while pos < len(data):
        if pos + 4 > len(data):
            raise ValueError(f"truncated Hadoop snappy block header at offset {pos}")
        (expected,) = struct.unpack_from(">I", data, pos)
        pos += 4
        produced = 0
        while produced < expected:
            if pos + 4 > len(data):
                raise ValueError(f"truncated Hadoop snappy chunk header at offset {pos}")
            (length,) = struct.unpack_from(">I", data, pos)
            pos += 4
            if pos + length > len(data):
                raise ValueError(f"truncated Hadoop snappy chunk at offset {pos}")
            chunk = bytes(cramjam.snappy.decompress_raw(data[pos : pos + length]))
            pos += length
            produced += len(chunk)
            out += chunk
        if produced != expected:
            raise ValueError(f"Hadoop snappy block holds {produced} bytes, header says {expected}")
    return bytes(out)


class CompressingWriter:
    """A write-only stream that compresses into `stream` (left open on `close`).

    Args:
        stream: The binary file to write compressed bytes to.
        codec: A canonical codec name (see `normalize_codec`).
    """

    def __init__(self, stream: BinaryIO, codec: str) -> None:
        self._stream = stream
        self._codec = codec
        self._pending = bytearray()
        self._compressor: Any = None
        if codec == "gzip":
            self._compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        elif codec == "bzip2":
            self._compressor = bz2.BZ2Compressor()
        elif codec == "xz":
            self._compressor = lzma.LZMACompressor()
        elif codec == "zstd":
            self._compressor = cramjam.zstd.Compressor()
        elif codec not in ("snappy", "none"):
            raise ValueError(f"unknown codec {codec!r}")

    def write(self, data: bytes) -> None:
        """Compress and write `data` (buffered per codec)."""
        if self._codec == "none":
            self._stream.write(data)
        elif self._codec == "snappy":
            self._pending += data
            while len(self._pending) >= _HADOOP_BLOCK:
                self._write_snappy_block(bytes(self._pending[:_HADOOP_BLOCK]))
                del self._pending[:_HADOOP_BLOCK]
        elif self._codec == "zstd":
            self._compressor.compress(data)
        else:
            self._stream.write(self._compressor.compress(data))

    def close(self) -> None:
        """Flush the end of the compressed stream (the underlying stream stays open)."""
        if self._codec == "snappy":
            if self._pending:
                self._write_snappy_block(bytes(self._pending))
                self._pending.clear()
        elif self._codec == "zstd":
            self._stream.write(bytes(self._compressor.finish()))
        elif self._codec != "none":
            self._stream.write(self._compressor.flush())

    def _write_snappy_block(self, block: bytes) -> None:
        chunk = bytes(cramjam.snappy.compress_raw(block))
        self._stream.write(struct.pack(">II", len(block), len(chunk)) + chunk)
