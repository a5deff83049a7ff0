"""The sampler as an instrument, in the app: the temperature fan follows a temperature change at
the next character, the random seed is shown, rerolled and held, and the distribution panel's
entropy is the engine's."""

import threading

import torch
from textual.widgets import Input, Static

from rnn_tui.engine.data import Vocab
from rnn_tui.engine.information import entropy_bits
from rnn_tui.engine.models import CharRNN
from rnn_tui.engine.sampling import Sampler, SampleSettings, distribution

from .conftest import published, scripted_app, shown, tiny_spec, wait_for


def model_of(app) -> tuple[CharRNN, Vocab]:
    weights = app.channels.weights.value
    model = CharRNN(weights.config).eval()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.tensors.items()})
    return model, Vocab(weights.vocab)


async def submit(pilot, app, field: str, value: str) -> None:
    box = app.query_one(field, Input)
    box.value = value
    box.focus()
    await pilot.press("enter")
    app.set_focus(None)


def with_change_at(model, vocab, seed: int, seed_text: str, before: list[float], after: list[float],
                   at: int, length: int) -> tuple[str, ...]:
    """The fan's rows when the temperatures change from `before` to `after` after `at` characters."""
    rows = [SampleSettings(temperature=t) for t in before]
    out = [[] for _ in rows]
    for k, position in enumerate(Sampler(model, vocab, rows, seed=seed).generate_rows(seed_text, length)):
        for row, sampled in enumerate(position):
            out[row].append(sampled.char)
        if k + 1 == at:
            for row, t in zip(rows, after):
                row.temperature = t
    return tuple("".join(r) for r in out)


def hold_the_fan(monkeypatch, temperatures: list[float], length: int, at: int) -> tuple[threading.Event, ...]:
    """Hold the first fan with these rows after `at` characters, until the test opens it: the test
    changes the temperatures at a known character, however busy the machine (a fan left to run
    could finish before the test saw it under way). Returns (reached, opened)."""
    reached, opened, original = threading.Event(), threading.Event(), Sampler.generate_rows

    def generate_rows(sampler, seed_text, n=None):
        held = not reached.is_set() and n == length and [row.temperature for row in sampler.rows] == temperatures
        for count, position in enumerate(original(sampler, seed_text, n), start=1):
            yield position
            if held and count == at:
                reached.set()
                opened.wait()

    monkeypatch.setattr(Sampler, "generate_rows", generate_rows)
    return reached, opened


async def test_the_fan_follows_a_temperature_change_from_the_next_character(text_path, tmp_path, monkeypatch):
    app = scripted_app(tiny_spec(text_path), tmp_path, steps=60)
    async with app.run_test(size=(120, 40)) as pilot:
        await published(pilot, app.channels.sample, lambda s: s.done, "a sample")
        await app.action_show_tab("sampler-tab")
        await submit(pilot, app, "#length", "90")
        with monkeypatch.context() as patch:
            reached, opened = hold_the_fan(patch, [0.5, 1.5, 1.5], length=90, at=30)
            try:
                await submit(pilot, app, "#fan-temperatures", "0.5, 1.5, 1.5")  # three rows, not five: a new fan
                shown = await published(pilot, app.channels.fan, lambda f: reached.is_set() and len(f.sample.rows) == 3,
                                        "a fan of three rows held at character 30")
                fan = app.sampling.fan
                assert shown.sample.rows[1] == shown.sample.rows[2]  # one temperature, one random number each
                await submit(pilot, app, "#fan-temperatures", "0.5, 0.05, 1.5")  # the same rows, changed in place
                await wait_for(pilot, lambda: fan.rows[1].temperature == 0.05, what="the new temperatures in its rows")
            finally:
                opened.set()  # a failed test must not leave the fan's thread waiting
            await published(pilot, app.channels.fan, lambda f: f.sample.done and len(f.sample.rows[0]) == 90,
                            "the whole fan")
        done = app.channels.fan.value.sample
        assert done.rows[1] != done.rows[2]
        model, vocab = model_of(app)
        # the rows were changed in place from the next character on (how soon after the key is a matter of
        # latency, measured in benchmarks/tui_overhead.py, not here)
        assert done.rows == with_change_at(model, vocab, fan.random_seed, done.seed_text, [0.5, 1.5, 1.5],
                                           [0.5, 0.05, 1.5], 30, 90)
        await app.action_quit()


async def test_reroll_changes_the_text_and_hold_keeps_it(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path, steps=60)
    async with app.run_test(size=(120, 40)) as pilot:
        await published(pilot, app.channels.sample, lambda s: s.done, "a sample")

        async def sample():
            app.channels.sample.publish(None)
            app.sampling.sampler.restart()
            await published(pilot, app.channels.sample, lambda s: s.done, "a sample")
            return app.channels.sample.value

        first, again = await sample(), await sample()
        assert first.generated == again.generated and first.random_seed == again.random_seed == 0  # held
        assert "seed 0 held" in str(app.query_one("#sampler").border_subtitle)
        app.channels.sample.publish(None)
        await pilot.press("d")
        await published(pilot, app.channels.sample, lambda s: s.done, "a rerolled sample")
        rerolled = app.channels.sample.value
        assert rerolled.random_seed != 0 and rerolled.generated != first.generated
        assert f"seed {rerolled.random_seed} held" in str(app.query_one("#sampler").border_subtitle)
        assert (await sample()).generated == rerolled.generated  # held again on the new seed
        await pilot.press("h")
        seeds = {(await sample()).random_seed for _ in range(3)}
        assert len(seeds) == 3 and "new each sample" in str(app.query_one("#sampler").border_subtitle)
        await app.action_quit()


async def test_the_distribution_panel_shows_the_engines_entropy_before_and_after_the_rules(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path, steps=60)
    async with app.run_test(size=(120, 40)) as pilot:
        await published(pilot, app.channels.sample, lambda s: s.done, "a sample")
        await submit(pilot, app, "#min-p", "0.05")
        await submit(pilot, app, "#top-p", "1.5")  # refused: the value in force stays
        assert "top-p must be a number in (0, 1]" in app.notices[-1][1]
        assert app.query_one("#top-p", Input).value == "" and app.sampling.settings.top_p == 1.0
        app.channels.sample.publish(None)
        app.sampling.sampler.restart()
        await published(pilot, app.channels.sample, lambda s: s.done, "a sample")
        sample = app.channels.sample.value
        model, vocab = model_of(app)
        logits, _ = Sampler(model, vocab).prime(sample.seed_text + sample.generated[:-1])
        settings = SampleSettings(temperature=app.sampling.settings.temperature, min_p=0.05)
        model_h = entropy_bits(torch.softmax(logits, -1).numpy())
        shaped = distribution(logits, settings).numpy()
        lines = [line.strip("│ ") for line in shown(app.query_one("#distribution", Static)).splitlines()[2:]]
        assert lines[0].split()[:3] == ["H", f"{model_h:.2f}", f"{entropy_bits(shaped):.2f}"]
        assert lines[1].split()[:3] == ["n", str(len(vocab)), str(int((shaped > 0).sum()))]
        assert int((shaped > 0).sum()) < len(vocab)  # min-p took characters out of play
        await app.action_quit()


async def test_bad_fields_of_the_sampler_tab_are_one_line(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path, steps=10)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.sampling.sampler is not None, what="the engine")
        await app.action_show_tab("sampler-tab")
        for field, value, message in [("#fan-temperatures", "0.5, hot", "temperatures"), ("#length", "0", "length"),
                                      ("#beam", "99", "beam")]:
            await submit(pilot, app, field, value)
            severity, text = app.notices[-1]
            assert severity == "error" and text.startswith(message) and "\n" not in text
        assert app.sampling.temperatures == [0.2, 0.5, 0.8, 1.0, 1.5] and app.sampling.sampler.length == 240
        assert app.sampling.beam == 8  # the settings in force are kept
        await app.action_quit()
