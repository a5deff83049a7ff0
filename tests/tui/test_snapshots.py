"""The main screen as SVG snapshots, on a seeded, deterministic run (see scripted.py)."""

import pytest

from .conftest import scripted_app, tiny_spec, wait_for


@pytest.fixture
def app(text_path, tmp_path):
    return scripted_app(tiny_spec(text_path, layers=2), tmp_path, steps=60)


async def settle(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.last_inspection is not None and app.last_sample.done, what="a sample")
    app.query_one("#seed").cursor_blink = False
    app.set_focus(None)
    app.query_one("#plot").redraw_if_changed()
    await pilot.pause(0.3)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_main_screen(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=settle)
