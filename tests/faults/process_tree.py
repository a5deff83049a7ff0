"""The processes a command made, read from Linux's /proc, for checking that none outlives it.

A process is known by its pid and its start time, so a pid the system hands out again later is
never taken for it; a zombie counts as gone (it runs nothing; init reaps it)."""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Process:
    pid: int
    parent: int
    started: int  # clock ticks after boot
    command: str

    def alive(self) -> bool:
        found = read(self.pid)
        return found is not None and found.started == self.started and state(self.pid) != "Z"

    def kill(self) -> None:
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def read(pid: int) -> Process | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        command = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the name, which may hold spaces and brackets
    return Process(pid, int(fields[1]), int(fields[19]), command)


def state(pid: int) -> str | None:
    try:
        return (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def descendants(root: int) -> list[Process]:
    """Every living process below `root`: its children, theirs, and so on."""
    everyone = [p for entry in PROC.iterdir() if entry.name.isdigit() and (p := read(int(entry.name))) is not None]
    below, found = {root}, []
    while True:
        new = [p for p in everyone if p.parent in below and p.pid not in below and state(p.pid) != "Z"]
        if not new:
            return found
        found += new
        below.update(p.pid for p in new)


def alive(processes: list[Process]) -> list[Process]:
    return [p for p in processes if p.alive()]


def started_of(made: list[Process]) -> list[Process]:
    """The processes multiprocessing started among `made`: forked by a forkserver (they carry its
    command line too), or spawned (`rnn-tui train` spawns its counting process: it needs no torch)."""
    servers = {p.pid for p in made if "multiprocessing.forkserver" in p.command}
    return [p for p in made if p.parent in servers or "multiprocessing.spawn" in p.command]
