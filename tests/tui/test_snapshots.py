"""The main screen as SVG snapshots, drawn from fixed data (see fixed_run.py), never from values
torch computed: another CPU's kernels would change their last bits, and with them a colour."""

import difflib
import re

import pytest

from rnn_tui.tui.app import PlaygroundApp

from .conftest import settled, status_text, wait_for
from .fixed_run import CJK, SPEC, STEPS, TEXT, FixedTrainer, fixed_messages, val_loss

ALL_SIZES = [(60, 20), (80, 24), (120, 40), (200, 60)]
SIZES = [(60, 20), (200, 60)]  # the snapshots of 80x24 and 120x40 are with every other view's: test_views.py


def fixed_app(tmp_path, shift: float = 0.0) -> PlaygroundApp:
    return PlaygroundApp(SPEC, FixedTrainer(shift), checkpoint_path=str(tmp_path / "run.pt"))


def settle_with(shift: float, text: str = TEXT):
    async def settle(pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: app.state.step == STEPS and app.weights.engine_loaded, what="the fixed run")
        for message in fixed_messages(shift, text):
            app.post_message(message)
        await wait_for(pilot, lambda: app.channels.inspection.value is not None, what="the fixed sample")
        app.query_one("#seed").cursor_blink = False
        app.set_focus(None)
        app.query_one("#plot").redraw_if_changed()
        await settled(pilot)

    return settle


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_main_screen(snap_compare, tmp_path, size):
    assert snap_compare(fixed_app(tmp_path), terminal_size=size, run_before=settle_with(0.0))


def test_wide_characters_keep_the_heatmap_columns_in_line(snap_compare, tmp_path):
    assert snap_compare(fixed_app(tmp_path), terminal_size=(120, 40), run_before=settle_with(0.0, CJK))


def screen_of(app) -> str:
    """The screen as SVG text, without the export's random id (an id, not content)."""
    return re.sub(r"terminal-\d+", "terminal", app.export_screenshot())


def assert_same_screens(name: str, screens: list[str]) -> None:
    """The screens drawn from values moved by +1e-6 and -1e-6 are one screen."""
    first, *moved = screens
    for other in moved:
        diff = list(difflib.unified_diff(first.splitlines(), other.splitlines(), lineterm="", n=0))
        assert not diff, name + "\n" + "\n".join(diff[:20])


@pytest.mark.parametrize("size", ALL_SIZES, ids=[f"{w}x{h}" for w, h in ALL_SIZES])
async def test_the_snapshot_is_immune_to_float_noise(tmp_path, size):
    """Every value moved by 1e-6, as another CPU's kernels might move it: the same screen."""
    screens = []
    for shift in (1e-6, -1e-6):  # against each other: a value within 1e-6 of a rounding edge flips
        app = fixed_app(tmp_path, shift)
        async with app.run_test(size=size) as pilot:
            await settle_with(shift)(pilot)
            screens.append(screen_of(app))
            await app.action_quit()
    assert_same_screens(f"{size}", screens)


async def test_the_coach_line_shows_when_the_run_overfits(tmp_path):
    app = fixed_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        advice = "overfitting since step 30: val 0.32 above its best; try dropout 0.2 or a larger text"
        await wait_for(pilot, lambda: advice in " ".join(status_text(app).split()),
                       what="the coach's advice, wrapped as it needs")
        (toast,) = [notice for notice in app.notices if "overfitting" in notice[1]]  # once, when it began
        assert toast == ("warning", advice.replace("0.32", "0.18"))
        await pilot.resize_terminal(80, 24)  # a narrow status keeps the headline
        await wait_for(pilot, lambda: "dropout 0.2" not in status_text(app), what="the headline")
        assert "overfitting since 30" in " ".join(status_text(app).split())
        assert app.state.best == (30, pytest.approx(val_loss(30)))
        await app.action_quit()


async def test_the_legend_and_the_lines_have_the_same_colours_in_a_light_theme(tmp_path):
    from rnn_tui.tui.widgets.loss_plot import COLOURS, LossPlot

    app = fixed_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step == STEPS, what="the fixed run")
        app.theme = "textual-light"
        plot = app.query_one(LossPlot)
        plot.draw()
        plot.refresh()
        await settled(pilot)
        drawn = {segment.style.color.triplet.hex for strip in plot.render_lines(plot.region.reset_offset)
                 for segment in strip if segment.style and segment.style.color and segment.style.color.triplet}
        wanted = {"#{:02x}{:02x}{:02x}".format(*COLOURS[name]) for name in ("train", "val", "uniform ln V", "unigram")}
        assert wanted <= drawn
        assert all(colour in plot.border_subtitle for colour in wanted)
        await app.action_quit()
