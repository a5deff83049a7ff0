"""Headless `train` with one torch thread against torch's default, on a quiet machine and beside a
process that keeps one core busy: what `--threads` defaults to.

`rnn-tui train --steps 300 --text essay` (the tiny preset) in a fresh process each time; the
thread counts alternate, three rounds, medians. Wall time is start to exit (torch's import
included); training time is the sum of the steps' own seconds; other work is what the machine's
cores did besides the run, in cores (the neighbour's one included). The neighbour is
`python3 -c "while True: pass"`, killed at the end. Linux only (/proc/stat).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

ROUNDS = 3
TRAIN = [sys.executable, "-m", "rnn_tui", "train", "--steps", "300", "--text", "essay", "--json", "--force"]


def machine_busy() -> float:
    """CPU seconds every core has spent busy since boot (all but idle and iowait)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(threads: int, out: Path) -> tuple[float, float, float]:
    """(wall seconds, training seconds, other work in cores) of one headless run."""
    start, busy, ours = time.perf_counter(), machine_busy(), children_cpu()
    done = subprocess.run([*TRAIN, "--threads", str(threads), "--out", str(out)], capture_output=True, text=True,
                          check=True)
    wall = time.perf_counter() - start
    other = (machine_busy() - busy - (children_cpu() - ours)) / wall
    events = [json.loads(line) for line in done.stdout.splitlines()]
    return wall, sum(e["seconds"] for e in events if e["kind"] == "step"), other


def main() -> None:
    candidates = sorted({1, torch.get_num_threads()})  # torch's default: the physical cores
    times: dict[tuple[bool, int], list[tuple[float, float, float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run.pt"
        for busy in (False, True):
            neighbour = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
            try:
                for _ in range(ROUNDS):
                    for threads in candidates:
                        times.setdefault((busy, threads), []).append(run(threads, out))
            finally:
                if neighbour is not None:
                    neighbour.kill()
                    neighbour.wait()
    for (busy, threads), runs in times.items():
        walls, trained, other = zip(*runs)
        print(f"{'one core busy' if busy else 'quiet':<14} {threads} thread{'s' if threads > 1 else ''}: "
              f"wall {statistics.median(walls):.1f} s ({', '.join(f'{t:.1f}' for t in walls)}), "
              f"training {statistics.median(trained):.1f} s ({', '.join(f'{t:.1f}' for t in trained)}), "
              f"other work {', '.join(f'{o:.2f}' for o in other)} cores")


if __name__ == "__main__":
    main()
