"""Row 7: how training speed scales as an LSTM's hidden size doubles, against the CPU's matmul peak.

A: `Trainer.train_step` for a 1-layer LSTM with hidden 128, 256 and 512 (embed 64, seq 100,
   batch 32), as characters per second and as achieved GFLOP/s, counting only matmul FLOPs:
   forward per character per layer 2*4H*(E+H) (E the layer's input size), plus 2*H*V for the
   output projection; forward + backward about 3x forward.
B: the peak: 2048 x 2048 float32 matmuls (torch.mm), same thread count, in the same rounds.
Figure: the fraction of the peak the training step achieves, for 1 and 2 torch threads.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from benchmarks.common import Options, Result, engine_trainer, kilo, step_windows, torch_threads
from benchmarks.timing import median, paired_ratio, walls

HIDDENS = (128, 256, 512)
EMBED, SEQ, BATCH = 64, 100, 32
THREADS = (1, 2)
MATMUL_N = 2048


def train_flops_per_char(hidden: int, embed: int, vocab: int, layers: int = 1) -> float:
    inputs = [embed] + [hidden] * (layers - 1)
    forward = sum(2 * 4 * hidden * (n + hidden) for n in inputs) + 2 * hidden * vocab
    return 3 * forward


def matmul_step() -> Callable[[], object]:
    a, b = torch.randn(MATMUL_N, MATMUL_N), torch.randn(MATMUL_N, MATMUL_N)
    out = torch.empty(MATMUL_N, MATMUL_N)
    return lambda: torch.mm(a, b, out=out)


def run(options: Options) -> list[Result]:
    return [result for threads in THREADS for result in at_threads(threads, options)]


def at_threads(threads: int, options: Options) -> list[Result]:
    with torch_threads(threads):
        trainers = {h: engine_trainer("lstm", h, 1, EMBED, SEQ, BATCH) for h in HIDDENS}
        steppers = {f"h{h}": t.train_step for h, t in trainers.items()} | {"peak": matmul_step()}
        spans = step_windows(steppers, options, same_steps=False, rounds=options.report_rounds)
    seconds = {name: walls(s) for name, s in spans.items()}
    vocab = len(trainers[HIDDENS[0]].corpus.vocab)
    peak = [2 * MATMUL_N**3 / s / 1e9 for s in seconds["peak"]]  # GFLOP/s per round
    results, previous = [], None
    for h in HIDDENS:
        flops = train_flops_per_char(h, EMBED, vocab) * SEQ * BATCH  # per step
        achieved = [flops / s / 1e9 for s in seconds[f"h{h}"]]
        chars = SEQ * BATCH / median(seconds[f"h{h}"])
        growth = f", x{chars / previous:.2f} vs H/2" if previous else ""
        figure = (f"{paired_ratio(achieved, peak):.2f} of peak ({median(achieved):.1f} vs {median(peak):.1f} "
                  f"GFLOP/s; {kilo(chars)} chars/s{growth})")
        results.append(Result(f"7 scale lstm 1x{h} t{threads}", figure, "report", None))
        previous = chars
    return results
