"""A `ScrollView` whose scrollbar is repainted only when its scroll geometry changes.

Textual 8 hands a Line API widget, on every layout pass anywhere on the screen, a
"virtual size" that is the widget's own region, never the scrollable extent the widget
keeps in `virtual_size`. The two never match, so each pass re-runs the widget's scroll
update and repaints its whole scrollbar. With four scrolling panels that is ~2.4 KB
sent to the terminal for each toast, each cause line appearing, each resize of the
why-line: most of what the board wrote above the foundation's board during an
incident (bench/README.md, "the board against the foundation's board").

The scrollbar depends on the widget's size, its container size and its own virtual
size only; while those three are what they were at the last pass, the pass has
nothing to update. Textual has no public hook for this: `textual_compat.ScrollGeometryHook`
fences the private one; tests/test_ui_repaints.py fails if the override stops taking
effect or starts hiding a real change.
"""

from __future__ import annotations

from textual.geometry import Size

from oncall_tui.ui.textual_compat import ScrollGeometryHook


class SteadyScrollView(ScrollGeometryHook):
    """The base of the board's scrolling Line API widgets (panels, lists)."""

    _scroll_geometry: tuple[Size, Size, Size] | None = None

    def scroll_geometry_changed(self, size: Size, container_size: Size) -> bool:
        geometry = (size, self.virtual_size, container_size)
        if geometry == self._scroll_geometry:
            return False
        self._scroll_geometry = geometry
        return True
