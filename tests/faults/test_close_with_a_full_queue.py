"""Closing the training process while its message queue is full (nobody read it for seconds):
the child must still exit by itself, with its final save reported, and close() must return."""

import threading
import time

from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.run.process import BackgroundTrainer
from rnn_tui.run.protocol import Saved
from rnn_tui.run.spec import RunSpec


def test_close_drains_the_queue_so_the_child_can_exit(tmp_path, small_text):
    text = tmp_path / "corpus.txt"
    text.write_text(small_text)
    spec = RunSpec(str(text), ModelConfig(cell="lstm", hidden=96, embed=8), TrainConfig(seq=24, batch=8, seed=1))
    handle = BackgroundTrainer(spec)
    handle.start()
    time.sleep(4)  # events and weight snapshots pile up far past a pipe's 64 KB: nobody reads them
    path = tmp_path / "final.pt"
    result: dict = {}
    closer = threading.Thread(target=lambda: result.update(saved=handle.close(autosave=str(path))), daemon=True)
    closer.start()
    closer.join(25)
    assert not closer.is_alive(), "close() hung"
    assert isinstance(result["saved"], Saved) and path.exists()
    assert handle.exit_code() == 0  # it exited by itself, not killed
