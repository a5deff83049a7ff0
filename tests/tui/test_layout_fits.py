"""What a person sees fits where it is drawn: every line of the training panel at 80, 120 and 200
columns, whole items left out in a stated order instead of a cut word or a number without its name;
the loss plot's baselines outside its range named in the legend, not over the curves; and the
temperature fan's rows, each as tall as the others, character k of every row at the same place,
all of them on screen at 120x40 with the beam and n-gram rows (issue 27, section 4, items 10 and 11)."""

import re
from dataclasses import replace

import pytest
from rich.console import Console
from rich.text import Text
from textual.widgets import Static

from rnn_tui.engine.beam import Beam
from rnn_tui.engine.copying import Copying
from rnn_tui.tui.messages import BeamReady, FanUpdate
from rnn_tui.tui.results import Sample, SampleCounts
from rnn_tui.tui.widgets.fan import LABEL, FanRow, fan_table
from rnn_tui.tui.widgets.loss_plot import LossPlot, legend
from rnn_tui.tui.widgets.status import TrainingStatus, fit

from .conftest import published, settled, shown, status_text, wait_for
from .fixed_run import SPEC, STEPS, fixed_probs
from .test_snapshots import fixed_app, settle_with

SIZES = [(80, 24), (120, 40), (200, 60)]
# What the built-in `structured` text looks like: short lines, so a row of 240 characters has 20 line breaks.
STRUCTURED = ("# ticks\nt=8609 +2\nt=8611 +2\nt=8613 +2\nt=8615 +2\n\n# count\n5: * * * * *\n6: * * * * * *\n\n"
              "# quotes\nsay 'blue' to \"don't cat bird\"\n\n# wrap 40\ntakes song light window cat hill hill..|\n") * 4
SHOWN = str.maketrans({"\n": "⏎", "\t": "⇥"})


def test_fit_leaves_out_whole_items_in_the_order_given():
    items = ["structured", "50.2k chars", "V 53"]
    assert fit(items, 31, (1, 0)) == "structured · 50.2k chars · V 53"
    assert fit(items, 30, (1, 0)) == "structured · V 53"
    assert fit(items, 16, (1, 0)) == "V 53"
    assert fit(["note"], 2, (1,)) == "note"  # nothing left to leave out: kept whole, never cut


def run_of(state, text: str, chars: int, vocab_size: int, step: int, dropout: float) -> None:
    """The run on screen as if it read `text`: its size and vocabulary, a late step and a dropout."""
    vocab = "".join(chr(256 + k) for k in range(vocab_size))
    state.ready = replace(state.ready, start=replace(state.ready.start, text=text, chars=chars), vocab=vocab)
    state.spec = replace(state.spec, model=replace(state.spec.model, dropout=dropout))
    state.step, state.epoch = step, step / 50
    state.changed()


# (the run, then what every size shows, then what a wide panel (120 and 200 columns) shows, then a narrow one (80))
RUNS = [
    (("structured", 50_212, 53, 60, 0.0),
     ["● training", "loss", "vs 5-gram", "+0.71"],
     ["text       structured · 50.2k chars · V 53", "step       60   epoch 1.20", "train loss 2.615",
      "val loss   3.452 · 4.98 bits", "best val   3.130 at step 30 ◆ sampling", "speed      19.2k chars/s · 02:05",
      "lr         1.00e-02   dropout 0", "model      LSTM 2×32, embed 8", "31,337 parameters · cpu"],
     ["step       60 · epoch 1.20", "loss       2.615 · val 3.452", "best val   3.130 at 30",
      "speed      19.2k/s · 02:05", "lr         1.0e-02 · dropout 0"]),
    (("shakespeare.txt", 4_033_577, 3_123, 1_234_567, 0.25),  # the text's size goes first, then the epoch, the dropout
     ["● training"],
     ["text       shakespeare.txt · V 3,123", "step       1,234,567   epoch 24691.34",
      "lr         1.00e-02   dropout 0.25"],
     ["step       1,234,567", "lr         1.0e-02"]),
]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_every_line_of_the_training_panel_fits_with_its_values(tmp_path, size):
    app = fixed_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle_with(0.0)(pilot)
        state, panel = app.state, app.query_one(TrainingStatus)
        state.quit_path, state.elapsed, state.use_best = str(tmp_path / "rnn-tui.pt"), 125.0, True
        narrow = size[0] == 80
        for run, everywhere, wide, small in RUNS:
            run_of(state, *run)
            await settled(pilot)
            width = panel.size.width
            lines = [line.strip() for line in status_text(app).splitlines()]
            table = Console(width=width, record=True)
            table.print(TrainingStatus.render_table(state, narrow, width))
            drawn = [line.rstrip() for line in table.export_text().splitlines()]
            assert all(len(line) <= width for line in drawn)
            assert not any("…" in line for line in lines + [panel.border_subtitle]), lines
            for expected in everywhere + (small if narrow else wide):
                assert any(expected in line for line in lines), (expected, lines)  # whole, on one line
            subtitle = f"LSTM 2×32 · {run[0]}" if narrow else "quit saves to rnn-tui.pt"
            assert panel.border_subtitle == subtitle and len(subtitle) <= width
        await app.action_quit()


def test_the_legend_names_a_baseline_outside_the_range_with_its_value_and_drops_the_drawn_ones_first():
    beyond = {"uniform ln V": ("↑", 4.3567)}

    def plain(width: int) -> str:
        return Text.from_markup(legend(width, "5-gram", beyond)).plain

    assert plain(200) == "━ train ━ val ↑ uniform ln V 4.36 ━ unigram ━ 5-gram │ lr set │ dropout set"
    assert plain(40) == "━ train ━ val ↑ ln V 4.36 ━ unigram"  # the n-gram's line is on the plot, in its colour
    assert plain(30) == "━ train ━ val ↑ ln V 4.36"
    assert plain(20) == "━ train ━ val"


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_the_plots_baseline_labels_are_in_its_legend_not_over_the_curves(tmp_path, size):
    app = fixed_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle_with(0.0)(pilot)
        plot = app.query_one(LossPlot)
        assert plot.beyond == {"uniform ln V": ("↑", pytest.approx(4.3567))}  # above the curves' range
        inside = shown(plot).splitlines()[1:-1]  # between the border's title and its legend
        assert not any("ln V" in line or "↑" in line for line in inside)
        assert re.search("↑ (uniform )?ln V 4.36", Text.from_markup(plot.border_subtitle).plain)
        await app.action_quit()


def fan_rows(length: int) -> list[FanRow]:
    """Five temperatures, the n-gram and the beam, on structured-like text; the last temperature wrote
    nothing but spaces and line breaks."""
    texts = [STRUCTURED[37 * k: 37 * k + length] for k in range(4)] + [(" \n  \n" * length)[:length]]
    rows = [FanRow((f"T {t:.2f}",), text, -0.5 * length, Copying(0.25, 12, 0))
            for t, text in zip([0.2, 0.5, 0.8, 1.0, 1.5], texts)]
    return rows + [FanRow(("5-gram T 1.00", "top-k 5"), STRUCTURED[50: 50 + length], -1.0 * length),
                   FanRow(("beam 8",), STRUCTURED[100: 100 + length], -0.2 * length)]


def starts(lines: list[str], rows: list[FanRow]) -> list[int]:
    return [next(k for k, line in enumerate(lines) if line.startswith(row.name[0])) for row in rows]


@pytest.mark.parametrize("width, height, lines_each", [(118, 21, 3), (198, 41, 3), (78, 10, 1)])
def test_every_fan_row_has_the_same_height_and_its_characters_in_place(width, height, lines_each):
    rows, seed = fan_rows(240), "# "
    console = Console(width=width, record=True)
    console.print(fan_table(rows, seed, width, height))
    lines = console.export_text().rstrip("\n").split("\n")
    assert len(lines) <= height
    first = starts(lines, rows)
    gaps = {b - a for a, b in zip(first, first[1:])}
    assert len(gaps) == 1 and gaps.pop() in (lines_each, lines_each + 1)  # a blank line between, where it fits
    columns = width - LABEL - 1
    for row, at in zip(rows, first):
        body = "".join(line[LABEL + 1:].ljust(columns) for line in lines[at: at + lines_each])
        expected = seed + row.text.translate(SHOWN if not row.text.isspace() else {**SHOWN, ord(" "): "␣"})
        assert body.rstrip() == expected[: lines_each * columns].rstrip()  # character k at line k // columns


async def test_the_whole_fan_with_beam_and_n_gram_fits_at_120x40(tmp_path):
    app = fixed_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_with(0.0)(pilot)
        await app.action_show_tab("sampler-tab")
        await pilot.pause()
        rows = fan_rows(240)
        temperatures = rows[:5]
        probs = fixed_probs()
        app.post_message(FanUpdate(Sample(0, SPEC.text, "# ", tuple(r.text for r in temperatures),
                                          tuple(r.log_prob for r in temperatures), probs, probs, STEPS, 1234,
                                          done=True)))
        ngram, beam = rows[5], rows[6]
        app.post_message(BeamReady(0, STEPS, Beam(beam.text, beam.log_prob, 8, -130.0)))
        lab = app.view("sampler")
        await published(pilot, app.channels.fan, lambda f: lab.beam is not None, "the fixed fan and beam")
        counted = SampleCounts(1234, STEPS, (Copying(0.25, 12, 0),) * 5, "5-gram", "T 1.00 · top-k 5", ngram.text,
                               ngram.log_prob, Copying(0.5, 30, 0))
        app.sampling.sample_counted(counted, fan=True)  # as the counting process answers
        await wait_for(pilot, lambda: lab.counted is not None, what="the n-gram row")
        await settled(pilot)
        scroll, fan = lab.query_one("#fan-scroll"), lab.query_one("#fan-text", Static)
        assert fan.size.height <= scroll.scrollable_content_region.height and scroll.max_scroll_y == 0  # all in view
        lines = shown(fan).splitlines()
        first = starts(lines, rows)
        assert [b - a for a, b in zip(first, first[1:])] == [3] * 6  # 240 characters: three lines each
        assert lines.count("") == 0 and shown(fan).count("copied") == 6
        assert "␣␣⏎␣⏎" in lines[first[4]]  # the row of nothing but whitespace does not look blank
        assert "beam score -48.0 nats; greedy's -130.0" in str(scroll.border_subtitle)
        await app.action_quit()
