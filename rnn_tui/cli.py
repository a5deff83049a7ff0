"""`rnn-tui` opens the playground; `rnn-tui train`, `sample`, `inspect` and `race` work headless.

Every error the user can cause ends as one line on stderr and exit status 2, no traceback.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from rnn_tui.engine.config import CELLS, OPTIMIZERS, PRECISIONS, PRESETS, SCHEDULES
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.runlog import CHECKPOINT
from rnn_tui.engine.texts import BUILTIN_TEXTS, DEFAULT_TEXT
from rnn_tui.inspect_command import add_inspect_parser, cmd_inspect
from rnn_tui.race_command import add_race_parser, cmd_race
from rnn_tui.run.spec import (
    DEFAULT_CHECKPOINT,
    DEFAULT_PRESET,
    MODEL_FLAGS,
    TRAIN_FLAGS,
    build_trainer,
    explicit_train_flags,
    spec_from_args,
)

if TYPE_CHECKING:
    from rnn_tui.engine.distributed import World
    from rnn_tui.engine.events import Event, StepEvent
    from rnn_tui.engine.runlog import RunLog
    from rnn_tui.engine.training import Trainer

ARCHITECTURE_FLAGS = ("cell", "hidden", "layers", "embed", "preset")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise UserError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rnn-tui", description="A terminal playground for character-level RNN language models.")
    add_run_flags(parser)
    parser.add_argument("--checkpoint", metavar="CKPT", help="open the app on this checkpoint")
    parser.add_argument("--paused", action="store_true", help="open the app without starting to train")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

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

    sample = sub.add_parser("sample", help="generate text from a checkpoint, streaming")
    sample.add_argument("--checkpoint", metavar="CKPT", default=DEFAULT_CHECKPOINT,
                        help=f"default {DEFAULT_CHECKPOINT}")
    sample.add_argument("--seed-text", default="", help="text the model reads before it writes")
    how = sample.add_mutually_exclusive_group()
    how.add_argument("--temperature", type=float, default=1.0, help="softmax temperature; 0 means greedy (default 1)")
    how.add_argument("--greedy", action="store_true", help="always take the likeliest character")
    how.add_argument("--temperatures", metavar="T1,T2,...",
                     help="one sample per temperature, drawn with common random numbers (the same uniform number "
                          "at each position), so they differ only by the temperature")
    how.add_argument("--beam", type=int, metavar="K", help="beam search of width K: the likeliest continuation found")
    sample.add_argument("--top-k", type=int, default=0, help="draw only from the k likeliest characters (0: off)")
    sample.add_argument("--top-p", type=float, default=1.0, help="draw only from the likeliest mass p (1: off)")
    sample.add_argument("--min-p", type=float, default=0.0,
                        help="draw only characters with p >= min-p x the likeliest's p (0: off)")
    sample.add_argument("--length", type=int, default=500, help="characters to generate (default 500)")
    sample.add_argument("--seed", type=int, help="random seed, for a reproducible sample")
    sample.add_argument("--device", help="auto (default), cpu, cuda or mps")
    sample.add_argument("--json", action="store_true",
                        help="one JSON object per sample: temperature (or beam), text, log_prob, bits_per_char")
    serve = sub.add_parser("serve", help="serve the app in a web browser (textual-serve)")
    add_run_flags(serve)
    serve.add_argument("--checkpoint", metavar="CKPT", help="open the app on this checkpoint")
    serve.add_argument("--paused", action="store_true", help="open the app without starting to train")
    serve.add_argument("--host", default="localhost",
                       help="address to listen on (default localhost: this machine only; see the README "
                            "before binding another)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    watch = sub.add_parser("watch", help="open the playground read-only on a run that train --log DIR writes")
    watch.add_argument("folder", metavar="DIR", help="the folder given to rnn-tui train --log")
    add_inspect_parser(sub)
    add_race_parser(sub)
    return parser


def add_run_flags(parser: argparse.ArgumentParser) -> None:
    """Text, model and training flags shared by the app and `train`; unset flags stay None."""
    parser.add_argument("--text", metavar="NAME|FILE",
                        help=f"a UTF-8 file or a built-in text: {', '.join(BUILTIN_TEXTS)} (default {DEFAULT_TEXT})")
    parser.add_argument("--preset", choices=sorted(PRESETS),
                        help=f"a named model and training setup (default {DEFAULT_PRESET} without model flags)")
    model = parser.add_argument_group("model")
    model.add_argument("--cell", choices=CELLS)
    model.add_argument("--hidden", type=int, help="units per layer")
    model.add_argument("--layers", type=int, help="stacked recurrent layers")
    model.add_argument("--embed", type=int, help="input projection size; 0 feeds one-hot vectors")
    model.add_argument("--dropout", type=float, help="between layers and before the output")
    run = parser.add_argument_group("training")
    run.add_argument("--seq", type=int, help="characters per stream per step (BPTT length)")
    run.add_argument("--batch", type=int, help="parallel streams per step")
    run.add_argument("--lr", type=float, help="learning rate")
    run.add_argument("--optimizer", choices=OPTIMIZERS)
    run.add_argument("--schedule", choices=SCHEDULES, help="learning-rate schedule")
    run.add_argument("--clip", type=float, help="gradient-norm clip (0: off)")
    stop = run.add_mutually_exclusive_group()
    stop.add_argument("--steps", type=int, help="stop after this many steps in total")
    stop.add_argument("--epochs", type=float, help="stop after this many passes over the text")
    stop.add_argument("--minutes", type=float, help="stop after this much training time")
    run.add_argument("--eval-every", type=int, help="steps between validation passes")
    run.add_argument("--seed", type=int, help="random seed (same seed, same losses on CPU)")
    run.add_argument("--device", help="auto (default: cuda, then mps, then cpu), cpu, cuda or mps")
    run.add_argument("--threads", type=int, help="torch CPU threads")
    run.add_argument("--precision", choices=PRECISIONS,
                     help="fp32 (default) or bf16: the forward pass under bf16 autocast (CUDA, or a CPU with bf16)")


def set_threads(threads: int | None) -> None:
    if threads is None:
        return
    if threads < 1:
        raise UserError(f"threads must be a positive whole number, not {threads}")
    import torch

    torch.set_num_threads(threads)


def cmd_train(args: argparse.Namespace) -> int:
    """Train in this process, or as one rank of a torchrun job (DistributedDataParallel)."""
    from rnn_tui.engine.distributed import join, leave, world_from_env

    world = world_from_env()
    if world is None:
        return train(args, None)
    if args.minutes is not None:
        raise UserError("--minutes would stop the ranks of a torchrun job at different steps: use --steps or --epochs")
    if world.main:  # before joining: a refusal here must not leave the other ranks waiting
        from rnn_tui.engine.checkpoint import check_writable

        check_writable(args.out or (str(Path(args.log) / CHECKPOINT) if args.log else DEFAULT_CHECKPOINT))
    args.device = str(join(world, args.device))
    try:
        return train(args, world)
    finally:
        gc.collect()  # DistributedDataParallel goes before the process group it uses
        leave()


def train(args: argparse.Namespace, world: World | None) -> int:
    from rnn_tui.engine.checkpoint import check_writable, other_run_at, save_checkpoint, trainer_state
    from rnn_tui.engine.runlog import SAVE_SECONDS, RunLog
    from rnn_tui.engine.training import Control

    main_rank = world is None or world.main  # the one that prints, logs and saves
    set_threads(args.threads)
    log = RunLog(args.log) if args.log and main_rank else None
    args.out = args.out or (str(Path(args.log) / CHECKPOINT) if args.log else DEFAULT_CHECKPOINT)
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
    trainer = build_trainer(spec, overrides)
    if world is not None:
        if trainer.train_config.minutes is not None:  # from a preset or a resumed run; every rank sees it
            raise UserError("a time limit (--minutes, a preset's or a resumed run's) would stop the ranks of a "
                            "torchrun job at different steps: give --steps or --epochs")
        trainer.distribute(world)
    changes = [trainer.set_lr(live["lr"])] if "lr" in live else []  # recorded and reported, as in the app
    changes += [trainer.set_dropout(live["dropout"])] if "dropout" in live else []
    if main_rank and not args.force and (other := other_run_at(args.out, trainer.run_id)):
        raise UserError(f"{other}; choose another --out, or --force to replace it")
    control = Control()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: control.stop())

    def save() -> None:
        save_checkpoint(args.out, trainer_state(trainer))

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
        print(f"{start.text}: {start.chars:,} characters, vocabulary {start.vocab_size}; "
              f"{trainer.model_config.cell} model with {start.parameters:,} parameters on {start.device}{ranks}",
              file=sys.stderr)
        if start.note:
            print(start.note, file=sys.stderr)
        if not trainer.train_config.has_stop_point:
            print("no --steps, --epochs or --minutes given: training until Ctrl+C", file=sys.stderr)
    if log is not None:  # a watcher can open the run before its first evaluation
        save()
    try:
        stop = trainer.run(report, control)
    except RuntimeError as exc:  # a collective failed: another rank is gone
        if world is None:
            raise
        kept = f"the last checkpoint, {args.out}, is whole" if main_rank else "rank 0 keeps the checkpoint"
        reason = re.sub(r"^\[[^\]]*\]\s*", "", str(exc).splitlines()[0])[:80]  # gloo's source path is no help
        raise UserError(f"rank {world.rank} stopped at step {trainer.step}: another process of the run is gone "
                        f"({reason}); {kept}") from None
    if main_rank:
        save()
        if log is not None:
            log.close()
        if not args.json:
            print(f"saved {args.out}", file=sys.stderr)
    return 1 if stop.reason == "diverged" else 0


def ignore(event: Event) -> None:
    """What ranks other than 0 report: nothing."""


class JsonReport:
    def __call__(self, event: Event) -> None:
        from rnn_tui.engine.events import event_to_dict

        print(json.dumps(event_to_dict(event)), flush=True)


class SavingReport:
    """Reports as `inner` does, writes every event to the run's log (when there is one), and saves
    the checkpoint after an evaluation once `every` seconds have passed since the last save (on the
    training thread, between steps)."""

    def __init__(self, inner: Callable[[Event], None], save: Callable[[], None], every: float,
                 log: RunLog | None = None):
        self.inner, self.save, self.every, self.log = inner, save, every, log
        self.last_save = time.monotonic()

    def __call__(self, event: Event) -> None:
        self.inner(event)
        if self.log is not None:
            self.log.write(event)
        if event.kind == "eval" and time.monotonic() - self.last_save >= self.every:
            self.save()
            self.last_save = time.monotonic()


class ProgressReport:
    """A one-line progress bar on a terminal; one line per evaluation elsewhere."""

    def __init__(self, trainer: Trainer):
        self.trainer = trainer
        self.tty = sys.stderr.isatty()
        self.val: str = ""
        self.advice: str | None = None
        self.last_draw = 0.0

    def __call__(self, event: Event) -> None:
        if event.kind == "eval":
            self.val = f"val {event.val_loss:.3f} ({event.val_bpc:.2f} bpc)"
            if not self.tty:
                print(f"step {event.step} epoch {event.epoch:.2f} train {event.train_loss:.3f} {self.val}",
                      file=sys.stderr, flush=True)
            if event.advice and event.advice != self.advice:
                print(("\n" if self.tty else "") + event.advice, file=sys.stderr, flush=True)
            self.advice = event.advice
        elif event.kind == "step" and self.tty and time.monotonic() - self.last_draw > 0.1:
            self.last_draw = time.monotonic()
            print("\r" + self.line(event), end="", file=sys.stderr, flush=True)
        elif event.kind == "stop":
            if self.tty:
                print(file=sys.stderr)
            val = "" if event.val_loss is None else f", val {event.val_loss:.3f} nats ({event.val_bpc:.2f} bpc)"
            train = "" if event.train_loss is None else f": train {event.train_loss:.3f}"
            print(f"{event.message}{train}{val}", file=sys.stderr, flush=True)

    def line(self, event: StepEvent) -> str:
        fraction = self.trainer.progress(event.step)
        bar = ""
        if fraction is not None:
            filled = int(20 * fraction)
            bar = f"[{'#' * filled}{'.' * (20 - filled)}] {100 * fraction:3.0f}% "
        return (f"{bar}step {event.step} epoch {event.epoch:.2f} loss {event.loss:.3f} {self.val} "
                f"{event.chars_per_sec / 1000:.1f}k chars/s   ")


def cmd_sample(args: argparse.Namespace) -> int:
    from rnn_tui.engine.beam import beam_search
    from rnn_tui.engine.checkpoint import load_checkpoint, model_from_checkpoint
    from rnn_tui.engine.device import pick_device
    from rnn_tui.engine.sampling import Sampler, SampleSettings

    if args.length < 0:
        raise UserError(f"length must be 0 or more, not {args.length}")
    temperatures = parse_temperatures(args.temperatures) if args.temperatures else [args.temperature]
    if args.beam is not None and args.beam < 1:
        raise UserError(f"the beam width must be 1 or more, not {args.beam}")
    rows = [SampleSettings(temperature=t, greedy=args.greedy, top_k=args.top_k, top_p=args.top_p, min_p=args.min_p)
            for t in temperatures]
    for row in rows:
        row.validate()  # before the checkpoint is read; top-k's bound is its vocabulary, checked then
    model, vocab = model_from_checkpoint(load_checkpoint(args.checkpoint))
    model = model.to(pick_device(args.device))
    vocab.encode(args.seed_text)  # a refused seed prints nothing on stdout
    if args.beam is not None:
        found = beam_search(model, vocab, args.seed_text, args.length, args.beam)
        print_sample(args, {"beam": args.beam}, found)
        return 0
    sampler = Sampler(model, vocab, rows, seed=args.seed)
    if args.json or len(rows) > 1:
        for settings, sample in zip(rows, sampler.texts(args.seed_text, args.length)):
            print_sample(args, {"temperature": 0.0 if settings.is_greedy else settings.temperature}, sample)
        return 0
    sys.stdout.write(args.seed_text)
    for sampled in sampler.generate(args.seed_text, args.length):
        sys.stdout.write(sampled.char)
        sys.stdout.flush()
    sys.stdout.write("\n")
    return 0


def parse_temperatures(text: str) -> list[float]:
    values = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            raise UserError(f"--temperatures takes numbers separated by commas: {part.strip()!r} is not one") from None
        values.append(value)
    return values


def print_sample(args: argparse.Namespace, how: dict[str, float], sample) -> None:
    if args.json:
        print(json.dumps({**how, "text": sample.text, "log_prob": sample.log_prob,
                          "bits_per_char": sample.bits_per_char}))
        return
    label = ", ".join(f"{key} {value:g}" for key, value in how.items())
    print(f"--- {label}: {sample.bits_per_char:.2f} bits per character under the model")
    print(args.seed_text + sample.text)


APP_FLAGS = ("text", "preset", *MODEL_FLAGS, *TRAIN_FLAGS, "device", "threads", "checkpoint", "paused")


def cmd_serve(args: argparse.Namespace) -> int:
    """Each browser that connects gets its own app process, started with the app flags given here."""
    import shlex

    try:
        from textual_serve.server import Server
    except ImportError:
        raise UserError("serving needs textual-serve: python3 -m pip install -e '.[serve]'") from None
    if not 0 < args.port < 65536:
        raise UserError(f"port must be from 1 to 65535, not {args.port}")
    spec_from_args(args, checkpoint=args.checkpoint)  # a bad text or setting is refused before serving
    argv = []
    for name in APP_FLAGS:
        value = getattr(args, name, None)
        if value is None or value is False:
            continue
        argv += [f"--{name.replace('_', '-')}"] + ([] if value is True else [str(value)])
    command = shlex.join([sys.executable, "-m", "rnn_tui", *argv])
    print(f"serving rnn-tui on http://{args.host}:{args.port} (Ctrl+C stops)", file=sys.stderr, flush=True)
    Server(command, host=args.host, port=args.port, title="rnn-tui").serve()
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from rnn_tui.tui.launch import launch_watch

    return launch_watch(args)


def cmd_app(args: argparse.Namespace) -> int:
    from rnn_tui.tui.launch import launch

    return launch(args)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        commands = {"train": cmd_train, "sample": cmd_sample, "inspect": cmd_inspect, "race": cmd_race,
                    "watch": cmd_watch, "serve": cmd_serve}
        handler = commands.get(args.command, cmd_app)
        return handler(args)
    except UserError as exc:
        print(f"rnn-tui: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
