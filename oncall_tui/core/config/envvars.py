"""`${VAR}` expansion in the config, and registering secrets with the redactor.

Every expanded value, header value and URL password the config holds is a secret: it is
registered here, once, so the sanitiser keeps it off the screen, out of `check` and out
of every error message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from oncall_tui.core.config.errors import path_of as _path
from oncall_tui.core.sanitize import redactor, secret_header

_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand(
    value: Any, environ: Mapping[str, str], where: tuple[str | int, ...], problems: list[str]
) -> Any:
    """`${VAR}` from the environment in every string; `$$` is a literal `$`. Expanded
    values are registered as secrets so they never reach the screen or an error."""
    if isinstance(value, dict):
        return {k: expand(v, environ, (*where, k), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, environ, (*where, i), problems) for i, v in enumerate(value)]
    if not isinstance(value, str) or "$" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        var = match.group(1)
        if var not in environ:
            problems.append(f"{_path(where)}: environment variable {var} is not set")
            return ""
        redactor.add(environ[var])
        return environ[var]

    return _VAR.sub(replace, value)


def register_secrets(value: Any, key: str = "") -> None:
    """Header values, tokens and URL passwords written literally in the config are
    secrets too, not only `${VAR}` values: a server echoing them back must not put them
    on screen."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "headers" and isinstance(v, dict):
                for name, header in v.items():
                    if isinstance(header, str) and secret_header(str(name)):
                        redactor.add_credential(header)  # "Bearer <token>": both
            else:
                register_secrets(v, k)
    elif isinstance(value, list):
        for item in value:
            register_secrets(item, key)
    elif isinstance(value, str) and key in _SECRET_VALUES:
        redactor.add(value)
    elif isinstance(value, str) and "@" in value and "://" in value:
        redactor.add_url(value)


_SECRET_VALUES = frozenset({"bearer_token", "password"})
"""Keys whose string value is a secret wherever they appear (`basic_auth.password`)."""
