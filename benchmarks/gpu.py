"""The engine on a CUDA GPU against plain PyTorch, sampling speed, and bf16 autocast against fp32.

    python3 -m benchmarks.gpu [--quick]

On a machine without a CUDA GPU it says so and exits 0 (nothing to measure). With one:

Training (target: the engine >= 0.95x plain): for LSTM, GRU and Elman at 1x512 and 3x512 (embed
64, batch 64, seq 128, vocabulary 96), the engine's training step (Trainer.train_step: embedding,
the fused kernel on the cells' flattened weights, the head, cross-entropy, backward, clipping,
Adam) against the same step written with torch's nn.LSTM / nn.GRU / nn.RNN, steps interleaved
one by one within each round (benchmarks.timing.interleave), medians over rounds of the ratio.
Sampling: characters per second of Sampler.generate on the GPU (1x512 LSTM).
Precision: bf16 autocast (--precision bf16) against fp32 for the 3x512 LSTM: speed, and the
validation loss after the same number of steps on the same text and seed.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime

import torch
import torch.nn.functional as F
from torch import nn

from benchmarks.common import Options, Result, default_corpus, kilo, step_windows
from benchmarks.report import header, load_average, table
from benchmarks.timing import median, walls
from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.sampling import Sampler
from rnn_tui.engine.training import Trainer

SHAPES = [(cell, layers) for cell in ("lstm", "gru", "elman") for layers in (1, 3)]
HIDDEN, EMBED, BATCH, SEQ = 512, 64, 64, 128
TARGET = 0.95
PLAIN = {"lstm": nn.LSTM, "gru": nn.GRU, "elman": nn.RNN}


class Plain(nn.Module):
    """The same model written with torch's own recurrent layer."""

    def __init__(self, cell: str, layers: int, vocab: int):
        super().__init__()
        self.embed = nn.Embedding(vocab, EMBED)
        self.rnn = PLAIN[cell](EMBED, HIDDEN, layers, batch_first=True)
        self.head = nn.Linear(HIDDEN, vocab)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.embed(x))
        return self.head(out)


def plain_stepper(cell: str, layers: int, trainer: Trainer):
    model = Plain(cell, layers, len(trainer.corpus.vocab)).cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = (torch.from_numpy(a).cuda() for a in trainer.train_streams.get(0))

    def step() -> None:
        loss = F.cross_entropy(model(x).reshape(-1, model.head.out_features), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        loss.item()  # the engine reads its loss every step too

    return step


def engine_trainer(cell: str, layers: int, precision: str = "fp32") -> Trainer:
    model = ModelConfig(cell=cell, hidden=HIDDEN, layers=layers, embed=EMBED, dropout=0.0)
    train = TrainConfig(seq=SEQ, batch=BATCH, lr=1e-3, seed=0, precision=precision)
    return Trainer(model, train, default_corpus(), "cuda")


def training_rows(options: Options) -> list[Result]:
    results = []
    for cell, layers in SHAPES:
        trainer = engine_trainer(cell, layers)
        steppers = {"engine": trainer.train_step, "plain": plain_stepper(cell, layers, trainer)}

        def synced(fn):
            def step():
                fn()
                torch.cuda.synchronize()
            return step

        spans = step_windows({k: synced(v) for k, v in steppers.items()}, options)
        ratio = median([p / e for e, p in zip(walls(spans["engine"]), walls(spans["plain"]))])
        chars = BATCH * SEQ / median(walls(spans["engine"]))
        results.append(Result(f"gpu train {cell} {layers}x{HIDDEN}", f"{ratio:.3f}x plain ({kilo(chars)} chars/s)",
                              f">= {TARGET}x", ratio >= TARGET))
    return results


def sampling_row(options: Options) -> Result:
    trainer = engine_trainer("lstm", 1)
    stream = Sampler(trainer.model, trainer.corpus.vocab, seed=0).generate("", None)
    count = 200 if options.quick else 2000
    start = time.perf_counter()
    for _ in range(count):
        next(stream)
    rate = count / (time.perf_counter() - start)
    return Result("gpu sample lstm 1x512", f"{kilo(rate)} chars/s", "report", None)


def precision_row(options: Options) -> Result:
    steps = 50 if options.quick else 400
    figures = {}
    for precision in ("fp32", "bf16"):
        trainer = engine_trainer("lstm", 3, precision)
        for _ in range(5):
            trainer.train_step()
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(steps):
            trainer.train_step()
        torch.cuda.synchronize()
        figures[precision] = (time.perf_counter() - start, trainer.evaluate().val_loss)
    (t32, v32), (t16, v16) = figures["fp32"], figures["bf16"]
    return Result(f"gpu bf16 autocast lstm 3x{HIDDEN}, {steps + 5} steps",
                  f"{t32 / t16:.2f}x the speed of fp32; val loss {v16:.3f} (fp32 {v32:.3f})", "report", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    options = Options(quick=parser.parse_args(argv).quick)
    if not torch.cuda.is_available():
        print("no CUDA GPU here (torch sees none): nothing to measure; run this on a machine with one")
        return 0
    started, load = datetime.now(), load_average()
    results = [*training_rows(options), sampling_row(options), precision_row(options)]
    print("\n".join(header(started, load, "n/a (GPU)") + [f"GPU: {torch.cuda.get_device_name()}", ""] + table(results)))
    return 0 if all(r.met is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
