"""Messages from an old run never meet a new one: rapid text switches, a sampler that survives
them, a run that cannot start, and an app that crashes exits non-zero."""

import random
import subprocess
import sys
from dataclasses import replace

import pytest
from textual.widgets import Input

from rnn_tui.cli import main
from rnn_tui.engine.config import PRESETS, ModelConfig
from rnn_tui.engine.data import Vocab
from rnn_tui.engine.errors import UserError

from .conftest import (
    live_app,
    next_published,
    pause_acknowledged,
    process_messages,
    status_text,
    tiny_spec,
    wait_for,
)


def text_with(distinct: int, length: int, seed: int) -> str:
    """A text of `length` characters drawn from `distinct` characters (CJK past the letters)."""
    alphabet = [chr(ord("a") + k) if k < 26 else chr(0x4E00 + k) for k in range(distinct)]
    rng = random.Random(seed)
    return "".join(alphabet) + "".join(rng.choice(alphabet) for _ in range(length - distinct))


async def test_twenty_rapid_switches_end_with_a_live_sampler_on_the_last_text(tmp_path, small_text):
    paths = []
    for k, distinct in enumerate([2, 18, 53, 3000, 5, 80]):
        path = tmp_path / f"text{k}.txt"
        path.write_text(text_with(distinct, max(4000, 2 * distinct), k), encoding="utf-8")
        paths.append(path)
    first = tmp_path / "first.txt"
    first.write_text(small_text)
    spec = replace(tiny_spec(first), model=ModelConfig(cell="lstm", hidden=16, embed=4))
    app = live_app(spec, tmp_path, sample_pace=None, sample_gap=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.channels.sample.value is not None, what="a first sample")
        top_k = app.query_one("#top-k", Input)
        top_k.focus()
        await pilot.press("4", "0", "enter")
        assert app.sampling.settings.top_k == 40
        rng = random.Random(0)
        for k in range(20):
            path = paths[k % len(paths)]
            app.training.restart(replace(app.state.spec, text=str(path), model=replace(app.state.spec.model,
                                                                                         vocab_size=0)))
            await pilot.pause(rng.choice([0.0, 0.05, 0.2, 0.5]))
        last = Vocab.from_text(path.read_text(encoding="utf-8")).chars
        await wait_for(pilot, lambda: app.state.ready is not None and app.state.ready.vocab == last,
                       what="the last text's run")
        sample = await next_published(pilot, app.channels.sample, lambda s: s is not None and s.run == app.state.run
                                      and s.done)  # the sampler goes on: a finished sample is on screen briefly
        assert set(sample.generated) <= set(last) and sample.vocab == last
        assert app.is_running and not [text for severity, text in app.notices if severity == "error"]
        assert app.sampling.settings.top_k == 0  # set to off when a text had fewer than 40 characters
        assert any(severity == "warning" and text.startswith("top-k 40 is more than the") for severity, text
                   in app.notices)
        await app.action_quit()


async def test_a_run_that_cannot_start_says_why(tmp_path, small_text):
    path = tmp_path / "short.txt"
    path.write_text(small_text[:300])
    app = live_app(tiny_spec(path, seq=200), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "no run:" in status_text(app),
                       what="the reason on the status")
        assert "too short" in status_text(app)
        await app.action_quit()


def test_a_sequence_longer_than_the_text_is_refused_before_the_screen_opens(tmp_path, small_text, capsys):
    path = tmp_path / "t.txt"
    path.write_text(small_text)
    assert main(["--text", str(path), "--seq", "100000"]) == 2  # the app never started
    err = capsys.readouterr().err
    assert "t.txt (12,000 characters) is too short for batch 16 x seq 100000" in err and err.count("\n") == 1


def test_the_python_text_is_checked_without_assembling_it():
    from rnn_tui.cli import build_parser
    from rnn_tui.run.spec import DEFAULT_PRESET, spec_from_args

    batch = PRESETS[DEFAULT_PRESET].train["batch"]
    with pytest.raises(UserError, match=f"python .* too short for batch {batch} x seq 1000000"):
        spec_from_args(build_parser().parse_args(["--seq", "1000000"]))


def test_a_crash_of_the_app_exits_non_zero(tmp_path):
    code = """
import sys
from rnn_tui.tui import app as playground
def boom(self):
    raise RuntimeError("injected failure")
playground.PlaygroundApp.start_background_work = boom
run = playground.PlaygroundApp.run
playground.PlaygroundApp.run = lambda self, **kw: run(self, headless=True)
from rnn_tui.cli import main
sys.exit(main(["--text", "essay"]))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "injected failure" in result.stdout + result.stderr


async def test_the_process_says_whether_it_trains_and_a_new_run_keeps_the_pause(text_path, tmp_path):
    app = live_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step >= 3, what="training")
        seen = process_messages(app)
        await pilot.press("space")
        app.training.restart(app.state.spec)  # a reset sent right after the pause
        app.state.paused = False  # even if the app had lost track, the process's word counts
        await wait_for(pilot, lambda: app.state.ready is not None and app.state.paused, what="the new run, paused")
        step = app.state.step
        await pause_acknowledged(pilot, app, seen)
        assert app.state.step == step  # it really waits: no step came before the process's word
        await pilot.press("space")
        await wait_for(pilot, lambda: app.state.step > step + 3 and not app.state.paused, what="training again")
        await app.action_quit()


async def test_a_training_process_that_dies_is_shown_as_gone(text_path, tmp_path):
    app = live_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.step >= 3, what="training")
        app.training.handle.process.kill()
        await wait_for(pilot, lambda: "ended unexpectedly" in status_text(app),
                       what="the status to say so")
        assert app.state.paused and any("exit status -9" in text for _, text in app.notices)
        await app.action_quit()
