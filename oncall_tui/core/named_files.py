"""Reading a file named by a person: a config, a theme, a runbook, a recording, a token.

A name can point anywhere: at a FIFO (the open waits for a writer that never comes,
and `validate` hangs), at `/dev/zero` or `/dev/urandom` through a symlink (a read to
the end never ends, or ends in MemoryError), at a directory, or at a file far larger
than anything of its kind. Every file read by name goes through `read_named_file`, which
opens without waiting (`O_NONBLOCK`: a FIFO opens at once, and is then refused),
accepts only a regular file, and reads at most its kind's cap. Its refusals are
`UnreadableFile` with the reason in words, for the caller to put after the path.

What this cannot bound is a file system that hangs inside `open` or `read` (a dead
NFS server): nothing in a process can interrupt that syscall. Readers on the event
loop (runbooks) therefore call it from a thread with a deadline, and the thread is
left behind rather than waited for.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any, BinaryIO

MAX_NESTING = 64
"""Tables and arrays nested deeper than this in a TOML file are refused: no config or
theme needs more than a handful, and the parsers and validators after it recurse."""

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


class UnreadableFile(Exception):
    """Why a named file was not read, in words that follow its path: "is a FIFO ..."."""

    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing
        """The file does not exist (callers often word that apart)."""


def size_words(limit: int) -> str:
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    if limit >= 1024 and limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"


def open_named_file(path: Path | str) -> BinaryIO:
    """The regular file at `path`, open for reading in binary, for a caller that
    streams it and bounds what it reads itself (a recording, inflated as it is read).
    Refuses as `read_named_file` does."""
    fd = _open_regular(path)
    return os.fdopen(fd, "rb")


def _open_regular(path: Path | str) -> int:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise UnreadableFile(_os_reason(exc), missing=isinstance(exc, FileNotFoundError)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((words for test, words in _KINDS if test(info.st_mode)), "not a file")
            raise UnreadableFile(f"is {kind}, not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_named_file(path: Path | str, limit: int, *, cut: bool = False) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    A file larger than `limit` raises `UnreadableFile` ("larger than 64 KiB"), unless
    `cut` is true: then its first `limit + 1` bytes come back and the caller, seeing
    more than `limit`, says it cut them. Symlinks are followed (a config in a dotfiles
    repository is usually one); what they end at must be a regular file.
    """
    fd = _open_regular(path)
    try:
        info = os.fstat(fd)
        if info.st_size > limit and not cut:
            raise UnreadableFile(f"is larger than {size_words(limit)}")
        chunks: list[bytes] = []
        left = limit + 1  # one more than allowed: a file that grew is noticed
        while left > 0:
            chunk = os.read(fd, min(left, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise UnreadableFile(_os_reason(exc)) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit and not cut:
        raise UnreadableFile(f"is larger than {size_words(limit)}")
    return data


def read_named_text(path: Path | str, limit: int) -> str:
    """`read_named_file` decoded as UTF-8 (a BOM is tolerated); refuses other text."""
    data = read_named_file(path, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def parse_toml(text: str) -> dict[str, Any]:
    """`tomllib.loads`, with nesting bounded: tomllib recurses once per level, so ~500
    levels end in RecursionError, and every walker after it (variable expansion,
    validation, error wording) recurses too. Raises `UnreadableFile` for both."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableFile(f"invalid TOML: {exc}") from None
    except RecursionError:
        raise UnreadableFile(f"nested deeper than {MAX_NESTING} levels") from None
    if _deeper_than(document, MAX_NESTING):
        raise UnreadableFile(f"nested deeper than {MAX_NESTING} levels")
    return document


def _deeper_than(document: object, limit: int) -> bool:
    """Whether any value sits more than `limit` tables or arrays deep (no recursion)."""
    pending: list[tuple[object, int]] = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
    return False


def _os_reason(exc: OSError) -> str:
    """The system's words, lower-cased to follow a path: "no such file or directory"."""
    reason = exc.strerror or type(exc).__name__
    return reason[0].lower() + reason[1:]
