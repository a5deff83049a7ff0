"""Whether a model can train in the memory there is, estimated before torch allocates anything:
a model far too big is refused in one line instead of failing inside the allocator."""

from __future__ import annotations

from pathlib import Path

from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.race import BLOCKS, count_parameters

BYTES_PER_NUMBER = 4  # fp32: the weights, their gradients and the optimizer's state (bf16 autocasts only activations)
# copies of every weight while it trains: itself, its gradient, and Adam's (or AdamW's) two moments or RMSprop's one
COPIES_PER_WEIGHT = {"adam": 4, "adamw": 4, "rmsprop": 3}
MEMINFO = Path("/proc/meminfo")


def training_bytes(model: ModelConfig, train: TrainConfig) -> tuple[int, int]:
    """About how many bytes training takes: (the weights and their copies, the activations that
    backpropagation through time keeps: each layer's state and gates, and the output, per character)."""
    parameters = count_parameters(model.cell, model.hidden, model.vocab_size, model.embed, model.layers, train.seq)
    per_char = model.layers * model.hidden * (BLOCKS[model.cell] + 2) + 2 * model.vocab_size
    return (BYTES_PER_NUMBER * COPIES_PER_WEIGHT[train.optimizer] * parameters,
            BYTES_PER_NUMBER * train.batch * train.seq * per_char)


def memory_available() -> int | None:
    """The memory this machine can give a new allocation (MemAvailable), or None where it does not say."""
    try:
        lines = MEMINFO.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, value = line.partition(":")
        if name == "MemAvailable":
            return int(value.split()[0]) * 1024  # in kB
    return None


def available_on(device: str | None) -> tuple[str, int | None]:
    """Where a run on `device` (auto when None) trains, and the memory free there: the GPU's own for
    CUDA, the machine's otherwise."""
    import torch

    from rnn_tui.engine.device import pick_device

    where = pick_device(device)
    if where.type == "cuda":
        return "cuda", torch.cuda.mem_get_info(where)[0]
    return where.type, memory_available()


def check_memory(model: ModelConfig, train: TrainConfig, device: str | None) -> None:
    """Refuse a model that cannot train in the memory free where it would train. The text's
    vocabulary may not be read yet (vocab_size 0): beside a hidden size too big, its rows are few."""
    weights, activations = training_bytes(model, train)
    where, available = available_on(device)
    if available is None or weights + activations <= available:
        return
    smaller = "--hidden or --layers" if weights >= activations else "--batch or --seq"
    raise UserError(f"a {model.layers}x{model.hidden} {model.cell} model needs about "
                    f"{gigabytes(weights + activations)} to train on {where}; {gigabytes(available)} is available: "
                    f"choose a smaller {smaller}")


def gigabytes(size: int) -> str:
    return f"{size / 1e9:,.0f} GB" if size >= 10e9 else f"{size / 1e9:.1f} GB"
