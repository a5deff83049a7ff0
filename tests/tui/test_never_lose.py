"""Never overwrite or lose a run: saves onto another run ask, autosave goes beside it, elapsed
time belongs to the run, and a checkpoint reopens the text it was trained on."""

import subprocess
import sys
from dataclasses import replace

from rnn_tui.cli import main
from rnn_tui.engine.checkpoint import load_checkpoint
from rnn_tui.tui.screens.dialogs import ConfirmScreen

from .conftest import answer, live_app, scripted_app, tiny_spec, wait_for
from .scripted import ScriptedTrainer

TINY = ["--hidden", "16", "--embed", "4", "--seq", "24", "--batch", "8"]


def other_run(text_path, path) -> str:
    """Train another run briefly and save it to `path`; its run id."""
    assert main(["train", "--text", str(text_path), *TINY, "--steps", "3", "--out", str(path)]) == 0
    return load_checkpoint(path)["run_id"]


async def test_saving_over_another_run_asks_and_cancel_keeps_it(text_path, tmp_path):
    path = tmp_path / "run.pt"
    theirs = other_run(text_path, path)
    app = live_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step >= 3, what="training")
        await pilot.press("s")
        await answer(pilot, "#no")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="the answer")
        assert load_checkpoint(path)["run_id"] == theirs  # kept
        await pilot.press("s")
        await answer(pilot, "#yes")
        await wait_for(pilot, lambda: load_checkpoint(path)["run_id"] != theirs, what="the replacement")
        await app.action_quit()


async def test_the_autosave_goes_beside_another_run_and_says_where(text_path, tmp_path):
    path = tmp_path / "run.pt"
    theirs = other_run(text_path, path)
    app = live_app(tiny_spec(text_path), tmp_path)
    app.training.autosave_after = 0.0
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step >= 3, what="training")
        await app.action_quit()
    saved = app.training.autosaved
    assert saved is not None and saved.path == str(tmp_path / "run-1.pt")
    assert load_checkpoint(path)["run_id"] == theirs and load_checkpoint(saved.path)["step"] == saved.step


async def test_a_failed_save_leaves_the_save_path_as_it_was(text_path, tmp_path):
    (tmp_path / "blocked").write_text("a file where a folder should be")
    app = live_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step >= 3, what="training")
        good = app.training.checkpoint_path
        app.training.save(str(tmp_path / "blocked" / "run.pt"))
        await wait_for(pilot, lambda: any(severity == "error" for severity, _ in app.notices), what="the error")
        assert app.training.checkpoint_path == good
        app.training.save(str(tmp_path / "elsewhere.pt"))
        await wait_for(pilot, lambda: app.training.checkpoint_path == str(tmp_path / "elsewhere.pt"),
                       what="a good save to become the save path")
        await app.action_quit()


async def test_elapsed_time_survives_a_failed_switch_and_a_checkpoint(text_path, tmp_path):
    binary = tmp_path / "binary.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    app = live_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.elapsed > 0.5, what="some training")
        app.training.switch_text(str(binary))  # refused before any question
        assert not isinstance(app.screen, ConfirmScreen) and "binary" in app.notices[-1][1]
        await pilot.press("space")
        before = app.state.elapsed
        app.training.restart(replace(app.state.spec, text=str(binary)))  # past the check: the process refuses
        await wait_for(pilot, lambda: app.state.ready is not None, what="the old run back")
        assert app.state.elapsed >= before
        path = tmp_path / "run.pt"
        app.training.save(str(path))
        await wait_for(pilot, lambda: path.exists(), what="the save")
        seconds = load_checkpoint(path)["seconds"]
        assert seconds >= before - 0.1
        app.training.load_checkpoint(str(path))
        await answer(pilot, "#yes")
        await wait_for(pilot, lambda: app.state.ready is not None, what="the reloaded run")
        assert app.state.elapsed == seconds and app.training.checkpoint_path == str(path)
        await app.action_quit()


async def test_a_checkpoint_alone_reopens_its_own_text(text_path, tmp_path, small_text):
    other = tmp_path / "other.txt"
    other.write_text(small_text[::-1])
    path = tmp_path / "theirs.pt"
    other_run(other, path)
    app = live_app(replace(tiny_spec(text_path), text=None, checkpoint=str(path)), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.ready is not None, what="the run")
        assert app.state.ready.start.text == "other.txt" and app.state.step == 3
        assert app.state.spec.text == str(other.resolve())
        await app.action_quit()


def test_quitting_after_an_autosave_says_where_the_run_went(text_path, tmp_path):
    code = f"""
import sys
from rnn_tui.tui import app as playground
from rnn_tui.tui.controllers import training
training.AUTOSAVE_AFTER = 0.0
start, run = playground.PlaygroundApp.start_background_work, playground.PlaygroundApp.run
def start_then_quit(self):
    start(self)
    self.set_interval(0.2, lambda: self.state.step >= 3 and self.call_later(self.action_quit))
playground.PlaygroundApp.start_background_work = start_then_quit
playground.PlaygroundApp.run = lambda self, **kw: run(self, headless=True)
from rnn_tui.cli import main
sys.exit(main(["--text", {str(text_path)!r}, {', '.join(repr(a) for a in TINY)}]))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    step = load_checkpoint(tmp_path / "rnn-tui.pt")["step"]
    assert result.stdout.strip().endswith(f"saved rnn-tui.pt (step {step:,})")


class WatchedReads(ScriptedTrainer):
    """Says whether quitting began while another thread was reading the process's messages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reading = 0
        self.closed_during_a_read: bool | None = None

    def receive(self, timeout: float = 0.1):
        self.reading += 1
        try:
            return super().receive(timeout)
        finally:
            self.reading -= 1

    def close(self, autosave=None):
        self.closed_during_a_read = self.reading > 0
        return super().close(autosave)


async def test_quitting_reads_the_last_messages_alone(text_path, tmp_path):
    """The Saved that says where the run went comes after the app asks the process to quit: the
    bridge that carries messages to the screen must have stopped reading, or it can take it (and
    the terminal said nothing; it happened beside a busy process)."""
    app = scripted_app(tiny_spec(text_path), tmp_path, trainer=WatchedReads)
    trainer = app.training.handle
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step == trainer.steps, what="the scripted steps on screen")
        await app.action_quit()
    assert trainer.closed_during_a_read is False
