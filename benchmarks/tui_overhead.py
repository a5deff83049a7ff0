"""How much the playground's UI costs the training it shows, and how responsive the UI stays.

Run from the repository root:

    python benchmarks/tui_overhead.py                        # 3 rounds of 15 s windows
    python benchmarks/tui_overhead.py --rounds 1 --seconds 5 # a quick check, under a minute

The run is the app's default one: the "tiny" preset on the bundled text, one torch thread in
the training process (the spec `rnn-tui` builds with no flags). Each round measures, in turn:

  A   the real PlaygroundApp with the real BackgroundTrainer, headless via App.run_test at
      120x40, with the loss plot, the sampler and the hidden-state heatmap on screen and updating;
  B1  a plain Trainer.run loop in a spawned process with one torch thread and no UI;
  B2  the same with two torch threads, the fastest headless setting on a two-core machine.

Training speed is characters per second from step counts and wall time over a window that
opens after a warm-up: for A from the app's RunState.step (which trails the training process
by at most one message batch, about 0.1 s, at both ends of the window), for B from the step
events inside the training process. Never the app's smoothed chars/s display. Reported:
the median over rounds of each, and the ratios of the medians.

UI responsiveness is the lateness of a 50 ms timer, `app.set_interval(0.05)`, during A's
windows: each tick is a Timer event carrying the time it was due on the timer's ideal schedule,
and a run_test message hook takes the difference when the app's message loop dispatches it, so
a tick waits behind whatever the app is busy with, as a key press would. Textual's timers skip
the slots a stall has passed, so a stall longer than 50 ms shows as one late tick.

Headless Textual composes every frame but neither encodes nor writes it, so a real terminal
costs the UI process a little more than measured here.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing as mp
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime
from importlib.metadata import version
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Callable

from textual import events
from textual.message import Message
from textual.timer import Timer

from rnn_tui.background import BackgroundTrainer, RunSpec
from rnn_tui.cli import build_parser
from rnn_tui.events import Event, StepEvent
from rnn_tui.tui.app import PlaygroundApp
from rnn_tui.tui.launch import spec_from_args
from rnn_tui.tui.widgets.loss_plot import LossPlot

SIZE = (120, 40)
TICK = 0.05  # seconds between the probe timer's ticks
FASTEST_THREADS = 2  # one per core on the two-core machine this was written for
CHARS_PER_SEC_TARGET = 0.90  # in-app / headless with one thread, at least
LATENESS_P95_TARGET_MS = 30.0
FIRST_FRAME_TIMEOUT = 120.0  # seconds for the app to start training and show its first heatmap


# ---- A: the app ----


@dataclass
class AppResult:
    chars_per_sec: float
    lateness_ms: list[float]
    seconds: float
    plot_redraws: int
    sampler_updates: int
    heatmap_updates: int


class UiProbe:
    """A 50 ms timer on the app, and the message hook that sees its ticks reach the app's message loop."""

    def __init__(self) -> None:
        self.app: PlaygroundApp | None = None
        self.timer: Timer | None = None
        self.lateness_ms: list[float] = []
        self.sampler_updates = 0
        self.heatmap_updates = 0

    def start(self, app: PlaygroundApp) -> None:
        self.app = app
        self._last_sample = app.last_sample
        self._last_inspection = app.last_inspection
        # No callback: each tick is a Timer event carrying its ideal time, queued like any other message.
        self.timer = app.set_interval(TICK)

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None

    def __call__(self, message: Message) -> None:
        if not (isinstance(message, events.Timer) and message.timer is self.timer):
            return
        self.lateness_ms.append(1000 * (time.monotonic() - message.time))  # Textual's clock off Windows
        app = self.app
        if app.last_sample is not self._last_sample:
            self._last_sample = app.last_sample
            self.sampler_updates += 1
        if app.last_inspection is not self._last_inspection:
            self._last_inspection = app.last_inspection
            self.heatmap_updates += 1


async def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.1)


async def measure_app(spec: RunSpec, warmup: float, seconds: float) -> AppResult:
    with tempfile.TemporaryDirectory() as tmp:
        app = PlaygroundApp(spec, BackgroundTrainer(spec), checkpoint_path=str(Path(tmp) / "run.pt"))
        probe = UiProbe()
        async with app.run_test(size=SIZE, message_hook=probe):
            await wait_until(lambda: app.last_inspection is not None and app.state.step > 0, FIRST_FRAME_TIMEOUT,
                             "training to start and the heatmap to show a first inspection")
            plot = app.query_one(LossPlot)
            for widget in (plot, app.sampler_panel, app.distribution, app.hidden_view):
                if not widget.display or widget.region.area == 0:
                    raise RuntimeError(f"#{widget.id} is not on screen at {SIZE[0]}x{SIZE[1]}")
            await asyncio.sleep(warmup)
            redraws = plot.redraws
            probe.start(app)
            step0, t0 = app.state.step, time.monotonic()
            await asyncio.sleep(seconds)
            step1, t1 = app.state.step, time.monotonic()
            probe.stop()
            redraws = plot.redraws - redraws
            await app.action_quit()  # the app's own way out: the sampler and the training process stop first
    return AppResult(chars_per_sec=(step1 - step0) * chars_per_step(spec) / (t1 - t0),
                     lateness_ms=probe.lateness_ms, seconds=t1 - t0, plot_redraws=redraws,
                     sampler_updates=probe.sampler_updates, heatmap_updates=probe.heatmap_updates)


# ---- B: headless training in a spawned process ----


class StepWindow:
    """An emit callback for Trainer.run: times the steps of one window after a warm-up, then stops the run."""

    def __init__(self, control: Any, warmup: float, seconds: float):
        self.control = control
        self.warmup = warmup
        self.seconds = seconds
        self.first: float | None = None
        self.start: tuple[int, float] | None = None
        self.steps_per_sec: float | None = None

    def __call__(self, event: Event) -> None:
        if not isinstance(event, StepEvent):
            return
        now = time.perf_counter()
        if self.first is None:
            self.first = now
        elif self.start is None:
            if now - self.first >= self.warmup:
                self.start = (event.step, now)
        elif now - self.start[1] >= self.seconds:
            self.steps_per_sec = (event.step - self.start[0]) / (now - self.start[1])
            self.control.stop()


def headless_child(spec: RunSpec, warmup: float, seconds: float, result: Connection) -> None:
    """The training process of a headless run: set up as the app's training process is, minus the queues."""
    import torch

    from rnn_tui.data import Corpus
    from rnn_tui.training import Control, Trainer

    torch.set_num_threads(spec.threads)
    trainer = Trainer(spec.model, spec.train, Corpus.from_file(spec.text_path), spec.device)
    gc.collect()
    gc.freeze()
    control = Control()
    window = StepWindow(control, warmup, seconds)
    trainer.run(window, control)
    result.send(window.steps_per_sec * chars_per_step(spec))


def measure_headless(spec: RunSpec, warmup: float, seconds: float) -> float:
    ctx = mp.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=headless_child, args=(spec, warmup, seconds, sender), name="headless-trainer")
    process.start()
    sender.close()  # so that recv() fails instead of hanging if the child dies
    try:
        return receiver.recv()
    except EOFError:
        raise RuntimeError(f"the headless training process failed (exit code {process.exitcode})") from None
    finally:
        process.join()


# ---- report ----


def chars_per_step(spec: RunSpec) -> int:
    return spec.train.batch * spec.train.seq


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def print_header(spec: RunSpec, args: argparse.Namespace) -> None:
    model, train = spec.model, spec.train
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"rnn-tui UI overhead benchmark, {datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine: {platform.platform()}, {platform.machine()}, os.cpu_count() = {os.cpu_count()}, "
          f"load average {load}")
    print(f"python {platform.python_version()}, torch {version('torch')}, textual {version('textual')}")
    print(f"run: {Path(spec.text_path).name}, {model.cell} hidden {model.hidden} embed {model.embed}, "
          f"batch {train.batch} x seq {train.seq} = {chars_per_step(spec)} chars/step, eval every {train.eval_every}")
    print(f"torch threads: app training process {spec.threads} (UI process 1, set by the app); "
          f"headless {spec.threads} and {FASTEST_THREADS}")
    print(f"{args.rounds} rounds of A, B1, B2; {args.warmup:g} s warm-up, then {args.seconds:g} s windows; "
          f"app at {SIZE[0]}x{SIZE[1]}, probe timer every {TICK * 1000:.0f} ms")
    print()


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    header = ("measure", "value", "target", "")
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(4)]
    for row in (header, *rows):
        print(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}".rstrip())


def verdict(met: bool) -> str:
    return "met" if met else "missed"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of A, B1, B2 (default 3)")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each measurement window (default 15)")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="seconds of training before each window opens (default 3)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--rounds must be at least 1, --seconds positive and --warmup not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    spec = spec_from_args(build_parser().parse_args([]))  # what `rnn-tui` runs with no flags
    fastest = replace(spec, threads=FASTEST_THREADS)
    print_header(spec, args)

    in_app: list[float] = []
    headless: list[float] = []
    headless_fastest: list[float] = []
    lateness: list[float] = []
    for round_number in range(1, args.rounds + 1):
        a = asyncio.run(measure_app(spec, args.warmup, args.seconds))
        in_app.append(a.chars_per_sec)
        lateness += a.lateness_ms
        headless.append(measure_headless(spec, args.warmup, args.seconds))
        headless_fastest.append(measure_headless(fastest, args.warmup, args.seconds))
        print(f"round {round_number}: A {a.chars_per_sec:,.0f}  B1 {headless[-1]:,.0f}  "
              f"B2 {headless_fastest[-1]:,.0f} chars/s; during A's {a.seconds:.1f} s: {a.plot_redraws} plot redraws, "
              f"{a.sampler_updates} sampler and {a.heatmap_updates} heatmap updates seen", flush=True)

    a_med, b_med, b2_med = (statistics.median(v) for v in (in_app, headless, headless_fastest))
    p50, p95 = percentile(lateness, 50), percentile(lateness, 95)
    print()
    print_table([
        ("in-app chars/s (A, median)", f"{a_med:,.0f}", "", ""),
        (f"headless chars/s, {spec.threads} thread (B1, median)", f"{b_med:,.0f}", "", ""),
        (f"headless chars/s, {FASTEST_THREADS} threads (B2, median)", f"{b2_med:,.0f}", "", ""),
        ("A / B1", f"{a_med / b_med:.3f}", f">= {CHARS_PER_SEC_TARGET:.2f}",
         verdict(a_med / b_med >= CHARS_PER_SEC_TARGET)),
        ("A / B2", f"{a_med / b2_med:.3f}", "", ""),
        ("50 ms timer lateness p50", f"{p50:.1f} ms", "", ""),
        ("50 ms timer lateness p95", f"{p95:.1f} ms", f"<= {LATENESS_P95_TARGET_MS:.0f} ms",
         verdict(p95 <= LATENESS_P95_TARGET_MS)),
        ("50 ms timer lateness max", f"{max(lateness):.1f} ms", "", ""),
    ])
    print(f"({len(lateness)} timer ticks; load average at the end "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
