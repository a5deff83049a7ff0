"""Does it beat counting? The n-gram baseline in the app: the plot's line, the status's gap, the coach."""

import pytest
from textual.widgets import Static

from rnn_tui.engine.counting import CountingModel
from rnn_tui.engine.data import Corpus, evaluated_targets
from rnn_tui.engine.insight.registry import ERRORS
from rnn_tui.run.counting import Counted, CountingProcess
from rnn_tui.run.protocol import SetBaseline
from rnn_tui.tui.messages import TrainerMessages

from .conftest import live_app, published, scripted_app, shown, tiny_spec, wait_for


async def test_the_baseline_is_counted_reported_by_the_trainer_and_drawn(text_path, tmp_path, small_text):
    spec = tiny_spec(text_path)
    app = scripted_app(spec, tmp_path)
    async with app.run_test(size=(140, 44)) as pilot:
        await wait_for(pilot, lambda: app.state.baseline is not None, what="the baseline event")
        expected = CountingModel(Corpus.from_text(small_text)).baseline(
            evaluated_targets(Corpus.from_text(small_text), spec.train))
        baseline = app.state.baseline
        assert (baseline.ngram_order, baseline.ngram_loss) == (expected.order, expected.loss)
        assert any(isinstance(c, SetBaseline) for c in app.training.handle.commands)  # it came back as an event
        plot = app.query_one("#plot")
        await wait_for(pilot, lambda: not plot.stale, what="the plot redrawn")
        assert ("n-gram", expected.loss) in plot.baselines()
        assert f"{expected.order}-gram" in plot.border_subtitle
        table = app.query_one("#status-table", Static)
        await wait_for(pilot, lambda: f"vs {expected.order}-gram" in shown(table), what="the status's gap")
        assert f"{app.state.val_loss - expected.loss:+.2f}" in shown(table)


async def test_a_baseline_counted_on_part_of_the_text_says_so_under_the_gap(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(140, 44)) as pilot:
        await wait_for(pilot, lambda: app.state.baseline is not None, what="the baseline")
        table = app.query_one("#status-table", Static)
        assert "counted on" not in shown(table)  # the small text was counted whole
        note = "counted on the last 16.0 M of 90.0 M training characters"
        baseline = app.state.baseline
        app.post_message(TrainerMessages([Counted(app.state.run, baseline.ngram_order, baseline.ngram_losses,
                                                  note=note)]))
        await wait_for(pilot, lambda: note in " ".join(shown(table).split()), what="the note under the gap")
        assert f"vs {baseline.name}" in shown(table)


async def test_the_real_training_process_reports_the_baseline_of_its_run(text_path, tmp_path):
    app = live_app(tiny_spec(text_path), tmp_path, counter=CountingProcess)  # the real counting process too
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.baseline is not None, what="the baseline from the process")
        assert app.state.baseline.step >= 0 and 1 <= app.state.baseline.ngram_order <= 9


async def test_the_fan_has_the_ngram_row_on_the_same_uniforms_and_every_row_its_copy_meter(text_path, tmp_path,
                                                                                           small_text):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(140, 44)) as pilot:
        await wait_for(pilot, lambda: app.state.baseline is not None, what="the baseline")
        await app.action_show_tab("sampler-tab")
        fans = app.channels.fan
        await published(pilot, app.channels.fan_counted, lambda c: fans.value is not None
                        and c.copies  # the suffix array is built once the process is idle
                        and (c.random_seed, c.step) == (fans.value.sample.random_seed, fans.value.sample.step),
                        "the fan counted")
        counted, fan = app.channels.fan_counted.value, app.channels.fan.value.sample
        corpus = Corpus.from_text(small_text)
        model = CountingModel(corpus)
        model.order = app.state.baseline.ngram_order
        uniforms = [row[0].uniform for row in fan_positions(app, fan)]
        rule = app.sampling.settings
        ids, log_prob = model.sample(corpus.vocab.encode(fan.seed_text), uniforms, rule.temperature)
        assert counted.ngram == app.state.baseline.name and counted.text == corpus.vocab.decode(ids)
        assert counted.copies == tuple(model.copying(text) for text in fan.rows)
        assert counted.ngram_copy == model.copying(counted.text)
        lab = app.view("sampler").query_one("#fan-text", Static)
        await wait_for(pilot, lambda: counted.ngram in shown(lab), what="the n-gram row drawn")
        assert shown(lab).count("copied") == len(fan.rows) + 1


def fan_positions(app, fan):
    """The fan's draws again (the same weights, seed and rows): the uniform numbers it drew."""
    import torch

    from rnn_tui.engine.data import Vocab
    from rnn_tui.engine.models import CharRNN
    from rnn_tui.engine.sampling import Sampler

    weights = app.channels.weights.value
    net = CharRNN(weights.config).eval()
    net.load_state_dict({k: torch.from_numpy(v) for k, v in weights.tensors.items()})
    return list(Sampler(net, Vocab(weights.vocab), app.sampling.fan.rows, seed=fan.random_seed)
                .generate_rows(fan.seed_text, len(fan.rows[0])))


async def test_the_onion_and_the_edge_chart_are_drawn_from_the_engines_numbers(text_path, tmp_path, small_text):
    from rnn_tui.engine.insight.edge import edge
    from rnn_tui.engine.insight.onion import ORACLES, network_guesses, onion_of

    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.state.baseline is not None, what="the baseline")
        await app.action_show_tab("surprisal-tab")
        view = app.view("surprisal")
        await wait_for(pilot, lambda: view.insight is not None and view.insight.of(ERRORS) is not None
                       and view.insight.of(ERRORS)[1] is not None
                       and ORACLES[-1] in shown(view.query_one("#onion", Static)),
                       what="the passage counted and drawn to its last layer")  # not only the first frame's height
        insight, drawn = view.insight, shown(view.query_one("#onion", Static))  # the reading on screen, as drawn
        counts = CountingModel(Corpus.from_text(small_text))
        counts.order = app.state.baseline.ngram_order
        passage = counts.passage(insight.inspection.text)
        onion = onion_of(insight.inspection, passage)
        assert (insight.of(ERRORS)[0].layer == onion.layer).all()
        assert "the error onion" in drawn
        for name, count in zip(ORACLES, onion.counts()):
            assert any(name in line and f"{count:,}" in line for line in drawn.splitlines()), name
        assert f"step {insight.request.first.step:,}" in drawn  # the first evaluation's bar, in grey

        await app.action_show_tab("edge-tab")
        await wait_for(pilot, lambda: app.view("edge") is not None and app.view("edge").insight is not None
                       and "distance" in shown(app.view("edge").query_one("#edge-chart", Static)), what="the chart")
        edge_view = app.view("edge")
        insight, chart = edge_view.insight, shown(edge_view.query_one("#edge-chart", Static))
        p, _ = network_guesses(insight.inspection)
        for bucket in edge(insight.inspection.text, p, counts.passage(insight.inspection.text).best):
            if bucket.count:
                assert f"{bucket.network_p:.2f}" in chart and f"{bucket.ngram_p:.2f}" in chart


def test_a_sample_finished_before_its_copying_could_be_measured_gets_its_meters_while_it_stays(small_text):
    """The counting process builds its suffix array when first idle; a sample that finished before
    that must not keep its missing meters for the whole pause (here an hour)."""
    import queue
    import threading

    from rnn_tui.engine.config import ModelConfig
    from rnn_tui.engine.models import CharRNN
    from rnn_tui.engine.sampling import SampleSettings
    from rnn_tui.run.counting import MeasureCopying
    from rnn_tui.tui.live_sampling import LiveSampler
    from rnn_tui.tui.messages import CountedReady
    from rnn_tui.tui.results import Weights

    corpus = Corpus.from_text(small_text)
    counts = CountingModel(corpus)
    config = ModelConfig(cell="gru", hidden=16, embed=8, vocab_size=len(corpus.vocab))
    tensors = {name: t.detach().numpy() for name, t in CharRNN(config).state_dict().items()}
    asked: list[MeasureCopying] = []

    def count(request):
        asked.append(request)
        return None if len(asked) == 1 else [counts.copying(text) for text in request.texts]

    posted: queue.Queue = queue.Queue()
    sampler = LiveSampler([SampleSettings()], posted.put, random_seed=0, gap=3600.0, length=30, pace=None, count=count)
    sampler.set_weights(Weights(1, config, corpus.vocab.chars, tensors, 5))
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    counted = []
    while not counted or not counted[-1].copies:
        message = posted.get()
        if isinstance(message, CountedReady):
            counted.append(message.counted)
    sampler.stop()
    thread.join()
    first, last = counted[0], counted[-1]
    assert first.copies == () and (first.random_seed, first.step) == (last.random_seed, last.step)
    assert last.copies == tuple(counts.copying(text) for text in asked[-1].texts)
    assert len(counted) == 2 and len(asked) == 2


async def test_a_transformers_edge_chart_says_it_cannot_know_an_opener_past_its_context(text_path, tmp_path):
    spec = tiny_spec(text_path, cell="transformer")
    app = scripted_app(spec, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.baseline is not None, what="the baseline")
        await app.action_show_tab("edge-tab")
        await wait_for(pilot, lambda: app.view("edge") is not None and app.view("edge").insight is not None
                       and "distance" in shown(app.view("edge").query_one("#edge-chart", Static)), what="the chart")
        chart = " ".join(shown(app.view("edge").query_one("#edge-chart", Static)).split())
        context = spec.train.seq
        said = f"a transformer with a context of {context} characters cannot know a closer's opener further back"
        assert f"{said} than {context}" in chart
        await app.action_quit()


def test_an_answer_that_does_not_come_in_time_is_given_up_and_dropped_when_it_comes():
    """A day of use: after 40 s on F11 then F2 the playground's sample stayed at one step for 35 s; its
    copy meter waited on the counting process, which was building its suffix array. The app's
    threads now give up after CountingController's ASK_SECONDS and go on without the meter."""
    from rnn_tui.run.counting import CountingBusy, MeasureCopying

    process = CountingProcess("essay", "ab ")  # never started: nothing answers, as while it is busy
    with pytest.raises(CountingBusy):
        process.ask(MeasureCopying(("ab",)), timeout=0.2)
    assert process.failure is None  # still counting, as far as anyone can tell
    process.replies.put((1, "the late answer to the request given up", None))
    process.replies.put((2, [0.5], None))
    assert process.ask(MeasureCopying(("ab",)), timeout=60.0) == [0.5]
