"""Where the tensors live: cuda, then mps, then cpu, unless the user names one."""

from __future__ import annotations

import torch

from rnn_tui.engine.errors import UserError


def pick_device(requested: str | None = None) -> torch.device:
    if requested in (None, "", "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(requested)
    except RuntimeError:
        raise UserError(f"unknown device {requested!r}: use auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UserError("device cuda was asked for, but torch sees no CUDA GPU here")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise UserError("device mps was asked for, but it is not available here")
    if device.type not in ("cpu", "cuda", "mps"):
        raise UserError(f"unsupported device {requested!r}: use auto, cpu, cuda or mps")
    return device
