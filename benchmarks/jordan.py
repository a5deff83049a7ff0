"""Row 2: Jordan training throughput against an Elman CharRNN of the same size, and its first steps.

A: `Trainer.train_step` with a Jordan CharRNN (the output distribution fed back; the engine runs
   it step by step in Python, since no fused kernel feeds back the output).
B: the same with an Elman CharRNN (torch's fused rnn_tanh kernel), same hidden size and shapes.
Lecture size (1 x 128 hidden, embed 8), seq 100, batch 32, 1 torch thread (the app's trainer).
The engine has no compile step; the first steps of a fresh Jordan trainer are timed against its
steady step time to show that.

Two copies of the Jordan model, built in this file and checked against the engine's output, show
what a faster Jordan path would buy; both keep the engine's `train_step` (loss, clip, Adam) and
replace only the model's forward: "hoisted" computes W_ih x for all T in one matmul before the
loop and takes the time steps with unbind (eager); "scripted" is the same loop compiled with
torch.jit.script, whose compile time
(script() plus the profiling executor's first calls) is reported next to its speed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from benchmarks.common import (
    APP_TRAINING_THREADS,
    Options,
    Result,
    engine_trainer,
    kilo,
    ms,
    step_windows,
    torch_threads,
)
from benchmarks.timing import median, paired_ratio, timed, walls
from rnn_tui.engine.models import CharRNN, State
from rnn_tui.engine.training import Trainer

HIDDEN, EMBED, SEQ, BATCH = 128, 8, 100, 32
FIRST_STEPS = 3


def jordan_loop(x: Tensor, y: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor,
                w_out: Tensor, b_out: Tensor) -> tuple[Tensor, Tensor]:
    """One tanh Jordan layer over (B, T, E) inputs: logits (B, T, V) and the last output distribution."""
    xs = F.linear(x, w_ih, b_ih)  # every step's input projection in one matmul
    logits = []
    for x_t in xs.unbind(1):  # unbind, not xs[:, t]: the backward of each slice would zero all of xs
        h = torch.tanh(x_t + F.linear(y, w_hh, b_hh))
        z = F.linear(h, w_out, b_out)
        y = torch.softmax(z, dim=-1)
        logits.append(z)
    return torch.stack(logits, dim=1), y


Loop = Callable[..., tuple[Tensor, Tensor]]


def with_loop(trainer: Trainer, loop: Loop) -> Trainer:
    """The trainer's model (a copy owned by this trainer) running its forward through `loop`."""
    model: CharRNN = trainer.model
    cell = model.cells[0]
    assert len(model.cells) == 1 and model.config.nonlinearity == "tanh" and model.config.dropout == 0

    def forward(idx: Tensor, state: State | None = None, fused: bool = True) -> tuple[Tensor, State]:
        (y,) = model.initial_state(idx.shape[0]) if state is None else state
        logits, y = loop(model.inputs(idx), y, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh,
                         model.head.weight, model.head.bias)
        return logits, (y,)

    model.forward = forward  # type: ignore[method-assign]
    return trainer


def check_same(trainer: Trainer, copy: Trainer) -> None:
    """The copy computes what the engine computes, on the same weights and input."""
    x = torch.from_numpy(trainer.train_streams.get(0)[0])
    copy.model.load_state_dict(trainer.model.state_dict())
    with torch.no_grad():
        expected, _ = CharRNN.forward(trainer.model, x)
        got, _ = copy.model(x)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


def first_steps(trainer: Trainer) -> float:
    return timed(lambda: [trainer.train_step() for _ in range(FIRST_STEPS)])


def run(options: Options) -> list[Result]:
    with torch_threads(APP_TRAINING_THREADS):
        jordan = engine_trainer("jordan", HIDDEN, 1, EMBED, SEQ, BATCH)
        elman = engine_trainer("elman", HIDDEN, 1, EMBED, SEQ, BATCH)
        engine_first = first_steps(jordan)
        hoisted = with_loop(engine_trainer("jordan", HIDDEN, 1, EMBED, SEQ, BATCH), jordan_loop)
        scripted = engine_trainer("jordan", HIDDEN, 1, EMBED, SEQ, BATCH)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TorchScript is deprecated in favour of torch.compile
            compile_s = timed(lambda: with_loop(scripted, torch.jit.script(jordan_loop)))
        compile_s += first_steps(scripted)
        check_same(jordan, hoisted)
        check_same(jordan, scripted)
        spans = step_windows({"jordan": jordan.train_step, "elman": elman.train_step,
                              "hoisted": hoisted.train_step, "scripted": scripted.train_step}, options,
                             rounds=options.report_rounds)
    seconds = {name: walls(s) for name, s in spans.items()}
    return [jordan_result(seconds, engine_first), copies_result(seconds, compile_s)]


def jordan_result(seconds: dict[str, list[float]], first: float) -> Result:
    chars = SEQ * BATCH
    steady = median(seconds["jordan"])
    figure = (f"{paired_ratio(seconds['elman'], seconds['jordan']):.2f} (jordan {kilo(chars / steady)} vs elman "
              f"{kilo(chars / median(seconds['elman']))} chars/s); first {FIRST_STEPS} steps {ms(first)} "
              f"vs steady {FIRST_STEPS}x{ms(steady)}")
    return Result(f"2 jordan/elman 1x{HIDDEN} t1", figure, "report", None)


def copies_result(seconds: dict[str, list[float]], compile_s: float) -> Result:
    chars = SEQ * BATCH
    figure = (f"scripted {paired_ratio(seconds['jordan'], seconds['scripted']):.2f}x "
              f"({kilo(chars / median(seconds['scripted']))} chars/s, compile + first {FIRST_STEPS} steps "
              f"{ms(compile_s)}), hoisted eager {paired_ratio(seconds['jordan'], seconds['hoisted']):.2f}x")
    return Result("2 jordan copies / engine jordan", figure, "report", None)
