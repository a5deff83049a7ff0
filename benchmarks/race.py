"""Row 9: is the cell race fair, and what does it cost? (issue 11)

Four cells (Elman, Jordan, LSTM, GRU) at 100k parameters on the default text (seq 64, batch 16,
embed 16: `rnn-tui race`'s defaults), one torch thread (the race process's), N steps each.

Reference, "alone": each cell's N training steps timed by themselves, one cell after the other.
Candidates:
  sequential: `run_compare` with a budget of N steps per cell (what the app and the CLI run: builds
      each model, evaluates at the end and writes a sample);
  interleaved: the four trainers in one process, one step of each in turn.
Fairness: each cell's characters per second in a candidate over its speed alone; a fair race
keeps every ratio at 1 (the spread below is the largest |ratio - 1| over the cells). Cost: the
candidate's total time over the sum of the cells' times alone (target: at most 1.05).
Rounds alternate the three (ABC, CBA, ...); medians over rounds.

    python3 -m benchmarks.race [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime

from benchmarks.common import Options, Result, default_corpus, torch_threads
from benchmarks.report import header, load_average, table
from benchmarks.timing import alternate, median
from rnn_tui.engine.compare import Contender, Vary, contenders, run_compare
from rnn_tui.engine.config import CELLS, ModelConfig, TrainConfig
from rnn_tui.engine.training import Trainer

PARAMS, EMBED, SEQ, BATCH = 100_000, 16, 64, 16
TARGET = 1.05


def race(steps: int) -> list[Contender]:
    """The four cells at PARAMS parameters each, as the app and `rnn-tui race` line them up."""
    train = TrainConfig(seq=SEQ, batch=BATCH, steps=steps, eval_every=steps, seed=0)
    return contenders(Vary("cell", CELLS), ModelConfig(embed=EMBED), train, len(default_corpus().vocab), PARAMS)


def trainers(steps: int) -> list[Trainer]:
    return [Trainer(c.model, c.train, default_corpus(), "cpu") for c in race(steps)]


def alone(steps: int) -> tuple[float, dict[str, float]]:
    seconds = {}
    for trainer in trainers(steps):
        start = time.perf_counter()
        for _ in range(steps):
            trainer.train_step()
        seconds[trainer.model_config.cell] = time.perf_counter() - start
    return sum(seconds.values()), seconds


def sequential(steps: int) -> tuple[float, dict[str, float]]:
    runs = race(steps)
    start = time.perf_counter()
    finished = run_compare(runs, default_corpus(), "cpu")
    return time.perf_counter() - start, {e.cell: e.seconds for e in finished}


def interleaved(steps: int) -> tuple[float, dict[str, float]]:
    runners = trainers(steps)
    seconds = {t.model_config.cell: 0.0 for t in runners}
    start = time.perf_counter()
    for _ in range(steps):
        for trainer in runners:
            began = time.perf_counter()
            trainer.train_step()
            seconds[trainer.model_config.cell] += time.perf_counter() - began
    return time.perf_counter() - start, seconds


def run(options: Options) -> list[Result]:
    steps = 40 if options.quick else 300
    with torch_threads(1):
        alone(5)  # warm up every kernel once
        rounds = alternate({"alone": lambda: alone(steps), "sequential": lambda: sequential(steps),
                            "interleaved": lambda: interleaved(steps)}, options.report_rounds)
    results = []
    for name in ("sequential", "interleaved"):
        cost = median([total / ref_total for (total, _), (ref_total, _) in zip(rounds[name], rounds["alone"])])
        ratios = {cell: median([ref[cell] / own[cell] for (_, own), (_, ref) in zip(rounds[name], rounds["alone"])])
                  for cell in CELLS}
        spread = max(abs(r - 1) for r in ratios.values())
        results.append(Result(
            f"9 race {name}, 4 cells x {PARAMS // 1000}k params x {steps} steps t1",
            f"total {cost:.3f}x the cells alone; speed vs alone " + ", ".join(f"{c} {r:.3f}" for c, r in ratios.items())
            + f" (spread {spread:.3f})", f"<= {TARGET}x" if name == "sequential" else "report",
            cost <= TARGET if name == "sequential" else None))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    options = Options(quick=parser.parse_args(argv).quick)
    started, load = datetime.now(), load_average()
    results = run(options)
    print("\n".join(header(started, load, "1") + [""] + table(results)))
    return 0 if all(r.met is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
