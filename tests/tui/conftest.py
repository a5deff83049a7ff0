import asyncio
import os
import threading
from pathlib import Path

import pytest
import torch
from _pytest.faulthandler import fault_handler_stderr_fd_key

from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.run.counting import CountingHere
from rnn_tui.run.process import BackgroundTrainer
from rnn_tui.run.protocol import Pause, Paused
from rnn_tui.run.spec import RunSpec
from rnn_tui.tui.app import PlaygroundApp

from .scripted import ScriptedTrainer


@pytest.fixture(autouse=True, scope="session")
def one_thread():
    torch.set_num_threads(1)


AWAITING: list[str] = []  # what the running test's wait_for awaits now
LOOPS: list[asyncio.AbstractEventLoop] = []  # the running test's event loop, once it has waited


@pytest.fixture(autouse=True)
def say_what_a_stuck_test_awaits(request):
    """When faulthandler dumps the stacks of a test still running (pyproject.toml), the main thread
    shows only the event loop: a second later (so that the line ends the dump, where CI's excerpt
    of the output still shows it) this says which wait_for the test is in and the lines of ours
    each of the loop's tasks is suspended on, on the same stream, which xdist keeps."""
    seconds, fd = float(request.config.getini("faulthandler_timeout") or 0), request.config.stash.get(
        fault_handler_stderr_fd_key, None)
    if not seconds or fd is None:
        yield
        return

    def say() -> None:
        os.write(fd, f"{request.node.nodeid} awaits {AWAITING}; suspended at {suspended_lines()}\n".encode())

    timer = threading.Timer(seconds + 1, say)
    timer.daemon = True
    timer.start()
    yield
    timer.cancel()
    AWAITING.clear()
    LOOPS.clear()


def suspended_lines() -> list[str]:
    """Where each task of the test's loop waits: the chain of its coroutines' lines in tests/ and rnn_tui/.
    Read from another thread, for a report only."""
    if not LOOPS:
        return []
    found = []
    for task in list(asyncio.all_tasks(LOOPS[0])):
        chain, coro = [], task.get_coro()
        while (frame := getattr(coro, "cr_frame", None)) is not None:
            if "/tests/" in frame.f_code.co_filename or "/rnn_tui/" in frame.f_code.co_filename:
                chain.append(f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno} {frame.f_code.co_name}")
            coro = coro.cr_await
        if chain:
            found.append(" > ".join(chain))
    return found


@pytest.fixture
def text_path(tmp_path, small_text) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(small_text)
    return path


def tiny_spec(text_path: Path, cell: str = "lstm", layers: int = 1, **train) -> RunSpec:
    train = {"seq": 24, "batch": 8, "lr": 1e-2, "eval_every": 10, "seed": 3, **train}
    return RunSpec(str(text_path), ModelConfig(cell=cell, hidden=32, layers=layers, embed=8), TrainConfig(**train))


LIVE_PACE = 20.0  # steps a second: tests wait for a few steps or an evaluation (every 10), each step an event


def live_app(spec: RunSpec, tmp_path: Path, **kwargs) -> PlaygroundApp:
    """The real app with the real training process, paced (a tiny model trains hundreds of steps a
    second flat out, each an event the app handles). It counts its small text in this process unless
    told otherwise: the counting process has tests of its own."""
    options = {"counter": CountingHere, **kwargs}
    return PlaygroundApp(spec, BackgroundTrainer(spec, pace=LIVE_PACE), checkpoint_path=str(tmp_path / "run.pt"),
                         **options)


def scripted_app(spec: RunSpec, tmp_path: Path, steps: int = 40, trainer: type[ScriptedTrainer] = ScriptedTrainer,
                 **kwargs) -> PlaygroundApp:
    """The real app on a deterministic in-process run, sampling as fast as it can, counting its
    small text in this process (the counting process has tests of its own: test_counting.py)."""
    options = dict(random_seed=0, sample_pace=None, sample_gap=3600.0, counter=CountingHere, **kwargs)
    return PlaygroundApp(spec, trainer(spec, steps), checkpoint_path=str(tmp_path / "run.pt"), **options)


def shown(widget) -> str:
    """What a widget shows, as plain text: its lines as rendered on the screen."""
    return "\n".join(strip.text for strip in widget.render_lines(widget.region.reset_offset)).rstrip()


def status_text(app) -> str:
    """What the training panel says (mode, step, losses, the model)."""
    return shown(app.query_one("#status-table"))


def read(widget) -> str:
    """What a bordered, wrapping widget says, as one line: its lines joined without the border."""
    return " ".join(line.strip(" │") for line in shown(widget).splitlines()[1:-1]).strip()


def sampling_ready(app) -> bool:
    """The engine is loaded (the sampler and its settings exist) and a run is on screen."""
    return app.sampling.sampler is not None and app.state.ready is not None


async def wait_for(pilot, condition, what: str = "condition") -> None:
    """Let the app run until `condition()` holds. No deadline: work the test does not measure may
    take as long as a busy machine needs; a test that never gets there is ended by pytest-timeout
    (pyproject.toml), and a minute before, the faulthandler dump names its `what` (the fixture above)."""
    app = pilot.app
    LOOPS[:] = [asyncio.get_running_loop()]
    AWAITING.append(what)
    while not condition():
        if app._exception is not None:  # the app crashed: say so now, not when the guard ends the test
            raise AssertionError(f"the app failed while waiting for {what}") from app._exception
        await pilot.pause(0.05)
    AWAITING.remove(what)
    await pilot.pause(0)  # let the screen lay out what it just received; a test still waits for what it reads


async def answer(pilot, button: str) -> None:
    """Wait for a dialog to show `button` (e.g. "#yes"), then click it."""
    app = pilot.app
    await wait_for(pilot, lambda: bool(app.screen.query(button)), what=f"a dialog with {button}")
    await pilot.click(button)


async def switch_text(pilot, text: str) -> None:
    """Switch the run to another text, say yes, and wait for the new run to be on screen."""
    app = pilot.app
    before = app.state.run
    app.training.switch_text(text)
    await answer(pilot, "#yes")
    await wait_for(pilot, lambda: app.state.run != before and app.state.ready is not None, what="the new run")


async def pick_units(pilot, text: str) -> None:
    """In One step: `u`, then `text` (e.g. "12, 40") into the units prompt, and Enter."""
    app = pilot.app
    await pilot.press("u")
    await wait_for(pilot, lambda: bool(app.screen.query("#prompt-input")), what="the units prompt")
    app.screen.query_one("#prompt-input").value = text
    await pilot.press("enter")


async def apply_settings(pilot) -> None:
    """Press Apply on the settings form. Not a click: a second click within 0.2 s of the last lands
    while the button still shows its press, and Textual drops it."""
    pilot.app.query_one("#apply").press()
    await pilot.pause()


async def settled(pilot) -> None:
    """The screen as the app's timers would soon leave it, now: the throttled panels redrawn, then idle."""
    from rnn_tui.tui.widgets.loss_plot import LossPlot
    from rnn_tui.tui.widgets.status import TrainingStatus
    from rnn_tui.tui.widgets.timeline import TimelineView

    app = pilot.app
    for status in app.query(TrainingStatus):
        status.show()
    for timeline in app.query(TimelineView):
        timeline.show_if_changed()
    for plot in app.query(LossPlot):
        plot.redraw_if_changed()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def published(pilot, channel, accept=lambda value: True, what: str | None = None):
    """The value on `channel` once it is one that `accept` takes (it may be there already)."""
    await wait_for(pilot, lambda: channel.value is not None and accept(channel.value), what=what or f"a {channel.name}")
    return channel.value


async def next_published(pilot, channel, accept=lambda value: value is not None):
    """The next value published on `channel` that `accept` takes (results, not a clock)."""
    seen: list = []
    channel.watch(pilot.app.screen, lambda value: accept(value) and seen.append(value))
    seen.clear()  # watching calls at once with the newest value: only what comes next counts
    await wait_for(pilot, lambda: bool(seen), what=f"the next {channel.name}")
    return seen[0]


def process_messages(app) -> list:
    """Every message the training process sends from now on, in order (a spy on the controller)."""
    seen, apply = [], app.training.apply

    def spy(items):
        seen.extend(items)
        apply(items)

    app.training.apply = spy
    return seen


async def pause_acknowledged(pilot, app, seen: list) -> None:
    """Pause (again) and wait for the process to say so: it does after the step in flight, so no step
    event comes after its word."""
    count = sum(isinstance(m, Paused) and m.paused for m in seen)
    app.training.handle.send(Pause())
    await wait_for(pilot, lambda: sum(isinstance(m, Paused) and m.paused for m in seen) > count,
                   what="the process's Paused")


def asked(app) -> list:
    """The commands the user's actions sent to the trainer: all it was sent but the counting baseline,
    which the app sends by itself once the text is counted."""
    from rnn_tui.run.protocol import SetBaseline

    return [command for command in app.training.handle.commands if not isinstance(command, SetBaseline)]
