"""How much the playground's UI costs the training it shows, and how responsive the UI stays.

Run from the repository root:

    python benchmarks/tui_overhead.py                         # 3 rounds, 15 s windows
    python benchmarks/tui_overhead.py --rounds 1 --seconds 5  # a quick check, under a minute
    python benchmarks/tui_overhead.py --insight               # with the views of what it learned live
    python benchmarks/tui_overhead.py --story                 # the horizon, timeline, replay and a race live
    python benchmarks/tui_overhead.py --fan                   # the Sampler tab: the temperature fan live

The run is the app's default one: the "tiny" preset on the bundled text, one torch thread in
the training process (the spec `rnn-tui` builds with no flags). Each round measures, in turn:

  A   the real PlaygroundApp with the real BackgroundTrainer, headless via App.run_test at
      120x40, with the loss plot, the sampler and the hidden-state heatmap on screen and updating;
  B1  a plain Trainer.run loop in a spawned process with one torch thread and no UI;
  B2  the same with two torch threads, the fastest headless setting on a two-core machine.

Training speed is characters per second from step counts and wall time over a window that
opens after a warm-up: for A from the app's RunState.step (which trails the training process
by at most one message batch, about 0.1 s, at both ends of the window), for B from the step
events inside the training process; never from the app's smoothed chars/s display. Reported:
the median over rounds of each, and the ratios of the medians.

UI responsiveness is the lateness of a 50 ms timer, `app.set_interval(0.05)`, during A's
windows: each tick is a Timer event carrying the time it was due on the timer's ideal schedule,
and a run_test message hook takes the difference when the app's message loop dispatches it, so
a tick waits behind whatever the app is busy with, as a key press would. Textual's timers skip
the slots a stall has passed, so a stall longer than 50 ms shows as one late tick.

Each window also records, from /proc on Linux, the CPU used by the benchmark's processes and by
everything else on the machine ("other work"), since other work skews both measurements.
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
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from importlib.metadata import version
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from textual import events
from textual.message import Message
from textual.timer import Timer

from rnn_tui.cli import build_parser
from rnn_tui.engine.events import Event, StepEvent
from rnn_tui.engine.texts import text_name
from rnn_tui.run.process import BackgroundTrainer
from rnn_tui.run.spec import RunSpec, build_trainer, spec_from_args
from rnn_tui.tui.app import PlaygroundApp
from rnn_tui.tui.widgets.loss_plot import LossPlot

SIZE = (120, 40)
TICK = 0.05  # seconds between the probe timer's ticks
FASTEST_THREADS = 2  # one per core on the two-core machine this was written for
CHARS_PER_SEC_TARGET = 0.90  # in-app / headless with one thread, at least
LATENESS_P95_TARGET_MS = 30.0
FIRST_FRAME_TIMEOUT = 120.0  # seconds for the app to start training and show its first heatmap


# ---- CPU accounting ----


@dataclass(frozen=True)
class CpuReading:
    wall: float
    machine: float  # CPU seconds all cores spent busy (or stolen by the hypervisor) since boot
    processes: tuple[float, ...]  # CPU seconds of each process watched


@dataclass(frozen=True)
class CpuUse:
    """Cores in use over a window: by each process watched, and by everything else."""

    processes: tuple[float, ...]
    other: float


def read_cpu(*pids: int) -> CpuReading | None:
    """Linux only (/proc); None elsewhere."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        per_process = []
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            per_process.append(int(fields[11]) + int(fields[12]))  # utime + stime
    except OSError:
        return None
    hz = os.sysconf("SC_CLK_TCK")
    busy = sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait
    return CpuReading(time.monotonic(), busy / hz, tuple(t / hz for t in per_process))


def cpu_use(start: CpuReading | None, end: CpuReading | None) -> CpuUse | None:
    if start is None or end is None:
        return None
    wall = end.wall - start.wall
    processes = tuple((b - a) / wall for a, b in zip(start.processes, end.processes))
    return CpuUse(processes, max(0.0, (end.machine - start.machine) / wall - sum(processes)))


# ---- A: the app ----


@dataclass(frozen=True)
class AppResult:
    chars_per_sec: float
    lateness_ms: list[float]
    seconds: float
    plot_redraws: int
    sampler_updates: int
    heatmap_updates: int
    cpu: CpuUse | None  # processes: the UI process, the training process


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
        self._last_sample = app.channels.sample.value
        self._last_inspection = app.channels.inspection.value
        # No callback: each tick is a Timer event carrying its ideal time, queued like any other message.
        self.timer = app.set_interval(TICK)

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None

    def __call__(self, message: Message) -> None:
        if not (isinstance(message, events.Timer) and message.timer is self.timer):
            return
        self.lateness_ms.append(1000 * (time.monotonic() - message.time))  # Textual's clock, off Windows
        app = self.app
        sample, inspection = app.channels.sample.value, app.channels.inspection.value
        if sample is not self._last_sample:
            self._last_sample = sample
            self.sampler_updates += 1
        if inspection is not self._last_inspection:
            self._last_inspection = inspection
            self.heatmap_updates += 1


async def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.1)


INSIGHT_TABS = ("units", "factors", "gates", "surprisal", "edge", "write")
STORY_TABS = ("gradients", "timeline")


async def story(app: PlaygroundApp, seconds: float) -> None:
    """Issue 11's views in turn: the gradient horizon, the timeline, then the playground replaying an
    earlier moment of the run."""
    for tab in (*STORY_TABS, "playground"):
        await app.action_show_tab(tab)
        if tab == "playground":
            app.action_scrub(-1)
            app.action_scrub(-1)
        await asyncio.sleep(seconds / (len(STORY_TABS) + 1))
    app.action_scrub(1)
    app.action_scrub(1)


async def race_window(app: PlaygroundApp, seconds: float) -> None:
    """A race of the cells on screen (training waits meanwhile, so no speed is measured here)."""
    app.comparisons.race_cells(0.5)
    await asyncio.sleep(seconds)
    app.screen.action_close()
    await asyncio.sleep(0.5)


async def measure_app(spec: RunSpec, warmup: float, seconds: float, insight: bool = False,
                      with_story: bool = False, fan: bool = False) -> AppResult:
    with tempfile.TemporaryDirectory() as tmp:
        trainer = BackgroundTrainer(spec)
        app = PlaygroundApp(spec, trainer, checkpoint_path=str(Path(tmp) / "run.pt"))
        probe = UiProbe()
        async with app.run_test(size=SIZE, message_hook=probe):
            await wait_until(lambda: app.channels.inspection.value is not None and app.state.step > 0,
                             FIRST_FRAME_TIMEOUT, "training to start and the heatmap to show a first inspection")
            plot = app.query_one(LossPlot)
            for widget in (plot, app.query_one("#sampler"), app.query_one("#distribution"), app.hidden_view):
                if not widget.display or widget.region.area == 0:
                    raise RuntimeError(f"#{widget.id} is not on screen at {SIZE[0]}x{SIZE[1]}")
            if insight:  # the heatmap ordered by a feature keeps the finder reading on the playground too
                app.hidden_view.query_one("#order").value = "double_quote"
            await asyncio.sleep(warmup)
            redraws = plot.redraws
            probe.start(app)
            cpu0, step0, t0 = read_cpu(os.getpid(), trainer.process.pid), app.state.step, time.monotonic()
            if insight:  # each view of what the model learned in turn, then the playground
                for tab in (*INSIGHT_TABS, "playground"):
                    await app.action_show_tab(tab)
                    await asyncio.sleep(seconds / (len(INSIGHT_TABS) + 1))
            elif with_story:
                await story(app, seconds)
            elif fan:  # the fan of five rows, its beam search and temperature sweep, at the default pace
                await app.action_show_tab("sampler")
                await asyncio.sleep(seconds)
            else:
                await asyncio.sleep(seconds)
            cpu1, step1, t1 = read_cpu(os.getpid(), trainer.process.pid), app.state.step, time.monotonic()
            if with_story:  # the timer's lateness goes on being measured with the race's screen live
                await race_window(app, seconds / 3)
            probe.stop()
            redraws = plot.redraws - redraws
            await app.action_quit()  # the app's own way out: the sampler and the training process stop first
    return AppResult(chars_per_sec=(step1 - step0) * chars_per_step(spec) / (t1 - t0),
                     lateness_ms=probe.lateness_ms, seconds=t1 - t0, plot_redraws=redraws,
                     sampler_updates=probe.sampler_updates, heatmap_updates=probe.heatmap_updates,
                     cpu=cpu_use(cpu0, cpu1))


# ---- B: headless training in a spawned process ----


@dataclass(frozen=True)
class HeadlessResult:
    chars_per_sec: float
    cpu: CpuUse | None  # processes: the training process


class StepWindow:
    """An emit callback for Trainer.run: times the steps of one window after a warm-up, then stops the run."""

    def __init__(self, control: Any, warmup: float, seconds: float):
        self.control = control
        self.warmup = warmup
        self.seconds = seconds
        self.first: float | None = None
        self.start: tuple[int, float, CpuReading | None] | None = None
        self.steps_per_sec: float | None = None
        self.cpu: CpuUse | None = None

    def __call__(self, event: Event) -> None:
        if not isinstance(event, StepEvent):
            return
        now = time.monotonic()
        if self.first is None:
            self.first = now
        elif self.start is None:
            if now - self.first >= self.warmup:
                self.start = (event.step, now, read_cpu(os.getpid()))
        elif now - self.start[1] >= self.seconds:
            step0, t0, cpu0 = self.start
            self.steps_per_sec = (event.step - step0) / (now - t0)
            self.cpu = cpu_use(cpu0, read_cpu(os.getpid()))
            self.control.stop()


def headless_child(spec: RunSpec, warmup: float, seconds: float, result: Connection) -> None:
    """The training process of a headless run: set up as the app's training process is, minus the queues
    (`build_trainer` sets its threads, measuring them where the spec leaves them open)."""
    from rnn_tui.engine.training import Control

    trainer = build_trainer(spec)
    gc.collect()
    gc.freeze()
    control = Control()
    window = StepWindow(control, warmup, seconds)
    trainer.run(window, control)
    result.send(HeadlessResult(window.steps_per_sec * chars_per_step(spec), window.cpu))


def measure_headless(spec: RunSpec, warmup: float, seconds: float) -> HeadlessResult:
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


def cores(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def print_header(spec: RunSpec, args: argparse.Namespace) -> None:
    model, train = spec.model, spec.train
    print(f"rnn-tui UI overhead benchmark, {datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"os.cpu_count() = {os.cpu_count()}, load average {load_average()}")
    print(f"python {platform.python_version()}, torch {version('torch')}, textual {version('textual')}")
    print(f"run: {text_name(spec.text)}, {model.cell} hidden {model.hidden} embed {model.embed}, "
          f"batch {train.batch} x seq {train.seq} = {chars_per_step(spec)} chars/step, eval every {train.eval_every}")
    print(f"torch threads: app training process {spec.threads}, app UI process 1 (set by the app), "
          f"headless B1 {spec.threads}, B2 {FASTEST_THREADS}")
    print(f"{args.rounds} round(s) of A, B1, B2; {args.warmup:g} s warm-up, then {args.seconds:g} s windows; "
          f"app at {SIZE[0]}x{SIZE[1]}, probe timer every {TICK * 1000:.0f} ms")
    if args.insight:
        print(f"A shows {', '.join(INSIGHT_TABS)} and the playground in turn, the heatmap ordered by a feature")
    if args.story:
        print(f"A shows {', '.join(STORY_TABS)}, then the playground replaying an earlier moment; after each window "
              "a race of the cells is on screen for a third of a window (training waits: its speed is not counted, "
              "the timer's lateness is)")
    if args.fan:
        print("A shows the Sampler tab: the fan of five rows at 120 chars/s, beam search of width 8 and the sweep")
    print()


def print_round(number: int, a: AppResult, b1: HeadlessResult, b2: HeadlessResult) -> None:
    ui, training = a.cpu.processes if a.cpu else (None, None)
    print(f"round {number}: chars/s A {a.chars_per_sec:,.0f}, B1 {b1.chars_per_sec:,.0f}, B2 {b2.chars_per_sec:,.0f}")
    print(f"  A: {a.plot_redraws} plot redraws, {a.sampler_updates} sampler and {a.heatmap_updates} heatmap "
          f"updates seen in {a.seconds:.1f} s; cores used: UI process {cores(ui)}, training process {cores(training)}")
    print(f"  cores used by other work: during A {cores(a.cpu and a.cpu.other)}, B1 {cores(b1.cpu and b1.cpu.other)}, "
          f"B2 {cores(b2.cpu and b2.cpu.other)}", flush=True)


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
    parser.add_argument("--insight", action="store_true",
                        help="show each view of what the model learned in turn during A's windows")
    parser.add_argument("--fan", action="store_true", help="show the Sampler tab (the temperature fan) in A's windows")
    parser.add_argument("--story", action="store_true",
                        help="show the horizon, the timeline and a replay during A's windows, then a race")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="seconds of training before each window opens (default 3)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--rounds must be at least 1, --seconds positive and --warmup not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    spec = spec_from_args(build_parser().parse_args([]))  # what `rnn-tui` runs with no flags
    print_header(spec, args)

    in_app: list[float] = []
    headless: list[float] = []
    headless_fastest: list[float] = []
    lateness: list[float] = []
    for number in range(1, args.rounds + 1):
        a = asyncio.run(measure_app(spec, args.warmup, args.seconds, args.insight, args.story, args.fan))
        b1 = measure_headless(spec, args.warmup, args.seconds)
        b2 = measure_headless(replace(spec, threads=FASTEST_THREADS), args.warmup, args.seconds)
        in_app.append(a.chars_per_sec)
        headless.append(b1.chars_per_sec)
        headless_fastest.append(b2.chars_per_sec)
        lateness += a.lateness_ms
        print_round(number, a, b1, b2)

    a_med, b1_med, b2_med = (statistics.median(v) for v in (in_app, headless, headless_fastest))
    p50, p95 = percentile(lateness, 50), percentile(lateness, 95)
    print()
    print_table([
        ("in-app chars/s (A, median)", f"{a_med:,.0f}", "", ""),
        (f"headless chars/s, {spec.threads} thread (B1, median)", f"{b1_med:,.0f}", "", ""),
        (f"headless chars/s, {FASTEST_THREADS} threads (B2, median)", f"{b2_med:,.0f}", "", ""),
        ("A / B1", f"{a_med / b1_med:.3f}", f">= {CHARS_PER_SEC_TARGET:.2f}",
         verdict(a_med / b1_med >= CHARS_PER_SEC_TARGET)),
        ("A / B2", f"{a_med / b2_med:.3f}", "", ""),
        ("50 ms timer lateness p50", f"{p50:.1f} ms", "", ""),
        ("50 ms timer lateness p95", f"{p95:.1f} ms", f"<= {LATENESS_P95_TARGET_MS:.0f} ms",
         verdict(p95 <= LATENESS_P95_TARGET_MS)),
        ("50 ms timer lateness max", f"{max(lateness):.1f} ms", "", ""),
    ])
    print(f"({len(lateness)} timer ticks; load average at the end {load_average()})")
    if b2_med < b1_med:
        print(f"note: {FASTEST_THREADS} torch threads trained slower than {spec.threads} here, "
              f"so the fastest headless setting was B1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
