"""Every analysis of what a model learned, in one table.

An entry names the analysis (its name in `rnn-tui inspect` and in the app's views table), says
what it needs (a recurrent state, counting's reading of the passage, a question only the user can
ask), and holds the engine function, its JSON form and that form in words. The app's insight
thread and `rnn-tui inspect` both loop over `ANALYSES`, so a new analysis is one entry here and its
engine function; a view shows it by naming the entry.

The engine modules are imported when an analysis runs, not when the table is: the app imports
the table at start, before torch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

from rnn_tui.engine.errors import give_up_if
from rnn_tui.engine.insight.factors import DEFAULT_FACTORS
from rnn_tui.engine.insight.units import TOP_UNITS

if TYPE_CHECKING:
    from rnn_tui.engine.counting import PassageCounts
    from rnn_tui.engine.data import Vocab
    from rnn_tui.engine.insight.attention import Attention
    from rnn_tui.engine.insight.breakdown import ClassLoss
    from rnn_tui.engine.insight.edge import Bucket
    from rnn_tui.engine.insight.factors import Factors
    from rnn_tui.engine.insight.gradients import Horizon
    from rnn_tui.engine.insight.onion import Onion
    from rnn_tui.engine.insight.saturation import Saturation
    from rnn_tui.engine.insight.units import Finding
    from rnn_tui.engine.inspection import Inspection
    from rnn_tui.engine.models import Model

T = TypeVar("T")
Report = dict[str, Any]



@dataclass(frozen=True)
class Questions:
    """What the user asked beyond the passage; each analysis reads only its own."""

    hypothesis: re.Pattern[str] | None = None  # a pattern ranked beside the built-in features
    layer: int | None = None  # only this layer (from 0); None: every layer
    top: int = TOP_UNITS  # units listed per feature
    factors: tuple[int | None, str, int] | None = (None, "h", DEFAULT_FACTORS)  # (layer, None: the top one;
    # quantity; how many); None: not asked yet
    seq: int = 100  # the gradient horizon's window: the run's sequence length
    target: int | None = None  # the character whose connectivity is asked


@dataclass(frozen=True)
class Reading:
    """A passage read through a model: what every analysis starts from."""

    model: Model
    inspection: Inspection
    questions: Questions = field(default_factory=Questions)
    counts: PassageCounts | None = None  # what counting gives each character (for the analyses that compare)
    first: Inspection | None = None  # the passage as the run's first evaluation read it, when known
    abandon: Callable[[], bool] | None = None  # asked between analyses and within the long ones: True gives up

    @property
    def vocab(self) -> Vocab:
        from rnn_tui.engine.data import Vocab

        return Vocab(self.inspection.vocab)

    @cached_property
    def guesses(self) -> tuple[np.ndarray, np.ndarray]:
        """The network's probability and rank of each character: once for the onion and the edge."""
        from rnn_tui.engine.insight.onion import network_guesses

        return network_guesses(self.inspection)


@dataclass(frozen=True, eq=False)
class Analysis(Generic[T]):
    name: str  # for `rnn-tui inspect NAME`, and the key of its result
    about: str
    compute: Callable[[Reading], T | None]  # None: nothing to show for what was asked
    report: Callable[[T, Reading], Report]  # its JSON form
    words: Callable[[Report], list[str]]  # the JSON form as lines of text
    state: bool = False  # it reads a recurrent state, which a transformer has not
    attends: bool = False  # it reads a transformer's attention, which a recurrent cell has not
    counts: bool = False  # it sets the network against counting (the best n-gram)
    flags: tuple[str, ...] = ()  # the `inspect` flags only it reads
    required: tuple[str, ...] = ()  # of those, the ones it cannot do without
    shortest: int = 2  # the first character has no prediction: two is the least there is to score

    def applies(self, reading: Reading) -> bool:
        recurrent = reading.model.recurrent
        return ((not self.state or recurrent) and (not self.attends or not recurrent)
                and (not self.counts or reading.counts is not None))


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


# ---- units: which units track which feature ----

def _units(reading: Reading) -> Finding:
    from rnn_tui.engine.insight.features import features_of, regex_feature
    from rnn_tui.engine.insight.units import finding

    text, questions = reading.inspection.text, reading.questions
    features = features_of(text)
    if questions.hypothesis is not None:
        features["hypothesis"] = regex_feature(text, questions.hypothesis)
    return finding(reading.inspection, features, questions.layer)


def _units_report(found: Finding, reading: Reading) -> Report:
    return {"measure": "pearson_r",
            **{name: [m.to_dict() for m in found.best(name, reading.questions.top)] for name in found.r}}


def _units_words(report: Report) -> list[str]:
    lines = ["measure: Pearson r between a unit and the feature over the passage; strongest |r| first"]
    for name, matches in report.items():
        if isinstance(matches, list):
            shown = "  ".join(f"L{m['layer']} {m['quantity']}[{m['unit']}] {m['r']:+.2f}" for m in matches)
            lines.append(f"{name:<15} {shown or 'not in this passage'}")
    return lines


# ---- saturation: how often each gate is shut or open ----

def _saturation(reading: Reading) -> list[Saturation]:
    from rnn_tui.engine.insight.saturation import saturation

    config, layer = reading.model.config, reading.questions.layer
    return [s for s in saturation(reading.inspection, config.cell, config.nonlinearity)
            if layer is None or s.layer == layer]


def _saturation_words(report: Report) -> list[str]:
    lines = ["fraction of the passage each unit spends saturated: left, below 0.1 (-0.9 for a tanh); "
             "right, above 0.9"]
    for s in report["saturation"]:
        left, right = s["left"], s["right"]
        lines.append(f"layer {s['layer']} {s['gate']}: mean left {sum(left) / len(left):.2f}, "
                     f"mean right {sum(right) / len(right):.2f}, units mostly right-saturated "
                     f"{sum(r > 0.5 for r in right)}/{len(right)}")
    return lines


# ---- factors: NMF of one layer's activations ----

def _factors(reading: Reading) -> Factors | None:
    from rnn_tui.engine.insight.factors import factorise

    asked, layers = reading.questions.factors, reading.inspection.layers
    if asked is None:
        return None
    layer, quantity, k = asked
    layer = len(layers) - 1 if layer is None else layer
    return factorise(layers[layer][quantity], layer, quantity, k, abandon=reading.abandon)


def _factors_words(report: Report) -> list[str]:
    from rnn_tui.engine.insight.factors import sparkline

    return [f"factor {k}: {sparkline(factor['strength'], 60)}  units "
            + ", ".join(f"{u['sign']}{u['unit']} ({u['share']:.0%})" for u in factor["units"])
            for k, factor in enumerate(report["factors"], 1)]


# ---- surprisal: where the loss goes, by class of character ----

def _surprisal(reading: Reading) -> list[ClassLoss]:
    from rnn_tui.engine.insight.breakdown import error_breakdown

    return error_breakdown(reading.inspection)


def _surprisal_report(breakdown: list[ClassLoss], reading: Reading) -> Report:
    inspection = reading.inspection
    bits = inspection.surprisal_bits()
    return {"bits_per_char": round(float(bits[1:].mean()), 4), "breakdown": [c.to_dict() for c in breakdown],
            "chars": [{"char": ch, "bits": None if t == 0 else round(float(bits[t]), 3)}
                      for t, ch in enumerate(inspection.text)]}


def _surprisal_words(report: Report) -> list[str]:
    return [f"mean surprisal {report['bits_per_char']} bits per character",
            *(f"{c['class']:<12} {c['share']:6.1%} of the loss  {c['bits_per_char']:.2f} bits/char  "
              f"{plural(c['chars'], 'char')}" for c in report["breakdown"])]


# ---- gradients: how far back the loss reaches (the horizon) ----

def _horizon(reading: Reading) -> Horizon | None:
    from rnn_tui.engine.insight.gradients import horizon, horizon_batch

    text = reading.inspection.text
    if len(text) < 3:
        return None
    windows = horizon_batch(reading.vocab.encode_array(text), min(reading.questions.seq, len(text) - 1))
    return horizon(reading.model, windows)


def _horizon_report(found: Horizon, reading: Reading) -> Report:
    report = found.to_dict()
    if reading.questions.layer is not None:
        report["layers"] = [report["layers"][reading.questions.layer]]
    return {"horizon": report}


def _horizon_words(report: Report) -> list[str]:
    found = report["horizon"]
    steps = [k for k in (1, 2, 5, 10, 20, 40, 60, 80, 100) if k < found["seq"]]
    return [f"gradient of the last step's loss with respect to each layer's h k steps earlier, relative to k = 0 "
            f"({found['streams']} streams of {found['seq']} characters)",
            "k        " + "".join(f"{k:>10}" for k in steps),
            *(f"layer {row['layer']:<3}" + "".join(f"{row['relative_norm'][k]:>10.1e}" for k in steps)
              for row in found["layers"])]


# ---- connectivity: which earlier characters one prediction leans on ----

def asked_target(reading: Reading) -> int | None:
    """The character whose prediction was asked about, if it is one the passage predicts (1 on)."""
    target = reading.questions.target
    return target if target is not None and 0 < target < len(reading.inspection.text) else None


def _connectivity(reading: Reading) -> np.ndarray | None:
    from rnn_tui.engine.insight.gradients import connectivity

    target = asked_target(reading)
    return None if target is None else connectivity(reading.model, reading.vocab, reading.inspection.text, target)


def _connectivity_report(pull: np.ndarray, reading: Reading) -> Report:
    target = len(pull)
    return {"target": target, "char": reading.inspection.text[target], "pull": [round(float(v), 4) for v in pull]}


def _connectivity_words(report: Report) -> list[str]:
    pull = report["pull"]
    strongest = sorted(range(len(pull)), key=lambda s: -pull[s])[:8]
    return [f"connectivity of {report['char']!r} at {report['target']}: strongest pull from positions "
            + ", ".join(f"{s} ({pull[s]:.2f})" for s in sorted(strongest))]


# ---- attention: what each head of a transformer weighs when it predicts one character ----

def _attention(reading: Reading) -> Attention | None:
    from rnn_tui.engine.insight.attention import attention_at

    target = asked_target(reading)
    if target is None:
        return None
    return attention_at(reading.model, reading.vocab, reading.inspection.text, target)  # type: ignore[arg-type]


def _attention_report(found: Attention, reading: Reading) -> Report:
    return {"char": reading.inspection.text[found.target], **found.to_dict()}


def _attention_words(report: Report) -> list[str]:
    from rnn_tui.engine.insight.attention import STRONGEST

    start = report["window_start"]
    lines = [f"attention of each head as it predicts {report['char']!r} at {report['target']}, over the "
             f"{plural(report['target'] - start, 'character')} of its window (from {start}): the heaviest positions"]
    for head in report["heads"]:
        weights = head["weights"]
        order = sorted(range(len(weights)), key=lambda k: -weights[k])[:STRONGEST]
        lines.append(f"layer {head['layer']} head {head['head']}  "
                     + ", ".join(f"{start + k} ({weights[k]:.2f})" for k in order))
    return lines


# ---- errors: the error onion, now and at the first evaluation ----

def _errors(reading: Reading) -> tuple[Onion, Onion | None]:
    from rnn_tui.engine.insight.onion import onion_of, peel

    assert reading.counts is not None  # applies() saw to it
    p, rank = reading.guesses
    first = None if reading.first is None else onion_of(reading.first, reading.counts)
    return peel(reading.inspection.text, p, rank, reading.counts), first


def _errors_words(report: Report) -> list[str]:
    return [f"{report['errors']:,} errors (p < 0.5) of {plural(report['chars'], 'character')}, peeled in this "
            f"order (n-gram: the {report['ngram_order']}-gram or a lower order gives p >= 0.5)",
            *(f"{layer['oracle']:<15} {layer['count']:>6,}  {layer['share']:6.1%}" for layer in report["layers"])]


# ---- longrange: where the network's edge over counting lies ----

def _longrange(reading: Reading) -> list[Bucket]:
    from rnn_tui.engine.insight.edge import edge

    assert reading.counts is not None  # applies() saw to it
    return edge(reading.inspection.text, reading.guesses[0], reading.counts.best)


def _longrange_words(report: Report) -> list[str]:
    lines = [f"closing brackets and quotes by distance to their opener: mean p of the network and of the "
             f"{report['ngram_order']}-gram"]
    for b in report["buckets"]:
        span = f"{b['from']}+" if b["to"] is None else f"{b['from']}-{b['to']}"
        lines.append(f"{span:>6}  {b['count']:>5} closers  network {b['network_p']:.3f}  n-gram {b['ngram_p']:.3f}  "
                     f"difference {b['network_p'] - b['ngram_p']:+.3f}" if b["count"] else f"{span:>6}      0 closers")
    return lines


UNITS: Analysis[Finding] = Analysis(
    "units", "which units track which feature of the text (Pearson r)", _units, _units_report, _units_words,
    state=True, flags=("hypothesis", "top"))
SATURATION: Analysis[list[Saturation]] = Analysis(
    "saturation", "how often each gate is shut or open", _saturation,
    lambda found, _: {"saturation": [s.to_dict() for s in found]}, _saturation_words, state=True)
FACTORS: Analysis[Factors] = Analysis(
    "factors", "NMF of one layer's activations", _factors, lambda found, _: found.to_dict(), _factors_words,
    state=True, flags=("quantity", "factors"))
SURPRISAL: Analysis[list[ClassLoss]] = Analysis(
    "surprisal", "the surprisal of each character, and the loss by class", _surprisal, _surprisal_report,
    _surprisal_words)
HORIZON: Analysis[Horizon] = Analysis(
    "gradients", "how far back the loss reaches: the gradient horizon", _horizon, _horizon_report, _horizon_words,
    state=True, shortest=3)  # gradients through time need two steps
CONNECTIVITY: Analysis[np.ndarray] = Analysis(
    "connectivity", "which earlier characters one prediction leans on", _connectivity, _connectivity_report,
    _connectivity_words, flags=("target",), required=("target",))
ATTENTION: Analysis[Attention] = Analysis(
    "attention", "what each head of a transformer weighs when it predicts one character", _attention,
    _attention_report, _attention_words, attends=True, flags=("target",), required=("target",))
ERRORS: Analysis[tuple[Onion, Onion | None]] = Analysis(
    "errors", "the error onion: which errors counting and simpler oracles explain", _errors,
    lambda found, _: found[0].to_dict(), _errors_words, counts=True)
LONGRANGE: Analysis[list[Bucket]] = Analysis(
    "longrange", "closing brackets by distance to their opener, against counting", _longrange,
    lambda found, _: {"buckets": [b.to_dict() for b in found]}, _longrange_words, counts=True)

ANALYSES = (UNITS, SATURATION, FACTORS, SURPRISAL, HORIZON, CONNECTIVITY, ATTENTION, ERRORS, LONGRANGE)
BY_NAME = {analysis.name: analysis for analysis in ANALYSES}


def run_all(analyses: tuple[Analysis[Any], ...], reading: Reading) -> dict[str, Any]:
    """Each analysis that applies to the reading, by name; one with nothing to show is left out.
    Raises Abandoned between analyses when the reading's `abandon()` turns true."""
    found = {}
    for analysis in analyses:
        give_up_if(reading.abandon)
        if analysis.applies(reading) and (result := analysis.compute(reading)) is not None:
            found[analysis.name] = result
    return found
