"""What counting the run's text costs the training beside it: the default run on the default text
(the tiny preset on `python`, one torch thread, as the training process runs it), its steps
timed in windows of about a second while no counting runs, and while a counting process (run/counting.py:
at training's priority, fitting orders 1-9 of the 4 MB text and scoring the baseline) does; three rounds, each
with a new counting process and an empty cache folder (a cached text costs almost nothing). Also
the parent's cost of starting one (the app starts it once the run is built, so it cannot delay
the first step by more than that). Figures are ratios within the run:

    python3 -m benchmarks.counting
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import torch

from benchmarks.report import cpu_model, load_average
from rnn_tui.engine.config import PRESETS, ModelConfig, TrainConfig, apply_overrides
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.training import Trainer
from rnn_tui.run.counting import CountBaseline, CountingProcess

ROUNDS = 3
WINDOW = 1.0


def window(trainer: Trainer) -> float:
    """Mean seconds per training step over about WINDOW seconds."""
    started, steps = time.perf_counter(), 0
    while time.perf_counter() - started < WINDOW:
        trainer.train_step()
        steps += 1
    return (time.perf_counter() - started) / steps


def main() -> None:
    cache = Path(tempfile.mkdtemp(prefix="rnn-tui-counting-"))
    os.environ["XDG_CACHE_HOME"] = str(cache)  # before the forkserver starts: every counting process reads it
    torch.set_num_threads(1)
    corpus = Corpus.load("python")
    preset = PRESETS["tiny"]
    trainer = Trainer(apply_overrides(ModelConfig(), preset.model), apply_overrides(TrainConfig(), preset.train),
                      corpus, "cpu")
    for _ in range(3):
        window(trainer)  # warm up
    # the forkserver up, as the training process has left it in the app (the first start waits for it)
    CountingProcess("essay", Corpus.load("essay").vocab.chars).start().close()
    alone, beside, starts, counted = [], [], [], []
    for _ in range(ROUNDS):
        alone += [window(trainer) for _ in range(3)]
        shutil.rmtree(cache / "rnn-tui", ignore_errors=True)
        began = time.perf_counter()
        process = CountingProcess("python", corpus.vocab.chars).start()
        starts.append(time.perf_counter() - began)
        done = threading.Event()

        def count(process: CountingProcess = process, done: threading.Event = done) -> None:
            process.ask(CountBaseline(trainer.train_config))
            done.set()

        threading.Thread(target=count, daemon=True).start()
        while not done.is_set():
            beside.append(window(trainer))
        counted.append(time.perf_counter() - began)
        process.close()
        alone += [window(trainer) for _ in range(3)]
    slowdown = statistics.median(beside) / statistics.median(alone) - 1
    print(f"{datetime.now():%Y-%m-%d %H:%M} · {cpu_model()} · load {load_average()}")
    print(f"step alone: median {statistics.median(alone) * 1000:.2f} ms over {len(alone)} windows; "
          f"beside counting: {statistics.median(beside) * 1000:.2f} ms over {len(beside)} windows")
    print(f"training slowed by {slowdown:+.1%} while counting ran (target <= 3%)")
    print(f"counting took {statistics.median(counted):.1f} s (median of {ROUNDS}) beside the training; "
          f"starting it cost the parent {max(starts) * 1000:.0f} ms at most (target: first step delayed <= 0.5 s)")
    shutil.rmtree(cache)


if __name__ == "__main__":
    main()
