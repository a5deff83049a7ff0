"""How soon quitting stops training: the app (headless, Textual's pilot) on the real training process,
ctrl+q once the run has taken 5 steps, timed until the process has exited by itself. The reference,
measured in the same rounds, is a new run's start: from asking the same process for it (Reset) to
its Ready, the same round trip to the process with a model built in between. The suite asserts only
that the process stops by itself; how fast is this row's figure.

Target: the median quit under 1.5 s (what the suite asserted before, on a clock).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.run.process import BackgroundTrainer
from rnn_tui.run.spec import RunSpec
from rnn_tui.tui.app import PlaygroundApp

ROUNDS = 5


async def until(pilot, condition) -> None:
    while not condition():
        await pilot.pause(0.02)


async def one_round(folder: Path) -> tuple[float, float]:
    spec = RunSpec("essay", ModelConfig(cell="lstm", hidden=32, embed=8), TrainConfig(seq=24, batch=8, eval_every=50))
    app = PlaygroundApp(spec, BackgroundTrainer(spec), checkpoint_path=str(folder / "run.pt"))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.state.step >= 5)
        started, run = time.perf_counter(), app.state.run
        app.training.restart(replace(app.state.spec))
        await until(pilot, lambda: app.state.run != run and app.state.ready is not None)
        start = time.perf_counter() - started
        await until(pilot, lambda: app.state.step >= 5)
        process = app.training.handle.process
        asked = time.perf_counter()
        await app.action_quit()
        while process.is_alive():
            await asyncio.sleep(0.005)
        quit_seconds = time.perf_counter() - asked
        if process.exitcode != 0:
            sys.exit(f"the training process was killed (exit {process.exitcode}), not stopped")
    return quit_seconds, start


def main() -> None:
    quits, starts = [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(ROUNDS):
            quit_seconds, start = asyncio.run(one_round(Path(folder)))
            quits.append(quit_seconds)
            starts.append(start)
    quit_median, start_median = statistics.median(quits), statistics.median(starts)
    print(f"quit: median {quit_median * 1000:.0f} ms (max {max(quits) * 1000:.0f} ms) over {ROUNDS} rounds; "
          f"a new run's start {start_median * 1000:.0f} ms; quit / start = {quit_median / start_median:.2f}")
    print("target: quit under 1.5 s:", "met" if quit_median < 1.5 else "NOT MET")


if __name__ == "__main__":
    main()
