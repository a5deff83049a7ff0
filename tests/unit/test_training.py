import math
import threading
import time

import pytest
import torch

from rnn_tui.engine.config import ANNEAL_AFTER, ModelConfig, TrainConfig
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.events import EvalEvent, SettingEvent, StepEvent, StopEvent
from rnn_tui.engine.training import Control, Trainer

from .helpers import losses, tiny_trainer


def test_two_layer_lstm_learns_the_structured_corpus(structured_text):
    trainer = tiny_trainer(structured_text[:30_000], layers=2, seq=48, batch=16, eval_every=10**6)
    for _ in range(250):
        trainer.train_step()
    val = trainer.evaluate().val_loss
    unigram = trainer.corpus.unigram_entropy()
    assert val < 0.6 * unigram, f"val {val:.3f} vs unigram entropy {unigram:.3f}"


def test_jordan_learns_something(small_text):
    trainer = tiny_trainer(small_text, cell="jordan", seq=24)
    for _ in range(120):
        trainer.train_step()
    assert trainer.evaluate().val_loss < trainer.corpus.unigram_entropy() - 0.3


@pytest.mark.parametrize("cell", ["elman", "gru"])
def test_other_cells_learn(small_text, cell):
    trainer = tiny_trainer(small_text, cell=cell)
    first = trainer.evaluate().val_loss
    for _ in range(100):
        trainer.train_step()
    assert trainer.evaluate().val_loss < first - 0.8


def test_same_seed_same_losses_other_seed_other_losses(small_text):
    a = losses(tiny_trainer(small_text, layers=2, seed=3), 15)
    b = losses(tiny_trainer(small_text, layers=2, seed=3), 15)
    c = losses(tiny_trainer(small_text, layers=2, seed=4), 15)
    assert a == b
    assert a != c


def test_state_is_carried_within_an_epoch_and_reset_at_its_start(small_text):
    trainer = tiny_trainer(small_text)
    trainer.train_step()
    carried = trainer.state
    assert carried is not None and not carried[0].requires_grad  # detached: BPTT is truncated
    trainer.step = len(trainer.train_streams)  # next step starts epoch 2
    captured = {}
    original = trainer.model.forward
    def forward(x, state=None, **kw):
        captured.setdefault("state", state)
        return original(x, state, **kw)

    trainer.model.forward = forward
    trainer.train_step()
    assert captured["state"] is None


def test_run_emits_steps_evaluations_and_a_final_stop(small_text):
    trainer = tiny_trainer(small_text, steps=25, eval_every=10)
    events = []
    stop = trainer.run(events.append)
    kinds = [e.kind for e in events]
    assert kinds.count("step") == 25 and kinds[-1] == "stop"
    evals = [e for e in events if isinstance(e, EvalEvent)]
    assert [e.step for e in evals] == [10, 20, 25]
    assert stop.reason == "steps" and stop.val_loss == evals[-1].val_loss
    assert evals[-1].val_bpc == pytest.approx(evals[-1].val_loss / math.log(2))
    step = events[0]
    assert isinstance(step, StepEvent) and step.grad_norm > 0 and step.lr == pytest.approx(1e-2)


def test_epoch_stop_point(small_text):
    trainer = tiny_trainer(small_text, epochs=2)
    stop = trainer.run(lambda e: None)
    assert stop.reason == "epochs" and trainer.step == 2 * len(trainer.train_streams)


def test_non_finite_loss_stops_and_keeps_the_last_good_weights(small_text):
    trainer = tiny_trainer(small_text, steps=50)
    losses(trainer, 3)
    good = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    with torch.no_grad():
        trainer.model.head.bias[0] = math.inf  # the next forward pass produces a non-finite loss
    events = []
    stop = trainer.run(events.append)
    assert stop.reason == "diverged" and "loss became nan" in stop.message
    assert trainer.step == 3
    with torch.no_grad():
        trainer.model.head.bias[0] = good["head.bias"][0]
    for k, v in trainer.model.state_dict().items():
        assert torch.equal(v, good[k]), f"{k} was changed by the failed step"


def test_control_pauses_single_steps_resumes_and_stops_from_another_thread(small_text):
    trainer = tiny_trainer(small_text)
    control = Control(paused=True)
    events = []
    worker = threading.Thread(target=trainer.run, args=(events.append, control))
    worker.start()
    time.sleep(0.3)
    assert trainer.step == 0  # paused from the start
    control.step_once()
    while trainer.step < 1:  # no deadline: pytest-timeout ends a test that never gets there
        time.sleep(0.01)
    time.sleep(0.2)
    assert trainer.step == 1  # exactly one step
    control.set_lr(1e-4)
    control.resume()
    while trainer.step < 5:
        time.sleep(0.01)
    control.stop()
    worker.join()
    assert isinstance(events[-1], StopEvent) and events[-1].reason == "stopped"
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert steps[0].lr == pytest.approx(1e-2) and steps[-1].lr == pytest.approx(1e-4)
    assert trainer.setting_changes == [(1, "lr", 1e-4)] and trainer.train_config.lr == 1e-4
    assert SettingEvent(1, "lr", 1e-4) in events  # the change is reported, as the app needs it


@pytest.mark.parametrize("measure", [True, False])
def test_a_stop_measures_the_final_step_unless_told_not_to(small_text, measure):
    """Quitting and replacing a run stop without it (no one reads those figures; an evaluation
    took the app's whole quit deadline), Ctrl+C in `train` with it."""
    trainer = tiny_trainer(small_text)
    for _ in range(3):
        trainer.train_step()
    control = Control()
    control.stop(measure=measure)
    events = []
    trainer.run(events.append, control)
    assert [e.step for e in events if isinstance(e, EvalEvent)] == ([3] if measure else [])
    assert isinstance(events[-1], StopEvent) and events[-1].reason == "stopped"


def test_an_abandoned_evaluation_records_nothing_and_leaves_the_model_training(small_text):
    trainer = tiny_trainer(small_text)
    assert len(trainer.val_streams) >= 3
    asked = []

    def after_two_batches() -> bool:
        asked.append(True)
        return len(asked) > 2

    assert trainer.evaluate(after_two_batches) is None
    assert len(asked) == 3 and trainer.val_points == [] and trainer.best is None and trainer.model.training
    assert trainer.evaluate(lambda: False).step == 0 and len(trainer.val_points) == 1


def test_learning_rate_schedules(small_text):
    cosine = tiny_trainer(small_text, schedule="cosine", steps=100)
    assert cosine.lr_at(0) == pytest.approx(1e-2)
    assert cosine.lr_at(50) == pytest.approx(0.55e-2)
    assert cosine.lr_at(100) == pytest.approx(1e-3)
    decay = tiny_trainer(small_text, schedule="char-rnn")
    per_epoch = len(decay.train_streams)
    assert decay.lr_at(9 * per_epoch) == pytest.approx(1e-2)
    assert decay.lr_at(10 * per_epoch) == pytest.approx(1e-2 * 0.97)
    assert decay.lr_at(12 * per_epoch) == pytest.approx(1e-2 * 0.97**3)


def test_anneal_is_cosine_to_a_stop_point_and_without_one_falls_as_one_over_root_step(small_text):
    budgeted = tiny_trainer(small_text, schedule="anneal", steps=100)
    assert [budgeted.lr_at(s) for s in (0, 50, 100)] == pytest.approx([1e-2, 0.55e-2, 1e-3])
    open_ended = tiny_trainer(small_text, schedule="anneal")
    assert open_ended.lr_at(ANNEAL_AFTER) == pytest.approx(1e-2)
    assert open_ended.lr_at(4 * ANNEAL_AFTER) == pytest.approx(0.5e-2)
    assert open_ended.lr_at(1000 * ANNEAL_AFTER) == pytest.approx(1e-3)  # no lower than the cosine's floor


def test_stepping_back_restores_the_best_weights_and_halves_the_rate(small_text):
    trainer = tiny_trainer(small_text, step_back=0.05)
    best = trainer.evaluate()
    kept = {k: v.clone() for k, v in trainer.snapshot().items()}
    with torch.no_grad():  # a run that got worse: its validation loss rises well past the margin
        for p in trainer.model.parameters():
            p.add_(torch.randn_like(p))
    event = trainer.evaluate()
    assert event.val_loss > best.val_loss + 0.05 and "back to the weights of step 0" in event.advice
    assert trainer.train_config.lr == pytest.approx(0.5e-2)
    assert all(torch.equal(v, kept[k]) for k, v in trainer.snapshot().items())
    assert trainer.evaluate().val_loss == pytest.approx(best.val_loss)
    assert tiny_trainer(small_text).step_back(99.0) is None  # off unless the run asks for it


def test_cosine_over_a_time_budget_follows_the_minutes_trained(small_text):
    trainer = tiny_trainer(small_text, schedule="cosine", minutes=2.0)
    assert trainer.lr_at(0) == pytest.approx(1e-2)
    trainer.run_minutes = 1.0
    assert trainer.lr_at(0) == pytest.approx(0.55e-2)
    trainer.run_minutes = 2.0
    assert trainer.lr_at(0) == pytest.approx(1e-3) and trainer.stop_reason() == "minutes"


def test_rmsprop_and_clipping(small_text):
    trainer = tiny_trainer(small_text, optimizer="rmsprop", clip=0.01)
    assert isinstance(trainer.optimizer, torch.optim.RMSprop)
    event = trainer.train_step()
    total = torch.sqrt(sum((p.grad**2).sum() for p in trainer.model.parameters()))
    assert event.grad_norm > 0.01 and total.item() == pytest.approx(0.01, rel=1e-3)


def test_adamw_shrinks_every_weight_by_the_rate_times_its_decay_and_adam_does_not(small_text):
    """With no gradient, AdamW's step is the decoupled decay alone, w * (1 - lr * decay); Adam's L2
    term goes through its moments instead, and moves each weight by about the rate."""
    steps = {}
    for optimizer in ("adamw", "adam"):
        trainer = tiny_trainer(small_text, optimizer=optimizer, weight_decay=0.5, lr=0.1)
        weight = trainer.model.head.weight
        before = weight.detach().clone()
        for p in trainer.model.parameters():
            p.grad = torch.zeros_like(p)
        trainer.optimizer.step()
        steps[optimizer] = (before, weight.detach())
    before, after = steps["adamw"]
    assert torch.allclose(after, before * (1 - 0.1 * 0.5))
    before, after = steps["adam"]
    assert not torch.allclose(after, before * (1 - 0.1 * 0.5))
    assert (after - before).abs().median().item() == pytest.approx(0.1, rel=1e-3)


def test_snapshot_is_a_detached_copy(small_text):
    trainer = tiny_trainer(small_text)
    snap = trainer.snapshot()
    trainer.train_step()
    assert not torch.equal(snap["head.weight"], trainer.model.head.weight)


def test_bad_settings_are_refused():
    corpus = Corpus.from_text("abcdefgh" * 200)
    from rnn_tui.engine.errors import UserError

    for bad in (dict(lr=float("nan")), dict(lr=0.0), dict(lr=-1.0), dict(seq=0), dict(batch=-2)):
        with pytest.raises(UserError):
            Trainer(ModelConfig(hidden=8), TrainConfig(**bad), corpus, "cpu")
    with pytest.raises(UserError, match="dropout"):
        Trainer(ModelConfig(hidden=8, dropout=1.0), TrainConfig(), corpus, "cpu")
    with pytest.raises(UserError, match="too short"):
        Trainer(ModelConfig(hidden=8), TrainConfig(seq=100, batch=32), corpus, "cpu")


def test_dropout_changes_live_and_is_reported(small_text):
    trainer = tiny_trainer(small_text, layers=2)
    losses(trainer, 3)
    event = trainer.set_dropout(0.4)
    assert event == SettingEvent(3, "dropout", 0.4) and trainer.setting_changes == [(3, "dropout", 0.4)]
    assert trainer.model_config.dropout == 0.4 and trainer.model.drop.p == 0.4
    torch.manual_seed(0)
    x = torch.from_numpy(trainer.train_streams.get(0)[0])
    trainer.model.train()
    dropped = trainer.model(x)[0]
    trainer.model.eval()
    assert not torch.equal(dropped, trainer.model(x)[0])  # the fused kernel drops between layers too
    with pytest.raises(UserError, match="dropout must be in"):
        trainer.set_dropout(1.0)


def test_the_best_weights_are_kept_beside_the_latest(small_text):
    trainer = tiny_trainer(small_text)
    losses(trainer, 20)
    good = trainer.evaluate()
    before = trainer.snapshot()
    assert (good.best_step, good.best_val) == (20, good.val_loss) and trainer.best.step == 20
    with torch.no_grad():  # spoil the weights: the next evaluation is worse
        for p in trainer.model.parameters():
            p.add_(torch.randn_like(p))
    losses(trainer, 1)
    worse = trainer.evaluate()
    assert worse.val_loss > good.val_loss and (worse.best_step, worse.best_val) == (20, good.val_loss)
    assert all(torch.equal(trainer.best.weights[k], before[k]) for k in before)
    assert not torch.equal(trainer.best.weights["head.weight"], trainer.model.head.weight.detach())


def test_a_small_text_overfits_and_the_coach_says_so(small_text):
    trainer = tiny_trainer(small_text[:3000], seq=16, batch=4, eval_every=25)
    events = []
    for _ in range(40):
        losses(trainer, 25)
        events.append(trainer.evaluate())
        if events[-1].advice:
            break
    assert events[-1].advice.startswith(f"overfitting since step {events[-1].best_step:,}: val ")
    assert events[-1].val_loss > events[-1].best_val + 0.05 and events[-2].val_loss > events[-1].best_val + 0.05


def test_bf16_autocast_trains_close_to_fp32(small_text):
    fp32, bf16 = tiny_trainer(small_text), tiny_trainer(small_text, precision="bf16")
    first32, first16 = fp32.train_step().loss, bf16.train_step().loss
    assert first16 == pytest.approx(first32, abs=0.05) and first16 != first32  # the same step, in bf16
    later = losses(bf16, 60)
    assert sum(later[-10:]) / 10 < first16 - 0.3  # it learns
    assert all(p.dtype == torch.float32 for p in bf16.model.parameters())  # the weights stay fp32


def test_a_paced_control_gives_no_turn_before_it_is_due_and_a_stop_is_not_kept_waiting():
    control = Control(pace=0.001)  # one step in 1,000 seconds
    assert control.wait_for_turn()  # the first turn is due at once
    stopper = threading.Timer(0.1, control.stop)
    stopper.start()
    assert not control.wait_for_turn()  # the next one would be 1,000 s away: the stop ends the wait
    stopper.join()
