"""rnn-tui started as a user starts it, for killing it with -9: `train --log`, the app in a terminal,
`serve` with a page open, `lesson`, and a comparison (what the app's lessons and race run), each
with a small model on the bundled essay; and the wait until it has started the processes it should."""

from __future__ import annotations

import asyncio
import fcntl
import os
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests.faults.process_tree import Process, descendants, started_of

SMALL = ["--text", "essay", "--hidden", "32", "--embed", "8"]
STARTED_WITHIN = 180.0  # seconds for the processes to start (a forkserver loads torch first), on a cold, busy machine
COMPARE_OWNER = """
from rnn_tui.run.compare_process import BackgroundCompare, lesson_request
compare = BackgroundCompare(lesson_request("cells", steps=1_000_000))
compare.start()
compare.process.join()
"""


@dataclass(frozen=True)
class Launched:
    process: subprocess.Popen
    starts: tuple[str, ...]  # what multiprocessing starts for it, in order


def rnn_tui(*args: str) -> list[str]:
    return [sys.executable, "-m", "rnn_tui", *args]


def environment(folder: Path) -> dict[str, str]:
    return dict(os.environ, TERM="xterm-256color", XDG_STATE_HOME=str(folder / "state"))  # not the user's


def start(command: list[str], folder: Path, **streams: int) -> subprocess.Popen:
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    return subprocess.Popen(command, cwd=folder, env=environment(folder), start_new_session=True, **(quiet | streams))


def train_log(folder: Path) -> Launched:
    """No stop point: it trains on."""
    return Launched(start(rnn_tui("train", "--log", str(folder / "log"), *SMALL), folder), ("counting",))


def app(folder: Path) -> Launched:
    """The app in a pseudo-terminal of 120 x 40 that a thread keeps reading (a full one stalls the app)."""
    master, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = start(rnn_tui(*SMALL), folder, stdin=terminal, stdout=terminal, stderr=terminal)
    os.close(terminal)
    threading.Thread(target=read_until_closed, args=(master,), daemon=True).start()
    return Launched(process, ("training", "counting"))


def serve(folder: Path) -> Launched:
    """The server, and a page that connects to it, for which it starts an app (by a shell)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = start(rnn_tui("serve", "--host", "127.0.0.1", "--port", str(port), *SMALL), folder)
    threading.Thread(target=asyncio.run, args=(open_page(port),), daemon=True).start()
    return Launched(process, ("training",))  # the counting process may come later


def lesson(folder: Path) -> Launched:
    """`rnn-tui lesson` trains its runs in its own process: it starts no other."""
    return Launched(start(rnn_tui("lesson", "cells"), folder), ())


def compare(folder: Path) -> Launched:
    """A process that runs a lesson's comparison as the app's lessons and race screens do."""
    return Launched(start([sys.executable, "-c", COMPARE_OWNER], folder), ("compare",))


def kill_9_once_started(launched: Launched, settle: float = 0.0) -> list[Process]:
    """Wait until multiprocessing has started what the command starts (then `settle` seconds more),
    kill -9 the command, and return every process it had made."""
    command, made = launched.process, []
    try:
        deadline = time.monotonic() + STARTED_WITHIN
        while time.monotonic() < deadline and command.poll() is None and len(started_of(made)) < len(launched.starts):
            time.sleep(0.2)
            made = descendants(command.pid)
        time.sleep(settle)
        made = descendants(command.pid)
        assert command.poll() is None, f"{command.args} exited with status {command.returncode}"
        assert len(started_of(made)) >= len(launched.starts), f"it never started {', '.join(launched.starts)}: {made}"
    except BaseException:
        for process in descendants(command.pid):
            process.kill()
        raise
    finally:
        command.kill()
        command.wait()
    return made


def read_until_closed(terminal: int) -> None:
    try:
        while os.read(terminal, 1 << 16):
            pass
    except OSError:  # the app is gone
        pass
    finally:
        os.close(terminal)


async def open_page(port: int) -> None:
    """What a browser does for textual-serve: connect the page's websocket and keep reading it."""
    import aiohttp

    async with aiohttp.ClientSession() as session:
        for _ in range(int(STARTED_WITHIN / 0.2)):  # until the server listens
            try:
                page = await session.ws_connect(f"http://127.0.0.1:{port}/ws?width=120&height=40")
            except aiohttp.ClientError:
                await asyncio.sleep(0.2)
                continue
            async for _message in page:  # until the server is gone
                pass
            return
