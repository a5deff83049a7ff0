"""The app under stress: signals, key mashing during a reset, a failing save, divergence."""

import os
import signal
from dataclasses import replace

from rnn_tui.engine.checkpoint import load_checkpoint
from rnn_tui.tui.launch import quit_on_signals

from .conftest import live_app, next_published, status_text, tiny_spec, wait_for


async def test_sigterm_and_sighup_quit_in_order_and_autosave(text_path, tmp_path):
    for sig in (signal.SIGTERM, signal.SIGHUP):
        previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
        app = live_app(tiny_spec(text_path), tmp_path)
        app.training.autosave_after = 0.0  # the default, 60 s, is too long for a test
        path = tmp_path / "run.pt"
        path.unlink(missing_ok=True)
        left: list[int] = []
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                quit_on_signals(app, leave=lambda code, app=app, left=left: (left.append(code), app.exit()))
                await wait_for(pilot, lambda app=app: app.state.step >= 5, what="training")
                process = app.training.handle.process
                os.kill(os.getpid(), sig)
                await wait_for(pilot, lambda p=process: not p.is_alive(), what="the trainer to stop")
            assert process.exitcode == 0 and not app.is_running
            assert load_checkpoint(path)["step"] >= 5  # saved on the way out
            assert left == ([0] if sig == signal.SIGHUP else [])  # a hang-up leaves without drawing
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)


async def test_keys_mashed_while_the_model_resets(text_path, tmp_path):
    app = live_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step >= 3, what="training")
        await pilot.press("r")
        await pilot.click("#yes")
        await pilot.press(*"snnsg[]", "space", "space", "r", "escape", *"n][gs", "space")
        await wait_for(pilot, lambda: app.state.ready is not None and not app.state.pausing,
                       what="the new model, and the process's answer to the last space")
        while app.state.paused:  # `s` after the reset asks whether to replace the old run's file:
            await pilot.press("escape" if len(app.screen_stack) > 1 else "space")  # a dialog takes keys
        step = app.state.step
        await wait_for(pilot, lambda: app.state.step > step + 3, what="training after the reset")
        assert app.is_running and "step" in status_text(app)
        await app.action_quit()


async def test_a_failed_save_is_one_line_and_training_goes_on(text_path, tmp_path):
    app = live_app(tiny_spec(text_path), tmp_path)
    (tmp_path / "blocked").write_text("a file where a folder should be")
    app.training.checkpoint_path = str(tmp_path / "blocked" / "run.pt")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step >= 3, what="training")
        await pilot.press("s")
        await wait_for(pilot, lambda: any(severity == "error" for severity, _ in app.notices), what="the error")
        message = [text for severity, text in app.notices if severity == "error"][-1]
        assert message.startswith("cannot save checkpoint") and "\n" not in message
        step = app.state.step
        await wait_for(pilot, lambda: app.state.step > step + 3, what="training to go on")
        await app.action_quit()


async def test_divergence_is_explained_and_the_weights_still_sample(text_path, tmp_path):
    app = live_app(tiny_spec(text_path, lr=1e4), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.finished is not None, what="divergence")
        assert "training stopped" in app.state.finished and app.state.paused
        assert any(severity == "error" and "lower learning rate" in text for severity, text in app.notices)
        await wait_for(pilot, lambda: "stopped: training stopped" in status_text(app),
                       what="the reason on screen")
        await next_published(pilot, app.channels.sample, lambda s: s is not None and s.done)  # of the diverged weights
        await pilot.press("s")
        path = tmp_path / "run.pt"
        await wait_for(pilot, lambda: path.exists(), what="the save")
        assert load_checkpoint(path)["step"] == app.state.step
        await app.action_quit()


async def test_a_corrupt_checkpoint_at_launch_is_one_line_and_a_fresh_model_trains(text_path, tmp_path):
    bad = tmp_path / "corrupt.pt"
    bad.write_bytes(b"PK\x03\x04 not really a checkpoint")
    spec = replace(tiny_spec(text_path), checkpoint=str(bad))
    app = live_app(spec, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step > 3, what="a fresh model training")
        errors = [text for severity, text in app.notices if severity == "error"]
        assert len(errors) == 1 and "not a readable checkpoint" in errors[0] and "\n" not in errors[0]
        await app.action_quit()
