"""Does the network beat counting? The best Kneser-Ney n-gram against two headless training runs, per text.

For each text: `rnn-tui ngram` (orders 1-9, the best one's validation loss), then, one after the
other, the default run (`rnn-tui train`, the tiny preset) for 3 minutes of training and the fitted
`shakespeare-5min` preset on its own 5-minute budget. A run's figure is the best validation loss
of its last evaluation. The n-gram column is scored on the whole validation split; each margin is
against the run's own `baseline` line, the best n-gram scored on exactly the characters the run's
evaluations score (the first `eval_batches` batches: about a tenth of the 4 MB text's split, most
of a small text's). About 35 minutes:

    python3 -m benchmarks.ngram_vs_network
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks.report import cpu_model

TEXTS = ("python", "essay", "structured", "/work/shared/data/tinyshakespeare.txt")
RNN_TUI = [sys.executable, "-m", "rnn_tui"]
DEFAULT_MINUTES = 3
PRESET = "shakespeare-5min"


@dataclass(frozen=True)
class Run:
    best: float
    steps: int
    stop: str  # the stop event's reason: "minutes" unless something went wrong
    ngram: float | None  # the run's baseline line: the best n-gram on the characters it is scored on

    def cell(self, ngram: float) -> tuple[str, str]:
        """(best val and steps, the margin over the n-gram) as table cells; `ngram`: the whole split's,
        for a run that ended before its baseline was counted."""
        odd = "" if self.stop == "minutes" else f", stopped: {self.stop}"
        margin = self.best - (ngram if self.ngram is None else self.ngram)
        winner = "network" if margin < 0 else "n-gram"
        return f"{self.best:.3f} ({self.steps:,} steps{odd})", f"{margin:+.3f} ({winner})"


def json_lines(args: list[str]) -> list[dict[str, Any]]:
    print("running:", " ".join(args), file=sys.stderr, flush=True)
    done = subprocess.run([*RNN_TUI, *args], capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


def train(text: str, name: str, tag: str, flags: list[str]) -> Run:
    events = json_lines(["train", "--text", text, *flags, "--json", "--out", f"/tmp/nvn-{name}-{tag}.pt", "--force"])
    last_eval = [e for e in events if e["kind"] == "eval"][-1]
    baseline = next((e["ngram_loss"] for e in events if e["kind"] == "baseline"), None)
    return Run(last_eval["best_val"], events[-1]["step"], events[-1]["reason"], baseline)


def row(text: str) -> str:
    name = Path(text).stem
    ngram = json_lines(["ngram", "--text", text, "--json"])[0]
    best = next(o for o in ngram["orders"] if o["order"] == ngram["best_order"])
    default = train(text, name, "default", ["--minutes", str(DEFAULT_MINUTES)])
    preset = train(text, name, "5min", ["--preset", PRESET])
    cells = [name, f"{ngram['chars']:,}", f"{best['val_loss']:.3f} (order {best['order']})",
             *default.cell(best["val_loss"]), *preset.cell(best["val_loss"])]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    started = datetime.now()
    rows = [row(text) for text in TEXTS]
    print(f"{started:%Y-%m-%d %H:%M}-{datetime.now():%H:%M} · {os.cpu_count()}-core {cpu_model()} "
          f"({platform.platform()}) · Python {platform.python_version()} · torch {version('torch')}\n")
    print(f"| text | chars | best n-gram: val loss | default run, {DEFAULT_MINUTES} min: best val | "
          f"default - n-gram | {PRESET}: best val | preset - n-gram |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    print("\nnats per character; a margin below 0 means the network wins")


if __name__ == "__main__":
    main()
