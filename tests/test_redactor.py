"""The one secret scrubber: URL credentials stripped, registered secrets masked."""

from __future__ import annotations

from oncall_tui.core.http import scrub
from oncall_tui.core.sanitize import Redactor, redactor, sanitize


def test_url_credentials_are_stripped_known_or_not() -> None:
    r = Redactor()
    assert r.redact("GET http://u:pw@h/x failed") == "GET http://h/x failed"
    # A password with '/', '#', '?' or '@' that was not percent-encoded is cut there by
    # URL parsers; the scrubber takes it all, up to the last '@' of the word.
    assert r.redact("at http://alice:Kq8/x#y?z@w@host:9/a now") == "at http://host:9/a now"
    assert (
        r.redact("url='https://a:b@h/' by bob@corp.example")
        == "url='https://h/' by bob@corp.example"
    )
    assert (
        r.redact("mail bob@corp.example about http://h/x")
        == "mail bob@corp.example about http://h/x"
    )


def test_credentials_are_masked_whole_and_by_their_long_words() -> None:
    r = Redactor()
    r.add_credential("Bearer abcdefgh1234")
    assert r.redact("sent Bearer abcdefgh1234") == "sent ***"
    assert r.redact("token abcdefgh1234 echoed") == "token *** echoed"
    assert r.redact("a Bearer of news") == "a Bearer of news"


def test_url_registration_covers_every_form_of_the_password() -> None:
    r = Redactor()
    r.add_url("http://bob:pa%2F55word@prom:9090")
    # As written, as decoded, and as the Basic header httpx builds from it.
    assert r.redact("pa%2F55word pa/55word") == "*** ***"
    assert r.redact("Authorization: Basic Ym9iOnBhLzU1d29yZA==") == "Authorization: ***"
    r.add_url("https://oncall@prom:9090")  # a short user name is a name, not a token
    assert r.redact("oncall-tui") == "oncall-tui"
    r.add_url("https://ghp_0123456789abcdef0123@git.example")  # a token as user name
    assert r.redact("echo ghp_0123456789abcdef0123") == "echo ***"


def test_scrub_is_the_redactor_with_the_callers_headers() -> None:
    headers = {"Authorization": "Bearer abcdefgh1234", "User-Agent": "oncall-tui/1.0"}
    assert scrub("GET http://u:pw@h/x failed", headers) == "GET http://h/x failed"
    assert scrub("token abcdefgh1234 by oncall-tui/1.0", headers) == "token *** by oncall-tui/1.0"
    assert redactor.redact("token abcdefgh1234") == "token abcdefgh1234", "not registered"


def test_sanitize_applies_the_redactor() -> None:
    with redactor.scope():
        redactor.add("hunter2-secret")
        assert sanitize("label hunter2-secret at http://u:p@h/") == "label *** at http://h/"
    assert sanitize("hunter2-secret") == "hunter2-secret", "scope forgets"


def test_only_credential_headers_are_secrets(tmp_path: object) -> None:
    from pathlib import Path

    from oncall_tui.core.config.loader import parse_config

    text = """
title = "Credit payments on-call"
[sources.prom]
plugin = "prometheus"
url = "http://127.0.0.1:9090"
headers = { X-Scope-OrgID = "payments", X-Api-Key = "key-literal-0123456789" }
  [[sources.prom.queries]]
  kind = "health"
  name = "up"
  query = "up"
"""
    config = parse_config(text, Path("."))
    # A tenant header is no secret: the title keeps its word. The API key is one.
    assert config.title == "Credit payments on-call"
    assert sanitize("echo payments key-literal-0123456789") == "echo payments ***"
