"""Compression bombs built in milliseconds, for the fault server and decoder tests.

A real bomb of 1 GiB would take seconds to compress; after a full flush a deflate
compressor starts afresh, so the compressed form of one 1 MiB block of spaces can be
repeated to any length, with honest CRC-32 / Adler-32 trailers.
"""

from __future__ import annotations

import functools
import gzip
import struct
import zlib

GiB = 1024 * 1024 * 1024
MB = 1024 * 1024
BOMB_HEAD = b'{"status": "success", "data": {"resultType": "vector", "result": []}}'
"""What a bomb starts with: a valid answer, so only the size cap can stop it."""


@functools.cache
def _raw_deflate_bomb(inflated: int, head: bytes, fill: bytes = b" ") -> tuple[bytes, int, int]:
    """Raw deflate of `head` + `fill` repeated up to `inflated` bytes, built without
    compressing `inflated` bytes: after a full flush the compressor starts afresh, so the
    compressed form of one 1 MiB block of `fill` can simply be repeated (`fill`'s length
    must divide 1 MiB). Returns the stream with the CRC-32 and Adler-32 of the inflated
    data, for honest gzip and zlib trailers."""
    assert MB % len(fill) == 0
    block = fill * (MB // len(fill))
    blocks, rest = divmod(inflated - len(head), MB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(block[:rest]) + compressor.flush(zlib.Z_FINISH)
    crc, adler = zlib.crc32(head), zlib.adler32(head)
    for _ in range(blocks):
        crc, adler = zlib.crc32(block, crc), zlib.adler32(block, adler)
    crc, adler = zlib.crc32(block[:rest], crc), zlib.adler32(block[:rest], adler)
    return start + repeated * blocks + tail, crc, adler


def gzip_bomb(inflated: int = GiB, head: bytes = BOMB_HEAD, fill: bytes = b" ") -> bytes:
    """A gzip stream of `inflated` bytes (~1 KB per MiB on the wire): `head`, then
    `fill` repeated."""
    raw, crc, _ = _raw_deflate_bomb(inflated, head, fill)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + raw + struct.pack("<II", crc, inflated & 0xFFFFFFFF)


def zlib_bomb(inflated: int = GiB, head: bytes = BOMB_HEAD) -> bytes:
    """A zlib-wrapped deflate stream of `inflated` bytes (HTTP's `deflate`)."""
    raw, _, adler = _raw_deflate_bomb(inflated, head)
    return b"\x78\xda" + raw + struct.pack(">I", adler)


def raw_deflate_bomb(inflated: int = GiB, head: bytes = BOMB_HEAD) -> bytes:
    """Raw deflate without the zlib header, which some servers send as `deflate`."""
    return _raw_deflate_bomb(inflated, head)[0]


@functools.cache
def nested_bomb(inflated: int = GiB, head: bytes = BOMB_HEAD) -> bytes:
    """`Content-Encoding: gzip, gzip`: the gzip bomb gzipped again (~2 KB for 1 GiB)."""
    return gzip.compress(gzip_bomb(inflated, head), 9, mtime=0)
