"""Keys typed in one burst with `/`: a terminal hands them over together (a fast
typist, a paste), and Textual hands each to whatever has the focus as it comes. Before
the filter took `/` as it arrived, the letters after it reached the board: `/pay`
paused the board, `/loan` asked to acknowledge."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from ui_support import make_app, make_store
from waiting import pilot_until


def burst(text: str) -> list[events.Key]:
    """Key events as the driver makes them, `/` included, for each character."""
    return [events.Key("slash" if c == "/" else c, c) for c in text]


async def test_letters_typed_with_the_slash_go_to_the_filter_not_the_board() -> None:
    app = make_app(make_store("ok"))
    async with app.run_test(size=(120, 40)) as pilot:
        field = app.dashboard.query_one("#filter-input", Input)
        for key in burst("/pay/x"):
            app.post_message(key)  # all queued before the first one is handled
        await pilot_until(pilot, lambda: field.value == "pay/x")
        assert not app.paused, "`p` of the burst reached the board"
        assert app.focused is field
