"""`rnn-tui train`: train headless, in this process or as one rank of a torchrun job."""

from __future__ import annotations

import argparse
import gc
import re
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnn_tui.cli.errors import say
from rnn_tui.cli.flags import add_run_flags
from rnn_tui.cli.train_reports import JsonReport, ProgressReport, SavingReport, ignore
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.runlog import CHECKPOINT
from rnn_tui.run.spec import DEFAULT_CHECKPOINT, build_trainer, explicit_train_flags, spec_from_args

if TYPE_CHECKING:
    from rnn_tui.engine.counting import Baseline
    from rnn_tui.engine.distributed import World
    from rnn_tui.engine.events import Event
    from rnn_tui.engine.runlog import RunLog
    from rnn_tui.engine.training import Control, Trainer

ARCHITECTURE_FLAGS = ("cell", "hidden", "layers", "embed", "preset")


def add_parser(sub: Any) -> None:
    train = sub.add_parser("train", help="train headless, printing progress (or JSON lines)")
    add_run_flags(train)
    train.add_argument("--out", metavar="CKPT",
                       help=f"checkpoint written at the end and on Ctrl+C (default {DEFAULT_CHECKPOINT}; "
                            "with --log, DIR/run.pt)")
    train.add_argument("--log", metavar="DIR",
                       help="write the events (JSON lines) and checkpoints into DIR, for rnn-tui watch DIR")
    train.add_argument("--force", action="store_true", help="replace --out even when it holds another run")
    train.add_argument("--resume", metavar="CKPT",
                       help="continue the run saved in this checkpoint (on the text it was trained on, unless --text)")
    train.add_argument("--json", action="store_true", help="print one JSON object per event instead of a progress bar")


def run(args: argparse.Namespace) -> int:
    """Train in this process, or as one rank of a torchrun job (DistributedDataParallel)."""
    from rnn_tui.engine.distributed import join, leave, world_from_env

    world = world_from_env()
    if world is None:
        return train(args, None)
    if args.minutes is not None:
        raise UserError("--minutes would stop the ranks of a torchrun job at different steps: use --steps or --epochs")
    args.device = str(join(world, args.device))
    try:
        return train(args, world)
    finally:
        gc.collect()  # DistributedDataParallel goes before the process group it uses
        leave()


def out_path(args: argparse.Namespace) -> str:
    return args.out or (str(Path(args.log) / CHECKPOINT) if args.log else DEFAULT_CHECKPOINT)


def train(args: argparse.Namespace, world: World | None) -> int:
    from rnn_tui.engine.checkpoint import save_checkpoint, trainer_state
    from rnn_tui.engine.runlog import SAVE_SECONDS
    from rnn_tui.engine.training import Control

    main_rank = world is None or world.main  # the one that prints, logs and saves
    try:
        trainer, live, log = prepare(args, world)
    except UserError as refusal:
        if world is not None:
            agree_to_start(world, refusal)
        raise
    if world is not None:
        agree_to_start(world, None)
        trainer.distribute(world)
    changes = [trainer.set_lr(live["lr"])] if "lr" in live else []  # recorded and reported, as in the app
    changes += [trainer.set_dropout(live["dropout"])] if "dropout" in live else []
    control = Control()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: control.stop())
    saved_step: int | None = None

    def save() -> None:
        nonlocal saved_step
        save_checkpoint(args.out, trainer_state(trainer))
        saved_step = trainer.step

    report: Callable[[Event], None] = JsonReport() if args.json else ProgressReport(trainer)
    if not main_rank:
        report = ignore
    elif log is not None or world is not None:  # a watcher or a lost rank finds a recent checkpoint
        report = SavingReport(report, save, SAVE_SECONDS if world is None else 0.0, log)
    start = trainer.start_event()
    if args.json or log is not None:
        for event in (start, *changes):
            report(event)
    if main_rank and not args.json:
        ranks = f" x {world.size} ranks" if world else ""
        rare = f" ({start.rare})" if start.rare else ""
        print(f"{start.text}: {start.chars:,} characters, vocabulary {start.vocab_size}{rare}; "
              f"{trainer.model_config.cell} model with {start.parameters:,} parameters on {start.device}{ranks}",
              file=sys.stderr)
        if start.note:
            print(start.note, file=sys.stderr)
        if not trainer.train_config.has_stop_point:
            print("no --steps, --epochs or --minutes given: training until Ctrl+C", file=sys.stderr)
    if log is not None:  # a watcher can open the run before its first evaluation
        save()
    counting = BaselineCount(trainer, control) if world is None else None  # the ranks of a job fork nothing

    def report_in_order(event: Event) -> None:
        if event.kind == "stop" and counting is not None:
            counting.before_stop(report)
        report(event)

    try:
        stop = trainer.run(report_in_order, control)
    except RuntimeError as exc:  # a collective failed: another rank is gone
        if world is None:
            raise
        if not main_rank:
            kept = "rank 0 saves the checkpoints"
        elif saved_step is None:
            kept = "nothing was saved (rank 0 saves at each evaluation)"
        else:
            kept = f"the checkpoint of step {saved_step}, {args.out}, is whole"
        raise UserError(f"rank {world.rank} stopped at step {trainer.step}: another process of the run is gone "
                        f"({first_sentence(str(exc))}); {kept}") from None
    finally:
        if counting is not None:
            counting.close()
    if main_rank:
        save()
        if log is not None:
            log.close()
        if not args.json:
            print(f"saved {args.out}", file=sys.stderr)
    return 1 if stop.reason == "diverged" else 0


BASELINE_WAIT = 120.0  # seconds a run that ends before its text is counted waits for the baseline


class BaselineCount:
    """The run's text counted beside the training, in a process of its own: the baseline goes to the
    trainer, which reports it (a `baseline` line) and whose coach reads it. A run that ends first
    waits for it (up to BASELINE_WAIT), so the baseline line always comes before the stop line, or a
    line says why there is none."""

    def __init__(self, trainer: Trainer, control: Control):
        from rnn_tui.run.counting import CountingProcess

        self.trainer, self.control = trainer, control
        corpus = trainer.corpus
        self.process = (CountingProcess(corpus.text_id.source, corpus.vocab.chars, preloaded=False)
                        if corpus.text_id else None)  # spawned: this process starts no other
        self.found: Baseline | None = None
        self.failure: str | None = None if self.process else "the text was not read from a file"
        self.done = threading.Event()
        if self.process is None:
            self.done.set()
        else:  # started from a thread: starting a process takes a moment that training need not wait
            threading.Thread(target=self._count, name="counting", daemon=True).start()

    def _count(self) -> None:
        from rnn_tui.run.counting import CountBaseline

        try:
            self.process.start()
            self.found = self.process.ask(CountBaseline(self.trainer.train_config))
            self.control.set_baseline(self.found.order, tuple(self.found.losses.values()))
        except (UserError, OSError) as exc:  # training goes on without it
            self.failure = str(exc)
        finally:
            self.done.set()

    def before_stop(self, report: Callable[[Event], None]) -> None:
        """Report the baseline if the run has not yet (it ended first), or say why there is none."""
        if self.trainer.baseline is not None:
            return
        if not self.done.is_set():
            print(f"waiting up to {BASELINE_WAIT:.0f} s for the n-gram baseline (counting the text)",
                  file=sys.stderr, flush=True)
            self.done.wait(BASELINE_WAIT)
        if self.found is not None:
            report(self.trainer.set_baseline(self.found.order, tuple(self.found.losses.values())))
        else:
            print(f"no n-gram baseline: {self.failure or f'counting took more than {BASELINE_WAIT:.0f} s'}",
                  file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.process is not None:
            self.process.close()


def prepare(args: argparse.Namespace, world: World | None) -> tuple[Trainer, dict[str, float], RunLog | None]:
    """Every check and refusal before the first step: the trainer, the live settings to apply to a
    resumed run, and the run's log (rank 0's)."""
    from rnn_tui.engine.checkpoint import check_writable, other_run_at
    from rnn_tui.engine.memory import check_memory
    from rnn_tui.engine.runlog import RunLog

    main_rank = world is None or world.main
    args.out = out_path(args)
    if main_rank:
        check_writable(args.out)
    if args.resume and (fixed := [f"--{k}" for k in ARCHITECTURE_FLAGS if getattr(args, k) is not None]):
        raise UserError(f"{', '.join(fixed)} cannot change the model of a resumed run; "
                        "start a new run without --resume instead")
    live = {k: getattr(args, k) for k in ("lr", "dropout") if args.resume and getattr(args, k) is not None}
    overrides = {k: v for k, v in explicit_train_flags(args).items() if k not in live}
    spec = spec_from_args(args, checkpoint=args.resume)
    if world is not None:  # every rank must build the same model: no measuring on each
        spec = replace(spec, fit=None)
    if not spec.checkpoint:  # a resumed run's model is the checkpoint's, and has trained before
        check_memory(spec.model, spec.train, spec.device)
    trainer = build_trainer(spec, overrides)
    if world is not None and trainer.train_config.minutes is not None:  # a preset's or a resumed run's
        raise UserError("a time limit (--minutes, a preset's or a resumed run's) would stop the ranks of a "
                        "torchrun job at different steps: give --steps or --epochs")
    if main_rank and not args.force and (other := other_run_at(args.out, trainer.run_id)):
        raise UserError(f"{other}; choose another --out, or --force to replace it")
    return trainer, live, RunLog(args.log) if args.log and main_rank else None


def agree_to_start(world: World, refusal: UserError | None) -> None:
    """Every rank learns whether any refused the run, so none is left to fail in a collective. A rank
    that refused says why first (even if another rank is gone, so that the agreement fails); then
    every other rank says it did not start, and none exits before all have spoken: torchrun stops
    the other ranks as soon as one exits, which would cut a slower rank's line."""
    from rnn_tui.engine.distributed import any_rank, barrier

    if refusal is not None:
        say(refusal)
    if not any_rank(refusal is not None):
        return
    if refusal is None:
        say(UserError(f"rank {world.rank} did not start: another rank refused the run (its line says why); "
                      "nothing was saved"))
    barrier()
    raise SystemExit(2)


def first_sentence(message: str, limit: int = 100) -> str:
    """A collective's error as a short clause: no source path, one sentence, cut at a word."""
    text = re.sub(r"^\[[^\]]*\]\s*", "", message.splitlines()[0] if message else "")  # gloo's path is no help
    text = re.split(r"\.\s", text)[0].rstrip(".")
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "..."
