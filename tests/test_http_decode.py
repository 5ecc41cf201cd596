"""Bounded inflation of Content-Encoding, layer by layer (no server needed: the decoder
is fed bytes exactly as `aiter_raw` hands them over, in chunks of any size)."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator

import pytest

from faults import MB, gzip_bomb, nested_bomb
from oncall_tui.core.http.decode import STEP, BodyDecoder
from oncall_tui.core.sources.errors import SourceError

DOC = b'{"status": "success", "data": [1, 2, 3]}' * 50


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def inflate(encoding: str, data: bytes, chunk: int = 7) -> bytes:
    decoder = BodyDecoder(encoding)
    return b"".join(piece for part in chunks(data, chunk) for piece in decoder.feed(part))


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("gzip", gzip.compress(DOC)),
        ("x-gzip", gzip.compress(DOC)),
        ("deflate", zlib.compress(DOC)),
        ("deflate", zlib.compress(DOC)[2:-4]),  # raw deflate, as some servers send
        ("identity", DOC),
        ("", DOC),
        ("GZIP", gzip.compress(DOC)),
        ("deflate, gzip", gzip.compress(zlib.compress(DOC))),
        ("gzip, identity, gzip", gzip.compress(gzip.compress(DOC))),
    ],
    # Named, not the bytes: gzip stamps the time, and pytest-xdist's workers must
    # collect the same test ids.
    ids=[
        "gzip",
        "x-gzip",
        "zlib",
        "raw-deflate",
        "identity",
        "none",
        "GZIP",
        "deflate+gzip",
        "gzip+identity+gzip",
    ],
)
@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_round_trip_in_chunks_of_any_size(encoding: str, data: bytes, chunk: int) -> None:
    assert inflate(encoding, data, chunk) == DOC


def test_concatenated_gzip_members() -> None:
    assert inflate("gzip", gzip.compress(b"one ") + gzip.compress(b"two")) == b"one two"


def test_bytes_after_the_stream_are_ignored() -> None:
    assert inflate("deflate", zlib.compress(DOC) + b"trailing junk") == DOC


def test_every_piece_is_bounded() -> None:
    # 64 MB from ~60 KB of input, in one feed: no piece larger than a step.
    decoder = BodyDecoder("gzip")
    sizes = [len(piece) for piece in decoder.feed(gzip_bomb(64 * MB))]
    assert max(sizes) <= STEP
    assert sum(sizes) == 64 * MB


def test_nested_layers_are_bounded_too() -> None:
    decoder = BodyDecoder("gzip, gzip")
    pieces = decoder.feed(nested_bomb())
    total = 0
    for piece in pieces:
        assert len(piece) <= STEP
        total += len(piece)
        if total > 8 * MB:
            break  # a consumer stops at its cap; nothing more is inflated
    assert total > 8 * MB


def test_corrupt_data_is_a_source_error() -> None:
    with pytest.raises(SourceError, match=r"^cannot decompress the response \("):
        inflate("gzip", b"\x1f\x8b\x08\x00garbage-garbage")


def test_brotli_is_bounded_when_installed() -> None:
    brotli = pytest.importorskip("brotli")
    bomb = brotli.compress(b" " * (256 * MB), quality=5)  # ~400 bytes
    decoder = BodyDecoder("br")
    total = 0
    for piece in decoder.feed(bomb):
        assert len(piece) <= 2 * STEP  # brotli may overshoot its limit by a block
        total += len(piece)
        if total > 8 * MB:
            break
    assert total > 8 * MB
    assert inflate("br", brotli.compress(DOC), 5) == DOC
