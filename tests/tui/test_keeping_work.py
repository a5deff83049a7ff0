"""Three ways a day of use lost work (issue 27, section 4): each test fails on the app as it was then."""

import time
from dataclasses import replace

from textual import events

from rnn_tui.engine.checkpoint import load_checkpoint
from rnn_tui.run.protocol import Pause, Reset, Resume, Save
from rnn_tui.tui.screens.compare import CompareScreen

from .conftest import answer, pick_units, published, scripted_app, shown, tiny_spec, wait_for
from .scripted import ScriptedTrainer

TURN = 0.25  # how long a paused run's training thread may take to come to a save (Trainer.run waits that long)


class PausedLikeTheProcess(ScriptedTrainer):
    """The training process's way with a paused run (process.py): a save waits for the training
    thread's next turn, and a Reset read before it stops the run with the save not made."""

    def __init__(self, spec, steps):
        super().__init__(spec, steps, rebuild=True)
        self.paused = False

    def carry_out(self, command):
        if isinstance(command, (Pause, Resume)):
            self.paused = isinstance(command, Pause)
        if isinstance(command, Save) and self.paused and self.reset_before_the_next_turn():
            return
        super().carry_out(command)

    def reset_before_the_next_turn(self) -> bool:
        time.sleep(TURN)
        return any(isinstance(command, Reset) for command in list(self.inbox.queue))


class StillRunning:
    """A lesson's comparison whose runs are not over: the user's run waits meanwhile."""

    def __init__(self, request):
        pass

    def start(self) -> None:
        pass

    def receive(self) -> list:
        return []

    def close(self) -> None:
        pass


async def test_save_and_switch_the_text_during_a_lesson_saves_the_run(text_path, tmp_path, small_text, monkeypatch):
    monkeypatch.setattr("rnn_tui.tui.screens.compare.BackgroundCompare", StillRunning)
    other = tmp_path / "other.txt"
    other.write_text(small_text[::-1])
    app = scripted_app(tiny_spec(text_path), tmp_path, steps=10, trainer=PausedLikeTheProcess)
    app.training.autosave_after = 0.0  # the default, 60 s, is too long for a test
    path = tmp_path / "run.pt"
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step == 10, what="the run's training")
        app.comparisons.start_lesson("dropout", again=True)  # as its key in the Lessons tab does
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen) and app.state.paused, what="the lesson")
        run = app.state.run
        app.training.switch_text(str(other))
        await answer(pilot, "#save")
        await wait_for(pilot, lambda: app.state.run != run and app.state.ready is not None, what="the new run")
        assert path.exists() and load_checkpoint(path)["step"] == 10
        assert any(f"saved {path} at step 10" in text for _, text in app.notices)
        await app.action_quit()


async def test_backspaces_and_letters_typed_at_once_in_write_leave_what_was_typed(tmp_path, small_text):
    """Keys arriving together, as from a fast typist: each Backspace rewinds what came before it,
    never a letter typed after it. (Pilot.press waits for the app after each key, so never sends
    keys together: they are queued here as a terminal delivers them.)"""
    text_path = tmp_path / "corpus.txt"
    text_path.write_text("xyz\n" + small_text)  # the generated text has no z
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.channels.weights.value is not None, what="the first weights")
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.writer.writer is not None, what="the writer")
        answered = []
        for name in ("type", "rewind"):
            method = getattr(app.writer, name)
            setattr(app.writer, name, lambda *args, method=method: answered.append(method(*args)))
        burst = [*"abc", "backspace", "backspace", "backspace", *"xyz"]
        for key in burst:  # all queued before the first is handled
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await wait_for(pilot, lambda: len(answered) == len(burst), what="every key answered")
        await wait_for(pilot, lambda: not any(worker.group == "writer" and worker.is_running for worker in app.workers),
                       what="the writer settled")
        assert app.writer.writer.text == "xyz" and app.channels.written.value.text == "xyz"
        field = app.view("write").query_one("#writer-text")
        await wait_for(pilot, lambda: "xyz▌" in shown(field), what="the text drawn")
        assert "abc" not in shown(field)
        await app.action_quit()


async def test_units_out_of_range_leave_the_units_chosen_before(text_path, tmp_path):
    spec = tiny_spec(text_path)
    app = scripted_app(replace(spec, model=replace(spec.model, hidden=64)), tmp_path, steps=10)

    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.channels.weights.value is not None, what="the first weights")
        await pilot.press("O")
        await wait_for(pilot, lambda: app.channels.step_reading.value is not None, what="the first reading")
        await pick_units(pilot, "12, 40")
        await wait_for(pilot, lambda: app.channels.step_reading.value.units == (12, 40), what="the chosen units read")
        await pick_units(pilot, "999")
        assert any("units are numbered 0 to 63, not 999" in text for _, text in app.notices)
        assert (app.step.layer, app.step.units) == (0, (12, 40))
        position = app.channels.step_reading.value.position
        await pilot.press("right")  # the next reading is of the units chosen, not the six that changed most
        reading = await published(pilot, app.channels.step_reading, lambda r: r.position == position + 1,
                                  "the next character's reading")
        assert reading.units == (12, 40) and not reading.most_changed
        await pilot.press("u")
        await wait_for(pilot, lambda: bool(app.screen.query("#prompt-input")), what="the units prompt")
        assert app.screen.query_one("#prompt-input").value == "1: 12, 40"  # the prompt offers them again
        await app.action_quit()
