"""How the app starts its training and comparison processes.

A fresh interpreter pays seconds before its first step: importing torch, and torch._dynamo on the
first optimizer step. A forkserver imports them once and forks each process from that warm
interpreter: the first process costs what it did, every later one (a new run in the same session,
a race, and each test of the suite) about 30 ms instead of about 4 s. The server is a single
thread forked before any torch thread exists, which is what makes forking safe. Where there is no
forkserver (Windows), processes are spawned as before.

A process that needs no torch (counting) in a process that starts nothing else (`rnn-tui train`)
is spawned instead: a fresh interpreter imports numpy and the counting code in a fraction of a
second, where starting the forkserver would import torch first, seconds of a core before the text
is even read.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from multiprocessing import resource_tracker
from multiprocessing.context import BaseContext

PRELOAD = ["torch", "torch._dynamo", "rnn_tui.engine.training", "rnn_tui.run.process", "rnn_tui.run.compare_process"]


def process_context(preloaded: bool = True) -> BaseContext:
    """preloaded: forked from the forkserver, torch imported; else spawned (see above)."""
    if not preloaded or "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    _start_resource_tracker()
    return context


def _start_resource_tracker() -> None:
    """The tracker of the queues' semaphores is started with the first queue, and passes it the
    standard error: a Textual app has replaced that with a capture without a file descriptor, so
    the first queue made inside a running app (a counting process) would fail without this."""
    captured = sys.stderr
    if sys.__stderr__ is not None:
        sys.stderr = sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = captured
