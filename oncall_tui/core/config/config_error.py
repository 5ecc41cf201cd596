"""The one exception a config problem raises, apart from the loader: the command line
catches it around every sub-command, and importing the loader (pydantic and every
model) only to name it would cost `--help` and `--version` most of their start-up."""

from __future__ import annotations

from oncall_tui.core.sanitize import MAX_PROBLEM, sanitize


class ConfigError(Exception):
    """One or more problems with the config; `problems` holds each as `path: message`.

    Each passes the sanitiser here, once, whoever raised it: a problem quotes the file
    (a key, a value, a file name), and a key holding an OSC 52 or a cursor movement
    must reach stderr, a toast or a log as visible escapes, never as a sequence.
    """

    def __init__(self, problems: list[str]) -> None:
        problems = [sanitize(problem, MAX_PROBLEM) for problem in problems]
        super().__init__("\n".join(problems))
        self.problems = problems
