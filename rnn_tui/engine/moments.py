"""Moments of a run: compact copies of the weights at log-spaced steps, kept so that the loss
plot's cursor can replay how the model wrote, predicted and read at an earlier point of training.

A copy is half precision (float16: half the memory; char-RNN weights sit well inside its range),
taken at each evaluation. The count is bounded by MOMENTS_MAX and by MOMENTS_BYTES; when full, the
inner moment whose neighbours are closest on a log scale of steps goes, so early training, where
the model changes fastest, keeps as many moments as the long tail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MOMENTS_MAX = 24
MOMENTS_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Moment:
    step: int
    val_loss: float
    weights: dict[str, np.ndarray]  # float16, on the CPU: picklable by value

    @property
    def nbytes(self) -> int:
        return sum(array.nbytes for array in self.weights.values())


def compact(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Floating-point arrays in half precision; anything else as it is."""
    return {k: v.astype(np.float16) if np.issubdtype(v.dtype, np.floating) else v.copy() for k, v in weights.items()}


def moment_limit(moment: Moment) -> int:
    """How many moments of this size the budget holds (at least the first and the latest)."""
    return max(2, min(MOMENTS_MAX, MOMENTS_BYTES // max(1, moment.nbytes)))


def keep(moments: list[Moment], new: Moment) -> list[Moment]:
    """`moments` with `new` added, thinned to the budget on a log scale of steps."""
    out = [*(m for m in moments if m.step < new.step), new]
    limit = moment_limit(new)
    while len(out) > limit:
        gap = [math.log1p(out[k + 1].step) - math.log1p(out[k - 1].step) for k in range(1, len(out) - 1)]
        del out[1 + gap.index(min(gap))]
    return out
