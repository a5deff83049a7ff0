"""Training on several processes, as torchrun starts them: DistributedDataParallel over NCCL on
GPUs, gloo on CPUs, one machine or many (torchrun sets RANK, WORLD_SIZE and LOCAL_RANK).

Each rank trains on its own `batch` streams of one layout of batch x world-size streams, so a run
on N ranks takes the steps of a single run with N times the batch, data order included; DDP
averages the gradients, and the reported loss is the mean over ranks. Rank 0 evaluates, prints,
logs and saves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from rnn_tui.engine.device import pick_device
from rnn_tui.engine.errors import UserError


@dataclass(frozen=True)
class World:
    rank: int
    size: int
    local_rank: int

    @property
    def main(self) -> bool:
        return self.rank == 0


def world_from_env() -> World | None:
    """The world torchrun describes in the environment; None for a single process."""
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        return None
    try:
        world = World(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", 0)))
    except ValueError:
        raise UserError("RANK, WORLD_SIZE and LOCAL_RANK must be whole numbers (torchrun sets them)") from None
    return world if world.size > 1 else None


def join(world: World, requested: str | None) -> torch.device:
    """Join the process group (NCCL on CUDA, gloo otherwise); this rank's device."""
    device = pick_device(requested)
    if device.type == "cuda":
        device = torch.device("cuda", world.local_rank)
        torch.cuda.set_device(device)
    elif device.type != "cpu":
        raise UserError(f"distributed training runs on cuda or cpu, not {device.type}")
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device


def leave() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def mean_over_ranks(value: torch.Tensor) -> float:
    """The mean of a scalar over every rank."""
    value = value.detach().clone()
    dist.all_reduce(value)
    return value.item() / dist.get_world_size()


def barrier() -> None:
    """Wait until every rank is here."""
    dist.barrier()


def any_rank(flag: bool) -> bool:
    """Whether `flag` is set on any rank (a stop asked of one rank, by Ctrl+C or torchrun, stops all
    at the same step, so none is left waiting in a collective)."""
    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else None
    value = torch.tensor([1 if flag else 0], device=device)  # NCCL reduces CUDA tensors only
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())
