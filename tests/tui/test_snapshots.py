"""The main screen as SVG snapshots, drawn from fixed data (see fixed_run.py), never from values
torch computed: another CPU's kernels would change their last bits, and with them a colour."""

import pytest

from rnn_tui.tui.app import PlaygroundApp

from .conftest import wait_for
from .fixed_run import SPEC, STEPS, FixedTrainer, fixed_messages

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
