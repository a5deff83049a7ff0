"""The main screen as SVG snapshots, drawn from fixed data (see fixed_run.py), never from values
torch computed: another CPU's kernels would change their last bits, and with them a colour."""

import pytest

from rnn_tui.tui.app import PlaygroundApp

from .conftest import shown, wait_for
from .fixed_run import SPEC, STEPS, FixedTrainer, fixed_messages, val_loss

SIZES = [(80, 24), (120, 40)]


def fixed_app(tmp_path, shift: float = 0.0) -> PlaygroundApp:
    return PlaygroundApp(SPEC, FixedTrainer(shift), checkpoint_path=str(tmp_path / "run.pt"))


def settle_with(shift: float):
    async def settle(pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: app.state.step == STEPS and app.sampling.engine_loaded, what="the fixed run")
        for message in fixed_messages(shift):
            app.post_message(message)
        await wait_for(pilot, lambda: app.last_inspection is not None, what="the fixed sample")
        app.query_one("#seed").cursor_blink = False
        app.set_focus(None)
        app.query_one("#plot").redraw_if_changed()
        await pilot.pause(0.3)

    return settle


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_main_screen(snap_compare, tmp_path, size):
    assert snap_compare(fixed_app(tmp_path), terminal_size=size, run_before=settle_with(0.0))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_the_snapshot_is_immune_to_float_noise(tmp_path, size):
    """Every value moved by 1e-6, as another CPU's kernels might move it: the same screen."""
    screens = []
    for shift in (0.0, 1e-6, -1e-6):
        app = fixed_app(tmp_path, shift)
        async with app.run_test(size=size) as pilot:
            await settle_with(shift)(pilot)
            screens.append(app.export_screenshot())
            await app.action_quit()
    assert screens[0] == screens[1] == screens[2]


async def test_the_coach_line_shows_when_the_run_overfits(tmp_path):
    app = fixed_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "coach" in shown(app.query_one("#status-table")), what="the coach's line")
        text = " ".join(shown(app.query_one("#status-table")).split())
        advice = "overfitting since step 30: val 0.32 above its best; try dropout 0.2 or a larger text"
        assert advice in text
        (toast,) = [notice for notice in app.notices if "overfitting" in notice[1]]  # once, when it began
        assert toast == ("warning", advice.replace("0.32", "0.18"))
        await pilot.resize_terminal(80, 24)  # a narrow status keeps the headline
        await wait_for(pilot, lambda: "dropout 0.2" not in shown(app.query_one("#status-table")), what="the headline")
        assert "overfitting since step 30" in " ".join(shown(app.query_one("#status-table")).split())
        assert app.state.best == (30, pytest.approx(val_loss(30)))
        await app.action_quit()
