"""kill -9 while a checkpoint is being written: the previous one is always whole and loadable."""

import random
import subprocess
import sys
import time

import torch

from rnn_tui.engine.checkpoint import FORMAT, load_checkpoint

WRITER = r"""
import sys, torch
from rnn_tui.engine.checkpoint import save_checkpoint, FORMAT
path = sys.argv[1]
weights = torch.randn(6_000_000)  # 24 MB: every write takes a while
n = 0
while True:
    n += 1
    weights.fill_(float(n))
    save_checkpoint(path, {"format": FORMAT, "run_id": "r", "model_config": {}, "train_config": {}, "vocab": "ab",
                           "model": {"w": weights}, "step": n})
    print(n, flush=True)
"""


def test_kill_9_mid_write_leaves_the_previous_checkpoint_whole(tmp_path):
    path = tmp_path / "run.pt"
    rng = random.Random(0)
    for _ in range(5):  # each kill lands at a random point of a 24 MB write
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
        first = int(writer.stdout.readline())  # at least one checkpoint is complete
        time.sleep(rng.uniform(0.0, 0.6))  # then kill it at a random point, most likely mid-write
        writer.kill()
        writer.wait()
        data = load_checkpoint(path)
        step = data["step"]
        assert data["format"] == FORMAT and step >= first
        assert torch.all(data["model"]["w"] == float(step)), "a checkpoint mixes two writes"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "run.pt"]
    assert all(name.endswith(".tmp") for name in leftovers)  # killed writes leave only their temp files
