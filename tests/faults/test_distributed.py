"""torchrun with two gloo ranks on CPU: the same losses as one process over the combined batch,
a checkpoint in the single-process format, and a lost rank ending the run with one clear line."""

import json
import os
import signal
import subprocess
import sys
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
def test_two_ranks_take_the_steps_of_one_process_and_losing_one_ends_the_run_with_its_checkpoint_whole(
        tmp_path, text_file, capsys):
    """One launch for both (each torchrun imports torch three times): the ranks' first eight steps
    against one process over the combined batch (at a constant rate: it does not depend on the stop
    point), then rank 1 killed once a checkpoint is written."""
    common = ["--text", str(text_file), *MODEL, "--schedule", "constant", "--eval-every", "4", "--json"]
    out = tmp_path / "ranks.pt"
    errors = tmp_path / "stderr"
    with errors.open("w") as stderr:
        job = subprocess.Popen(torchrun(*common, "--steps", "100000", "--batch", "4", "--out", str(out)),
                               stdout=subprocess.PIPE, stderr=stderr, text=True, start_new_session=True)
    lines: list[str] = []
    try:
        while len(steps(lines)) < 8 or not out.exists():  # however long a busy machine takes
            line = job.stdout.readline()
            assert line, f"the run ended before its eighth step and first checkpoint: {errors.read_text()}"
            lines.append(line)
        pid = rank_pid(job.pid, 1)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        job.communicate()
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
    err = errors.read_text()
    assert job.returncode != 0
    ours = [line for line in err.splitlines() if line.startswith("rnn-tui: error: rank 0 stopped at step")]
    assert len(ours) == 1 and "another process of the run is gone" in ours[0] and str(out) in ours[0]

    assert main(["train", *common, "--steps", "8", "--batch", "8", "--out", str(tmp_path / "single.pt")]) == 0
    alone = steps(capsys.readouterr().out.splitlines())
    assert json.loads(lines[0])["kind"] == "start" and json.loads(lines[0])["world_size"] == 2
    assert len([line for line in lines if '"kind": "start"' in line]) == 1  # rank 0 alone prints
    together = steps(lines)
    assert sorted(alone) == list(range(1, 9))
    for step, loss in alone.items():
        assert together[step] == pytest.approx(loss, abs=1e-4), step
    data = load_checkpoint(out)  # whole, as every save is atomic, and in the format of a single-process run
    model, vocab = model_from_checkpoint(data)
    assert data["step"] > 0 and data["step"] % 4 == 0 and data["train_config"]["batch"] == 4
    assert len(vocab) == model.config.vocab_size


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
