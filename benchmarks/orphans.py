"""How soon the processes of an rnn-tui process go once it is killed with -9 (issue 26: none may be
alive 5 s later). Each of `train --log`, the app (in a pseudo-terminal), `serve` with a page open,
`lesson` and a comparison's owner (as the app's lessons and race run one) is started with a small
model on the bundled essay, left SETTLE seconds once multiprocessing has started what it starts, and
killed; then every process it had made is watched until it is gone (a zombie counts as gone).
Timed from the moment the killed process has been reaped. Linux only (/proc):

    python3 -m benchmarks.orphans
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.report import load_average
from tests.faults import launch
from tests.faults.process_tree import Process, alive, started_of

ROUNDS = 3
SETTLE = 5.0  # past start-up: the counting process has answered and waits on its queue
LIMIT = 5.0  # the target
GIVE_UP = 60.0
COMMANDS: dict[str, Callable[[Path], launch.Launched]] = {
    "train --log": launch.train_log, "app": launch.app, "serve": launch.serve, "lesson": launch.lesson,
    "compare": launch.compare}


def names(made: list[Process], starts: tuple[str, ...]) -> dict[Process, str]:
    started = sorted(started_of(made), key=lambda p: p.started)
    named = {process: starts[i] if i < len(starts) else "started later" for i, process in enumerate(started)}
    for process in made:
        if process in named:
            continue
        if "multiprocessing.resource_tracker" in process.command:
            named[process] = "resource tracker"
        elif "multiprocessing.forkserver" in process.command:
            named[process] = "forkserver"
        elif process.command.startswith("/bin/sh"):
            named[process] = "shell"
        else:
            named[process] = "app"
    return named


def seconds_until_gone(made: list[Process]) -> dict[Process, float]:
    """Each process's seconds from now until it is gone; GIVE_UP's for one that outlives it (then killed)."""
    started, gone = time.monotonic(), {}
    while len(gone) < len(made) and time.monotonic() - started < GIVE_UP:
        for process in made:
            if process not in gone and not process.alive():
                gone[process] = time.monotonic() - started
        time.sleep(0.005)
    for process in alive(made):
        process.kill()
    return {process: gone.get(process, GIVE_UP) for process in made}


def one_round(start: Callable[[Path], launch.Launched]) -> list[tuple[str, float]]:
    with tempfile.TemporaryDirectory() as folder:
        launched = start(Path(folder))
        made = launch.kill_9_once_started(launched, SETTLE)
        gone = seconds_until_gone(made)
    named = names(made, launched.starts)
    return [(named[process], seconds) for process, seconds in gone.items()]


def main() -> None:
    print(f"kill -9, then seconds until each process it made is gone; {ROUNDS} rounds; "
          f"load average {load_average()}")
    worst = 0.0
    for name, start in COMMANDS.items():
        for round_ in range(1, ROUNDS + 1):
            gone = one_round(start)
            figures = ", ".join(f"{what} {seconds:.2f} s" for what, seconds in gone) or "it made none"
            print(f"{name:<12} round {round_}: {figures}", flush=True)
            worst = max([worst, *(seconds for _, seconds in gone)])
    print(f"slowest: {worst:.2f} s; target: every process gone within {LIMIT:g} s:",
          "met" if worst < LIMIT else "NOT MET")


if __name__ == "__main__":
    main()
