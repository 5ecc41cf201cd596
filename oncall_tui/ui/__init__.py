"""The Textual dashboard. Everything that imports Textual lives under this package, so
the core, `check` and the plugins run without a terminal."""
