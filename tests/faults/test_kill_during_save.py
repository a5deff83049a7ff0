"""kill -9 while a checkpoint is being written: the previous one is always whole and loadable."""

import os
import random
import signal
import subprocess
import sys
import time

import torch

from rnn_tui.engine.checkpoint import FORMAT, load_checkpoint

# One process imports torch; for each line on its stdin it forks a writer (the process that is
# killed) and says when that one is gone. The writer prints its pid and each step it has saved.
WRITERS = r"""
import os, sys, torch
from rnn_tui.engine.checkpoint import save_checkpoint, FORMAT
path = sys.argv[1]
for _ in sys.stdin:
    writer = os.fork()
    if writer == 0:
        weights = torch.randn(6_000_000)  # 24 MB: every write takes a while
        n = 0
        while True:
            n += 1
            weights.fill_(float(n))
            save_checkpoint(path, {"format": FORMAT, "run_id": "r", "model_config": {}, "train_config": {},
                                   "vocab": "ab", "model": {"w": weights}, "step": n})
            print(os.getpid(), n, flush=True)
    os.waitpid(writer, 0)
    print("gone", flush=True)
"""


def test_kill_9_mid_write_leaves_the_previous_checkpoint_whole(tmp_path):
    path = tmp_path / "run.pt"
    rng = random.Random(0)
    writers = subprocess.Popen([sys.executable, "-c", WRITERS, str(path)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(5):  # each kill lands at a random point of a 24 MB write
            writers.stdin.write("write\n")
            writers.stdin.flush()
            pid, first = map(int, writers.stdout.readline().split())  # at least one checkpoint is complete
            time.sleep(rng.uniform(0.0, 0.6))  # then kill it at a random point, most likely mid-write
            os.kill(pid, signal.SIGKILL)
            while writers.stdout.readline().strip() != "gone":
                pass
            data = load_checkpoint(path)
            step = data["step"]
            assert data["format"] == FORMAT and step >= first
            assert torch.all(data["model"]["w"] == float(step)), "a checkpoint mixes two writes"
        writers.stdin.close()
        assert writers.wait() == 0
    finally:
        writers.kill()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "run.pt"]
    assert all(name.endswith(".tmp") for name in leftovers)  # killed writes leave only their temp files
