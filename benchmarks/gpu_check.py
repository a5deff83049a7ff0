"""Check the CUDA path on a machine with a GPU: device auto-selection, training, sampling,
inspection and a checkpoint round trip, with the fused kernels checked against the readable
cells on the GPU. Prints one line per check and the training speed against the CPU.

    PYTHONPATH=. python3 benchmarks/gpu_check.py [--text FILE]

Needs only torch and numpy (not Textual): it exercises the engine, which is what runs on a GPU.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from rnn_tui.engine.checkpoint import load_checkpoint, model_from_checkpoint, save_checkpoint, trainer_state
from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.device import pick_device
from rnn_tui.engine.inspection import inspect_text
from rnn_tui.engine.models import CharRNN
from rnn_tui.engine.sampling import Sampler, SampleSettings
from rnn_tui.engine.training import Trainer


def check(name: str, ok: bool, detail: str = "") -> bool:
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)
    return ok


def chars_per_sec(trainer: Trainer, steps: int) -> float:
    for _ in range(5):
        trainer.train_step()
    if trainer.device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        trainer.train_step()  # .item() on the loss synchronises every step
    return steps * trainer.train_config.batch * trainer.train_config.seq / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", default="essay")
    args = parser.parse_args()
    results = []
    device = pick_device()
    results.append(check("auto-selected device", device.type == "cuda", str(device)))
    if device.type != "cuda":
        return 1
    print(f"     {torch.cuda.get_device_name()} · torch {torch.__version__}")

    corpus = Corpus.load(args.text)
    tf32 = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False  # cuDNN's default TF32 rounds to ~1e-4; compare in full fp32
    for cell in ("elman", "lstm", "gru"):
        torch.manual_seed(0)
        model = CharRNN(ModelConfig(cell=cell, vocab_size=len(corpus.vocab), hidden=64, layers=2, embed=8))
        model = model.to(device).eval()
        idx = torch.randint(0, len(corpus.vocab), (4, 50), device=device)
        with torch.no_grad():
            diff = (model(idx, fused=True)[0] - model(idx, fused=False)[0]).abs().max().item()
        results.append(check(f"fused {cell} equals readable cells on the GPU", diff < 1e-5, f"max diff {diff:.1e}"))
    torch.backends.cudnn.allow_tf32 = tf32

    model_config = ModelConfig(cell="lstm", hidden=128, embed=8)
    train_config = TrainConfig(seq=100, batch=32, lr=3e-3, eval_every=10**9)
    trainer = Trainer(model_config, train_config, corpus)  # no device given: auto
    results.append(check("trainer on the GPU", trainer.device.type == "cuda" and
                         next(trainer.model.parameters()).is_cuda))
    first = trainer.evaluate().val_loss
    gpu_speed = chars_per_sec(trainer, 300)
    last = trainer.evaluate().val_loss
    results.append(check("training learns on the GPU", last < first - 0.5, f"val {first:.3f} -> {last:.3f}"))

    sampler = Sampler(trainer.model, corpus.vocab, SampleSettings(temperature=0.8), seed=1)
    start = time.perf_counter()
    text = sampler.text("The ", 300)
    rate = 300 / (time.perf_counter() - start)
    results.append(check("sampling on the GPU", len(text) == 300, f"{rate:,.0f} chars/s: {text[:60]!r}"))
    inspection = inspect_text(trainer.model, corpus.vocab, "The hidden state")
    results.append(check("inspection on the GPU", inspection.layers[0]["c"].shape == (16, 128)))

    with tempfile.TemporaryDirectory() as tmp:
        path = save_checkpoint(Path(tmp) / "gpu.pt", trainer_state(trainer))
        cpu_model, vocab = model_from_checkpoint(load_checkpoint(path))  # loads onto the CPU
        same = Sampler(cpu_model, vocab, SampleSettings(greedy=True)).text("The ", 40)
        gpu_greedy = Sampler(trainer.model, corpus.vocab, SampleSettings(greedy=True)).text("The ", 40)
        results.append(check("GPU checkpoint samples the same on the CPU", same == gpu_greedy, repr(same)))

    cpu_trainer = Trainer(model_config, train_config, corpus, "cpu")
    cpu_speed = chars_per_sec(cpu_trainer, 30)
    print(f"     lecture-size LSTM, batch 32 x seq 100: GPU {gpu_speed:,.0f} chars/s, "
          f"CPU ({torch.get_num_threads()} threads) {cpu_speed:,.0f} chars/s, ratio {gpu_speed / cpu_speed:.1f}x")
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
