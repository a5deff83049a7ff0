"""Row 6: start-up, from launching `rnn-tui` to the app's first frame, against importing torch.

A: the `rnn-tui` command (no flags: the default run; the console script installed beside this
   Python, so a version manager's shim is not timed) starts in a pseudo-terminal of 120 x 40 in
   an empty temporary directory. Timed from just before the process is created to the arrival
   of the first output that draws on the screen: the first bytes that, once terminal control
   sequences (CSI, OSC, ...) are removed, contain visible text. Textual switches terminal modes
   first (alternate screen, mouse) without drawing; those bytes do not count. The time the
   footer's key labels arrive (the full first screen) is shown too. The whole process group
   (the app and its training process) is then killed, so the next round starts on an idle CPU.
B: `python -c "import torch"` in a subprocess, same Python.
Rounds alternate A and B; medians. Target: A below half of B.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from benchmarks.common import Options, Result
from benchmarks.timing import alternate, median, paired_ratio, timed

COLUMNS, LINES = 120, 40
CONTROL = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -/]*[0-~]")
FOOTER_TEXT = b"pause/resume"
TIMEOUT = 60.0
TARGET = 0.5


def app_command() -> list[str]:
    """This Python's `rnn-tui` script, not a version manager's shim in front of it (pyenv's adds 0.2-0.5 s)."""
    script = Path(sys.executable).parent / "rnn-tui"
    return [str(script)] if script.exists() else [sys.executable, "-m", "rnn_tui"]


def visible(data: bytes) -> bytes:
    return CONTROL.sub(b"", data).strip()


def launch_app() -> tuple[float, float]:
    """Seconds to the first drawn output and to the footer, for one launch of the app."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(LINES))
    with tempfile.TemporaryDirectory() as cwd:
        start = time.perf_counter()
        process = subprocess.Popen(app_command(), stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env,
                                   start_new_session=True)
        os.close(slave)
        try:
            return read_until_footer(master, start)
        finally:
            os.killpg(process.pid, signal.SIGKILL)  # the app and its training process, started here
            process.wait()
            os.close(master)


def read_until_footer(master: int, start: float) -> tuple[float, float]:
    output, first = b"", None
    while time.perf_counter() - start < TIMEOUT:
        if not select.select([master], [], [], 0.01)[0]:
            continue
        try:
            output += os.read(master, 1 << 16)
        except OSError:  # the app exited and closed the terminal
            break
        now = time.perf_counter() - start
        text = visible(output)
        if first is None and text:
            first = now
        if FOOTER_TEXT in text:
            return first or now, now
    raise RuntimeError(f"rnn-tui drew no footer (within {TIMEOUT:.0f} s); its output began {output[:200]!r}")


def import_torch() -> float:
    return timed(lambda: subprocess.run([sys.executable, "-c", "import torch"], check=True))


def run(options: Options) -> list[Result]:
    import_torch()  # the first import after a while reads torch's files from disk; later ones from cache
    runs = alternate({"app": launch_app, "torch": import_torch}, options.report_rounds)
    first = [f for f, _ in runs["app"]]
    footer = [f for _, f in runs["app"]]
    ratio = paired_ratio(first, runs["torch"])
    figure = (f"{ratio:.2f} (first frame {median(first):.2f} s, footer {median(footer):.2f} s; "
              f"import torch {median(runs['torch']):.2f} s)")
    return [Result("6 start-up / import torch", figure, f"< {TARGET}", ratio < TARGET)]
