"""Training: truncated back-propagation through time over carried hidden state.

`Trainer` owns the model, optimizer, data position, settings and metrics; `train_step` is one
step, `run` loops until a stop point, a stop request or divergence, emitting plain events.
`Control` lets another thread pause, resume, single-step, stop and change live settings.
The Trainer is the one owner of the run's settings: `train_config.lr` is the rate set now,
`model_config.dropout` the dropout now; each change is recorded and reported as an event.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F

from rnn_tui.engine.coach import advise
from rnn_tui.engine.config import ANNEAL_AFTER, ModelConfig, TrainConfig, check_dropout, check_lr
from rnn_tui.engine.data import Corpus, Streams, val_batch
from rnn_tui.engine.device import pick_device
from rnn_tui.engine.distributed import World, any_rank, mean_over_ranks
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.events import BaselineEvent, EvalEvent, Event, SettingEvent, StartEvent, StepEvent, StopEvent
from rnn_tui.engine.history import TIMELINE_CHARS, TIMELINE_SEED, TIMELINE_TEMPERATURE, History, thin
from rnn_tui.engine.models import Model, State, build_model, detach_state
from rnn_tui.engine.moments import Moment, compact, keep
from rnn_tui.engine.sampling import Sampler, SampleSettings
from rnn_tui.engine.threads import ThreadTuner

CHAR_RNN_DECAY, CHAR_RNN_DECAY_AFTER = 0.97, 10  # char-rnn's defaults: x0.97 per epoch after 10
EXPLODED = 3.0  # a loss this many times a uniform guess's (ln V) means training has blown up


class Control:
    """Requests from another thread, read by `Trainer.run` between steps."""

    def __init__(self, paused: bool = False, pace: float | None = None):
        """`pace`: at most this many steps a second (None: as fast as it trains)."""
        self._cond = threading.Condition()
        self._interval = 1 / pace if pace else 0.0
        self._next_turn = 0.0
        self._paused = paused
        self._stop = False
        self._hurry = False
        self._single_steps = 0
        self._tasks: list[Callable[[Trainer], None]] = []

    def pause(self) -> None:
        with self._cond:
            self._paused = True

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def step_once(self) -> None:
        with self._cond:
            self._single_steps += 1
            self._cond.notify_all()

    def stop(self, measure: bool = True) -> None:
        """Stop before the next step, measuring the final step; `measure=False`: without that
        evaluation, and dropping one under way (nobody will read it: the app quits, or the run is
        replaced), so the stop takes a step's time, not an evaluation's."""
        with self._cond:
            self._stop = True
            self._hurry = self._hurry or not measure
            self._cond.notify_all()

    def set_lr(self, lr: float) -> None:
        """Change the learning rate before the next step; the trainer reports the change."""
        check_lr(lr)
        self.call_soon(lambda trainer: trainer.set_lr(lr))

    def set_dropout(self, dropout: float) -> None:
        check_dropout(dropout)
        self.call_soon(lambda trainer: trainer.set_dropout(dropout))

    def set_baseline(self, order: int, losses: tuple[float, ...]) -> None:
        """The counting baseline, once known: reported, and read by the coach."""
        self.call_soon(lambda trainer: trainer.set_baseline(order, losses))

    def call_soon(self, task: Callable[[Trainer], Event | None]) -> None:
        """Run `task(trainer)` on the training thread between steps, also while paused; an event it
        returns is emitted."""
        with self._cond:
            self._tasks.append(task)
            self._cond.notify_all()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stopped(self) -> bool:
        return self._stop

    @property
    def hurried(self) -> bool:
        """Stopping without measuring: an evaluation under way is dropped."""
        return self._hurry

    def take_tasks(self) -> list[Callable[[Trainer], Event | None]]:
        with self._cond:
            tasks, self._tasks = self._tasks, []
            return tasks

    def wait_for_turn(self, timeout: float | None = None) -> bool:
        """Block while paused; True when a step may run, False when stopping, timed out or a task waits."""
        with self._cond:
            if self._interval and not self._paused:  # paced: not before the turn is due, unless told otherwise
                self._cond.wait_for(lambda: self._stop or self._paused or self._tasks,
                                    max(0.0, self._next_turn - time.monotonic()))
            self._cond.wait_for(lambda: self._stop or not self._paused or self._single_steps or self._tasks, timeout)
            if self._stop or self._tasks:
                return False
            if not self._paused:
                self._next_turn = time.monotonic() + self._interval
                return True
            if self._single_steps:
                self._single_steps -= 1
                return True
            return False


@dataclass(frozen=True)
class BestWeights:
    """The weights of the lowest validation loss so far, kept beside the latest ones."""

    step: int
    val_loss: float
    weights: dict[str, torch.Tensor]  # on the CPU


class Trainer:
    def __init__(self, model_config: ModelConfig, train_config: TrainConfig, corpus: Corpus,
                 device: str | torch.device | None = None):
        self.train_config = train_config.validate()
        model_config = model_config_for(model_config, corpus)
        self.corpus = corpus
        self.device = device if isinstance(device, torch.device) else pick_device(device)
        if train_config.precision == "bf16" and self.device.type not in ("cuda", "cpu"):
            raise UserError(f"bf16 autocast runs on cuda or cpu, not {self.device.type}: use --precision fp32")
        torch.manual_seed(train_config.seed)
        self.model = build_model(model_config, train_config.seq).to(self.device)  # a transformer sees seq back
        self.optimizer = make_optimizer(self.model, train_config)
        self.train_streams = Streams(corpus.train, train_config.batch, train_config.seq, "training")
        self.val_streams = Streams(corpus.val, val_batch(len(corpus.val), train_config), train_config.seq, "validation")
        self.run_id = uuid.uuid4().hex  # which run this is: a save never replaces another run's checkpoint
        self.seconds = 0.0  # training time of the run, over every run() and every resume
        self.step = 0
        self.step_base, self.epoch_base = 0, 0.0  # where the current batch geometry began (see epoch_at)
        self.state: State | None = None  # carried from one batch to the next within an epoch
        self.train_history = History()
        self.val_history = History()
        self.setting_changes: list[tuple[int, str, float]] = []  # (step, "lr" or "dropout", value)
        self.best: BestWeights | None = None
        self.baseline: BaselineEvent | None = None  # the best n-gram's loss, once counted
        self.val_points: list[tuple[int, float]] = []  # every evaluation, for the coach (History averages)
        self.timeline: list[tuple[int, float, str]] = []  # (step, val_loss, sample) at evaluations
        self.moments: list[Moment] = []  # compact weights at log-spaced evaluations, for replaying them
        self.recent_losses: deque[float] = deque(maxlen=50)
        self.run_minutes = 0.0  # training time of the current run(), pauses excluded
        self.lock = threading.Lock()  # held while weights change, so snapshots are never half-updated
        self._last_step_end: float | None = None
        self.world: World | None = None  # set by distribute(): one rank of a torchrun job
        self.net: torch.nn.Module = self.model  # what the training step runs: the model, or DDP around it
        self.tuner: ThreadTuner | None = None  # set when the thread count is measured rather than given

    def distribute(self, world: World) -> None:
        """Train as rank `world.rank` of `world.size`: this rank's streams of the combined batch, and
        DistributedDataParallel to average the gradients (it also gives every rank rank 0's weights)."""
        from torch.nn.parallel import DistributedDataParallel

        cfg = self.train_config
        self.world = world
        self.train_streams = Streams(self.corpus.train, cfg.batch, cfg.seq, "training", part=(world.rank, world.size))
        self.net = DistributedDataParallel(self.model, device_ids=[self.device.index] if self.device.type == "cuda"
                                           else None)

    @property
    def is_main(self) -> bool:
        """The process that evaluates, reports and saves: the only one, or rank 0."""
        return self.world is None or self.world.main

    @property
    def model_config(self) -> ModelConfig:
        return self.model.config

    @property
    def epoch(self) -> float:
        return self.epoch_at(self.step)

    def epoch_at(self, step: int) -> float:
        """Passes over the training text by `step`. A run resumed with another batch or sequence
        length counts on from where it was, in its new steps."""
        return self.epoch_base + (step - self.step_base) / len(self.train_streams)

    def lr_at(self, step: int) -> float:
        cfg = self.train_config
        lr = cfg.lr
        floor = lr / 10
        if cfg.schedule in ("cosine", "anneal") and (done := self.progress(step)) is not None:
            return floor + 0.5 * (lr - floor) * (1 + math.cos(math.pi * done))
        if cfg.schedule == "anneal":
            return max(floor, lr * math.sqrt(ANNEAL_AFTER / max(step, ANNEAL_AFTER)))
        if cfg.schedule == "char-rnn":
            return lr * CHAR_RNN_DECAY ** max(0, int(self.epoch_at(step)) - CHAR_RNN_DECAY_AFTER + 1)
        return lr

    def progress(self, step: int) -> float | None:
        """How far `step` is towards the first stop point (steps, epochs or minutes), from 0 to 1."""
        cfg, parts = self.train_config, []
        if cfg.steps:
            parts.append(step / cfg.steps)
        if cfg.epochs:
            parts.append(self.epoch_at(step) / cfg.epochs)
        if cfg.minutes:
            parts.append(self.run_minutes / cfg.minutes)
        return min(1.0, max(parts)) if parts else None

    def set_lr(self, lr: float) -> SettingEvent:
        self.train_config = replace(self.train_config, lr=check_lr(lr))
        return self._changed("lr", lr)

    def set_dropout(self, dropout: float) -> SettingEvent:
        """Dropout is only a probability: it changes between steps without touching the weights."""
        self.model.set_dropout(check_dropout(dropout))
        return self._changed("dropout", dropout)

    def set_baseline(self, order: int, losses: tuple[float, ...]) -> BaselineEvent:
        self.baseline = BaselineEvent(self.step, order, losses[order - 1], tuple(losses))
        return self.baseline

    def clear_stop_points(self) -> SettingEvent:
        """Go on past a reached stop point (the app's resume after one): it trains until stopped."""
        self.train_config = replace(self.train_config, steps=None, epochs=None, minutes=None)
        return self._changed("stop_points", 0.0)

    def _changed(self, name: str, value: float) -> SettingEvent:
        self.setting_changes.append((self.step, name, value))
        return SettingEvent(self.step, name, value)

    def start_event(self) -> StartEvent:
        corpus = self.corpus
        return StartEvent(corpus.name, len(corpus.train) + len(corpus.val), len(corpus.vocab), corpus.uniform_loss(),
                          corpus.unigram_entropy(), self.model.num_parameters(), str(self.device), self.step,
                          self.seconds, corpus.note, self.world.size if self.world else 1, corpus.rare.chars,
                          corpus.rare.share)

    def _batch(self, streams: Streams, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Batch k of `streams` on the training device (from pageable memory a copy to a GPU waits anyway)."""
        x, y = streams.get(k)
        return (torch.from_numpy(x).to(self.device, non_blocking=True),
                torch.from_numpy(y).to(self.device, non_blocking=True))

    def train_step(self) -> StepEvent | StopEvent:
        k = (self.step - self.step_base) % len(self.train_streams)
        if k == 0:
            self.state = None  # a new epoch restarts every stream at its beginning
        x, y = self._batch(self.train_streams, k)
        started = time.perf_counter()
        self.model.train()
        with torch.autocast(self.device.type, torch.bfloat16, enabled=self.train_config.precision == "bf16"):
            logits, state = self.net(x, self.state)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), y.reshape(-1))
        loss_value = loss.item() if self.world is None else mean_over_ranks(loss)
        if not math.isfinite(loss_value):
            return self._diverged(f"the loss became {loss_value} at step {self.step + 1}")
        if loss_value > EXPLODED * max(1.0, self.corpus.uniform_loss()):
            return self._diverged(f"the loss exploded to {loss_value:.3g} at step {self.step + 1}")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        max_norm = self.train_config.clip or math.inf
        grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), max_norm).item()
        if not math.isfinite(grad_norm):
            return self._diverged(f"the gradient norm became {grad_norm} at step {self.step + 1}")
        lr = self.lr_at(self.step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        with self.lock:
            self.optimizer.step()
        self.state = detach_state(state) if self.model.recurrent else None  # a transformer reads each window afresh
        self.step += 1
        if self.tuner is not None and (threads := self.tuner.observe(time.perf_counter() - started)) is not None:
            torch.set_num_threads(threads)
        self.recent_losses.append(loss_value)
        self.train_history.append(self.step, loss_value)
        now = time.perf_counter()
        seconds = now - self._last_step_end if self._last_step_end else 0.0
        self._last_step_end = now
        chars = x.numel() * (self.world.size if self.world else 1)
        return StepEvent(self.step, self.epoch, loss_value, grad_norm, lr, chars / seconds if seconds else 0.0, seconds)

    def _diverged(self, what: str) -> StopEvent:
        return StopEvent(self.step, self.epoch, "diverged",
                         f"training stopped: {what}; the weights from step {self.step} are kept "
                         "(try a lower learning rate)", self.train_loss(), self.val_history.last())

    def train_loss(self) -> float | None:
        return sum(self.recent_losses) / len(self.recent_losses) if self.recent_losses else None

    @torch.no_grad()
    def evaluate(self, abandon: Callable[[], bool] | None = None) -> EvalEvent | None:
        """Mean loss over the validation split (its first `eval_batches` batches), state carried;
        None, and nothing recorded, when `abandon()` turns true between two batches."""
        self.model.eval()
        limit = self.train_config.eval_batches or len(self.val_streams)
        state, total, count = None, 0.0, 0
        for k in range(min(limit, len(self.val_streams))):
            if abandon is not None and abandon():
                self.model.train()
                return None
            x, y = self._batch(self.val_streams, k)
            logits, state = self.model(x, state if self.model.recurrent else None)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum").item()
            count += y.numel()
        self.model.train()
        val_loss = total / count
        self.val_history.append(self.step, val_loss)
        self.val_points.append((self.step, val_loss))
        weights = self.snapshot()
        if self.best is None or val_loss < self.best.val_loss:
            self.best = BestWeights(self.step, val_loss, weights)
        kept = compact({k: v.numpy() for k, v in weights.items()})
        self.moments = keep(self.moments, Moment(self.step, val_loss, kept))
        sample = self.timeline_sample()
        self.timeline = thin([*self.timeline, (self.step, val_loss, sample)])
        train_loss = self.train_loss()
        advice = self.step_back(val_loss) or advise(self.val_points, self.model_config.dropout,
                                                    self.baseline_line(), self.seconds)
        return EvalEvent(self.step, self.epoch, val_loss, val_loss if train_loss is None else train_loss,
                         self.best.val_loss, self.best.step, advice, sample)

    def step_back(self, val_loss: float) -> str | None:
        """Early stopping that keeps the run going, where the run asks for it (TrainConfig.step_back):
        once val is that far above its best, the best weights come back and the rate halves. A small
        text keeps teaching instead of being learnt by heart. One process only: ranks would disagree."""
        margin, best = self.train_config.step_back, self.best
        if not margin or best is None or val_loss <= best.val_loss + margin or self.world is not None:
            return None
        with self.lock:
            self.model.load_state_dict(best.weights)
        lr = self.train_config.lr / 2
        self.train_config = replace(self.train_config, lr=lr)
        return (f"val {val_loss - best.val_loss:.2f} above its best: back to the weights of step {best.step:,}, "
                f"learning rate halved to {lr:.1e}")

    def baseline_line(self) -> tuple[str, float] | None:
        return None if self.baseline is None else (self.baseline.name, self.baseline.ngram_loss)

    def timeline_sample(self) -> str:
        """What the model writes now from a line start, at one temperature and one random seed, so
        that samples of different steps differ only by what the model has learned."""
        sampler = Sampler(self.model, self.corpus.vocab, SampleSettings(temperature=TIMELINE_TEMPERATURE),
                          seed=TIMELINE_SEED)
        try:
            return sampler.text("", TIMELINE_CHARS)
        finally:
            self.model.train()

    def stop_reason(self) -> str | None:
        cfg = self.train_config
        if cfg.steps is not None and self.step >= cfg.steps:
            return "steps"
        if cfg.epochs is not None and self.epoch >= cfg.epochs - 1e-9:
            return "epochs"
        if cfg.minutes is not None and self.run_minutes >= cfg.minutes:
            return "minutes"
        return None

    def run(self, emit: Callable[[Event], None], control: Control | None = None) -> StopEvent:
        """Train until a stop point, a stop request or divergence; the last event is a StopEvent."""
        control = control or Control()
        self.run_minutes = 0.0
        self._last_step_end = None
        while True:
            for task in control.take_tasks():
                if (event := task(self)) is not None:
                    emit(event)
            if (reason := self.stop_reason()) is not None:
                break
            if self.world is not None and any_rank(control.stopped):  # all ranks stop at one step
                reason = "stopped"
                break
            turn = control.wait_for_turn(timeout=0.25 if control.paused else None)
            if not turn and not (control.stopped and self.world is not None):  # a rank steps on with the
                if control.stopped:  # others and stops with them at the agreement above
                    reason = "stopped"
                    break
                if control.paused:
                    self._last_step_end = None  # a pause is not training time
                continue
            event = self.train_step()
            if isinstance(event, StepEvent):  # one clock: the app adds up the same seconds
                self.run_minutes += event.seconds / 60
                self.seconds += event.seconds
            emit(event)
            if isinstance(event, StopEvent):
                return event
            if self.step % self.train_config.eval_every == 0 and self.is_main:
                lr = self.train_config.lr
                if (evaluation := self.evaluate(lambda: control.hurried)) is not None:
                    emit(evaluation)
                if self.train_config.lr != lr:  # it stepped back
                    emit(self._changed("lr", self.train_config.lr))
        if self.step and self.step % self.train_config.eval_every and self.is_main and not control.hurried:
            emit(self.evaluate())  # the final figures are measured at the final step
        stop = StopEvent(self.step, self.epoch, reason, _STOP_MESSAGES[reason].format(step=self.step),
                         self.train_loss(), self.val_history.last())
        emit(stop)
        return stop

    def snapshot(self) -> dict[str, torch.Tensor]:
        """A consistent copy of the weights on the CPU, taken between optimizer steps."""
        with self.lock:
            return {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict().items()}

    def snapshot_model(self) -> Model:
        model = build_model(self.model_config, self.model.context)
        model.load_state_dict(self.snapshot())
        return model.eval()


_STOP_MESSAGES = {
    "steps": "reached the step limit at step {step}",
    "epochs": "reached the epoch limit at step {step}",
    "minutes": "reached the time limit at step {step}",
    "stopped": "stopped by request at step {step}",
}


def model_config_for(config: ModelConfig, corpus: Corpus) -> ModelConfig:
    """The model config with the corpus's vocabulary size filled in (or checked)."""
    if config.vocab_size and config.vocab_size != len(corpus.vocab):
        raise UserError(f"the model expects {config.vocab_size} characters but the text has {len(corpus.vocab)}")
    return replace(config, vocab_size=len(corpus.vocab)).validate()


def make_optimizer(model: Model, cfg: TrainConfig) -> torch.optim.Optimizer:
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(model.parameters(), lr=cfg.lr, alpha=0.95, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adamw":  # the decay is not divided by Adam's second moment, so every weight shrinks alike
        return torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    return torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
