"""The suite's output: a header describing the machine, then one table of results."""

from __future__ import annotations

import os
import platform
from datetime import datetime

import torch

from benchmarks.common import Result

COLUMNS = ("row", "figure", "target", "status")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def header(started: datetime, load_at_start: str, threads_used: str) -> list[str]:
    minutes = (datetime.now() - started).total_seconds() / 60
    return [
        f"rnn-tui benchmarks  {started.isoformat(timespec='seconds')}, {minutes:.1f} min",
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, {cpu_model()}; "
        f"load average (1/5/15 min) at start {load_at_start}, at end {load_average()}",
        f"python {platform.python_version()}, torch {torch.__version__}; torch threads: {threads_used} "
        f"(default here {torch.get_num_threads()}, interop {torch.get_num_interop_threads()})",
    ]


def status(result: Result) -> str:
    return "report" if result.met is None else "met" if result.met else "MISSED"


def table(results: list[Result]) -> list[str]:
    rows = [COLUMNS] + [(r.row, r.figure, r.target, status(r)) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines
