"""The views of what the model learned as SVG snapshots, from fixed data (fixed_run.py)."""


import pytest

from rnn_tui.engine.insight.features import DESCRIPTIONS

from .conftest import settled, shown, wait_for
from .fixed_run import fixed_insight, fixed_written
from .test_snapshots import assert_same_screens, fixed_app, screen_of, settle_with

TABS = ["units-tab", "factors-tab", "gates-tab", "surprisal-tab", "gradients-tab", "write-tab", "timeline-tab"]


def show_tab(tab: str, shift: float = 0.0):
    async def settle(pilot) -> None:
        app = pilot.app
        if app.channels.inspection.value is None:
            await settle_with(shift)(pilot)
        await app.action_show_tab(tab)
        await pilot.pause()
        app.learned.receive(fixed_insight(shift))
        if app.view("write") is not None:
            app.channels.written.publish(fixed_written(shift))
        app.set_focus(None)
        await wait_for(pilot, lambda: app.learned.last is not None, what="the fixed insight")
        app.query_one("#timeline-view").show_if_changed()
        await settled(pilot)

    return settle


@pytest.mark.parametrize("tab", TABS)
def test_insight_tab(snap_compare, tmp_path, tab):
    assert snap_compare(fixed_app(tmp_path), terminal_size=(120, 40), run_before=show_tab(tab))


def test_units_tab_in_a_small_terminal(snap_compare, tmp_path):
    assert snap_compare(fixed_app(tmp_path), terminal_size=(80, 24), run_before=show_tab("units-tab"))


async def test_the_insight_snapshots_are_immune_to_float_noise(tmp_path):
    screens: dict[str, list[str]] = {tab: [] for tab in TABS}
    for shift in (1e-6, -1e-6):  # against each other: a value within 1e-6 of a rounding edge flips
        app = fixed_app(tmp_path, shift)
        async with app.run_test(size=(120, 40)) as pilot:
            for tab in TABS:
                await show_tab(tab, shift)(pilot)
                screens[tab].append(screen_of(app))
            await app.action_quit()
    for tab, drawn in screens.items():
        assert_same_screens(tab, drawn)


async def test_the_features_table_is_whole_when_a_frame_falls_between_its_rows_and_their_measuring(tmp_path):
    """A DataTable measures new rows when idle; a frame drawn before that (the screen's timer) drew
    them at the old column widths, and Textual kept those cells after the columns widened."""
    app = fixed_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_with(0.0)(pilot)
        await app.action_show_tab("units-tab")
        await pilot.pause()
        app.learned.receive(fixed_insight())
        table = app.query_one("#features")
        shown(table)  # the early frame
        await settled(pilot)
        drawn = shown(table)
        assert all(DESCRIPTIONS.get(name, "your hypothesis") in drawn for name in app.learned.last.finding.r), drawn
