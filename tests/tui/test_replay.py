"""The checkpoint scrubber: `,` and `.` move a cursor along the loss plot over the moments the
trainer kept; the sampler, the distribution and the heatmap replay that moment's weights."""

import torch

from rnn_tui.engine.data import Vocab
from rnn_tui.engine.inspection import inspect_text
from rnn_tui.engine.models import CharRNN
from rnn_tui.engine.sampling import Sampler

from .conftest import published, scripted_app, settled, tiny_spec, wait_for


async def replayed_sample(pilot, app, step: int):
    inspection, sample = app.channels.inspection, app.channels.sample
    await wait_for(pilot, lambda: inspection.value is not None and inspection.value.step == step
                   and sample.value is not None and sample.value.step == step and sample.value.done,
                   what=f"a sample and its heatmap of step {step}")
    return sample.value


async def test_the_replay_equals_sampling_the_kept_weights_directly(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path, eval_every=10), tmp_path, steps=40)
    async with app.run_test(size=(120, 40)) as pilot:
        await published(pilot, app.channels.sample, lambda s: s.done, "a live sample")
        assert [m.step for m in app.state.moments] == [10, 20, 30, 40]
        app.channels.sample.publish(None)
        app.channels.inspection.publish(None)
        await pilot.press("comma", "comma", "comma")  # 40, 30, 20
        moment = app.state.replay
        assert moment.step == 20
        sample = await replayed_sample(pilot, app, 20)
        model = CharRNN(app.state.spec.model).eval()
        model.load_state_dict({k: torch.from_numpy(v) for k, v in moment.weights.items()})
        vocab = Vocab(app.state.ready.vocab)
        direct = Sampler(model, vocab, app.sampling.settings, seed=0)
        assert sample.generated == direct.text(sample.seed_text, len(sample.generated))
        heatmap = app.channels.inspection.value.inspection
        expected = inspect_text(model, vocab, (sample.seed_text + sample.generated)[-len(heatmap.text):])
        assert torch.equal(torch.as_tensor(heatmap.layers[0]["h"]),
                           torch.as_tensor(expected.layers[0]["h"]))  # the heatmap reads the same weights
        assert "replaying step 20" in str(app.query_one("#sampler").border_subtitle)
        await settled(pilot)  # the plot redraws at most four times a second: now
        assert "replaying step 20" in str(app.query_one("#plot").border_title)
        await pilot.press("full_stop", "full_stop", "full_stop")  # 30, 40, live
        assert app.state.replay is None
        await wait_for(pilot, lambda: "latest weights" in str(app.query_one("#sampler").border_subtitle),
                       what="live again")
        await app.action_quit()


async def test_a_new_run_drops_the_moments_and_the_replay(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path, eval_every=10), tmp_path, steps=20)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.state.moments) == 2, what="two moments")
        await pilot.press("comma")
        assert app.state.replay is not None
        app.state.on_ready(app.state.ready)  # what a new run's Ready does
        assert app.state.replay is None and app.state.moments == []
        await pilot.press("comma")
        assert app.state.replay is None and "nothing to replay" in app.notices[-1][1]
        await app.action_quit()
