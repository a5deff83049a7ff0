"""torchrun with two gloo ranks on CPU: the same losses as one process over the combined batch,
a checkpoint in the single-process format, and a lost rank ending the run with one clear line."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnn_tui.cli import main
from rnn_tui.engine.checkpoint import load_checkpoint, model_from_checkpoint

MODEL = ["--hidden", "24", "--embed", "8", "--seq", "24", "--dropout", "0"]


def torchrun(*args: str) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
            "-m", "rnn_tui", "train", *args]


def steps(lines: list[str]) -> dict[int, float]:
    events = [json.loads(line) for line in lines if line.startswith("{")]
    return {e["step"]: e["loss"] for e in events if e["kind"] == "step"}


@pytest.fixture
def text_file(tmp_path, small_text) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(small_text)
    return path


def test_two_ranks_take_the_steps_of_one_process_with_the_combined_batch(tmp_path, text_file, capsys):
    common = ["--text", str(text_file), *MODEL, "--steps", "8", "--eval-every", "4", "--json"]
    ranks = subprocess.run(torchrun(*common, "--batch", "4", "--out", str(tmp_path / "ranks.pt")),
                           capture_output=True, text=True)
    assert ranks.returncode == 0, ranks.stderr[-2000:]
    assert main(["train", *common, "--batch", "8", "--out", str(tmp_path / "single.pt")]) == 0  # one process
    single = capsys.readouterr().out
    lines = ranks.stdout.splitlines()
    assert json.loads(lines[0])["kind"] == "start" and json.loads(lines[0])["world_size"] == 2
    assert len([line for line in lines if '"kind": "start"' in line]) == 1  # rank 0 alone prints
    together, alone = steps(lines), steps(single.splitlines())
    assert sorted(together) == list(range(1, 9))
    for step, loss in alone.items():
        assert together[step] == pytest.approx(loss, abs=1e-4), step
    data = load_checkpoint(tmp_path / "ranks.pt")
    model, vocab = model_from_checkpoint(data)  # the format of a single-process run: the app opens it
    assert data["step"] == 8 and data["train_config"]["batch"] == 4 and len(vocab) == model.config.vocab_size


def rank_pid(agent: int, rank: int) -> int | None:
    """The process of `rank` among the torchrun agent's children: another test's job runs beside this
    one under xdist, and killing its rank would fail both."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            parent = int(Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[1])
            environ = Path(f"/proc/{name}/environ").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if parent == agent and f"RANK={rank}".encode() in environ:
            return int(name)
    return None


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finding a rank's process needs Linux's /proc")
def test_killing_one_rank_ends_the_run_with_a_clear_line_and_the_checkpoint_whole(tmp_path, text_file):
    out = tmp_path / "run.pt"
    job = subprocess.Popen(torchrun("--text", str(text_file), *MODEL, "--batch", "4", "--steps", "100000",
                                    "--eval-every", "10", "--out", str(out)),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        while not out.exists():  # rank 0's first evaluation, however long a busy machine takes
            assert job.poll() is None, f"the run ended before its first checkpoint: {job.stderr.read()}"
            time.sleep(0.2)
        pid = rank_pid(job.pid, 1)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        _, err = job.communicate()
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
    assert job.returncode != 0
    ours = [line for line in err.splitlines() if line.startswith("rnn-tui: error: rank 0 stopped at step")]
    assert len(ours) == 1 and "another process of the run is gone" in ours[0] and str(out) in ours[0]
    data = load_checkpoint(out)  # whole: every save is atomic
    assert data["step"] > 0 and data["step"] % 10 == 0


def test_an_out_that_holds_another_run_stops_every_rank_with_a_whole_line(tmp_path, text_file, capsys):
    out = tmp_path / "theirs.pt"
    common = ["--text", str(text_file), *MODEL, "--batch", "4", "--steps", "2", "--out", str(out)]
    assert main(["train", *common]) == 0
    capsys.readouterr()
    job = subprocess.run(torchrun(*common), capture_output=True, text=True)
    assert job.returncode != 0
    ours = [line for line in job.stderr.splitlines() if line.startswith("rnn-tui: error:")]
    refusal = [line for line in ours if line.startswith(f"rnn-tui: error: {out} holds another run")]
    assert len(refusal) == 1  # rank 0's; rank 1 says so in its own whole line (the two in either order)
    assert [line for line in ours if line not in refusal] == [
        "rnn-tui: error: rank 1 did not start: another rank refused the run (its line says why); nothing was saved"]
