"""rnn-tui watch DIR: the playground, read-only, on a run that train --log DIR writes elsewhere."""

import subprocess
import sys

from textual.widgets import Static

from rnn_tui.cli import build_parser
from rnn_tui.run.follow import LogFollower
from rnn_tui.run.spec import spec_from_args
from rnn_tui.tui.app import PlaygroundApp
from rnn_tui.tui.commands import PlaygroundCommands

from .conftest import next_published, shown, status_text, wait_for


async def test_watching_a_run_that_trains_in_another_process(tmp_path, text_path):
    folder = tmp_path / "run"
    spec = spec_from_args(build_parser().parse_args([]))
    app = PlaygroundApp(spec, LogFollower(folder, spec), watching=str(folder), random_seed=0, sample_pace=None)
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.query_one("#status-table", Static)
        await wait_for(pilot, lambda: "does not exist yet" in " ".join(shown(status).split()), what="the waiting line")
        training = subprocess.Popen([sys.executable, "-m", "rnn_tui", "train", "--text", str(text_path), "--hidden",
                                     "24", "--embed", "8", "--seq", "24", "--batch", "8", "--steps", "60",
                                     "--eval-every", "20", "--log", str(folder)], stderr=subprocess.DEVNULL)
        try:
            await wait_for(pilot, lambda: app.state.step == 60 and app.state.val_loss is not None,
                           what="the run's 60 steps, read from the log")
            assert training.wait() == 0
            await next_published(pilot, app.channels.sample, lambda s: s is not None and s.done and s.step == 60)
            assert [x for x in app.state.val_curve.xs] == [20, 40, 60] and len(app.state.timeline) == 3
            assert "watching" in status_text(app)
            paused, commands = app.state.paused, len(app.notices)
            await pilot.press("space", "s", "r")  # training keys are off: the run is not ours
            assert app.state.paused == paused and len(app.notices) == commands and app.screen is app.screen_stack[0]
            names = [name for name, _, _ in PlaygroundCommands(app.screen).commands()]
            assert "Race the cells" in names and "Save checkpoint" not in names
        finally:
            training.kill()
        await app.action_quit()
