"""The real app driven by Textual's pilot: training, sampling, the heatmap, checkpoints, quitting."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from textual.widgets import Input, Select, Static

from rnn_tui.checkpoint import load_checkpoint, model_from_checkpoint
from rnn_tui.data import Vocab
from rnn_tui.models import CharRNN
from rnn_tui.sampling import SampleSettings, Sampler
from rnn_tui.tui.widgets.heatmap import Heatmap
from rnn_tui.tui.widgets.status import TrainingStatus
from rnn_tui.tui.widgets.temperature import TemperatureControl

from .conftest import live_app, scripted_app, shown, tiny_spec, wait_for


def status_text(app) -> str:
    return shown(app.query_one("#status-table", Static))


async def test_training_starts_and_numbers_move(text_path, tmp_path):
    app = live_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step >= 5 and app.state.loss is not None, what="training")
        first_step, first_loss = app.state.step, app.state.loss
        await wait_for(pilot, lambda: app.state.step >= first_step + 20, what="more steps")
        await pilot.pause(0.1)
        assert app.state.loss != first_loss
        assert f"{app.state.step:,}" in status_text(app) and "training" in status_text(app)
        await wait_for(pilot, lambda: app.state.val_loss is not None, what="an evaluation")
        assert "bits/char" in status_text(app)
        await app.action_quit()


async def test_pause_resume_and_single_step(text_path, tmp_path):
    app = live_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step >= 3, what="training")
        await pilot.press("space")
        assert app.state.paused and "paused" in status_text(app)
        await pilot.pause(0.5)
        held = app.state.step
        await pilot.pause(0.6)
        assert app.state.step == held  # nothing moves while paused
        await pilot.press("n")
        await wait_for(pilot, lambda: app.state.step == held + 1, what="one step")
        await pilot.pause(0.5)
        assert app.state.step == held + 1
        await pilot.press("space")
        await wait_for(pilot, lambda: app.state.step > held + 5, what="resumed training")
        await app.action_quit()


async def test_seed_then_generated_text_starts_after_it(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.live_sampler is not None, what="the engine")
        app.query_one("#seed", Input).focus()
        await pilot.press(*"# count", "enter")
        await wait_for(pilot, lambda: app.last_sample is not None and app.last_sample.seed == "# count"
                       and app.last_sample.done, what="a sample after the seed")
        lines = [line.rstrip() for line in shown(app.query_one("#sample-text", Static)).splitlines()]
        text = " ".join(lines)  # the panel wraps at spaces
        assert text.startswith("# count") and len(text) > len("# count") + 20
        assert app.last_sample.generated[:10].split()[0] in text
        await app.action_quit()


async def sample_with_seed(pilot, app, seed: str) -> str:
    """Restart the sampler on `seed` and wait for the whole sample."""
    app.last_sample = None  # the sampler idles after a sample, so nothing older can arrive now
    app.live_sampler.set_seed_text(seed)
    await wait_for(pilot, lambda: app.last_sample is not None and app.last_sample.seed == seed
                   and app.last_sample.done, what=f"a sample after {seed!r}")
    return app.last_sample.generated


async def test_temperature_is_shown_and_changes_sampling(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.last_sample is not None and app.last_sample.done, what="a sample")
        control = app.query_one(TemperatureControl)
        app.set_focus(None)
        await pilot.press("right_square_bracket")
        assert control.value == pytest.approx(1.05) and "temperature 1.05" in shown(control)
        assert app.sample_settings.temperature == pytest.approx(1.05)
        for _ in range(21):
            await pilot.press("left_square_bracket")
        assert control.value == 0 and "temperature 0.00" in shown(control)
        # at 0 the sample is the greedy decoding of the same weights
        greedy = await sample_with_seed(pilot, app, "t=")
        net = CharRNN(app.state.spec.model)
        net.load_state_dict({k: torch.from_numpy(v) for k, v in app.latest_snapshot.weights.items()})
        vocab = Vocab(app.state.ready.vocab)
        assert greedy == Sampler(net, vocab, SampleSettings(greedy=True)).text("t=", len(greedy))
        # a click far right on the bar makes it hot, and the text leaves the argmax path
        await pilot.click(TemperatureControl, offset=(36, 0))
        assert control.value > 1.2 and f"temperature {control.value:.2f}" in shown(control)
        assert await sample_with_seed(pilot, app, "t=") != greedy
        await app.action_quit()
