"""Each private Textual and Rich name `ui/textual_compat.py` relies on still exists: an
upgrade that renames one fails here, by name, instead of somewhere in the app. And no
module outside the compat module uses one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from textual.app import App
from textual.drivers.linux_driver import LinuxDriver
from textual.screen import Screen

from oncall_tui.ui import textual_compat
from waiting import wait_until_async

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize(
    ("owner", "name"), textual_compat.private_names(), ids=lambda v: getattr(v, "__name__", v)
)
def test_each_private_class_attribute_still_exists(owner: type, name: str) -> None:
    assert hasattr(owner, name), f"{owner.__name__}.{name} is gone"


def test_the_private_modules_still_hold_what_is_used() -> None:
    assert len(textual_compat.eight_bit_palette()) == 256
    assert len(textual_compat.standard_palette()) == 16
    from textual._xterm_parser import XTermParser

    parser = XTermParser(False)
    assert [type(e).__name__ for e in parser.feed("a")] == ["Key"]


def test_the_private_instance_attributes_still_exist() -> None:
    app: App[None] = App()
    assert isinstance(app._filters, list) and hasattr(app, "_notifications")
    assert textual_compat.notification_messages(app) == []
    assert hasattr(Screen(), "_compositor")
    assert Screen()._layout_required is False  # lay_out_unshown clears it


async def test_the_driver_internals_still_exist() -> None:
    driver = LinuxDriver(App(), debug=False, mouse=False)
    for name in ("_file", "_writer_thread", "_loop", "_app", "_debug"):
        assert hasattr(driver, name), f"LinuxDriver().{name} is gone"
    assert textual_compat.driver_writing(driver) is False
    assert textual_compat.driver_debug(driver) is False


async def test_the_compat_functions_work_on_a_running_app() -> None:
    app: App[None] = App()
    async with app.run_test(size=(40, 5)):
        app.notify("disk full")
        await wait_until_async(
            lambda: textual_compat.notification_messages(app), what="the notification"
        )
        assert textual_compat.notification_messages(app) == ["disk full"]
        assert len(textual_compat.screen_lines(app.screen)) == 5
        target, name, params = textual_compat.parse_action(app, "bell", app, None)
        assert (target, name, params) == (app, "bell", ())


def test_no_private_textual_or_rich_name_outside_the_compat_module() -> None:
    offenders = []
    for path in (ROOT / "oncall_tui").rglob("*.py"):
        if path.name == "textual_compat.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] in ("textual", "rich") and any(p.startswith("_") for p in parts):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}")
    assert offenders == []
