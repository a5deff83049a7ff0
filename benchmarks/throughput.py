"""Row 1: training throughput of the engine against plain PyTorch, same model and batch shapes.

A: `Trainer.train_step` (rnn_tui.engine.training) on the bundled text.
B: `ReferenceLoop.step` (benchmarks/reference.py): nn.Embedding -> nn.LSTM/GRU/RNN -> nn.Linear,
   Adam, clip_grad_norm_, loss.item() each step, on the same text.
For LSTM, GRU and Elman at the lecture's size (1 x 128 hidden, embed 8) and at 2 x 256, seq 100,
batch 32, with 1 torch thread (the app's training process) and 2. Each round runs the same
number of steps of A and B, interleaved step by step (A B B A ...); the figure is the median
over rounds of A's chars/s over B's (wall time), with the same ratio by process CPU time beside
it (with one thread it is the code's own cost, whatever else the machine runs).
"""

from __future__ import annotations

from benchmarks.common import Options, Result, engine_trainer, kilo, step_windows, torch_threads
from benchmarks.reference import ReferenceLoop
from benchmarks.timing import cpus, median, paired_ratio, walls
from rnn_tui.engine.texts import load_text

CELLS = ("lstm", "gru", "elman")
SIZES = ((1, 128), (2, 256))  # (layers, hidden)
THREADS = (1, 2)
SEQ, BATCH, EMBED = 100, 32, 8
TARGET = 0.97


def run(options: Options) -> list[Result]:
    return [compare(cell, layers, hidden, threads, options)
            for threads in THREADS for layers, hidden in SIZES for cell in CELLS]


def compare(cell: str, layers: int, hidden: int, threads: int, options: Options) -> Result:
    with torch_threads(threads):
        engine = engine_trainer(cell, hidden, layers, EMBED, SEQ, BATCH)
        reference = ReferenceLoop(load_text("essay"), cell, hidden, layers, EMBED, SEQ, BATCH)
        spans = step_windows({"engine": engine.train_step, "reference": reference.step}, options)
    engine_s, plain_s = walls(spans["engine"]), walls(spans["reference"])
    ratio = paired_ratio(plain_s, engine_s)  # engine chars/s over plain chars/s
    cpu_ratio = paired_ratio(cpus(spans["reference"]), cpus(spans["engine"]))
    chars = SEQ * BATCH
    figure = (f"{ratio:.3f} (engine {kilo(chars / median(engine_s))} vs plain {kilo(chars / median(plain_s))} "
              f"chars/s; by CPU time {cpu_ratio:.3f})")
    return Result(f"1 train {cell} {layers}x{hidden} t{threads}", figure, f">= {TARGET}", ratio >= TARGET)
