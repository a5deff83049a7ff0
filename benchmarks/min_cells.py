"""The speed of what came after the lecture, on this CPU (issue 28, section 5).

    python3 -m benchmarks.min_cells [--params 100000] [--rounds 3]

One training step (forward, backward, the optimiser) of each model, timed in alternation with the
others, rounds of each, medians; characters per second with batch x sequence = 8,192 characters
a step, at sequence lengths 64, 256 and 1,024, and one torch thread (what the app trains with):

- minGRU and minLSTM as they train on a CPU (the gates of the whole window in one matrix product,
  then the recurrence stepped through), as a GPU trains them (the parallel scan, `linear_scan`), as
  the paper's log-space scan did (Heinsen's, our first), and as the cell steps (sampling's path),
  and the GRU and the LSTM (torch's fused kernels), all at about the same parameter count;
- each one's share of the matmul peak: the FLOPs of its matrix products (6 x the parameters of its
  weight matrices x characters, forward and backward) a second, against a square fp32 matmul
  measured in the same run;
- the transformer against `nn.TransformerEncoder` of the same shape (pre-norm, GELU, 4x MLP, causal
  mask, the same embeddings and head), which should be within 5%.

It prints a table and files it under today's heading in RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime

import torch
import torch.nn.functional as F
from torch import nn

from benchmarks.beat_counting import record
from benchmarks.report import load_average
from rnn_tui.engine.config import ModelConfig
from rnn_tui.engine.models import build_model
from rnn_tui.engine.race import hidden_for

VOCAB = 100  # about what a code text has
EMBED = 32
CHARS_PER_STEP = 8_192
SEQS = (64, 256, 1024)
CELLS = ("gru", "mingru", "lstm", "minlstm")
STEPS_PER_TIMING = 3


def matmul_peak(seconds: float = 1.0) -> float:
    """FLOP/s of a square fp32 matmul on this thread count: what the models' shares are of."""
    a, b = torch.randn(512, 512), torch.randn(512, 512)
    a @ b
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        count += 1
    return count * 2 * 512**3 / (time.perf_counter() - start)


def step_of(model: nn.Module, seq: int, forward: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[], None]:
    batch = CHARS_PER_STEP // seq
    x, y = torch.randint(0, VOCAB, (batch, seq)), torch.randint(0, VOCAB, (batch, seq))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        logits = forward(x)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

    return step


def scanned(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The model's logits with its window solved by the parallel scan, as on a GPU."""
    for cell in model.cells:
        cell.parallel = True
    try:
        return model(x)[0]
    finally:
        for cell in model.cells:
            cell.parallel = None


def log_scan(log_a: torch.Tensor, log_b: torch.Tensor, log_h0: torch.Tensor, chunk: int = 64) -> torch.Tensor:
    """The paper's log-space scan (Heinsen's), in chunks of 64 steps, as this project first trained
    with: log h_t = a*_t + logcumsumexp(log b_s - a*_s), a*_t the running sum of log a."""
    out = []
    for a, b in zip(log_a.split(chunk, dim=1), log_b.split(chunk, dim=1)):
        a_star = F.pad(a.cumsum(1), (0, 0, 1, 0))
        log_h = (a_star + torch.logcumsumexp(torch.cat([log_h0[:, None], b], dim=1) - a_star, dim=1))[:, 1:]
        out.append(log_h)
        log_h0 = log_h[:, -1]
    return torch.cat(out, dim=1)


def log_scanned(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """A one-layer minimal model's logits with its window solved in log space (the logs of its a and b)."""
    (cell,) = model.cells
    k = cell.pre(model.inputs(x))
    a, b = cell.coefficients(k)
    h = log_scan(a.log(), b.log(), torch.zeros(x.shape[0], cell.hidden_size).log()).exp()
    return model.head(h)


def matrix_parameters(model: nn.Module) -> int:
    """Parameters of the weight matrices (what the matmuls multiply); embeddings are lookups."""
    return sum(p.numel() for name, p in model.named_parameters()
               if p.dim() == 2 and not any(k in name for k in ("embed", "token", "position")))


class ReferenceTransformer(nn.Module):
    """The same shape from torch's own layers: what our TransformerLM is measured against."""

    def __init__(self, width: int, layers: int, heads: int, context: int):
        super().__init__()
        self.token, self.position = nn.Embedding(VOCAB, width), nn.Embedding(context, width)
        layer = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.ln_f, self.head = nn.LayerNorm(width), nn.Linear(width, VOCAB)
        self.mask = nn.Transformer.generate_square_subsequent_mask(context)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        T = idx.shape[1]
        x = self.token(idx) + self.position(torch.arange(T))
        return self.head(self.ln_f(self.encoder(x, mask=self.mask[:T, :T], is_causal=True)))


def contenders(params: int, seq: int) -> dict[str, tuple[nn.Module, Callable[[], None]]]:
    out = {}
    for cell in CELLS:
        hidden = hidden_for(cell, params, VOCAB, EMBED, 1)
        model = build_model(ModelConfig(cell=cell, hidden=hidden, embed=EMBED, vocab_size=VOCAB)).train()
        out[cell] = (model, step_of(model, seq, lambda x, m=model: m(x)[0]))
        if cell.startswith("min"):
            out[f"{cell} parallel scan"] = (model, step_of(model, seq, lambda x, m=model: scanned(m, x)))
            out[f"{cell} log-space scan"] = (model, step_of(model, seq, lambda x, m=model: log_scanned(m, x)))
            out[f"{cell} cell by cell"] = (model, step_of(model, seq, lambda x, m=model: m(x, fused=False)[0]))
    width = hidden_for("transformer", params, VOCAB, EMBED, 1, seq)
    ours = build_model(ModelConfig(cell="transformer", hidden=width, layers=1, vocab_size=VOCAB), seq).train()
    out["transformer"] = (ours, step_of(ours, seq, lambda x: ours(x)[0]))
    reference = ReferenceTransformer(width, 1, ours.heads, seq).train()
    out["nn.TransformerEncoder"] = (reference, step_of(reference, seq, reference))
    return out


def measure(params: int, rounds: int) -> list[str]:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    peak = matmul_peak()
    lines = [f"One thread; {CHARS_PER_STEP:,} characters a step; about {params:,} parameters each; a 512x512 "
             f"fp32 matmul ran at {peak / 1e9:.1f} GFLOP/s (the peak the shares are of).", "",
             "| model | seq | parameters | chars/s | against its full cell (or the reference) | share of matmul peak |",
             "| --- | --- | --- | --- | --- | --- |"]
    for seq in SEQS:
        models = contenders(params, seq)
        times: dict[str, list[float]] = {name: [] for name in models}
        for _, step in models.values():
            step()  # warm
        for _ in range(rounds):
            for name, (_, step) in models.items():
                start = time.perf_counter()
                for _ in range(STEPS_PER_TIMING):
                    step()
                times[name].append((time.perf_counter() - start) / STEPS_PER_TIMING)
        speed = {name: CHARS_PER_STEP / statistics.median(t) for name, t in times.items()}
        against = {"mingru": "gru", "minlstm": "lstm", "transformer": "nn.TransformerEncoder"}
        against |= {f"{cell} {how}": cell for cell in ("mingru", "minlstm")
                    for how in ("parallel scan", "log-space scan", "cell by cell")}
        for name, (model, _) in models.items():
            base = against.get(name)
            ratio = f"{speed[name] / speed[base]:.2f}x {base}" if base else "-"
            flops = 6 * matrix_parameters(model) * speed[name]
            parameters = sum(p.numel() for p in model.parameters())
            lines.append(f"| {name} | {seq:,} | {parameters:,} | {speed[name]:,.0f} | {ratio} | {flops / peak:.0%} |")
        print("\n".join(lines[-len(models):]), flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    started, load = datetime.now(), load_average()
    record("Minimal cells and the transformer, a training step each", measure(args.params, args.rounds), started,
           load, command="benchmarks.min_cells")


if __name__ == "__main__":
    main()
