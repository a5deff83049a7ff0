"""bf16 autocast against fp32 on this machine's device (the CPU here; benchmarks/gpu.py on CUDA).

    python3 -m benchmarks.precision [--quick] [--threads N]

For an LSTM 1x512 and a 2x256 GRU (embed 16, batch 32, seq 100) on tinyshakespeare (or the
default text when it is not beside the repository), the same run twice, same seed and data:
`--precision fp32` and `--precision bf16`. Figures: bf16's training speed over fp32's (median
over rounds of timed windows, the two interleaved), and the validation loss of each after the
same number of steps. Autocast needs bf16 in the CPU (AVX512-BF16 or AMX) to gain; without it
bf16 is emulated and slower, so this says what it measured on the machine it ran on.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from benchmarks.common import Options, Result, default_corpus, kilo, step_windows, torch_threads
from benchmarks.report import header, load_average, table
from benchmarks.timing import median, walls
from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.training import Trainer

SHAKESPEARE = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "tinyshakespeare.txt"
SHAPES = [("lstm", 1, 512), ("gru", 2, 256)]


def trainer(corpus: Corpus, cell: str, layers: int, hidden: int, precision: str) -> Trainer:
    model = ModelConfig(cell=cell, hidden=hidden, layers=layers, embed=16, dropout=0.0)
    return Trainer(model, TrainConfig(seq=100, batch=32, lr=2e-3, seed=0, precision=precision), corpus, "cpu")


def run(options: Options, threads: int) -> list[Result]:
    corpus = Corpus.load(str(SHAKESPEARE)) if SHAKESPEARE.exists() else default_corpus()
    steps = 30 if options.quick else 300
    results = []
    with torch_threads(threads):
        for cell, layers, hidden in SHAPES:
            runs = {p: trainer(corpus, cell, layers, hidden, p) for p in ("fp32", "bf16")}
            spans = step_windows({p: t.train_step for p, t in runs.items()}, options)
            speed = median([a / b for a, b in zip(walls(spans["fp32"]), walls(spans["bf16"]))])
            for t in runs.values():  # the same number of steps for both, then the validation loss
                while t.step < steps:
                    t.train_step()
            val = {p: t.evaluate().val_loss for p, t in runs.items()}
            chars = 32 * 100 / median(walls(spans["bf16"]))
            results.append(Result(
                f"bf16 {cell} {layers}x{hidden} t{threads}",
                f"{speed:.2f}x fp32's speed ({kilo(chars)} chars/s); val after {steps} steps bf16 {val['bf16']:.3f}, "
                f"fp32 {val['fp32']:.3f}", "report", None))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    started, load = datetime.now(), load_average()
    results = run(Options(quick=args.quick), args.threads)
    print("\n".join(header(started, load, str(args.threads)) + [""] + table(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
