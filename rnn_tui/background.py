"""Training in a spawned child process, so the UI process never shares a core or a GIL with it.

The parent sends commands (tuples) down one queue; the child sends messages up another:
engine events in batches, `Ready` when a model is built, weight `Snapshot`s at a modest rate,
`Saved` and `Failed`. Measured here, a thread in the UI process lost 29-43% of training speed
and stalled the UI; a spawned process with one torch thread lost about 4%.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

from rnn_tui.config import ModelConfig, TrainConfig
from rnn_tui.errors import UserError
from rnn_tui.events import Event, StepEvent

SNAPSHOT_SECONDS = 1.0  # how often the sampler and heatmap get fresh weights while training runs
FLUSH_SECONDS = 0.05  # step events are batched for this long


@dataclass(frozen=True)
class RunSpec:
    """What the child builds: a fresh model on a text, or a checkpoint continued on it."""

    text_path: str
    model: ModelConfig
    train: TrainConfig
    checkpoint: str | None = None
    device: str | None = None
    threads: int = 1
    paused: bool = False


@dataclass(frozen=True)
class Ready:
    spec: RunSpec  # as built: configs filled in from the corpus or checkpoint
    corpus_name: str
    vocab: str
    parameters: int
    steps_per_epoch: int
    uniform_loss: float
    unigram_entropy: float
    device: str
    step: int
    train_curve: tuple[list[float], list[float]] = ((), ())  # resumed runs bring their curves
    val_curve: tuple[list[float], list[float]] = ((), ())
    lr_changes: list[tuple[int, float]] = field(default_factory=list)


@dataclass(frozen=True)
class Snapshot:
    step: int
    weights: dict[str, Any]  # numpy arrays: picklable by value, no shared-memory handles


@dataclass(frozen=True)
class Saved:
    path: str
    step: int


@dataclass(frozen=True)
class Failed:
    message: str


class BackgroundTrainer:
    """The parent's handle on the child: start, send commands, drain messages, close."""

    def __init__(self, spec: RunSpec):
        ctx = mp.get_context("spawn")
        self.commands: mp.Queue = ctx.Queue()
        self.messages: mp.Queue = ctx.Queue()
        self.process = ctx.Process(target=child_main, args=(spec, self.commands, self.messages),
                                   name="rnn-tui-trainer", daemon=True)

    def start(self) -> None:
        self.process.start()

    def send(self, *command: Any) -> None:
        self.commands.put(command)

    def pause(self) -> None:
        self.send("pause")

    def resume(self) -> None:
        self.send("resume")

    def step_once(self) -> None:
        self.send("step")

    def set_lr(self, lr: float) -> None:
        self.send("lr", lr)

    def save(self, path: str) -> None:
        self.send("save", path)

    def reset(self, spec: RunSpec) -> None:
        self.send("reset", spec)

    def receive(self, timeout: float = 0.1) -> list[Any]:
        """Everything waiting, blocking up to `timeout` for the first message."""
        out: list[Any] = []
        try:
            out.append(self.messages.get(timeout=timeout))
            while True:
                out.append(self.messages.get_nowait())
        except queue.Empty:
            pass
        except (EOFError, OSError):  # the child is gone
            pass
        return out

    def close(self, autosave: str | None = None, timeout: float = 1.0) -> None:
        """Ask the child to stop (saving first if asked), then make sure it is gone."""
        if self.process.pid is None:
            return
        if self.process.is_alive():
            try:
                self.send("quit", autosave)
            except (ValueError, OSError):
                pass
            self.process.join(timeout + (5.0 if autosave else 0.0))
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(0.5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(0.5)
        for q in (self.commands, self.messages):
            q.cancel_join_thread()
            q.close()


def ready_message(trainer: Any, spec: RunSpec) -> Ready:
    """Describe a freshly built (or resumed) Trainer for the app."""
    corpus = trainer.corpus
    return Ready(
        spec=replace(spec, model=trainer.model_config, train=trainer.train_config, checkpoint=None),
        corpus_name=corpus.name, vocab=corpus.vocab.chars, parameters=trainer.model.num_parameters(),
        steps_per_epoch=len(trainer.train_streams), uniform_loss=corpus.uniform_loss(),
        unigram_entropy=corpus.unigram_entropy(), device=str(trainer.device), step=trainer.step,
        train_curve=(list(trainer.train_history.xs), list(trainer.train_history.ys)),
        val_curve=(list(trainer.val_history.xs), list(trainer.val_history.ys)),
        lr_changes=list(trainer.lr_changes))


def snapshot_message(trainer: Any) -> Snapshot:
    return Snapshot(trainer.step, {k: v.numpy() for k, v in trainer.snapshot().items()})


# ---- the child process ----


def child_main(spec: RunSpec, commands: mp.Queue, messages: mp.Queue) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C belongs to the app, which stops us in order
    _silence_output()  # the terminal belongs to the app
    try:
        _Child(spec, commands, messages).run()
    except Exception as exc:  # reported as one line in the app instead of a traceback on its screen
        messages.put(Failed(f"the training process failed: {type(exc).__name__}: {exc}"))


class _Child:
    def __init__(self, spec: RunSpec, commands: mp.Queue, messages: mp.Queue):
        import torch

        torch.set_num_threads(spec.threads)
        self.spec = spec
        self.commands = commands
        self.messages = messages
        self.control: Any = None
        self.next_spec: RunSpec | None = spec
        self.quit = False
        self.autosave: str | None = None
        self.pending: list[Event] = []
        self.last_flush = 0.0
        self.last_snapshot = 0.0
        self.lock = threading.Lock()

    def run(self) -> None:
        import gc

        from rnn_tui.training import Control

        threading.Thread(target=self._read_commands, daemon=True).start()
        trainer, built_from = None, self.spec
        while not self.quit:
            with self.lock:
                spec, self.next_spec = self.next_spec, None
                self.control = Control(paused=spec.paused if spec is not None else True)
            if spec is not None:
                new = self._build(spec)
                if new is None and trainer is None and spec.checkpoint:  # start fresh rather than show nothing
                    spec = replace(spec, checkpoint=None)
                    new = self._build(spec)
                if new is not None:
                    trainer, built_from = new, spec
                    gc.collect()
                    gc.freeze()  # torch's many small objects need not be walked by every collection
                elif trainer is not None:  # a bad file or checkpoint loses nothing: go on with the old run
                    self.messages.put(ready_message(trainer, built_from))
            if trainer is None:  # nothing could be built yet: wait for a new spec or quit
                self.control.wait_for_turn(timeout=None)
                continue
            self._send_snapshot(trainer)
            trainer.run(self._emit_for(trainer), self.control)
            self._flush()
            if not self.quit and self.next_spec is None:  # a stop point or divergence ended the run
                trainer.train_config = replace(trainer.train_config, steps=None, epochs=None, minutes=None)
        if trainer is not None and self.autosave:
            self._save(trainer, self.autosave)

    def _build(self, spec: RunSpec) -> Any:
        from rnn_tui.checkpoint import load_checkpoint, trainer_from_checkpoint
        from rnn_tui.data import Corpus, Vocab
        from rnn_tui.training import Trainer

        try:
            if spec.checkpoint:
                data = load_checkpoint(spec.checkpoint)
                corpus = Corpus.from_file(spec.text_path, vocab=Vocab(data["vocab"]))
                trainer = trainer_from_checkpoint(data, corpus, spec.device)
            else:
                trainer = Trainer(spec.model, spec.train, Corpus.from_file(spec.text_path), spec.device)
        except UserError as exc:
            self.messages.put(Failed(str(exc)))
            return None
        self.messages.put(ready_message(trainer, spec))
        return trainer

    def _emit_for(self, trainer: Any):
        def emit(event: Event) -> None:
            self.pending.append(event)
            now = time.monotonic()
            if not isinstance(event, StepEvent) or self.control.paused or now - self.last_flush > FLUSH_SECONDS:
                self._flush()
            if isinstance(event, StepEvent) and (self.control.paused or now - self.last_snapshot > SNAPSHOT_SECONDS):
                self._send_snapshot(trainer)

        return emit

    def _flush(self) -> None:
        if self.pending:
            self.messages.put(list(self.pending))
            self.pending.clear()
        self.last_flush = time.monotonic()

    def _send_snapshot(self, trainer: Any) -> None:
        self.messages.put(snapshot_message(trainer))
        self.last_snapshot = time.monotonic()

    def _save(self, trainer: Any, path: str) -> None:
        from rnn_tui.checkpoint import save_checkpoint, trainer_state

        try:
            save_checkpoint(path, trainer_state(trainer))
        except UserError as exc:
            self.messages.put(Failed(str(exc)))
        else:
            self.messages.put(Saved(path, trainer.step))

    def _read_commands(self) -> None:
        while True:
            try:
                name, *args = self.commands.get()
            except (EOFError, OSError):
                name, args = "quit", [None]
            with self.lock:
                control = self.control
                if name == "pause":
                    control.pause()
                elif name == "resume":
                    control.resume()
                elif name == "step":
                    control.step_once()
                elif name == "lr":
                    control.set_lr(args[0])
                elif name == "save":
                    control.call_soon(lambda trainer, path=args[0]: self._save(trainer, path))
                elif name == "reset":
                    self.next_spec = args[0]
                    control.stop()
                elif name == "quit":
                    self.quit, self.autosave = True, args[0]
                    control.stop()
                    return


def _silence_output() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(devnull, fd)
    sys.stdout = sys.stderr = open(os.devnull, "w")
