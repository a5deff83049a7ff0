"""The real app driven by Textual's pilot: training, sampling, the heatmap, checkpoints, quitting."""

import math
from dataclasses import replace

import numpy as np
import pytest
import torch
from textual.widgets import Input, Select, Static

from rnn_tui.engine.checkpoint import load_checkpoint, model_from_checkpoint
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.models import CharRNN
from rnn_tui.engine.sampling import Sampler, SampleSettings
from rnn_tui.run.protocol import Reset, SetDropout, SetLR
from rnn_tui.tui.widgets.heatmap import Heatmap
from rnn_tui.tui.widgets.temperature import TemperatureControl

from .conftest import (
    answer,
    apply_settings,
    asked,
    live_app,
    pause_acknowledged,
    process_messages,
    published,
    sampling_ready,
    scripted_app,
    shown,
    status_text,
    tiny_spec,
    wait_for,
)


async def test_training_starts_and_numbers_move(text_path, tmp_path):
    app = live_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step >= 5 and app.state.loss is not None, what="training")
        first_step, first_loss = app.state.step, app.state.loss
        await wait_for(pilot, lambda: app.state.step >= first_step + 20, what="more steps")
        assert app.state.loss != first_loss and "training" in status_text(app)
        await wait_for(pilot, lambda: app.state.val_loss is not None, what="an evaluation")
        await pilot.press("space")  # hold the numbers still to read them off the screen
        await wait_for(pilot, lambda: not app.state.pausing, what="the pause confirmed: no more steps come")
        await wait_for(pilot, lambda: f"{app.state.step:,}   epoch" in status_text(app), what="the step shown")
        val = app.state.val_loss  # an evaluation of the last step may come after it: the panel follows within 0.25 s
        await wait_for(pilot, lambda: f"{val:.3f} · {val / math.log(2):.2f} bits" in status_text(app),
                       what="the validation loss shown")
        await app.action_quit()


async def test_pause_resume_and_single_step(text_path, tmp_path):
    app = live_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step >= 3, what="training")
        seen = process_messages(app)
        await pilot.press("space")
        assert app.state.paused
        await pause_acknowledged(pilot, app, seen)
        await wait_for(pilot, lambda: "‖ paused" in status_text(app), what="the pause confirmed on screen")
        held = app.state.step
        await pause_acknowledged(pilot, app, seen)
        assert app.state.step == held  # nothing moves while paused
        await pilot.press("n")
        await wait_for(pilot, lambda: app.state.step == held + 1, what="one step")
        await pause_acknowledged(pilot, app, seen)
        assert app.state.step == held + 1  # one step, not more
        await pilot.press("space")
        await wait_for(pilot, lambda: app.state.step > held + 5, what="resumed training")
        await app.action_quit()


async def test_seed_then_generated_text_starts_after_it(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.sampling.sampler is not None, what="the engine")
        app.query_one("#seed", Input).focus()
        await pilot.press(*"# count", "enter")
        sample = await published(pilot, app.channels.sample, lambda s: s.seed_text == "# count" and s.done,
                                 "a sample after the seed")
        generated = sample.generated
        model = CharRNN(app.state.spec.model)
        model.load_state_dict({k: torch.from_numpy(v) for k, v in app.weights.latest.weights.items()})
        sampler = Sampler(model, Vocab(app.state.ready.vocab), SampleSettings(), seed=0)
        expected = sampler.text("# count", len(generated))
        assert generated == expected  # what the model writes after reading the seed
        on_screen = shown(app.query_one("#sample-text", Static))
        assert "".join(on_screen.split()) == "".join(("# count" + generated).split())  # wrapped on screen
        await app.action_quit()


async def sample_with_seed(pilot, app, seed: str) -> str:
    """Restart the sampler on `seed` and wait for the whole sample."""
    app.channels.sample.publish(None)  # the sampler idles after a sample, so nothing older can arrive now
    app.sampling.sampler.set_seed_text(seed)
    await wait_for(pilot, lambda: app.channels.sample.value is not None and app.channels.sample.value.seed_text == seed
                   and app.channels.sample.value.done, what=f"a sample after {seed!r}")
    return app.channels.sample.value.generated


async def test_temperature_is_shown_and_changes_sampling(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await published(pilot, app.channels.sample, lambda s: s.done, "a sample")
        control = app.query_one(TemperatureControl)
        app.set_focus(None)
        await pilot.press("right_square_bracket")
        assert control.value == pytest.approx(1.05) and "temperature 1.05" in shown(control)
        assert app.sampling.settings.temperature == pytest.approx(1.05)
        for _ in range(21):
            await pilot.press("left_square_bracket")
        assert control.value == 0 and "temperature 0.00" in shown(control)
        # at 0 the sample is the greedy decoding of the same weights
        greedy = await sample_with_seed(pilot, app, "t=")
        net = CharRNN(app.state.spec.model)
        net.load_state_dict({k: torch.from_numpy(v) for k, v in app.weights.latest.weights.items()})
        vocab = Vocab(app.state.ready.vocab)
        assert greedy == Sampler(net, vocab, SampleSettings(greedy=True)).text("t=", len(greedy))
        # a click far right on the bar makes it hot, and the text leaves the argmax path
        await pilot.click(TemperatureControl, offset=(36, 0))
        assert control.value > 1.2 and f"temperature {control.value:.2f}" in shown(control)
        assert await sample_with_seed(pilot, app, "t=") != greedy
        await app.action_quit()


async def test_heatmap_layer_and_quantity_can_be_switched(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path, layers=2), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.channels.inspection.value is not None, what="an inspection")
        inspection = app.channels.inspection.value.inspection
        heatmap = app.query_one(Heatmap)
        np.testing.assert_array_equal(heatmap.data.values, inspection.layers[0]["h"])
        app.query_one("#layer", Select).value = 1
        app.query_one("#quantity", Select).value = "c"
        await pilot.pause()
        np.testing.assert_array_equal(heatmap.data.values, inspection.layers[1]["c"])
        # the most variable unit is on top; moving picks another unit and another character
        top = int(np.argmax(inspection.layers[1]["c"].var(axis=0)))
        assert heatmap.picked_unit == top
        heatmap.focus()
        cursor = heatmap.cursor
        await pilot.press("down", "left", "left")
        assert heatmap.picked_unit != top and heatmap.cursor == cursor - 2
        info = shown(app.query_one("#heatmap-info", Static))
        assert f"c[{heatmap.picked_unit}] = " in info and f"t={cursor - 2}" in info
        await app.action_quit()


async def test_save_and_reload_a_checkpoint(text_path, tmp_path):
    app = live_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step >= 10, what="training")
        seen = process_messages(app)
        await pilot.press("space")  # pause, so the saved step is the step we reload
        await pause_acknowledged(pilot, app, seen)
        await pilot.press("s")
        path = tmp_path / "run.pt"
        await wait_for(pilot, lambda: path.exists() and any("saved" in text for _, text in app.notices),
                       what="the checkpoint")
        saved = load_checkpoint(path)
        model, vocab = model_from_checkpoint(saved)
        assert vocab.chars == app.state.ready.vocab and saved["step"] == app.state.step
        app.training.restart(replace(app.state.spec, checkpoint=str(path)))
        assert app.state.ready is None
        await wait_for(pilot, lambda: app.state.ready is not None, what="the reloaded run")
        assert app.state.step == saved["step"] and len(app.state.train_curve) == saved["step"]
        await pilot.press("space")
        await wait_for(pilot, lambda: app.state.step > saved["step"] + 3, what="training to go on")
        await app.action_quit()


async def test_quit_while_training_stops_the_process_by_itself(text_path, tmp_path):
    """How fast it stops is measured in benchmarks/startup.py, not timed here: the app's second to
    stop by itself is waived, for a machine too busy to stop a process in a second."""
    app = live_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step >= 5, what="training")
        app.training.handle.stop_seconds = 3600.0
        process = app.training.handle.process
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not process.is_alive(), what="the training process to end")
        assert process.exitcode == 0  # it stopped itself rather than being killed


async def test_bad_input_is_one_line_and_the_app_keeps_running(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: sampling_ready(app), what="the engine")
        seed = app.query_one("#seed", Input)
        seed.focus()
        await pilot.press(*"Zé", "enter")
        errors = [text for severity, text in app.notices if severity == "error"]
        assert errors and "U+00E9" in errors[-1] and "\n" not in errors[-1]
        assert app.sampling.sampler.seed_text != "Zé"
        await pilot.press("f3")
        app.query_one("#set-hidden", Input).value = "lots"
        app.query_one("#set-lr", Input).value = "nan"
        await apply_settings(pilot)
        await pilot.pause()
        errors = [text for severity, text in app.notices if severity == "error"]
        assert "hidden units: 'lots' is not a whole number" in errors[-1]
        app.query_one("#set-hidden", Input).value = "32"
        await apply_settings(pilot)
        await wait_for(pilot, lambda: any("learning rate: 'nan' is not a finite number" in t for _, t in app.notices),
                       what="the learning rate refused")
        app.query_one("#set-hidden", Input).value = "-3"
        app.query_one("#set-lr", Input).value = "0.01"
        await apply_settings(pilot)
        await pilot.pause()
        assert "hidden must be a positive whole number" in [text for _, text in app.notices][-1]
        assert app.is_running and asked(app) == []  # nothing was sent to the trainer


async def test_learning_rate_and_dropout_change_live_and_are_marked(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.ready is not None and app.state.step > 0, what="training")
        await pilot.press("f3")
        app.query_one("#set-lr", Input).value = "0.0005"
        app.query_one("#set-dropout", Input).value = "0.25"
        await apply_settings(pilot)
        await wait_for(pilot, lambda: app.state.spec.model.dropout == 0.25, what="the dropout reported back")
        assert asked(app) == [SetLR(0.0005), SetDropout(0.25)]  # no reset asked for
        step = app.state.step
        assert app.state.setting_changes == [(step, "lr", 0.0005), (step, "dropout", 0.25)]
        assert app.state.changes_of("dropout") == [step] and app.state.spec.train.lr == 0.0005
        trainer = app.training.handle.trainer
        assert trainer.model.drop.p == 0.25 and trainer.train_config.lr == 0.0005
        await pilot.press("f2", "n")
        await wait_for(pilot, lambda: app.state.step == step + 1, what="one more step")
        assert app.state.lr == pytest.approx(0.0005)
        await wait_for(pilot, lambda: "dropout 0.25" in status_text(app), what="dropout on the status")


async def test_architecture_change_asks_before_resetting(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.ready is not None, what="training")
        await pilot.press("f3")
        app.query_one("#set-hidden", Input).value = "48"
        await apply_settings(pilot)
        await pilot.pause()
        assert asked(app) == []  # a question first
        await pilot.press("escape")
        assert asked(app) == []
        assert app.query_one("#set-hidden", Input).value == "32"  # cancelled: the form shows the run again
        app.query_one("#set-hidden", Input).value = "48"
        await apply_settings(pilot)
        await pilot.pause()
        await pilot.press("enter")  # Enter takes the safe choice, Cancel
        await pilot.pause()
        assert asked(app) == []
        app.query_one("#set-hidden", Input).value = "48"
        await apply_settings(pilot)
        await answer(pilot, "#yes")
        (command,) = asked(app)
        assert isinstance(command, Reset) and command.spec.model.hidden == 48


async def test_b_samples_from_the_best_weights_and_back(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path, eval_every=15), tmp_path, steps=40)
    async with app.run_test(size=(120, 40)) as pilot:
        await published(pilot, app.channels.sample, lambda s: s.done, "a sample")
        weights = app.weights
        assert weights.latest.step == 40 and weights.best.step in (15, 30) and weights.snapshot is weights.latest
        await pilot.press("b")
        assert weights.snapshot is weights.best and "◆ sampling" in status_text(app)
        best = await sample_with_seed(pilot, app, "# ")
        assert app.channels.sample.value.step == weights.best.step
        await wait_for(pilot, lambda: "best weights, step" in str(app.query_one("#sampler").border_subtitle),
                       what="the note")
        await pilot.press("b")
        assert weights.snapshot is weights.latest
        latest = await sample_with_seed(pilot, app, "# ")
        assert app.channels.sample.value.step == 40 and latest != best  # other weights, same seed and sampler seed
        await app.action_quit()


async def test_top_k_zero_shows_as_off(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: sampling_ready(app), what="the engine")
        top_k = app.query_one("#top-k", Input)
        assert top_k.value == "" and top_k.placeholder == "off"
        top_k.focus()
        await pilot.press("5", "enter")
        assert app.sampling.settings.top_k == 5 and top_k.value == "5"
        await pilot.press("backspace", "0", "enter")
        assert app.sampling.settings.top_k == 0 and top_k.value == ""  # 0 is off, and shown as such
        await app.action_quit()


async def test_switching_to_a_builtin_text_by_name_asks_then_resets_on_it(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.ready is not None, what="the run")
        app.training.switch_text("no-such-text")
        assert app.notices[-1] == ("error", "no such file or built-in text: no-such-text")
        app.training.switch_text("essay")
        await pilot.pause()
        assert asked(app) == []  # a question first
        await pilot.click("#yes")
        (command,) = asked(app)
        assert isinstance(command, Reset) and command.spec.text == "essay" and command.spec.model.vocab_size == 0
        await app.action_quit()


async def test_the_heatmap_keeps_the_picked_unit_and_cursor_and_can_freeze(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path, layers=2), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.channels.inspection.value is not None, what="an inspection")
        heatmap = app.query_one(Heatmap)
        heatmap.focus()
        await pilot.press("down", "down", "down", "left", "left")
        unit, cursor = heatmap.picked_unit, heatmap.cursor
        first = app.channels.inspection.value
        await sample_with_seed(pilot, app, "# ")
        await wait_for(pilot, lambda: app.channels.inspection.value is not first, what="the next inspection")
        await pilot.pause()
        assert heatmap.picked_unit == unit and heatmap.cursor == cursor  # a unit, not a rank; the cursor stays
        await pilot.press("end")
        assert heatmap.cursor == len(heatmap.data.text) - 1
        await pilot.press("f")
        held = heatmap.data.text
        second = app.channels.inspection.value
        await sample_with_seed(pilot, app, "( ")
        await wait_for(pilot, lambda: app.channels.inspection.value is not second, what="an inspection while frozen")
        await pilot.pause()
        assert heatmap.data.text == held  # frozen
        await pilot.press("f")
        newest = app.channels.inspection.value.inspection.text
        assert heatmap.data.text == newest != held  # thawed: the newest
        await app.action_quit()
