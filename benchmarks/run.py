"""Run the benchmark suite and print one table: row, figure (a ratio against a reference measured
in the same run, with the raw numbers), target, and whether it was met.

    python -m benchmarks                  # the default suite, a few minutes on 2 cores
    python -m benchmarks --quick          # seconds per row: checks that everything runs
    python -m benchmarks --only sampling --only startup
    python -m benchmarks --only shakespeare --shakespeare /work/shared/data/tinyshakespeare.txt
    python benchmarks/run.py ...          # the same

Rows (each in its own module, whose docstring says what is measured against what):
  1 throughput   engine Trainer.train_step vs a plain PyTorch loop (benchmarks/reference.py)
  2 jordan       Jordan vs Elman training speed; first steps; scripted/hoisted copies
  4 sampling     Sampler speed while the app's training process trains; temperature on next char
  5 shakespeare  best validation loss within a time budget, preset vs plain (not in the default suite)
  6 startup      `rnn-tui` to its first frame vs `python -c "import torch"`
  7 scaling      LSTM training speed as hidden doubles, in GFLOP/s against a matmul peak
Exits 1 when a target is missed or a row fails.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import `benchmarks` from the repository root, not its files
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks import insight, jordan, sampling, scaling, shakespeare, startup, throughput  # noqa: E402
from benchmarks.common import Options, Result  # noqa: E402
from benchmarks.report import header, load_average, table  # noqa: E402

ROWS: dict[str, Callable[[Options], list[Result]]] = {
    "throughput": throughput.run,
    "jordan": jordan.run,
    "sampling": sampling.run,
    "shakespeare": shakespeare.run,
    "startup": startup.run,
    "scaling": scaling.run,
    "insight": insight.run,
}
DEFAULT = [name for name in ROWS if name != "shakespeare"]
THREADS_USED = ("1 (the app's training process and sampler) and 2 (both cores), as each row names "
                "with t1/t2; shakespeare t2")


def parse(argv: list[str] | None) -> tuple[Options, list[str]]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="seconds instead of minutes (for checking)")
    parser.add_argument("--only", action="append", choices=list(ROWS), metavar="ROW",
                        help=f"run only this row (repeatable): {', '.join(ROWS)}")
    parser.add_argument("--shakespeare", type=Path, metavar="PATH", help="tinyshakespeare.txt, for that row")
    parser.add_argument("--budget-minutes", type=float, default=5.0, help="shakespeare: training minutes each")
    parser.add_argument("--preset", help="shakespeare: the engine's preset (default shakespeare-5min if any)")
    args = parser.parse_args(argv)
    options = Options(args.quick, args.shakespeare, args.budget_minutes, args.preset)
    return options, args.only or DEFAULT


def run_row(name: str, options: Options) -> list[Result]:
    started = time.perf_counter()
    print(f"[{name}] running...", file=sys.stderr, flush=True)
    try:
        results = ROWS[name](options)
    except Exception as exc:  # one failing row should not lose the others' figures
        traceback.print_exc(file=sys.stderr)
        results = [Result(name, f"failed: {type(exc).__name__}: {exc}", "-", False)]
    print(f"[{name}] {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    options, names = parse(argv)
    started, load = datetime.now(), load_average()
    results = [result for name in names for result in run_row(name, options)]
    print("\n".join(header(started, load, THREADS_USED) + [""] + table(results)))
    return 1 if any(r.met is False for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
