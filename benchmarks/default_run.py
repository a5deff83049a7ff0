"""Does the default run keep teaching? `rnn-tui` with no arguments, measured over its first minutes.

Run from the repository root:

    python benchmarks/default_run.py                    # the default text, 3 minutes of training
    python benchmarks/default_run.py --text essay --minutes 1.5   # a small text: it overfits

The real PlaygroundApp with the real training process runs headless (App.run_test at 120x40)
on the spec `rnn-tui` builds from the given flags, with the sampler and heatmap working as on a
screen. A message hook reads the training process's events on their way into the app: the
training time of each step, each evaluation, and the coach's advice. The run ends when the app
shows `--minutes` of training time. Reported: the validation curve by minute, and the figures
issue 8 asks of the default run: at the end, val within 0.03 nats of its best so far and below
0.75 x the text's unigram entropy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from rnn_tui.cli import build_parser
from rnn_tui.engine.events import EvalEvent, StepEvent
from rnn_tui.run.process import BackgroundTrainer
from rnn_tui.run.protocol import Events, Ready
from rnn_tui.run.spec import spec_from_args
from rnn_tui.tui.app import PlaygroundApp
from rnn_tui.tui.messages import TrainerMessages

GAP_TARGET = 0.03  # nats: val at the end within this of its best
RATIO_TARGET = 0.75  # val at the end below this fraction of the unigram entropy


@dataclass
class Record:
    seconds: float = 0.0  # training time so far, from the step events
    unigram_entropy: float | None = None
    evals: list[tuple[float, int, float, float]] = field(default_factory=list)  # seconds, step, val, best
    advice: list[tuple[float, str]] = field(default_factory=list)  # the first time each line was given

    def hook(self, message) -> None:
        if not isinstance(message, TrainerMessages):
            return
        for item in message.items:
            if isinstance(item, Ready):
                self.unigram_entropy = item.start.unigram_entropy
            elif isinstance(item, Events):
                for event in item.events:
                    if isinstance(event, StepEvent):
                        self.seconds += event.seconds
                    elif isinstance(event, EvalEvent):
                        self.evals.append((self.seconds, event.step, event.val_loss, event.best_val))
                        if event.advice and event.advice.split(":")[0] not in {a.split(":")[0] for _, a in self.advice}:
                            self.advice.append((self.seconds, event.advice))


async def measure(argv: list[str], minutes: float) -> Record:
    spec = spec_from_args(build_parser().parse_args(argv))
    record = Record()
    with tempfile.TemporaryDirectory() as tmp:
        app = PlaygroundApp(spec, BackgroundTrainer(spec), checkpoint_path=str(Path(tmp) / "run.pt"))
        async with app.run_test(size=(120, 40), message_hook=record.hook):
            while app.state.elapsed < 60 * minutes:
                await asyncio.sleep(0.5)
            await app.action_quit()
    return record


def report(record: Record, argv: list[str], minutes: float) -> dict:
    seconds, step, val, best = record.evals[-1]
    gap, ratio = val - best, val / record.unigram_entropy
    print(f"rnn-tui {' '.join(argv)}: {datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, "
          f"{minutes:g} minutes of training, unigram entropy {record.unigram_entropy:.3f} nats")
    print("  minute  step    val    best")
    marks = [k / 2 for k in range(1, int(2 * minutes) + 1)]
    for mark in marks:
        point = max((e for e in record.evals if e[0] <= 60 * mark), default=None, key=lambda e: e[0])
        if point:
            print(f"  {mark:5.1f}  {point[1]:6d}  {point[2]:.3f}  {point[3]:.3f}")
    print(f"  at the end (step {step:,}, {seconds:.0f} s): val {val:.3f}, best {best:.3f}, gap {gap:.3f} "
          f"(target <= {GAP_TARGET}), val / unigram {ratio:.3f} (target < {RATIO_TARGET})")
    for at, line in record.advice:
        print(f"  coach at {at:.0f} s: {line}")
    return {"argv": argv, "evals": record.evals, "advice": record.advice, "gap": gap, "ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="training time to measure (default 3)")
    parser.add_argument("--json", metavar="FILE", help="also write the curve here")
    args, app_flags = parser.parse_known_args()
    record = asyncio.run(measure(app_flags, args.minutes))
    result = report(record, app_flags, args.minutes)
    if args.json:
        Path(args.json).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
