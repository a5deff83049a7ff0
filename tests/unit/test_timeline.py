"""The timeline of samples: one per evaluation, from the same seed text, temperature and random
seed, so that only the weights differ; kept in bounded memory and in checkpoints."""

from rnn_tui.engine.checkpoint import load_checkpoint, save_checkpoint, trainer_from_checkpoint, trainer_state
from rnn_tui.engine.history import TIMELINE_CHARS, TIMELINE_MAX, thin

from .helpers import tiny_trainer


def test_each_evaluation_keeps_a_sample_that_depends_only_on_the_weights(small_text):
    trainer = tiny_trainer(small_text)
    trainer.train_step()
    event = trainer.evaluate()
    assert len(event.sample) == TIMELINE_CHARS and set(event.sample) <= set(trainer.corpus.vocab.chars)
    assert trainer.timeline == [(1, event.val_loss, event.sample)]
    assert trainer.timeline_sample() == event.sample  # same weights, same text
    assert trainer.model.training  # sampling left the model in training mode
    for _ in range(30):
        trainer.train_step()
    later = trainer.evaluate()
    assert later.sample != event.sample and [step for step, _, _ in trainer.timeline] == [1, 31]


def test_the_timeline_survives_a_save_and_a_reload(small_text, tmp_path):
    trainer = tiny_trainer(small_text)
    for _ in range(3):
        trainer.train_step()
        trainer.evaluate()
    path = tmp_path / "run.pt"
    save_checkpoint(path, trainer_state(trainer))
    resumed = trainer_from_checkpoint(load_checkpoint(path), trainer.corpus, "cpu")
    assert resumed.timeline == trainer.timeline and len(resumed.timeline) == 3


def test_a_long_timeline_is_thinned_from_its_older_half():
    timeline = [(step, 1.0, "x") for step in range(TIMELINE_MAX + 1)]
    kept = thin(timeline)
    steps = [step for step, _, _ in kept]
    assert len(kept) < len(timeline) and steps[0] == 0 and steps[-1] == TIMELINE_MAX
    assert steps[-TIMELINE_MAX // 2:] == list(range(TIMELINE_MAX // 2 + 1, TIMELINE_MAX + 1))  # recent ones all kept
    assert thin(timeline[:10]) == timeline[:10]
