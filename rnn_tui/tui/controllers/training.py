"""The training side of the app: commands to the training process, and what it reports back.

It owns nothing about the run: settings and progress come back from the process as messages,
which it applies to `RunState`. Actions that replace the run ask first.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.worker import get_current_worker

from rnn_tui.engine.config import CELL_NAMES, PRESETS, ModelConfig, TrainConfig
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.events import EvalEvent, Event, StopEvent
from rnn_tui.engine.texts import is_builtin, peek_text, text_name
from rnn_tui.run.counting import Counted
from rnn_tui.run.protocol import (
    PROCESS_GONE,
    Events,
    Failed,
    Kept,
    Message,
    Pause,
    Paused,
    Quiet,
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
    TrainerHandle,
    Waiting,
)
from rnn_tui.run.spec import RunSpec, preset_spec
from rnn_tui.tui.labels import SETTING_LABELS
from rnn_tui.tui.messages import TrainerMessages
from rnn_tui.tui.screens.dialogs import ConfirmScreen, PromptScreen
from rnn_tui.tui.state import AUTOSAVE_AFTER
from rnn_tui.tui.widgets.settings import SettingsPanel

if TYPE_CHECKING:
    from rnn_tui.tui.controllers.host import Host

BRIDGE_STOP_SECONDS = 1.0  # the bridge ends within one read (0.05 s); this bounds the wait for one that never ran


class TrainingController:
    def __init__(self, host: Host, handle: TrainerHandle, checkpoint_path: str):
        self.host = host
        self.handle = handle
        self.state = host.state
        self.checkpoint_path = checkpoint_path
        self.autosave_after = AUTOSAVE_AFTER
        self.opened = self.state.spec.checkpoint  # a checkpoint the user opened: quitting never writes over it
        self.closing = False
        self.autosaved: Saved | None = None  # what quitting saved, for the terminal
        self.after_save: Callable[[], None] | None = None  # "Save and ...": what waits for the save
        self.bridge_idle = threading.Event()  # the bridge is not reading the process's messages
        self.bridge_idle.set()
        self.held = False  # paused by us while a comparison trains, to resume when it is over
        host.channels.comparing.follow(self.hold_while_comparing)
        host.route(TrainerMessages, lambda m: self.closing or self.apply(m.items))
        host.route(SettingsPanel.Applied, lambda m: self.apply_settings(m.values))

    def start(self) -> None:
        self.show_quit_path()
        self.handle.start()
        self.bridge_idle.clear()
        self.host.run_worker(self._bridge, thread=True, group="bridge", exit_on_error=False)

    def _bridge(self) -> None:
        """Carry the training process's messages onto the UI thread, a batch at a time."""
        worker = get_current_worker()
        said_why = False  # the process said why it ended: that line stays, not a vaguer one over it
        try:
            while not (self.closing or worker.is_cancelled):
                items = self.handle.receive(timeout=0.05)
                if items:
                    said_why = said_why or ended_saying_why(items)
                    self.host.post_message(TrainerMessages(items))
                elif said_why and self.handle.exit_code() is not None:
                    return
                elif (code := self.handle.exit_code()) is not None and not self.closing:  # gone: never silently
                    if last := self.handle.receive(timeout=0.5):  # what it said as it ended may still be on the way
                        self.host.post_message(TrainerMessages(last))
                        if ended_saying_why(last):
                            return
                    message = (f"the training process ended unexpectedly (exit status {code}); "
                               "reopen the last checkpoint with rnn-tui --checkpoint to go on")
                    self.host.post_message(TrainerMessages([Failed(PROCESS_GONE, message)]))
                    return
        finally:
            self.bridge_idle.set()

    def apply(self, items: list[Message | Counted]) -> None:
        host, state = self.host, self.state
        for item in items:
            if isinstance(item, (Ready, Events, Snapshot, Kept, Paused, Counted)) and item.run != state.run:
                continue  # sent by a run replaced since: its numbers and weights no longer apply
            match item:
                case Events(events=events):
                    for event in events:
                        self._apply(event)
                case Ready():
                    state.on_ready(item)
                    host.channels.ready.publish(item)  # what depends on the run's model follows
                    if item.start.note:
                        host.notify(item.start.note, severity="warning", timeout=10)
                case Snapshot():
                    host.channels.snapshot.publish(item)
                case Kept():
                    state.on_kept(item)
                case Paused(paused=False) if state.pausing:
                    continue  # sent before the process read the Pause still unconfirmed: its answer follows
                case Paused(paused=paused):  # the key already showed it; this is what the process does
                    state.paused, state.pausing = paused, False
                    state.changed()
                case Saved(path=path, step=step):
                    self.checkpoint_path = path  # `s` saves here from now on; a failed save changes nothing
                    if path == self.opened:
                        self.opened = None  # the user saved over it: from now on it is this run's file
                    self.show_quit_path()
                    state.saved_step = step
                    host.notify(f"saved {path} at step {step:,}", title="checkpoint")
                    if (then := self.after_save) is not None:
                        self.after_save = None
                        then()
                case SaveRefused(path=path, reason=reason):
                    self._confirm(f"{reason}. Replace it with this run?", "Replace",
                                  lambda: self.handle.send(Save(path, overwrite=True)), otherwise=self._keep_run)
                case Waiting(message=message):
                    state.waiting = message
                    state.changed()
                case Quiet(seconds=seconds):
                    state.quiet = seconds
                    state.changed()
                case Counted(failure=None, order=order, losses=losses, note=note):  # the trainer reports it
                    self.handle.send(SetBaseline(order, losses))  # and the coach reads it
                    state.counted = note
                    state.changed()
                case Counted(failure=failure):
                    host.notify(f"no n-gram baseline: {failure}", severity="warning", timeout=8)
                case Failed(run=run, message=message):
                    state.on_failed(message, process_gone=run == PROCESS_GONE)
                    host.notify(message, severity="error", timeout=8)
                    self._keep_run()

    def _apply(self, event: Event) -> None:
        """An engine event into the state; the ones a person should not miss also as a toast."""
        advice_before = self.state.advice
        self.state.on_event(event)
        match event:
            case StopEvent(reason=reason, message=message) if reason != "stopped":
                self.host.notify(message, severity="error" if reason == "diverged" else "information", timeout=10)
            case EvalEvent(advice=advice) if advice and not _same_kind(advice, advice_before):
                self.host.notify(advice, title="coach", severity="warning", timeout=12)

    # ---- running ----

    def toggle_pause(self) -> None:
        state = self.state
        if state.paused:
            self.handle.send(Resume())
            state.paused, state.pausing, state.finished = False, False, None
        else:
            self.handle.send(Pause())
            state.paused = state.pausing = True
        state.changed()

    def hold_while_comparing(self, comparing: bool) -> None:
        """A comparison trains on the same cores: the user's run waits (a watched run is not ours to pause)."""
        if comparing and not self.state.paused and not self.state.watching:
            self.held = True
            self.toggle_pause()
        elif not comparing and self.held:
            self.held = False
            if self.state.paused:
                self.toggle_pause()

    def ask_text(self) -> None:
        self.host.push_screen(PromptScreen("Text file (UTF-8) or built-in text to learn:"),
                              lambda text: text and self.switch_text(text))

    def ask_checkpoint(self) -> None:
        self.host.push_screen(PromptScreen("Checkpoint to load:", self.checkpoint_path),
                              lambda path: path and self.load_checkpoint(path))

    def ask_save_as(self) -> None:
        self.host.push_screen(PromptScreen("Save checkpoint as:", self.checkpoint_path),
                              lambda path: path and self.save(path))

    def step_once(self) -> None:
        if not self.state.paused:
            self.toggle_pause()
        self.handle.send(StepOnce())

    def save(self, path: str | None = None) -> None:
        self.handle.send(Save(path or self.checkpoint_path))

    def quit_path(self) -> str:
        """Where quitting saves the run: its checkpoint, unless that is one the user opened and has
        not saved over (then the first free NAME-k.pt beside it, so the opened one is kept)."""
        path = Path(self.checkpoint_path)
        if self.opened is None or path != Path(self.opened):
            return str(path)
        k = 1
        while (candidate := path.with_name(f"{path.stem}-{k}{path.suffix}")).exists():
            k += 1
        return str(candidate)

    def show_quit_path(self) -> None:
        self.state.quit_path = self.quit_path()
        self.state.changed()

    def restart(self, spec: RunSpec) -> None:
        """Have the training process build a new run (a new model, text or checkpoint)."""
        self.after_save = None  # replaced now: a replacement still waiting for a save is moot
        self.state.run += 1
        self.state.ready = None
        self.state.changed()
        self.host.channels.run_asked.publish(self.state.run)
        self.handle.send(Reset(replace(spec, paused=self.state.paused), self.state.run))

    @property
    def unsaved(self) -> bool:
        """Whether the run on screen has training worth keeping that no checkpoint holds."""
        state = self.state
        return not state.watching and state.elapsed > self.autosave_after and state.saved_step != state.step

    def confirm_restart(self, spec: RunSpec, question: str, yes: str = "Reset",
                        otherwise: Callable[[], None] | None = None) -> None:
        """Replace the run after asking; with unsaved training, "Save and ..." keeps it first."""
        save = None
        if self.unsaved:
            question = question.replace("Unsaved training is lost.",
                                        f"Unsaved training is lost unless saved (to {self.checkpoint_path}).")
            save = f"Save and {yes.lower()}"
        self._confirm(question, yes, lambda: self.restart(spec), otherwise, save=save)

    def _confirm(self, question: str, yes: str, then: Callable[[], None],
                 otherwise: Callable[[], None] | None = None, save: str | None = None) -> None:
        def answer(choice: str | None) -> None:
            if choice == "save":
                # Replaced once the process says it saved: it saves between steps, and a paused run
                # (as during a comparison or a lesson) ended at the Reset sent behind the Save, unsaved
                self.after_save = then
                self.save()
            elif choice == "yes":
                then()
            elif otherwise is not None:
                otherwise()

        self.host.push_screen(ConfirmScreen(question, yes, save), answer)

    def _keep_run(self) -> None:
        """The save that "Save and ..." waits for failed or was cancelled: the run stays, unsaved."""
        if self.after_save is not None:
            self.after_save = None
            self.host.notify("the run was kept, since it was not saved", severity="warning")

    # ---- what the user asks for ----

    def reset(self) -> None:
        self.confirm_restart(self.state.spec, "Reset the model to fresh random weights? Unsaved training is lost.")

    def apply_settings(self, values: dict[str, str]) -> None:
        if self.state.watching:
            self.host.notify("read-only: this run is trained elsewhere; its settings are shown, not changed",
                             severity="warning")
            self.show_settings()
            return
        try:
            model, train = parse_settings(values, self.state.spec)
        except UserError as exc:
            self.host.notify(str(exc), severity="error")
            return
        current = self.state.spec
        if (replace(model, dropout=current.model.dropout) != current.model
                or (train.seq, train.batch) != (current.train.seq, current.train.batch)):
            self.confirm_restart(replace(current, model=model, train=train, checkpoint=None),
                                 "The new settings need a fresh model. Reset and start again?",
                                 otherwise=self.show_settings)  # cancelled: the form shows the run again
            return
        lr_changed, dropout_changed = train.lr != current.train.lr, model.dropout != current.model.dropout
        if not (lr_changed or dropout_changed):
            self.host.notify("nothing changed")
        if lr_changed:
            self.handle.send(SetLR(train.lr))
            self.host.notify(f"learning rate {train.lr:g} from the next step")
        if dropout_changed:
            self.handle.send(SetDropout(model.dropout))
            self.host.notify(f"dropout {model.dropout:g} from the next step")

    def show_settings(self) -> None:
        """The settings form shows the run's settings in force again (and drops what was typed)."""
        self.host.channels.settings_form.publish(self.state.spec)

    def change_cell(self, cell: str) -> None:
        spec = self.state.spec
        self.confirm_restart(replace(spec, model=replace(spec.model, cell=cell), checkpoint=None),
                             f"Switch to a fresh {CELL_NAMES[cell]} model? Unsaved training is lost.")

    def use_preset(self, name: str) -> None:
        description = PRESETS[name].description  # a sentence of its own: it may hold parentheses
        self.confirm_restart(preset_spec(self.state.spec, name), f"Start a fresh {name} run? "
                             f"{description[0].upper()}{description[1:]}. Unsaved training is lost.")

    def switch_text(self, text: str) -> None:
        if not is_builtin(text):
            if not Path(text).exists():
                self.host.notify(f"no such file or built-in text: {text}", severity="error")
                return
            try:
                peek_text(text)  # a binary or empty file is refused before the question, not after it
            except UserError as exc:
                self.host.notify(str(exc), severity="error")
                return
        spec = self.state.spec
        self.confirm_restart(replace(spec, text=text, model=replace(spec.model, vocab_size=0), checkpoint=None),
                             f"Train a fresh model on {text_name(text)}? Unsaved training is lost.")

    def load_checkpoint(self, path: str) -> None:
        """Continue the run saved in `path`, on the text it was trained on; saves go back to `path`."""
        if not Path(path).is_file():
            self.host.notify(f"no such checkpoint: {path}", severity="error")
            return

        def load() -> None:
            self.checkpoint_path = self.opened = path
            self.show_quit_path()
            self.restart(replace(self.state.spec, checkpoint=path, text=None))

        self._confirm(f"Continue the run saved in {path}? Unsaved training of this run is lost.", "Load", load)

    # ---- quitting ----

    async def shutdown(self) -> None:
        """Stop the training process, saving first after a long run."""
        if self.closing:
            return
        self.closing = True
        # Quitting reads the process's last messages itself: the Saved among them must not go to the
        # bridge, which may be in the middle of a read (it ends within one, bounded for a bridge that
        # never started). It went there now and then, and the terminal did not say where the run went.
        await asyncio.to_thread(self.bridge_idle.wait, BRIDGE_STOP_SECONDS)
        autosave = self.quit_path() if self.state.elapsed > self.autosave_after else None
        self.autosaved = await asyncio.to_thread(self.handle.close, autosave)


def _same_kind(advice: str, before: str | None) -> bool:
    """Overfitting after overfitting is no news; overfitting after a plateau (or nothing) is."""
    return before is not None and advice.split()[0] == before.split()[0]


def parse_settings(values: dict[str, str], spec: RunSpec) -> tuple[ModelConfig, TrainConfig]:
    """The settings form's text as configs; a bad field is a one-line UserError naming it."""

    def number(name: str, kind: type) -> Any:
        text, label = values[name], SETTING_LABELS[name]
        try:
            value = kind(text)
        except ValueError:
            raise UserError(f"{label}: {text!r} is not a {'whole ' if kind is int else ''}number") from None
        if kind is float and not math.isfinite(value):
            raise UserError(f"{label}: {text!r} is not a finite number")
        return value

    model = replace(spec.model, cell=values["cell"], hidden=number("hidden", int), layers=number("layers", int),
                    embed=number("embed", int), dropout=number("dropout", float))
    train = replace(spec.train, seq=number("seq", int), batch=number("batch", int), lr=number("lr", float))
    replace(model, vocab_size=model.vocab_size or 1).validate()  # the vocabulary comes from the text later
    return model, train.validate()


def ended_saying_why(items: list) -> bool:
    """The training process's own last line is among `items`: why it ended, in its words."""
    return any(isinstance(item, Failed) and item.run == PROCESS_GONE for item in items)
