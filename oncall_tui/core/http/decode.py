"""Reading a response body under a size cap, inflating `Content-Encoding` ourselves.

httpx inflates each network chunk whole before the caller can count it, so a 1 KB
chunk of a gzip bomb becomes a gigabyte before any cap runs, and `gzip, gzip` (a bomb
inside a bomb) makes it worse (measured: `check` ran 17 s past a 3 s deadline, at 4 GB
RSS). Here the raw bytes are inflated in steps of at most `STEP` bytes per layer, each step counted
against the cap before the next one runs, so memory stays within the cap plus a few
steps whatever the compression ratio, and the event loop gets control between chunks.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import httpx

from oncall_tui.core.sources.errors import SourceError

from .errors import too_large

STEP = 64 * 1024
"""Most bytes one layer inflates before the result is handed on and counted."""
_YIELD_EVERY = 1024 * 1024
"""Inflated bytes after which the event loop gets a turn."""
MAX_LAYERS = 2
"""Most stacked encodings accepted (`gzip, gzip` is legal; ten layers is an attack)."""


class _Layer(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]:
        """Inflate `data`, yielding pieces of at most ~STEP bytes."""


def _drain(decompressor: Any, data: bytes) -> Iterator[bytes]:
    """Inflate `data` with a zlib decompressor, at most STEP bytes per call: what does
    not fit stays in `unconsumed_tail` (input) or inside zlib (a full output buffer
    means more may be pending) until the consumer asks for the next piece."""
    while True:
        out = decompressor.decompress(data, STEP)
        if out:
            yield out
        data = decompressor.unconsumed_tail
        if decompressor.eof or (not data and len(out) < STEP):
            return


class _Zlib:
    """gzip (with concatenated members, as RFC 1952 allows) or deflate (zlib-wrapped,
    or raw deflate as some servers send it: told apart by the first two bytes)."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        self._decompressor: Any = zlib.decompressobj(16 + zlib.MAX_WBITS) if self._gzip else None
        self._pending = b""
        self._done = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._decompressor is None:
            # deflate: a zlib header is two bytes whose big-endian value is a multiple of
            # 31 with method 8; anything else is raw deflate.
            data = self._pending + data
            if len(data) < 2:
                self._pending = data
                return
            self._pending = b""
            zlib_header = data[0] & 0x0F == 8 and int.from_bytes(data[:2], "big") % 31 == 0
            self._decompressor = zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -15)
        while data and not self._done:
            yield from _drain(self._decompressor, data)
            data = b""
            if self._decompressor.eof:
                rest = self._decompressor.unused_data
                if self._gzip and rest.startswith(b"\x1f\x8b"):
                    self._decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    data = rest
                else:
                    self._done = True  # trailing bytes after the stream are ignored


def _brotli_factory() -> tuple[Callable[[], Any], type[Exception]] | None:
    """brotli's Decompressor if it can inflate in bounded steps (brotli >= 1.2), else
    None: an unbounded brotli would reopen the hole this module closes."""
    try:
        import brotli  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return None
    try:
        probe = brotli.Decompressor()
        probe.process(b"", output_buffer_limit=STEP)
        probe.can_accept_more_data()
    except (TypeError, AttributeError):
        return None
    return brotli.Decompressor, brotli.error


_BROTLI = _brotli_factory()
_DECODE_ERRORS: tuple[type[Exception], ...] = (zlib.error,) + ((_BROTLI[1],) if _BROTLI else ())


class _Brotli:
    def __init__(self, factory: Callable[[], Any]) -> None:
        self._decompressor = factory()

    def feed(self, data: bytes) -> Iterator[bytes]:
        out = self._decompressor.process(data, output_buffer_limit=STEP)
        while True:
            if out:
                yield out
            elif self._decompressor.can_accept_more_data():
                return
            # Until it can take more input, brotli must be asked with empty input.
            out = self._decompressor.process(b"", output_buffer_limit=STEP)


def accept_encoding() -> str:
    """What the client asks for: only encodings inflated here in bounded steps."""
    return "gzip, deflate, br" if _BROTLI is not None else "gzip, deflate"


def _layer(encoding: str) -> _Layer:
    if encoding in ("gzip", "x-gzip", "deflate"):
        return _Zlib(encoding)
    if encoding == "br":
        if _BROTLI is None:
            raise SourceError(
                "the server sent a brotli-compressed response (Content-Encoding: br), which "
                "needs the brotli package >= 1.2; install it or have the server send gzip"
            )
        return _Brotli(_BROTLI[0])
    raise SourceError(
        f"unsupported Content-Encoding {encoding[:40]!r} (supported: {accept_encoding()})"
    )


class BodyDecoder:
    """The stack of layers one response's `Content-Encoding` names, outermost first."""

    def __init__(self, content_encoding: str) -> None:
        names = [
            name.strip().lower()
            for name in content_encoding.split(",")
            if name.strip() and name.strip().lower() != "identity"
        ]
        if len(names) > MAX_LAYERS:
            raise SourceError(
                f"response compressed {len(names)} times over (Content-Encoding: "
                f"{', '.join(names)[:60]}); at most {MAX_LAYERS} layers are accepted"
            )
        # The header lists encodings in the order they were applied: undo the last first.
        self._layers = [_layer(name) for name in reversed(names)]

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Inflated pieces of `data`, each at most ~STEP bytes, produced lazily: the
        consumer counts each before the next is made."""
        try:
            yield from self._through(0, data)
        except _DECODE_ERRORS as exc:
            detail = str(exc) or "invalid compressed data"
            raise SourceError(f"cannot decompress the response ({detail[:80]})") from None

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._layers):
            if data:
                yield data
            return
        for piece in self._layers[index].feed(data):
            yield from self._through(index + 1, piece)


async def read_body(response: httpx.Response, max_bytes: int) -> bytes:
    """The decoded body of a streamed response, refused past `max_bytes` (decoded or on
    the wire). Raises SourceError for a body too large or that cannot be decoded."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)
    decoder = BodyDecoder(response.headers.get("content-encoding", ""))
    body = bytearray()
    wire = 0
    unyielded = 0
    async for raw in response.aiter_raw():
        wire += len(raw)
        if wire > max_bytes:
            raise too_large(max_bytes)
        for piece in decoder.feed(raw):
            body += piece
            if len(body) > max_bytes:
                raise too_large(max_bytes)
            unyielded += len(piece)
            if unyielded >= _YIELD_EVERY:
                # One small network chunk may inflate to the whole cap: let the screen
                # and the deadline run in between.
                unyielded = 0
                await asyncio.sleep(0)
    return bytes(body)


async def read_prefix(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    """At most `max_bytes` of the decoded body and whether there was more: for a probe,
    which wants a look at the start of a page, not the whole of it."""
    decoder = BodyDecoder(response.headers.get("content-encoding", ""))
    body = bytearray()
    wire = 0
    async for raw in response.aiter_raw():
        wire += len(raw)
        for piece in decoder.feed(raw):
            body += piece
            if len(body) > max_bytes:
                return bytes(body[:max_bytes]), True
        if wire > max_bytes and not body:
            # Compressed input that inflates to nothing is not worth reading on.
            return b"", True
    return bytes(body), False
