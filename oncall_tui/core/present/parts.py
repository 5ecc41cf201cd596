"""A line of text as data: (text, style name) parts, never markup, so a label such as
`disk [/mnt] full` is drawn exactly as it is and an unchanged line compares equal (and is
not repainted). The widgets map style names to their component classes."""

from __future__ import annotations

Part = tuple[str, str]
"""(text, style name); the empty style name is the widget's own style."""
Line = tuple[Part, ...]
