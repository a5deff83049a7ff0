"""Our processes end with the process they belong to, however it ended: kill -9 and the OOM killer
leave it no chance to stop them in order.

Nothing else ends them. A training or comparison process trains on, and a counting process blocks
reading its request queue, whose write end it holds itself, so it never sees an end of file (one
lived 18 minutes). The forkserver and multiprocessing's resource tracker each end by themselves
once no process holds the write end of their pipe; the owner and every child hold both, so ending
the children ends them too.

A child waits on multiprocessing's sentinel of its parent, a pipe the parent keeps open for as long
as the child runs: it reads an end of file the moment the parent is gone, with no polling and no pid
that could be reused meanwhile. PR_SET_PDEATHSIG would not do: the children's parent is the
forkserver, not the app, and the signal follows the thread that forked, not the process.

An app that `rnn-tui serve` starts is no multiprocessing child but a shell command's (the shell
stays its parent), and Textual's web driver goes on when its input ends: it watches the server by
the pid the server puts in its environment.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable

SERVER_PID = "RNN_TUI_SERVER_PID"  # set by rnn-tui serve for the app processes it starts
ORPHANED = 1  # the exit status, which no one reads: whoever would have is gone


def exit_with_parent() -> None:
    """In a process multiprocessing started: exit as soon as the process that started it is gone."""
    parent = multiprocessing.parent_process()
    if parent is not None:  # None: called in a process multiprocessing did not start, which owns itself
        _exit_after(parent.join)


def exit_with_server() -> None:
    """In an app `rnn-tui serve` started: exit as soon as the server is gone."""
    pid = os.environ.get(SERVER_PID)
    if pid is not None and os.name == "posix":  # Windows' os.kill would end the server, not ask after it
        _exit_after(lambda: _wait_for_exit(int(pid)))


def _exit_after(wait: Callable[[], object]) -> None:
    def watch() -> None:
        wait()
        os._exit(ORPHANED)

    threading.Thread(target=watch, name="exit-with-owner", daemon=True).start()


def _wait_for_exit(pid: int) -> None:
    try:
        descriptor = os.pidfd_open(pid)  # Linux 5.3 and later: readable once the process has ended
    except ProcessLookupError:
        return
    except (AttributeError, OSError):  # another system, or an older kernel: look once a second
        while _exists(pid):
            time.sleep(1.0)
        return
    select.select([descriptor], [], [])


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's: the server's pid was taken by another process
        return False
    return True
