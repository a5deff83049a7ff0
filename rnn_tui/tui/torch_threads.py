"""Torch in the app's thread workers runs on one core.

Torch's thread count belongs to the thread that sets it (OpenMP's and MKL's settings are per
thread): `torch.set_num_threads(1)` in one worker leaves every other worker's matrix products on
all the cores. A reading started by a tab switch could then take both cores of a 2-core machine
beside training while the UI thread waits for one to draw the switch (benchmarks/RESULTS.md,
2026-12-07, where the switches measured no faster for this: other work still shares the cores).
The sampler, the readings and the writer work one short sequence at a time and gain little from
more threads; the screen and the training process keep the other cores.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any


def on_one_torch_thread(work: Callable[..., Any]) -> Callable[..., Any]:
    """`work`, run with torch (once imported) limited to one thread in the thread that runs it.
    A worker that starts while another thread still imports torch (the engine loads off the UI
    thread) does no torch work and is left alone: half a module has no `set_num_threads` yet."""

    @wraps(work)
    def run(*args: Any, **kwargs: Any) -> Any:
        torch = sys.modules.get("torch")
        if torch is not None and not getattr(getattr(torch, "__spec__", None), "_initializing", False):
            torch.set_num_threads(1)
        return work(*args, **kwargs)

    return run
