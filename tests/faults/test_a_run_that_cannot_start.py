"""A run the training process cannot build is a Failed that says why, and the process waits for
the next spec: it neither dies nor leaves the app saying only that it ended."""

from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.run.process import BackgroundTrainer
from rnn_tui.run.protocol import Failed, Reset
from rnn_tui.run.spec import RunSpec


def next_failed(handle: BackgroundTrainer) -> Failed:
    """The next Failed, however long a busy machine takes (pytest-timeout ends a test that never gets one)."""
    while True:
        failed = [item for item in handle.receive(timeout=0.2) if isinstance(item, Failed)]
        if failed:
            return failed[0]
        assert handle.exit_code() is None, f"the training process ended (exit status {handle.exit_code()})"


def test_a_refused_setting_and_a_failed_build_each_say_why_and_the_process_waits():
    model = ModelConfig(hidden=16, embed=4)
    handle = BackgroundTrainer(RunSpec("essay", model, TrainConfig(seq=16, batch=4, seed=99999999999999999999)))
    handle.start()
    try:
        failed = next_failed(handle)
        assert failed.run == 0 and "seed must be a whole number" in failed.message
        assert "99999999999999999999" in failed.message
        huge = RunSpec("essay", ModelConfig(hidden=2**20, embed=4), TrainConfig(seq=16, batch=4))  # terabytes
        handle.send(Reset(huge, 1))
        failed = next_failed(handle)
        assert failed.run == 1 and failed.message.startswith("the run could not start: RuntimeError: ")
        assert "allocate" in failed.message and "\n" not in failed.message
        assert handle.exit_code() is None
    finally:
        handle.close()
