"""Does the network beat counting where a user watches? Each run is `rnn-tui train --json` in a
child process, read event by event: its baseline (the best n-gram on the characters the run is
scored on), its evaluations on the training clock, and when it first went below the baseline.

    python3 -m benchmarks.beat_counting passing [--seeds 3] [--busy]  # the default run, 3 minutes
    python3 -m benchmarks.beat_counting ten [--texts python,structured]  # the 10min preset's margins
    python3 -m benchmarks.beat_counting ablation [--minutes 3]  # one row per lever tried
    python3 -m benchmarks.beat_counting race [--minutes 3] [--cells mingru,gru] [--layers 1,2] [--params N,M]
    python3 -m benchmarks.beat_counting race --minutes 10 --shapes lstm:1:682080,mingru:3:1200000

`--busy` keeps one core busy with another process for the whole run (and gives the run 4
minutes, the issue's bound beside a busy core). Each command prints its table and appends it,
under a heading with the date and the machine, to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from benchmarks.report import cpu_model, load_average
from rnn_tui.engine.config import PRESETS

RESULTS = Path(__file__).with_name("RESULTS.md")
SHAKESPEARE = Path(__file__).resolve().parents[2] / "shared" / "data" / "tinyshakespeare.txt"

def default_flags(**changes: str) -> list[str]:
    """The default preset as flags (a model flag given by hand turns the preset off, so a lever
    that changes one must give them all), with `changes` applied: {"hidden": "512"}."""
    preset = PRESETS["default"]
    flags = {**preset.model, **{k: v for k, v in preset.train.items() if k != "eval_batches"},
             "precision": "bf16", **changes}
    return [part for name, value in flags.items() for part in (f"--{name.replace('_', '-')}", str(value))]


# One row per lever: the flags that differ from `rnn-tui train` with no model flags (the default preset).
LEVERS = {
    "the old default (tiny: LSTM 128, embed 16, seq 64, batch 16, lr 3e-3 constant)": ["--preset", "tiny"],
    "default, constant lr": default_flags(schedule="constant"),
    "default, fp32": default_flags(precision="fp32"),
    "default, 1 thread": [*default_flags(), "--threads", "1"],
    "default, LSTM 512": default_flags(hidden="512"),
    "default preset as shipped (bf16 if faster, threads measured)": [],
}


@dataclass
class Run:
    flags: list[str]
    baseline: tuple[int, float] | None = None  # order and loss
    baseline_at: float | None = None  # wall seconds from launch
    evals: list[tuple[float, int, float]] = field(default_factory=list)  # training seconds, step, val loss
    parameters: int = 0
    steps: int = 0
    seconds: float = 0.0

    @property
    def passed(self) -> tuple[float, int] | None:
        """When it first went below the baseline: training seconds and step."""
        if self.baseline is None:
            return None
        return next(((s, step) for s, step, val in self.evals if val < self.baseline[1]), None)

    def val_at(self, minutes: float) -> float | None:
        """The last evaluation at or before this much training time (None if the run ended before)."""
        if self.seconds < minutes * 60 - 5:
            return None
        found = [val for s, _, val in self.evals if s <= minutes * 60 + 1]
        return found[-1] if found else None

    @property
    def best(self) -> float:
        return min(val for _, _, val in self.evals)

    @property
    def final(self) -> float:
        return self.evals[-1][2]


def train(flags: list[str]) -> Run:
    """One `rnn-tui train --json` run to its end, read as it goes."""
    run, started = Run(flags), time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "rnn_tui", "train", "--json", "--out", str(Path(folder) / "run.pt"), *flags]
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
            for line in child.stdout:
                event = json.loads(line)
                match event.get("kind"):
                    case "start":
                        run.parameters = event["parameters"]
                    case "step":
                        run.steps, run.seconds = event["step"], run.seconds + event["seconds"]
                    case "eval":
                        run.evals.append((run.seconds, event["step"], event["val_loss"]))
                    case "baseline":
                        run.baseline = (event["ngram_order"], event["ngram_loss"])
                        run.baseline_at = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {child.returncode}")
    return run


@contextmanager
def one_core_busy(busy: bool) -> Iterator[None]:
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        yield
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()


def clock(seconds: float | None) -> str:
    if seconds is None or seconds == float("inf"):  # inf: the median of runs most of which never passed
        return "never"
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def passing(seeds: int, busy: bool, lever: str | None = None) -> list[str]:
    """`lever`: "lr=0.006,hidden=320", the default preset with these changes (all else as shipped)."""
    minutes = 4.0 if busy else 3.0
    changes = dict(part.split("=") for part in lever.split(",")) if lever else {}
    flags = default_flags(**changes) if lever else []
    with one_core_busy(busy):
        runs = [train(["--minutes", str(minutes), "--seed", str(seed), *flags]) for seed in range(1, seeds + 1)]
    what = f"the default preset with {lever} (`{' '.join(flags)}`)" if lever else "no model flags"
    lines = [f"The default run (`rnn-tui train --minutes {minutes:g}`, {what}) on `python`, "
             f"{'beside a process keeping one core busy' if busy else 'quiet'}:", "",
             "| seed | baseline (launch to line) | passed at (training time, step) | val at the end | end against the "
             "baseline | steps | parameters |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for seed, run in enumerate(runs, 1):
        order, loss = run.baseline or (0, float("nan"))
        at = run.passed
        lines.append(f"| {seed} | {order}-gram {loss:.3f} ({run.baseline_at or float('nan'):.1f} s) | "
                     f"{clock(at[0]) + f', step {at[1]:,}' if at else 'never'} | {run.final:.3f} | "
                     f"{run.final - loss:+.3f} | {run.steps:,} | {run.parameters:,} |")
    passed = [run.passed[0] if run.passed else float("inf") for run in runs]
    lines += ["", f"Median time to pass: {clock(statistics.median(passed))} "
              f"of training (target: {'4' if busy else '2'} minutes)."]
    return lines


def ten(texts: list[str]) -> list[str]:
    lines = ["The `10min` preset (`rnn-tui train --preset 10min`), text by text:", "",
             "| text | size fitted | best n-gram | val at 3 / 10 min | best val | margin (best val - n-gram) | steps |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for text in texts:
        run = train(["--preset", "10min", "--text", str(SHAKESPEARE) if text == "tinyshakespeare" else text])
        order, loss = run.baseline or (0, float("nan"))
        at3 = run.val_at(3)
        lines.append(f"| {text} | {run.parameters:,} parameters | {order}-gram {loss:.3f} | "
                     f"{'-' if at3 is None else f'{at3:.3f}'} / {run.final:.3f} | {run.best:.3f} | "
                     f"{run.best - loss:+.3f} | {run.steps:,} |")
    return lines


def ablation(minutes: float) -> list[str]:
    marks = [m for m in (1, 3, 10) if m <= minutes]
    lines = [f"One row per lever, `rnn-tui train --minutes {minutes:g}` on `python`, quiet, seed 1:", "",
             f"| lever | {' | '.join(f'val at {m} min' for m in marks)} | passed the n-gram at | end against it |",
             f"| --- | {' | '.join('---' for _ in marks)} | --- | --- |"]
    for name, flags in LEVERS.items():
        run = train(["--minutes", str(minutes), "--seed", "1", *flags])
        loss = run.baseline[1] if run.baseline else float("nan")
        vals = [run.val_at(m) for m in marks]
        lines.append(f"| {name} | {' | '.join('-' if v is None else f'{v:.3f}' for v in vals)} | "
                     f"{clock(run.passed[0]) + f' (step {run.passed[1]:,})' if run.passed else 'never'} | "
                     f"{run.final - loss:+.3f} |")
    return lines


@cache
def python_vocab() -> int:
    """The vocabulary size of the built-in `python` text, as training builds it (4 MB to read: once)."""
    from rnn_tui.engine.data import Vocab
    from rnn_tui.engine.texts import load_text

    return len(Vocab.from_text(load_text("python")))


def default_parameters() -> int:
    """The default run's parameter count on `python` (its LSTM's): the size the race starts from."""
    from rnn_tui.engine.race import count_parameters

    model = PRESETS["default"].model
    return count_parameters("lstm", model["hidden"], python_vocab(), model["embed"], model["layers"])


Shape = tuple[str, int, int]  # a contender: (cell, layers, parameters)


def race(minutes: float, shapes: list[Shape]) -> list[str]:
    """Each contender at its parameter count on `python` (the width solved for it at its depth: a
    deeper minGRU of the same count is a narrower one), trained for the same minutes on one thread
    each, two at a time (one per core), with the default preset's other settings. Where a cell
    runs at more than one size or depth, a second table keeps its best: its best size for the budget."""
    from concurrent.futures import ThreadPoolExecutor

    from rnn_tui.engine.race import hidden_for

    model, train_settings = PRESETS["default"].model, PRESETS["default"].train
    vocab = python_vocab()
    embed, seq = model["embed"], train_settings["seq"]
    hidden = {shape: hidden_for(shape[0], shape[2], vocab, embed, shape[1], seq if shape[0] == "transformer" else 0)
              for shape in shapes}
    flags = {shape: [*default_flags(cell=shape[0], hidden=str(hidden[shape]), layers=str(shape[1])), "--minutes",
                     str(minutes), "--threads", "1", "--seed", "1"] for shape in shapes}
    with ThreadPoolExecutor(2) as pool:
        runs = dict(zip(flags, pool.map(train, flags.values())))
    baselines = {run.baseline for run in runs.values() if run.baseline is not None}
    order, loss = min(baselines, key=lambda b: b[1]) if baselines else (0, float("nan"))
    marks = [m for m in (1, 3, 10) if m <= minutes]
    header = [f"| contender | layers | hidden | parameters | steps | chars/s | "
              f"{' | '.join(f'val at {m} min' for m in marks)} | best val | best - n-gram |",
              f"| --- | --- | --- | --- | --- | --- | {' | '.join('---' for _ in marks)} | --- | --- |"]
    chars_per_step = train_settings["seq"] * train_settings["batch"]

    def row(shape: Shape, run: Run) -> str:
        vals = " | ".join("-" if v is None else f"{v:.3f}" for v in (run.val_at(m) for m in marks))
        return (f"| {shape[0]} | {shape[1]} | {hidden[shape]} | {run.parameters:,} | {run.steps:,} | "
                f"{run.steps * chars_per_step / max(run.seconds, 1e-9):,.0f} | {vals} | {run.best:.3f} | "
                f"{run.best - loss:+.3f} |")

    ranked = sorted(runs.items(), key=lambda item: item[1].best)
    lines = [f"Each contender on `python` at the sizes and depths below, {minutes:g} minutes each on one thread, "
             f"two runs at a time (one a core), the default preset's other settings (seq {seq}, batch "
             f"{train_settings['batch']}, lr {train_settings['lr']}, annealed, bf16), seed 1. The line: the "
             f"{order}-gram, {loss:.3f} on the characters every run is scored on.", "", *header,
             *(row(shape, run) for shape, run in ranked)]
    best: dict[str, tuple[Shape, Run]] = {}
    for shape, run in ranked:
        best.setdefault(shape[0], (shape, run))
    if len(best) < len(runs):
        lines += ["", f"Each contender at its best of these sizes and depths for {minutes:g} minutes:", "", *header,
                  *(row(shape, run) for shape, run in best.values())]
    return lines


def shapes_from(cells: list[str], depths: list[int], sizes: list[int]) -> list[Shape]:
    return [(cell, layers, size) for cell in cells for layers in depths for size in sizes]


def record(title: str, lines: list[str], started: datetime, load_at_start: str,
           command: str = "benchmarks.beat_counting") -> None:
    """Print the section, and file it in RESULTS.md under today's heading for this machine (newest first)."""
    section = [f"### {title} (`python3 -m {command}`), {started:%H:%M}, load average "
               f"{load_at_start} at the start, {load_average()} at the end", "", *lines, ""]
    print("\n".join(section))
    heading = (f"## {started:%Y-%m-%d} · {os.cpu_count()}-core {cpu_model()} · Python {platform.python_version()} "
               f"· torch {torch_version()}")
    text = RESULTS.read_text().split("\n")
    first = next(i for i, line in enumerate(text) if line.startswith("## "))
    if text[first] == heading:
        text[first + 2:first + 2] = section
    else:
        text[first:first] = [heading, "", *section]
    RESULTS.write_text("\n".join(text))


def torch_version() -> str:
    from importlib.metadata import version

    return version("torch")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("passing")
    one.add_argument("--seeds", type=int, default=3)
    one.add_argument("--busy", action="store_true")
    one.add_argument("--lever", help="changes to the default preset, e.g. lr=0.006,hidden=320")
    sub.add_parser("ten").add_argument("--texts", default="python,tinyshakespeare,structured,essay")
    sub.add_parser("ablation").add_argument("--minutes", type=float, default=3.0)
    contest = sub.add_parser("race")
    contest.add_argument("--minutes", type=float, default=3.0)
    contest.add_argument("--cells", help="the contenders, e.g. mingru,minlstm (default: all)")
    contest.add_argument("--layers", default="1", help="depths to try each at, e.g. 1,2,3")
    contest.add_argument("--params", help="parameter counts to try each at (default: the default LSTM's)")
    contest.add_argument("--shapes", help="instead of the grid: cell:layers:parameters,... e.g. lstm:1:682080")
    args = parser.parse_args()
    started, load = datetime.now(), load_average()
    if args.what == "passing":
        record(f"When the default run passes counting ({'one core busy' if args.busy else 'quiet'})",
               passing(args.seeds, args.busy, args.lever), started, load)
    elif args.what == "ten":
        record("The 10min preset against counting", ten(args.texts.split(",")), started, load)
    elif args.what == "race":
        if args.shapes:
            shapes = [(cell, int(layers), int(size)) for cell, layers, size in
                      (shape.split(":") for shape in args.shapes.split(","))]
        else:
            from rnn_tui.engine.config import CELLS
            shapes = shapes_from(args.cells.split(",") if args.cells else list(CELLS),
                                 [int(d) for d in args.layers.split(",")],
                                 [int(n) for n in args.params.split(",")] if args.params else [default_parameters()])
        record(f"The race on python, {args.minutes:g} minutes each", race(args.minutes, shapes), started, load)
    else:
        record("The levers, one at a time", ablation(args.minutes), started, load)


if __name__ == "__main__":
    main()
