"""Small things seen on screen: each can fail on its own."""

from dataclasses import replace

from rich.console import Console
from textual.widgets import Input, Label

from rnn_tui.engine.events import SettingEvent
from rnn_tui.tui.app import PlaygroundApp
from rnn_tui.tui.screens.dialogs import ConfirmScreen
from rnn_tui.tui.state import RunState
from rnn_tui.tui.widgets.status import TrainingStatus

from .conftest import asked, published, sampling_ready, scripted_app, shown, status_text, tiny_spec, wait_for
from .fixed_run import SPEC, FixedTrainer


async def test_speed_shows_a_dash_while_paused(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "k chars/s" in status_text(app), what="speed")
        await pilot.press("space")
        await wait_for(pilot, lambda: "‖ paused" in status_text(app),
                       what="the pause confirmed")
        assert "k chars/s" not in status_text(app)
        await app.action_quit()


async def test_a_refused_top_k_leaves_the_value_in_force_and_escape_leaves_the_box(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: sampling_ready(app), what="the engine")
        top_k = app.query_one("#top-k", Input)
        top_k.focus()
        await pilot.press("5", "enter")
        await pilot.press("backspace", *"999", "enter")
        assert app.notices[-1][0] == "error" and top_k.value == "5" and app.sampling.settings.top_k == 5
        await pilot.press("escape")
        assert app.focused is None
        await pilot.press("g")  # a key of the app again, not a letter in the box
        assert app.sampling.settings.greedy and top_k.value == "5"
        await app.action_quit()


async def test_a_long_question_wraps_instead_of_being_cut(tmp_path):
    app = scripted_app(tiny_spec(tmp_path / "unused.txt"), tmp_path)
    app.training.handle = FixedTrainer()
    question = ("Start a fresh shakespeare-5min run (best on CPU: a 1x384 LSTM at Adam 3e-3, for a 5-minute "
                "budget)? Unsaved training is lost.")
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ConfirmScreen(question, "Reset"))
        await pilot.pause()
        label = app.screen.query_one(Label)
        assert " ".join(shown(label).split()) == question
        await pilot.press("enter")  # the safe choice
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen) and asked(app) == []
        await app.action_quit()


def test_a_cleared_stop_point_ends_the_progress_bar():
    state = RunState(replace(SPEC, train=replace(SPEC.train, steps=50)))
    state.ready, state.step = object(), 50
    assert state.progress == 1.0
    state.on_event(SettingEvent(50, "stop_points", 0.0))
    assert state.progress is None and state.spec.train.steps is None


async def test_greedy_is_never_cropped_and_dims_the_dial(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:  # the narrow dial of a small terminal
        await wait_for(pilot, lambda: app.sampling.settings is not None, what="the engine")
        dial = app.temperature
        assert "greedy" not in shown(dial) and "dim" not in str(dial.render().style)
        await pilot.press("g")
        assert shown(dial).rstrip().endswith("greedy") and dial.greedy
        assert "dim" in str(dial.render().style)  # the temperature does not apply: the dial is dimmed
        await pilot.press("g")
        dial.set_value(0.0)
        await pilot.pause()
        assert shown(dial).rstrip().endswith("greedy")  # T = 0 is greedy too
        await app.action_quit()


async def test_a_long_seed_does_not_hide_the_generated_text(text_path, tmp_path, small_text):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: sampling_ready(app), what="the engine")
        seed = small_text[:480]  # a seed of many lines, all of the model's characters
        app.channels.sample.publish(None)
        app.sampling.set_seed_text(seed)
        await published(pilot, app.channels.sample, lambda s: s.seed_text == seed and s.done,
                        "a sample after the long seed")
        scroll = app.query_one("#sample-scroll")
        await wait_for(pilot, lambda: scroll.max_scroll_y > 0 and scroll.scroll_y == scroll.max_scroll_y,
                       what="the panel at the end of the text")
        await app.action_quit()


def test_no_animation_unless_the_user_asks_for_one(monkeypatch, tmp_path):
    """A view switch slid the tab underline over some 20 frames, each a redraw the next key waited on."""
    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    assert PlaygroundApp(SPEC, FixedTrainer(), checkpoint_path=str(tmp_path / "a.pt")).animation_level == "none"
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "full")
    app = PlaygroundApp(SPEC, FixedTrainer(), checkpoint_path=str(tmp_path / "b.pt"))
    assert app.animation_level == "full"


def test_a_process_gone_before_its_run_started_is_said_instead_of_starting():
    state = RunState(SPEC)
    state.on_failed("the training process ended unexpectedly (exit status 1)", process_gone=True)
    console = Console(width=120, record=True)
    console.print(TrainingStatus.render_table(state, width=60))
    text = console.export_text()
    assert "no run: the training process ended unexpectedly" in text and "starting" not in text


async def test_the_apps_thread_workers_run_torch_on_one_thread(text_path, tmp_path, monkeypatch):
    """torch.set_num_threads holds only for the thread that calls it (tui/torch_threads.py): each
    worker thread sets its own, before its work."""
    import threading

    import torch

    set_here = threading.local()  # what set_num_threads was given in each thread
    monkeypatch.setattr(torch, "set_num_threads", lambda n: setattr(set_here, "threads", n))
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        seen: list[int | None] = []
        worker = app.run_worker(lambda: seen.append(getattr(set_here, "threads", None)), thread=True)
        await wait_for(pilot, lambda: worker.is_finished, what="the worker")
        assert seen == [1]
        await app.action_quit()


def test_a_worker_that_starts_while_torch_is_half_imported_still_runs(monkeypatch):
    """The engine imports torch in a worker thread; a worker that starts meanwhile (counting, the
    training bridge) finds half a module, without set_num_threads: it must run all the same."""
    import importlib.machinery
    import sys
    import types

    from rnn_tui.tui.torch_threads import on_one_torch_thread

    half = types.ModuleType("torch")
    half.__spec__ = importlib.machinery.ModuleSpec("torch", None)
    half.__spec__._initializing = True
    monkeypatch.setitem(sys.modules, "torch", half)
    assert on_one_torch_thread(lambda: "ran")() == "ran"


async def test_leaving_settings_restyles_the_field_it_leaves_not_every_field(text_path, tmp_path, monkeypatch):
    """Textual restyles all of a frame with a :focus-within rule at each focus change: the settings,
    one panel that fills its tab, are framed without one (20 ms of their fields at each switch)."""
    from rnn_tui.tui.widgets.field import Field

    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        assert app.focused is app.query_one("#set-cell")
        restyled, update = [], app.stylesheet.update_nodes
        monkeypatch.setattr(app.stylesheet, "update_nodes",
                            lambda nodes, animate=False: restyled.extend(nodes) or update(nodes, animate))
        await pilot.press("f2")
        await pilot.pause()
        assert app.focused is None and app.query_one("#set-cell") in restyled
        assert not any(isinstance(node, Field) for node in restyled)
