import re
from collections.abc import Callable

import pytest

from frozen_heap import cpu_seconds
from oncall_tui.core import sanitize as sanitize_module
from oncall_tui.core.sanitize import MAX_TEXT, Redactor, redactor, safe_link, sanitize


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain pay-api", "plain pay-api"),
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        # OSC 52 writes the clipboard; OSC 8 makes hyperlinks.
        ("\x1b]52;c;ZXZpbA==\x07", "\\x1b]52;c;ZXZpbA==\\x07"),
        (
            "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\",
            "\\x1b]8;;http://evil\\x1b\\click\\x1b]8;;\\x1b\\",
        ),
        ("a\x9bb\x85c", "a\\x9bb\\x85c"),  # C1: CSI and NEL
        ("line1\nline2\tx\r", "line1\\x0aline2\\x09x\\x0d"),
        ("\x7f", "\\x7f"),
        ("abc\u202edcba", "abc\\u202edcba"),  # right-to-left override
        ("\u2066iso\u2069", "\\u2066iso\\u2069"),
        ("zero\u200bwidth\u200d", "zero\\u200bwidth\\u200d"),
        ("\ufeffbom", "\\ufeffbom"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("crédit 信用 ✓", "crédit 信用 ✓"),  # ordinary Unicode is left alone
    ],
)
def test_unsafe_characters_become_visible_escapes(raw: str, shown: str) -> None:
    assert sanitize(raw) == shown


def test_no_escape_character_survives() -> None:
    every = "".join(chr(c) for c in range(0x00, 0xA0))
    out = sanitize(every, limit=10_000)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in out)


CAP_CPU_BOUND = 0.05
"""CPU seconds to sanitize a megabyte of escape characters: cut before it is escaped
(measured 1-2 ms). Escaping the whole megabyte first took 0.48 s, 10x the bound; a
wall-clock 1 s let that pass."""


def test_megabyte_string_is_capped_quickly() -> None:
    huge = "\x1b" * 1_000_000
    out, cpu = cpu_seconds(lambda: sanitize(huge))
    assert len(out) <= MAX_TEXT
    assert out.endswith("…")
    assert cpu < CAP_CPU_BOUND, f"{cpu:.3f} s of CPU: the whole megabyte was escaped"


def test_cap_applies_after_escaping() -> None:
    assert len(sanitize("x" * 5000, limit=100)) == 100


def test_non_strings_are_stringified() -> None:
    assert sanitize(None) == ""
    assert sanitize(12) == "12"


@pytest.mark.parametrize(
    "url",
    ["https://runbooks.example.com/risk/velocity", "http://127.0.0.1:9090/graph?g0.expr=up"],
)
def test_http_links_are_links(url: str) -> None:
    assert safe_link(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://ex.com/\x1b]52;c;eA==\x07",
        "https://ex.com/\u202e",
        "https:///nohost",
        "https://ex.com/a b",
        "https://ex.com/" + "a" * 5000,
        "",
        "runbooks/credit-bureau.md",
    ],
)
def test_other_links_are_plain_text(url: str) -> None:
    assert safe_link(url) is None


def test_redactor_hides_secrets() -> None:
    redactor = Redactor()
    redactor.add("s3cr3t-token")
    redactor.add("ab")  # too short to be worth redacting
    assert redactor.redact("401 for Bearer s3cr3t-token at ab") == "401 for Bearer *** at ab"


def test_lone_surrogates_are_escaped() -> None:
    assert sanitize("a\ud800b") == "a\\ud800b"


@pytest.mark.parametrize(
    "url",
    [
        "https://runbooks.example.com@evil.example/x",
        "https://user:pass@h.example/",
        "https://h.example/a\u3000b",
        "https://h.example/a\u00a0b",
        "https://h.example:99999/",
    ],
)
def test_deceptive_links_are_plain_text(url: str) -> None:
    assert safe_link(url) is None


class _CountingPattern:
    """`_UNSAFE` with its searches counted."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.searches = 0

    def search(self, text: str) -> re.Match[str] | None:
        self.searches += 1
        return self.pattern.search(text)

    def sub(self, replace: Callable[[re.Match[str]], str], text: str) -> str:
        return self.pattern.sub(replace, text)


def test_plain_ascii_text_is_returned_without_a_regex_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A board's first collection cleans ~12 strings per signal (34,000 at 1,000
    signals): the usual one (short, printable ASCII, nothing to redact) costs no regex."""
    counting = _CountingPattern(sanitize_module._UNSAFE)
    monkeypatch.setattr(sanitize_module, "_UNSAFE", counting)
    for text in ("wallet-api-17 p99 latency", "team=payments", "", "42 ms ~ [ok] {x}"):
        assert sanitize(text, 200) is text
    assert counting.searches == 0
    assert sanitize("tab\there", 200) == "tab\\x09here"
    assert counting.searches == 1


@pytest.mark.parametrize("code", range(128))
def test_every_ascii_character_is_kept_or_escaped_as_before(code: int) -> None:
    character = chr(code)
    shown = f"\\x{code:02x}" if code < 0x20 or code == 0x7F else character
    assert sanitize(f"pay{character}api") == f"pay{shown}api"
    assert sanitize(character * 30, limit=10) == (shown * 20)[:9] + "…"


def test_plain_ascii_text_still_loses_secrets_and_url_credentials() -> None:
    with redactor.scope():
        assert sanitize("GET https://ops:hunter2@pay.example/x") == "GET https://pay.example/x"
        redactor.add("s3cr3t-token")
        assert sanitize("401 for Bearer s3cr3t-token") == "401 for Bearer ***"
    assert sanitize("401 for Bearer s3cr3t-token") == "401 for Bearer s3cr3t-token"
