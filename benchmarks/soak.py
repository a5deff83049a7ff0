"""A long session of the playground: memory stays flat, the loss plot stays cheap, keys still work.

Run from the repository root:

    python benchmarks/soak.py                 # 100,000 steps, 10-12 minutes on two cores
    python benchmarks/soak.py --steps 3000    # a quick check of the soak itself, under a minute

The real PlaygroundApp with the real BackgroundTrainer runs headless (App.run_test at 120x40)
with a tiny model on sample_texts/structured.txt, so that many steps pass quickly while the
loss plot, the sampler and the hidden-state heatmap keep updating as they do in a session:
the default run stands for an hour-long session. In a quick check the warm-up ends a second
or two in, while the UI process is still loading its engine, so its memory verdict means little.

Every --sample-every steps the soak records the resident memory (VmRSS from /proc, so Linux
only) of the UI process and of the training process, and times LossPlot.draw() a few times on
the UI thread, as the plot's own timer runs it. Draw times are the UI thread's CPU time
(time.thread_time), not wall time, so that other work on the machine, which preempts the thread
at random, does not pass for growth. Checked, with the first tenth of the run as warm-up:

  memory   each process's RSS grows by at most a few MB from the end of the warm-up to the end;
  plot     the median draw time over the samples in the tenth of the run after the warm-up and
           over those in the last tenth stay close (the curves are bounded History objects,
           downsampled to the plot's width); draw() plus the plotext render that turns it into
           text is shown beside it;
  keys     at the end, space pauses: RunState.paused flips and the step stops advancing; space
           again resumes and the step moves on. Each is timed from the key press, in wall time.

The process exits with 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from textual.pilot import Pilot

from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.texts import sample_texts_dir, text_name
from rnn_tui.run.process import BackgroundTrainer
from rnn_tui.run.spec import RunSpec
from rnn_tui.tui.app import PlaygroundApp
from rnn_tui.tui.widgets.loss_plot import LossPlot

SIZE = (120, 40)
TEXT = "structured.txt"
WARMUP_FRACTION = 0.1  # the warm-up, and the length of the windows whose draw times are compared
SAMPLES_PER_RUN = 50  # the default --sample-every is the run's steps over this
DRAW_CALLS = 5  # timed draws per sample, after one untimed
POLL = 0.01  # seconds between looks at the app's state while timing a key
HOLD = 1.0  # a pause has taken hold once the step has not moved for this long
STALL_TIMEOUT = 120.0  # seconds without a step before the run is declared stuck
START_TIMEOUT = 120.0  # seconds for the training process to take its first step
KEY_TIMEOUT = 10.0  # seconds for a key's effect to show

RSS_GROWTH_TARGET_MB = 5.0
DRAW_RATIO_TARGET = 1.5
FLAG_TARGET_MS = 100.0  # the key to RunState.paused set or cleared
PAUSE_HOLD_TARGET_MS = 500.0  # the key to the last step the app sees before the pause
RESUME_TARGET_MS = 500.0  # the key to the first step the app sees after resuming


def soak_spec() -> RunSpec:
    model = ModelConfig(cell="lstm", hidden=16, layers=1, embed=8)
    train = TrainConfig(seq=16, batch=4, eval_every=500)
    return RunSpec(str(sample_texts_dir() / TEXT), model, train)


# ---- measurements ----


@dataclass(frozen=True)
class Sample:
    step: int
    seconds: float  # since the first step
    ui_mb: float
    training_mb: float
    points: int  # in the train curve's History
    draw_ms: float  # LossPlot.draw(), UI-thread CPU time, median of DRAW_CALLS
    redraw_ms: float  # draw() and the render that turns the figure into text, likewise


@dataclass(frozen=True)
class KeyTimes:
    """Milliseconds from a key press to its effect; None where it did not show within KEY_TIMEOUT."""

    pause_flag_ms: float | None  # RunState.paused set
    pause_hold_ms: float | None  # the last step the app saw; None: the step kept moving
    resume_flag_ms: float | None  # RunState.paused cleared
    resume_ms: float | None  # the first step the app saw after resuming


@dataclass(frozen=True)
class SoakResult:
    samples: list[Sample]
    warmup_step: int
    keys: KeyTimes
    plot_redraws: int


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS in /proc/{pid}/status")


def time_draw(plot: LossPlot) -> tuple[float, float]:
    """Median milliseconds of the UI thread's CPU time for draw() and for draw() with render()."""
    plot.draw()
    plot.render()
    draws, redraws = [], []
    for _ in range(DRAW_CALLS):
        t0 = time.thread_time()
        plot.draw()
        t1 = time.thread_time()
        plot.render()
        t2 = time.thread_time()
        draws.append(t1 - t0)
        redraws.append(t2 - t0)
    return 1000 * statistics.median(draws), 1000 * statistics.median(redraws)


async def wait_for_step(app: PlaygroundApp, step: int) -> None:
    """Until the app has seen `step`; fails if the training process dies, stops or stalls."""
    state, process = app.state, app.training.handle.process
    last, moved = state.step, time.monotonic()
    while state.step < step:
        if not process.is_alive():
            raise RuntimeError(f"the training process died at step {state.step} (exit code {process.exitcode})")
        if state.finished:
            raise RuntimeError(f"training stopped at step {state.step}: {state.finished}")
        if state.step != last:
            last, moved = state.step, time.monotonic()
        elif time.monotonic() - moved > STALL_TIMEOUT:
            raise RuntimeError(f"no training step for {STALL_TIMEOUT:.0f} s at step {state.step}")
        await asyncio.sleep(0.05)


def press_space(pilot: Pilot) -> tuple[asyncio.Task, float]:
    """Start pressing space and return the press with the time it began. The press is a task:
    Pilot.press returns only once the app has gone idle, well after the key took effect."""
    return asyncio.create_task(pilot.press("space")), time.perf_counter()


def since(start: float) -> float:
    return 1000 * (time.perf_counter() - start)


async def check_keys(pilot: Pilot, app: PlaygroundApp) -> KeyTimes:
    """Pause with space and watch the step stop, then resume with space and watch it move."""
    state = app.state
    pause_flag_ms = pause_hold_ms = None
    last_step = state.step
    press, start = press_space(pilot)
    last_move = start
    while since(start) < 1000 * KEY_TIMEOUT:
        if pause_flag_ms is None and state.paused:
            pause_flag_ms = since(start)
        if state.step != last_step:
            last_step, last_move = state.step, time.perf_counter()
        elif pause_flag_ms is not None and since(last_move) >= 1000 * HOLD:
            pause_hold_ms = 1000 * (last_move - start)
            break
        await asyncio.sleep(POLL)
    await press

    resume_flag_ms = resume_ms = None
    held = state.step
    press, start = press_space(pilot)
    while since(start) < 1000 * KEY_TIMEOUT and resume_ms is None:
        if resume_flag_ms is None and not state.paused:
            resume_flag_ms = since(start)
        if state.step != held:
            resume_ms = since(start)
        await asyncio.sleep(POLL)
    await press
    return KeyTimes(pause_flag_ms, pause_hold_ms, resume_flag_ms, resume_ms)


async def soak(spec: RunSpec, steps: int, sample_every: int) -> SoakResult:
    warmup_step = max(1, round(steps * WARMUP_FRACTION))
    with tempfile.TemporaryDirectory() as tmp:
        trainer = BackgroundTrainer(spec)
        app = PlaygroundApp(spec, trainer, checkpoint_path=str(Path(tmp) / "run.pt"))
        async with app.run_test(size=SIZE) as pilot:
            deadline = time.monotonic() + START_TIMEOUT
            while app.state.step == 0:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no training step within {START_TIMEOUT:.0f} s of starting")
                await asyncio.sleep(0.1)
            plot = app.query_one("#plot", LossPlot)
            pids = os.getpid(), trainer.process.pid
            started = time.monotonic()
            samples: list[Sample] = []
            for target in sorted({*range(sample_every, steps, sample_every), warmup_step, steps}):
                if samples and samples[-1].step >= target:  # the app saw several steps in one batch
                    continue
                await wait_for_step(app, target)
                step, seconds = app.state.step, time.monotonic() - started
                memory = [rss_mb(pid) for pid in pids]
                sample = Sample(step, seconds, *memory, len(app.state.train_curve), *time_draw(plot))
                samples.append(sample)
                print_sample(sample)
            keys = await check_keys(pilot, app)
            redraws = plot.redraws
            await app.action_quit()  # the app's own way out: the sampler and the training process stop first
    return SoakResult(samples, warmup_step, keys, redraws)


# ---- report ----


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def print_header(spec: RunSpec, steps: int, sample_every: int) -> None:
    model, train = spec.model, spec.train
    print(f"rnn-tui soak, {datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"os.cpu_count() = {os.cpu_count()}, load average {load_average()}")
    print(f"python {platform.python_version()}, torch {version('torch')}, textual {version('textual')}")
    print(f"run: {text_name(spec.text)}, {model.cell} hidden {model.hidden} embed {model.embed}, "
          f"batch {train.batch} x seq {train.seq}, eval every {train.eval_every}, {spec.threads} torch thread(s)")
    print(f"{steps:,} steps, sampled every {sample_every:,}, warm-up {WARMUP_FRACTION:.0%} of the run; "
          f"app at {SIZE[0]}x{SIZE[1]}; draw times are UI-thread CPU ms, median of {DRAW_CALLS}")
    print()
    print(f"{'step':>9}  {'time':>7}  {'UI RSS':>8}  {'training RSS':>12}  {'plot points':>11}  "
          f"{'draw':>7}  {'+render':>8}  {'load':>4}")


def print_sample(sample: Sample) -> None:
    minutes, seconds = divmod(int(sample.seconds), 60)
    print(f"{sample.step:>9,}  {minutes:>4}:{seconds:02d}  {sample.ui_mb:>5.1f} MB  {sample.training_mb:>9.1f} MB  "
          f"{sample.points:>11,}  {sample.draw_ms:>4.2f} ms  {sample.redraw_ms:>5.1f} ms  {os.getloadavg()[0]:>4.2f}",
          flush=True)


class Table:
    """Rows of measure, value, target and verdict; remembers whether every target was met."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []
        self.all_met = True

    def add(self, measure: str, value: str, target: str = "", met: bool | None = None) -> None:
        if met is not None:
            self.all_met &= met
        self.rows.append((measure, value, target, "" if met is None else "met" if met else "missed"))

    def print(self) -> None:
        header = ("measure", "value", "target", "")
        widths = [max(len(row[i]) for row in (header, *self.rows)) for i in range(4)]
        for row in (header, *self.rows):
            print(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}".rstrip())


def add_key_row(table: Table, measure: str, ms: float | None, missing: str, target_ms: float) -> None:
    value = missing if ms is None else f"{ms:.0f} ms"
    table.add(measure, value, f"<= {target_ms:.0f} ms", ms is not None and ms <= target_ms)


def report(result: SoakResult) -> bool:
    """Print the table; True when every target is met."""
    samples, warmup_step, keys = result.samples, result.warmup_step, result.keys
    warm = next(s for s in samples if s.step >= warmup_step)
    end = samples[-1]
    after_warmup = [s for s in samples if s.step >= warm.step]
    # the draw windows: the tenth of the run after the warm-up, and the last tenth, each at least one sample
    first = [s for s in after_warmup if s.step < warm.step + warmup_step] or [warm]
    last = [s for s in after_warmup if s.step > end.step - warmup_step] or [end]

    table = Table()
    table.add("steps seen by the app", f"{end.step:,} in {end.seconds / 60:.1f} min")
    table.add("steps/s after warm-up", f"{(end.step - warm.step) / max(end.seconds - warm.seconds, 1e-9):,.0f}")
    for name, start_mb, end_mb, max_mb in [
        ("UI process", warm.ui_mb, end.ui_mb, max(s.ui_mb for s in after_warmup)),
        ("training process", warm.training_mb, end.training_mb, max(s.training_mb for s in after_warmup)),
    ]:
        growth = end_mb - start_mb
        table.add(f"{name} RSS, warm-up -> end", f"{start_mb:.1f} -> {end_mb:.1f} MB ({growth:+.1f})",
                  f"<= +{RSS_GROWTH_TARGET_MB:g} MB", growth <= RSS_GROWTH_TARGET_MB)
        table.add(f"{name} RSS, max after warm-up", f"{max_mb:.1f} MB")
    table.add("train curve points, warm-up -> end", f"{warm.points:,} -> {end.points:,}")
    draw_first, draw_last = (statistics.median(s.draw_ms for s in window) for window in (first, last))
    redraw_first, redraw_last = (statistics.median(s.redraw_ms for s in window) for window in (first, last))
    table.add(f"plot.draw(), first {len(first)} -> last {len(last)} samples",
              f"{draw_first:.2f} -> {draw_last:.2f} ms")
    ratio = draw_last / draw_first
    table.add("plot.draw() last / first", f"{ratio:.2f}", f"<= {DRAW_RATIO_TARGET:g}", ratio <= DRAW_RATIO_TARGET)
    table.add("plot draw + render, first -> last", f"{redraw_first:.1f} -> {redraw_last:.1f} ms "
              f"(x{redraw_last / redraw_first:.2f})")
    table.add("plot redraws by its timer", f"{result.plot_redraws:,}")
    add_key_row(table, "space -> paused", keys.pause_flag_ms, "never", FLAG_TARGET_MS)
    add_key_row(table, "space -> last step before the pause", keys.pause_hold_ms, "never stopped",
                PAUSE_HOLD_TARGET_MS)
    add_key_row(table, "space again -> not paused", keys.resume_flag_ms, "never", FLAG_TARGET_MS)
    add_key_row(table, "space again -> first new step", keys.resume_ms, "never moved", RESUME_TARGET_MS)
    print()
    table.print()
    print(f"(a pause counts as taken hold when the step then stays put for {HOLD:g} s; load average at the end "
          f"{load_average()}: other work on the machine slows the steps and the key timings)")
    return table.all_met


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100_000, help="training steps to run (default 100000)")
    parser.add_argument("--sample-every", type=int, default=None,
                        help=f"steps between samples of memory and draw time (default: steps / {SAMPLES_PER_RUN})")
    args = parser.parse_args(argv)
    if args.sample_every is None:
        args.sample_every = max(1, args.steps // SAMPLES_PER_RUN)
    if args.steps < 10 or args.sample_every < 1:
        parser.error("--steps must be at least 10 and --sample-every at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    if not Path("/proc/self/status").exists():
        print("the soak reads memory from /proc: Linux only", file=sys.stderr)
        return 2
    args = parse_args(argv)
    spec = soak_spec()
    print_header(spec, args.steps, args.sample_every)
    result = asyncio.run(soak(spec, args.steps, args.sample_every))
    return 0 if report(result) else 1


if __name__ == "__main__":
    sys.exit(main())
