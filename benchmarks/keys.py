"""How long a key that opens a view holds the screen (issue 27, section 3), in the real app with its
real training process (the default run on the default text), headless at 120x40.

    python3 -m benchmarks.keys [--rounds 3] [--busy]

For each view's key, in the views table's order, then back to the playground: the time from the
key's arrival in the app's message queue to the first frame the screen composes with the view's tab
active (the first press of a view mounts its widgets; later ones only switch). That is what a person
waits to see the view. The frame is caught where Textual composes it (`Screen._compositor_refresh`,
a private method: a benchmark may lean on it, the app does not); until 2026-12-06 the time ran to
the first `call_after_refresh` callback instead, which also waits for messages queued before it
(6 to 30 ms more). `--busy` keeps one core busy with another process; TEXTUAL_ANIMATIONS=full measures
with the animations the app turns off.
Reported per view: the first press, and the median and the largest of the later ones; the goal is
under 100 ms at the 95th percentile of every switch. What the UI thread did meanwhile: its own CPU
time (drawing, and whatever else it ran) and, on Linux, its time runnable but waiting for a core
(/proc/thread-self/schedstat), which is what held it on 2026-12-07 (RESULTS.md). Also the
time from `quit` to the app's exit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from textual import events

from benchmarks.beat_counting import record
from benchmarks.report import load_average
from rnn_tui.cli import build_parser
from rnn_tui.run.process import BackgroundTrainer
from rnn_tui.run.spec import spec_from_args
from rnn_tui.tui.app import PlaygroundApp
from rnn_tui.tui.views import VIEWS, View

WARMUP_STEPS = 50  # the run built, torch loaded, training under way, a first sample drawn


def catch_frames(app: PlaygroundApp) -> list[tuple[float, str | None]]:
    """From now on, each frame the app's screen composes: (when, the id of the view open then)."""
    frames: list[tuple[float, str | None]] = []
    screen = app.screen
    compose = screen._compositor_refresh

    def composed() -> None:
        compose()
        frames.append((time.perf_counter(), app.open_view()))

    screen._compositor_refresh = composed
    return frames


@dataclass(frozen=True)
class Switch:
    seconds: float  # from the key's arrival to the first frame composed with the view's tab active
    cpu: float  # the UI thread's CPU time meanwhile
    waited: float | None  # the UI thread's time runnable but without a core meanwhile (Linux only)


def run_queue_seconds() -> float | None:
    """This thread's time spent runnable and waiting for a core since it started (Linux only)."""
    try:
        return int(Path("/proc/thread-self/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


async def switch(app: PlaygroundApp, view: View, frames: list[tuple[float, str | None]]) -> Switch:
    """A view's key, to the first frame composed with its tab active (run in the UI thread)."""
    start, seen, cpu, queued = time.perf_counter(), len(frames), time.thread_time(), run_queue_seconds()
    app.post_message(events.Key(view.key, view.key if len(view.key) == 1 else None))
    while (drawn := next((when for when, shown in frames[seen:] if shown == view.id), None)) is None:
        await asyncio.sleep(0.002)
    now_queued = run_queue_seconds()
    waited = now_queued - queued if now_queued is not None and queued is not None else None
    return Switch(drawn - start, time.thread_time() - cpu, waited)


async def measure(rounds: int) -> tuple[dict[str, list[Switch]], float]:
    spec = spec_from_args(build_parser().parse_args([]))  # what `rnn-tui` runs with no flags
    times: dict[str, list[Switch]] = {view.id: [] for view in VIEWS}
    with tempfile.TemporaryDirectory() as folder:
        app = PlaygroundApp(spec, BackgroundTrainer(spec), checkpoint_path=str(Path(folder) / "run.pt"))
        async with app.run_test(size=(120, 40)) as pilot:
            while app.state.step < WARMUP_STEPS:
                await pilot.pause(0.5)
            frames = catch_frames(app)
            for _ in range(rounds):
                for view in [*VIEWS[1:], VIEWS[0]]:  # the playground last: it is open at the start
                    times[view.id].append(await switch(app, view, frames))
                    await asyncio.sleep(0.5)  # what the view starts (a reading, the fan) runs meanwhile, as in use
            start = time.perf_counter()
            await app.action_quit()
        quit_seconds = time.perf_counter() - start
    return times, quit_seconds


def p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))] if values else float("nan")


def table(times: dict[str, list[Switch]], quit_seconds: float) -> list[str]:
    later = [s for switches in times.values() for s in switches[1:]]
    lines = ["| view | key | first press (mounts it) | later presses, median | later presses, largest |",
             "| --- | --- | --- | --- | --- |"]
    keys = {view.id: view.key for view in VIEWS}
    for view_id, switches in times.items():
        rest = [s.seconds for s in switches[1:]] or [float("nan")]
        lines.append(f"| {view_id} | {keys[view_id]} | {1000 * switches[0].seconds:.0f} ms "
                     f"| {1000 * statistics.median(rest):.0f} ms | {1000 * max(rest):.0f} ms |")
    waits = [s.waited for s in later if s.waited is not None]
    waited = f", waiting for a core {1000 * p95(waits):.0f} ms" if waits else ""
    lines += ["", f"Every later switch: 95th percentile {1000 * p95([s.seconds for s in later]):.0f} ms (goal: under "
                  f"100 ms); the UI thread's own 95th percentiles: drawing (its CPU time) "
                  f"{1000 * p95([s.cpu for s in later]):.0f} ms{waited}. Quit: {quit_seconds:.2f} s to the app's "
                  "exit (goal: under 1 s)."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", action="store_true", help="keep one core busy with another process")
    args = parser.parse_args()
    started, load = datetime.now(), load_average()
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    try:
        times, quit_seconds = asyncio.run(measure(args.rounds))
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    where = "beside a process keeping one core busy" if args.busy else "quiet"
    animations = os.environ.get("TEXTUAL_ANIMATIONS", "none, the app's default")
    record(f"A key that opens a view, to the first frame that shows it ({where}, the default run training, "
           f"animations: {animations})",
           table(times, quit_seconds), started, load, command="benchmarks.keys")


if __name__ == "__main__":
    main()
