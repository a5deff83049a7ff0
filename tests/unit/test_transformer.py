"""The small causal transformer: causal, trainable, saved and resumed exactly, sampled within its
window, solved to a parameter budget, and refused plainly by the views that read a recurrent state."""

import numpy as np
import pytest
import torch

from rnn_tui.cli import main
from rnn_tui.engine.beam import beam_search
from rnn_tui.engine.checkpoint import (
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
    trainer_from_checkpoint,
    trainer_state,
)
from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.data import Corpus, Vocab
from rnn_tui.engine.errors import Abandoned, UserError
from rnn_tui.engine.insight.attention import attention_at
from rnn_tui.engine.insight.gradients import connectivity, horizon, horizon_batch
from rnn_tui.engine.insight.writer import Writer
from rnn_tui.engine.inspection import inspect_text
from rnn_tui.engine.models import build_model
from rnn_tui.engine.race import count_parameters, hidden_for
from rnn_tui.engine.sampling import Sampler, SampleSettings, sweep
from rnn_tui.engine.training import Trainer
from rnn_tui.engine.transformer import heads_for

V, CONTEXT = 23, 8


def tiny(hidden: int = 16, layers: int = 2, context: int = CONTEXT, seed: int = 0):
    torch.manual_seed(seed)
    return build_model(ModelConfig(cell="transformer", hidden=hidden, layers=layers, vocab_size=V), context).eval()


def test_a_later_character_never_changes_an_earlier_prediction():
    model = tiny()
    ids = torch.randint(0, V, (2, CONTEXT))
    changed = ids.clone()
    changed[:, 5] = (changed[:, 5] + 1) % V
    with torch.no_grad():
        before, after = model(ids)[0], model(changed)[0]
    assert torch.equal(before[:, :5], after[:, :5])
    assert not torch.allclose(before[:, 5:], after[:, 5:])


def test_past_its_window_a_prediction_reads_the_last_context_characters_only():
    model = tiny()
    ids = torch.randint(0, V, (1, 3 * CONTEXT))
    with torch.no_grad():
        logits, (window,) = model(ids)
        for t in (CONTEXT - 1, CONTEXT, 2 * CONTEXT + 3, 3 * CONTEXT - 1):
            alone = model(ids[:, max(0, t - CONTEXT + 1): t + 1])[0][:, -1]
            assert torch.allclose(logits[:, t], alone, atol=1e-5), t
        changed = ids.clone()
        changed[0, 0] = (changed[0, 0] + 1) % V  # out of every window from position CONTEXT on
        assert torch.equal(model(changed)[0][:, CONTEXT:], logits[:, CONTEXT:])
    assert torch.equal(window, ids[:, -CONTEXT:])


def test_stepping_gives_the_logits_of_reading_the_whole_text_at_once():
    model = tiny()
    ids = torch.randint(0, V, (3, 2 * CONTEXT + 2))
    with torch.no_grad():
        whole, _ = model(ids)
        state, stepped = model.initial_state(3), []
        for t in range(ids.shape[1]):
            logits, state, acts = model.step(ids[:, t], state)
            stepped.append(logits)
            assert state[0].shape == (3, min(t + 1, CONTEXT)) and acts == []
        prefix, rest = model(ids[:, :5])[1], model(ids[:, 5:], model(ids[:, :5])[1])[0]
    assert torch.allclose(torch.stack(stepped, 1), whole, atol=1e-5)
    assert torch.allclose(rest, whole[:, 5:], atol=1e-5) and prefix[0].shape == (3, 5)


def test_the_attention_shown_is_the_softmax_the_block_ran():
    torch.manual_seed(1)
    block = tiny(hidden=128, layers=1).blocks[0]  # two heads
    x = torch.randn(3, CONTEXT, 128)
    weights = block.weights(x)  # (3, heads, T, T)
    _, _, v = block.heads_of(x)
    by_hand = (weights @ v).transpose(1, 2).reshape(3, CONTEXT, 128)
    assert torch.allclose(by_hand, block.attention(x), atol=1e-5)
    assert torch.allclose(weights.sum(-1), torch.ones(3, 2, CONTEXT))
    assert torch.all(weights.tril() == weights)  # nothing later is weighed


def test_attention_at_a_character_reads_the_window_before_it():
    model = tiny(hidden=128, layers=2)
    text = "the cat sat on the mat. "
    vocab = Vocab("".join(set(text)))
    found = attention_at(model, vocab, text, 20)  # past the window of 8: it starts at 12
    assert (found.target, found.start, found.weights.shape) == (20, 12, (2, 2, 8))
    ids = torch.tensor([vocab.encode(text[12:20])])
    x = model.drop(model.token(ids) + model.position(torch.arange(8)))
    with torch.no_grad():
        first = model.blocks[0].weights(model.blocks[0].ln_1(x))[0, :, -1]
        second = model.blocks[1].weights(model.blocks[1].ln_1(model.blocks[0](x)))[0, :, -1]
    assert np.allclose(found.weights, torch.stack([first, second]).numpy(), atol=1e-6)
    assert np.allclose(found.weights.sum(axis=-1), 1.0)
    assert found.strongest(1, 0)[0] == 12 + int(np.argmax(found.weights[1, 0]))
    assert attention_at(model, vocab, text, 3).start == 0


def test_a_long_passage_is_read_a_batch_of_windows_at_a_time_and_can_be_given_up():
    model = tiny()
    vocab = Vocab("".join(chr(97 + k) for k in range(V)))
    text = "".join(vocab.chars[(k * 7 + k // 5) % V] for k in range(600))  # three batches of windows
    found = inspect_text(model, vocab, text)
    with torch.no_grad():
        whole = torch.log_softmax(model(torch.tensor([vocab.encode(text)]))[0][0], dim=-1)
    assert np.allclose(found.log_probs, whole.numpy(), atol=1e-5)
    asked = []
    with pytest.raises(Abandoned):
        inspect_text(model, vocab, text, abandon=lambda: asked.append(1) or len(asked) > 1)
    assert len(asked) == 2  # asked before each batch: the first went on, the second gave up


def test_heads_divide_the_width():
    assert [heads_for(w) for w in (16, 63, 64, 128, 192, 200, 256)] == [1, 1, 1, 2, 3, 2, 4]


@pytest.fixture(scope="module")
def corpus():
    return Corpus.from_text("the cat sat on the mat. the dog ran to the log. " * 40, name="test")


def trainer(corpus, **train):
    train = {"seq": 16, "batch": 8, "lr": 1e-2, "eval_every": 10, "eval_batches": 2, "seed": 3, **train}
    return Trainer(ModelConfig(cell="transformer", hidden=32, layers=1, dropout=0.0), TrainConfig(**train), corpus,
                   device="cpu")


def test_training_lowers_the_loss_and_carries_no_state(corpus):
    t = trainer(corpus)
    losses = [t.train_step().loss for _ in range(25)]
    assert t.state is None and t.model.context == 16
    assert np.mean(losses[-5:]) < 0.7 * np.mean(losses[:5])
    assert t.evaluate().val_loss < losses[0]


def test_save_load_and_resume_give_identical_logits(corpus, tmp_path):
    t = trainer(corpus)
    for _ in range(6):
        t.train_step()
    path = save_checkpoint(tmp_path / "t.pt", trainer_state(t))
    data = load_checkpoint(path)  # weights_only=True
    model, vocab = model_from_checkpoint(data)
    ids = torch.tensor([vocab.encode("the dog sat on the log. the cat")])
    with torch.no_grad():
        assert torch.equal(model(ids)[0], t.model.eval()(ids)[0])
    resumed = trainer_from_checkpoint(data, corpus, "cpu")
    assert resumed.model.context == 16 and resumed.step == 6
    assert resumed.train_step().loss == pytest.approx(t.train_step().loss, abs=1e-6)
    with pytest.raises(UserError, match="context is the sequence length"):
        trainer_from_checkpoint(data, corpus, "cpu", {"seq": 32})


def test_sampling_beam_sweep_and_writing_work_within_the_window(corpus):
    t = trainer(corpus, seq=8)
    for _ in range(20):
        t.train_step()
    model, vocab = t.snapshot_model(), corpus.vocab
    long_seed = "the cat sat on the mat. the dog"
    sampler = Sampler(model, vocab, [SampleSettings(temperature=0.8), SampleSettings(greedy=True)], seed=5)
    logits, state = sampler.prime(long_seed)
    assert state[0].shape == (1, 8) and vocab.decode(state[0][0].tolist()) == long_seed[-8:]
    with torch.no_grad():
        assert torch.allclose(logits, model(torch.tensor([vocab.encode(long_seed[-8:])]))[0][0, -1], atol=1e-5)
    texts = sampler.texts(long_seed, 30)
    assert len(texts) == 2 and all(len(s.text) == 30 and np.isfinite(s.log_prob) for s in texts)
    assert Sampler(model, vocab, SampleSettings(), seed=5).text("", 20) == Sampler(model, vocab, seed=5).text("", 20)
    assert len(beam_search(model, vocab, "the ", 12, 3).text) == 12
    assert len(sweep(model, vocab, "the ", 20, seed=1, temperatures=(0.5, 1.0))) == 2
    writer = Writer(model, vocab, "the cat sat on")
    assert writer.current.state[0].shape == (1, 8) and writer.current.activations == []


def test_inspection_has_predictions_and_no_layers(corpus):
    model = trainer(corpus, seq=8).model.eval()
    text = "the cat sat on the mat. the dog ran"
    found = inspect_text(model, corpus.vocab, text)
    assert found.layers == [] and found.quantities() == ()
    assert found.log_probs.shape == (len(text), len(corpus.vocab)) and np.isnan(found.surprisal[0])
    assert np.isfinite(found.surprisal[1:]).all()
    pull = connectivity(model, corpus.vocab, text, 20)
    assert pull.shape == (20,) and (pull[:12] == 0).all() and pull.max() == pytest.approx(1.0)  # its window: 8 back
    with pytest.raises(UserError, match="no recurrent state"):
        horizon(model, horizon_batch(corpus.vocab.encode_array(text), 8))


def test_the_parameter_formula_is_the_models_and_equal_params_solve_within_five_percent():
    for hidden, layers, context in ((16, 1, 8), (40, 2, 100), (129, 3, 64)):
        model = build_model(ModelConfig(cell="transformer", hidden=hidden, layers=layers, vocab_size=V), context)
        assert count_parameters("transformer", hidden, V, 8, layers, context) == model.num_parameters()
    for cell in ("lstm", "mingru", "transformer"):
        hidden = hidden_for(cell, 50_000, 65, 16, 1, context=64)
        count = count_parameters(cell, hidden, 65, 16, 1, context=64)
        assert abs(count - 50_000) <= 0.05 * 50_000, (cell, hidden, count)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("transformer")
    text = folder / "corpus.txt"
    text.write_text("the cat sat on the mat. (the dog ran to the log.) " * 60)
    t = Trainer(ModelConfig(cell="transformer", hidden=16, layers=1), TrainConfig(seq=16, batch=4, eval_batches=2),
                Corpus.load(str(text)), device="cpu")  # in this process: `rnn-tui train` starts another
    for _ in range(3):
        t.train_step()
    t.evaluate()
    return save_checkpoint(folder / "t.pt", trainer_state(t))


@pytest.mark.parametrize("view", ["units", "saturation", "factors", "gradients"])
def test_the_views_that_read_a_recurrent_state_refuse_in_one_line(checkpoint, capsys, view):
    capsys.readouterr()
    assert main(["inspect", view, "--checkpoint", str(checkpoint)]) == 2
    err = capsys.readouterr().err
    assert "a transformer has no recurrent state" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("view", [["surprisal"], ["errors"], ["longrange"], ["connectivity", "--target", "20"],
                                  ["attention", "--target", "20"]])
def test_the_views_of_its_predictions_work(checkpoint, capsys, view):
    capsys.readouterr()
    assert main(["inspect", *view, "--checkpoint", str(checkpoint), "--passage", "the cat (sat) on the mat."]) == 0
    assert capsys.readouterr().out.strip()
