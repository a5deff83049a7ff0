"""Training in a spawned child process, so the UI process never shares a core or a GIL with it.

The parent sends `Command`s down one queue; the child sends `Message`s up another: `Ready` when
a run is built, engine events in batches, weight `Snapshot`s at a modest rate (and the best
weights when they improve), `Saved` and `Failed`. Measured here, a thread in the UI process lost
29-43% of training speed and stalled the UI; a spawned process with one torch thread lost about 4%.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.events import EvalEvent, Event, StepEvent
from rnn_tui.run.orphans import exit_with_parent
from rnn_tui.run.protocol import (
    PROCESS_GONE,
    Command,
    Events,
    Failed,
    Kept,
    Message,
    Pause,
    Paused,
    Quit,
    Ready,
    Reset,
    Resume,
    Save,
    Saved,
    SaveRefused,
    SetBaseline,
    SetDropout,
    SetLR,
    Snapshot,
    StepOnce,
    drain,
)
from rnn_tui.run.spawning import process_context
from rnn_tui.run.spec import RunSpec, build_trainer

if TYPE_CHECKING:
    from rnn_tui.engine.training import Control, Trainer

SNAPSHOT_SECONDS = 1.0  # how often the sampler and heatmap get fresh weights while training runs
FLUSH_SECONDS = 0.05  # step events are batched for this long
AUTOSAVE_SECONDS = 15.0  # how long quitting waits for the final save of a large model on a busy machine


class BackgroundTrainer:
    """The parent's handle on the child: start, send commands, drain messages, close."""

    def __init__(self, spec: RunSpec, pace: float | None = None):
        """`pace`: at most this many steps a second, every run of this process (tests leave the CPU to the app)."""
        ctx = process_context()
        self.commands: mp.Queue = ctx.Queue()
        self.messages: mp.Queue = ctx.Queue()
        self.process = ctx.Process(target=child_main, args=(spec, self.commands, self.messages, pace),
                                   name="rnn-tui-trainer", daemon=True)
        self.closed = False
        self.saved: Saved | None = None  # what the child reported saving as it stopped
        self.stop_seconds = 1.0  # how long close() lets the child stop by itself before it is killed

    def start(self) -> None:
        self.process.start()

    def exit_code(self) -> int | None:
        return self.process.exitcode

    def send(self, command: Command) -> None:
        self.commands.put(command)

    def receive(self, timeout: float = 0.1) -> list[Message]:
        """Everything waiting, blocking up to `timeout` for the first message."""
        return drain(self.messages, timeout)

    def close(self, autosave: str | None = None) -> Saved | None:
        """Ask the child to stop (saving first if asked), then make sure it is gone; the save it made.

        The queue is drained while the child stops: a child exits only once its queue's feeder
        thread has written everything, and a full pipe nobody reads would keep it from exiting
        (then it would be killed mid-message, and reading the half message would block forever)."""
        if self.process.pid is None:
            return None
        if self.closed:  # a second call (the app, then its launcher) reports what the first saw
            return self.saved
        received: list[Message] = []
        if self.process.is_alive():
            try:
                self.send(Quit(autosave))
            except (ValueError, OSError):
                pass
            deadline = time.monotonic() + self.stop_seconds + (AUTOSAVE_SECONDS if autosave else 0.0)
            while self.process.is_alive() and time.monotonic() < deadline:
                received += self.receive(timeout=0.05)
        killed = self.process.is_alive()
        if killed:
            self.process.terminate()
            self.process.join(0.5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(0.5)
        if not killed:  # what a child that exited by itself wrote is whole; a killed one's may not be
            received += self.receive(timeout=0.2)
        saved = [item for item in received if isinstance(item, Saved)] if autosave else []
        for q in (self.commands, self.messages):
            q.cancel_join_thread()
            q.close()
        self.closed, self.saved = True, saved[-1] if saved else None
        return self.saved


def ready_message(trainer: Trainer, spec: RunSpec, run: int) -> Ready:
    """Describe a freshly built (or resumed) Trainer: the settings in force are the trainer's own."""
    best = None if trainer.best is None else (trainer.best.step, trainer.best.val_loss)
    text = spec.text if trainer.corpus.text_id is None else trainer.corpus.text_id.source
    return Ready(
        run=run, spec=replace(spec, text=text, model=trainer.model_config, train=trainer.train_config, checkpoint=None),
        start=trainer.start_event(), vocab=trainer.corpus.vocab.chars, steps_per_epoch=len(trainer.train_streams),
        train_curve=(list(trainer.train_history.xs), list(trainer.train_history.ys)),
        val_curve=(list(trainer.val_history.xs), list(trainer.val_history.ys)),
        setting_changes=list(trainer.setting_changes), best=best, passage=trainer.corpus.passage(),
        timeline=list(trainer.timeline), moments=list(trainer.moments))


def snapshot_message(trainer: Trainer, run: int) -> Snapshot:
    return Snapshot(run, trainer.step, {k: v.numpy() for k, v in trainer.snapshot().items()})


def kept_message(trainer: Trainer, run: int) -> Kept:
    """The moment the trainer kept at its last evaluation."""
    return Kept(run, trainer.moments[-1], tuple(moment.step for moment in trainer.moments))


def best_snapshot_message(trainer: Trainer, run: int) -> Snapshot | None:
    best = trainer.best
    return None if best is None else Snapshot(run, best.step, {k: v.numpy() for k, v in best.weights.items()},
                                               best=True)


# ---- the child process ----


def child_main(spec: RunSpec, commands: mp.Queue, messages: mp.Queue, pace: float | None = None) -> None:
    exit_with_parent()
    # Ctrl+C and a closed terminal's hang-up reach the whole foreground group: they belong to the app,
    # which stops us in order (saving first)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    _silence_output()  # the terminal belongs to the app
    try:
        _Child(spec, commands, messages, pace).run()
    except Exception as exc:  # reported as one line in the app instead of a traceback on its screen
        messages.put(Failed(PROCESS_GONE, f"the training process failed: {type(exc).__name__}: {first_line(exc)}"))
        sys.exit(1)  # the exit status says it failed too


def first_line(exc: Exception) -> str:
    return str(exc).strip().split("\n", 1)[0]


class _Child:
    def __init__(self, spec: RunSpec, commands: mp.Queue, messages: mp.Queue, pace: float | None = None):
        self.spec = spec
        self.pace = pace
        self.commands = commands
        self.messages = messages
        self.control: Control | None = None
        self.next_spec: RunSpec | None = spec
        self.next_run_number = 0
        self.run_number = 0  # the run the messages belong to: the app's counter (trainer.run_id is a uuid)
        self.quit = False
        self.autosave: str | None = None
        self.pending: list[Event] = []
        self.last_flush = 0.0
        self.last_snapshot = 0.0
        self.lock = threading.Lock()

    def run(self) -> None:
        import gc

        from rnn_tui.engine.training import Control

        threading.Thread(target=self._read_commands, daemon=True).start()
        trainer, built_from = None, self.spec
        while not self.quit:
            with self.lock:
                spec, self.next_spec = self.next_spec, None
                self.run_number = self.next_run_number
                # A new run keeps the old one's pause (a Pause may have come after the Reset); a run
                # that ended at a stop point waits.
                old = self.control
                paused = True if spec is None else (old.paused if old is not None else spec.paused)
                self.control = Control(paused=paused, pace=self.pace)
                self.messages.put(Paused(self.run_number, paused))
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
                    self.messages.put(ready_message(trainer, built_from, self.run_number))
            if trainer is None:  # nothing could be built yet: wait for a new spec or quit
                self.control.wait_for_turn(timeout=None)
                continue
            self._send_snapshot(trainer)
            if (best := best_snapshot_message(trainer, self.run_number)) is not None:
                self.messages.put(best)
            trainer.run(self._emit_for(trainer), self.control)
            self._flush()
            if not self.quit and self.next_spec is None and trainer.train_config.has_stop_point:
                self.messages.put(Events(self.run_number, (trainer.clear_stop_points(),)))  # a resume goes on
        if trainer is not None and self.autosave:
            self._save(trainer, self.autosave, beside=True)

    def _build(self, spec: RunSpec) -> Trainer | None:
        """The run, or None after a Failed that says why; the process waits for the next spec."""
        try:
            trainer = build_trainer(spec)
        except UserError as exc:
            self.messages.put(Failed(self.run_number, str(exc)))
            return None
        except Exception as exc:  # torch's refusal (memory, a kernel): the app shows why, and may ask again
            reason = f"the run could not start: {type(exc).__name__}: {first_line(exc)}"
            self.messages.put(Failed(self.run_number, reason))
            return None
        self.messages.put(ready_message(trainer, spec, self.run_number))
        return trainer

    def _emit_for(self, trainer: Trainer) -> Callable[[Event], None]:
        def emit(event: Event) -> None:
            self.pending.append(event)
            now = time.monotonic()
            paused = self.control is not None and self.control.paused
            if not isinstance(event, StepEvent) or paused or now - self.last_flush > FLUSH_SECONDS:
                self._flush()
            if isinstance(event, StepEvent) and (paused or now - self.last_snapshot > SNAPSHOT_SECONDS):
                self._send_snapshot(trainer)
            if isinstance(event, EvalEvent):
                self.messages.put(kept_message(trainer, self.run_number))
                if event.best_step == event.step:
                    self.messages.put(best_snapshot_message(trainer, self.run_number))

        return emit

    def _acknowledge_pause(self) -> None:
        """On the training thread, after the step that was running: Paused follows that step's event,
        so no step is reported after it. It says whether the run is paused now, under the command
        lock: a Resume read since has already answered, and an answer of True sent after it would
        leave the app showing a pause the process is not in."""
        self._flush()
        with self.lock:
            self.messages.put(Paused(self.run_number, self.control.paused))

    def _flush(self) -> None:
        if self.pending:
            self.messages.put(Events(self.run_number, tuple(self.pending)))
            self.pending.clear()
        self.last_flush = time.monotonic()

    def _send_snapshot(self, trainer: Trainer) -> None:
        self.messages.put(snapshot_message(trainer, self.run_number))
        self.last_snapshot = time.monotonic()

    def _save(self, trainer: Trainer, path: str, overwrite: bool = False, beside: bool = False) -> None:
        """Save, unless the file holds another run: then ask the app (or, on the way out, when no one
        can be asked, save `beside` it under a free name)."""
        from rnn_tui.engine.checkpoint import free_path, other_run_at, save_checkpoint, trainer_state

        other = None if overwrite else other_run_at(path, trainer.run_id)
        if other and beside:
            path = str(free_path(path, trainer.run_id))
        elif other:
            self.messages.put(SaveRefused(self.run_number, path, other))
            return
        try:
            save_checkpoint(path, trainer_state(trainer))
        except UserError as exc:
            self.messages.put(Failed(self.run_number, str(exc)))
        else:
            self.messages.put(Saved(self.run_number, path, trainer.step))

    def _read_commands(self) -> None:
        while not self.quit:
            try:
                command: Command = self.commands.get()
            except (EOFError, OSError):
                command = Quit()
            with self.lock:
                try:
                    self._dispatch(command)
                except UserError as exc:  # the app checks settings first; a bad one still loses nothing
                    self.messages.put(Failed(self.run_number, str(exc)))

    def _dispatch(self, command: Command) -> None:
        control = self.control
        match command:
            case Pause():
                control.pause()
                control.call_soon(lambda _: self._acknowledge_pause())
            case Resume():
                control.resume()
                self.messages.put(Paused(self.run_number, False))
            case StepOnce():
                control.step_once()
            case SetLR(lr):
                control.set_lr(lr)
            case SetDropout(dropout):
                control.set_dropout(dropout)
            case SetBaseline(order, losses):
                control.set_baseline(order, losses)
            case Save(path, overwrite):
                control.call_soon(lambda trainer: self._save(trainer, path, overwrite))
            case Reset(spec, run):
                self.next_spec, self.next_run_number = spec, run
                control.stop(measure=False)
            case Quit(autosave):
                self.quit, self.autosave = True, autosave
                control.stop(measure=False)


def _silence_output() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (1, 2):
        os.dup2(devnull, fd)
    sys.stdout = sys.stderr = open(os.devnull, "w")
