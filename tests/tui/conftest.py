import asyncio
import time
from pathlib import Path

import pytest
import torch

from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.run.process import BackgroundTrainer
from rnn_tui.run.spec import RunSpec
from rnn_tui.tui.app import PlaygroundApp

from .scripted import ScriptedTrainer


@pytest.fixture(autouse=True, scope="session")
def one_thread():
    torch.set_num_threads(1)


@pytest.fixture
def text_path(tmp_path, small_text) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(small_text)
    return path


def tiny_spec(text_path: Path, cell: str = "lstm", layers: int = 1, **train) -> RunSpec:
    train = {"seq": 24, "batch": 8, "lr": 1e-2, "eval_every": 10, "seed": 3, **train}
    return RunSpec(str(text_path), ModelConfig(cell=cell, hidden=32, layers=layers, embed=8), TrainConfig(**train))


def live_app(spec: RunSpec, tmp_path: Path, **kwargs) -> PlaygroundApp:
    """The real app with the real training process."""
    return PlaygroundApp(spec, BackgroundTrainer(spec), checkpoint_path=str(tmp_path / "run.pt"), **kwargs)


def scripted_app(spec: RunSpec, tmp_path: Path, steps: int = 40, **kwargs) -> PlaygroundApp:
    """The real app on a deterministic in-process run, sampling as fast as it can."""
    options = dict(sample_seed=0, sample_pace=None, sample_pause=3600.0, **kwargs)
    return PlaygroundApp(spec, ScriptedTrainer(spec, steps), checkpoint_path=str(tmp_path / "run.pt"), **options)


def shown(widget) -> str:
    """What a widget shows, as plain text: its lines as rendered on the screen."""
    return "\n".join(strip.text for strip in widget.render_lines(widget.region.reset_offset)).rstrip()


def sampling_ready(app) -> bool:
    """The engine is loaded (the sampler and its settings exist) and a run is on screen."""
    return app.sampling.sampler is not None and app.state.ready is not None


async def wait_for(pilot, condition, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.05)
    await asyncio.sleep(0)
