"""Every view of the views table (tui/views.py) mounts, draws a canned reading made by arithmetic
(fixed_run.py), and is snapshotted at 80x24 and 120x40: a view added to the table is covered here
without a line of this file changing."""

import pytest

from rnn_tui.tui.views import LEARNED, VIEWS

from .conftest import settled, wait_for
from .fixed_run import STEP_READING, fixed_insight, fixed_transformer_insight, fixed_written
from .test_lab_snapshots import show_lab
from .test_snapshots import assert_same_screens, fixed_app, screen_of, settle_with

SIZES = [(80, 24), (120, 40)]
# the views drawn from the readings of what the model learned: the ones whose numbers a float's
# last bits could move, so the noise test below shifts them
READ = [view.id for view in VIEWS if view.inside == LEARNED or view.id in ("write", "timeline")]


def show(view_id: str, shift: float = 0.0):
    async def settle(pilot) -> None:
        app = pilot.app
        if view_id == "sampler":  # its fan, beam, sweep and history, fixed
            await show_lab(pilot, shift)
            return
        if app.channels.inspection.value is None:
            await settle_with(shift)(pilot)
        await app.action_show_tab(view_id)
        await pilot.pause()
        app.learned.insight_read(fixed_insight(shift))
        if app.view("write") is not None:
            app.channels.written.publish(fixed_written(shift))
        app.channels.step_reading.publish(STEP_READING)
        app.set_focus(None)
        await wait_for(pilot, lambda: app.learned.last is not None, what="the fixed insight")
        app.query_one("#timeline-view").show_if_changed()
        await settled(pilot)
        await pilot.pause()  # a plot laid out anew after the first frame (the small Gradients view) draws once more
        await settled(pilot)

    return settle


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("view_id", [view.id for view in VIEWS])
def test_every_view(snap_compare, tmp_path, view_id, size):
    assert snap_compare(fixed_app(tmp_path), terminal_size=size, run_before=show(view_id))


async def test_the_views_are_immune_to_float_noise(tmp_path):
    screens: dict[str, list[str]] = {view_id: [] for view_id in [*READ, TRANSFORMER_GRADIENTS]}
    for shift in (1e-6, -1e-6):  # against each other: a value within 1e-6 of a rounding edge flips
        app = fixed_app(tmp_path, shift)
        async with app.run_test(size=(120, 40)) as pilot:
            for view_id in READ:
                await show(view_id, shift)(pilot)
                screens[view_id].append(screen_of(app))
            await show_transformer_gradients(shift)(pilot)  # last: the view stays a transformer's
            screens[TRANSFORMER_GRADIENTS].append(screen_of(app))
            await app.action_quit()
    for view_id, drawn in screens.items():
        assert_same_screens(view_id, drawn)


TRANSFORMER_GRADIENTS = "gradients of a transformer"


def show_transformer_gradients(shift: float):
    async def settle(pilot) -> None:
        app = pilot.app
        if app.channels.inspection.value is None:
            await settle_with(shift)(pilot)
        await app.action_show_tab("gradients")
        await pilot.pause()
        app.learned.insight_read(fixed_transformer_insight(shift))
        app.set_focus(None)
        await wait_for(pilot, lambda: app.view("gradients").has_class("stateless"), what="the attention shown")
        await settled(pilot)

    return settle


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_transformers_gradients_view_shows_one_heads_attention(snap_compare, tmp_path, size):
    assert snap_compare(fixed_app(tmp_path), terminal_size=size, run_before=show_transformer_gradients(0.0))
