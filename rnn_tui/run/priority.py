"""The app's background work yields the cores to its screen.

When a key opens a view on a two-core machine, the app's training process (two threads), its
counting process and the UI process's own worker threads (the sampler, a view's reading) are all
runnable; at one priority the UI thread waited 60 to 120 ms for a core in a slow switch, more than
it spent drawing (benchmarks.keys with /proc/thread-self/schedstat). A few steps of nice on all of
them give the UI thread a core as soon as it wants one; the background work keeps the rest, and
shares it among itself as before. `rnn-tui train` has no screen: it runs as it was started.
"""

from __future__ import annotations

import os
import sys

BACKGROUND_NICE = 5  # the kernel's weight for it is a third of the screen's (nice 0)


def lower_process() -> None:
    """First thing in a process the app starts: it, and every thread it starts later, yields."""
    if hasattr(os, "nice"):  # not on Windows
        os.nice(BACKGROUND_NICE)


def lower_thread() -> None:
    """In a worker thread of the app's own process. Only Linux gives each thread a nice value of its
    own; elsewhere it is the whole process's, the screen's included, so nothing changes there."""
    if sys.platform.startswith("linux"):
        os.setpriority(os.PRIO_PROCESS, 0, os.getpriority(os.PRIO_PROCESS, 0) + BACKGROUND_NICE)
