"""The lecture's claims as experiments: each lesson is a comparison (engine/compare.py) with its
setup, and a verdict computed from the numbers of this run, never written in advance.

A verdict says whether the claim held this time and by how much, with the numbers behind it, so a
teacher can prepare a class headless (`rnn-tui lesson NAME --json`) and a test can check that the
same logic says "held" of numbers where the claim holds and "did not hold" where it fails.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rnn_tui.engine import measures
from rnn_tui.engine.compare import Contender, Vary, contenders, parse_vary
from rnn_tui.engine.config import CELL_NAMES, ModelConfig, TrainConfig
from rnn_tui.engine.race import Entrant

if TYPE_CHECKING:
    from rnn_tui.engine.race import Measure

DEFAULT_RUN = "default"  # the name and value of a lesson's one run, when it varies nothing


@dataclass(frozen=True)
class Verdict:
    held: bool
    text: str
    numbers: dict[str, float]


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str  # a few words, for the list of lessons
    claim: str  # in our words
    text: str
    watch: str  # what to look at while it runs
    judge: Callable[[list[Entrant]], Verdict]
    vary: str | None = None  # the compare engine's NAME=V1,V2; None: one run of the default settings
    equal_params: int | None = None
    minutes: float = 0.5  # per run
    measure: Measure | None = None  # read off each trained model for the verdict
    seq: int | None = None  # the training window, where the lesson needs its own

    @property
    def varied(self) -> Vary | None:
        """The setting varied and its values; None for one run of the default settings."""
        return None if self.vary is None else parse_vary(self.vary)

    @property
    def values(self) -> tuple[str, ...]:
        """The value of each run, in the order the runs train."""
        varied = self.varied
        return (DEFAULT_RUN,) if varied is None else varied.values

    def runs(self, model: ModelConfig, train: TrainConfig, vocab_size: int) -> list[Contender]:
        """The lesson's runs, from the default run's settings with the lesson's budget in `train`."""
        varied = self.varied
        train = train if self.seq is None else replace(train, seq=self.seq)
        if varied is None:
            return [Contender(DEFAULT_RUN, replace(model, vocab_size=vocab_size).validate(), train, "the default run")]
        return contenders(varied, model, train, vocab_size, self.equal_params)


def verdict(held: bool, said: str, numbers: dict[str, float], what: str = "") -> Verdict:
    """"...: the claim held" or "it did not hold this time: ..."."""
    if held:
        return Verdict(True, f"{what}: {said}: the claim held" if what else f"{said}: the claim held", numbers)
    return Verdict(False, f"it did not hold this time ({what}): {said}" if what else
                   f"it did not hold this time: {said}", numbers)


CLOSE = 0.01  # nats: two best validation losses nearer than this are too close to call (another seed moves them so)


def _decided(held: bool, difference: float, said: str) -> tuple[bool, str]:
    """A claim about which loss is lower holds only by more than CLOSE."""
    if abs(difference) < CLOSE:
        return False, f"{said}; under {CLOSE} nats apart, too close to call"
    return held, said


def _best(run: Entrant) -> float:
    return run.best_val if run.best_val is not None else float("inf")


def _gap(run: Entrant) -> float:
    """How far the validation loss sits above the training loss at the end: what memorising costs."""
    if run.final_val is None or run.final_train is None:
        return float("nan")
    return run.final_val - run.final_train


def _first_below(run: Entrant, line: float) -> int | None:
    return next((step for step, val in run.val_curve if val < line), None)


def _rate(per_hundred: float) -> str:
    """Whole numbers from 10 up, two significant digits below: one 3-gram in 400 characters is 0.25, not 0."""
    return f"{per_hundred:.0f}" if per_hundred >= 10 else f"{per_hundred:.2g}"


def judge_learns(runs: list[Entrant]) -> Verdict:
    """Below the unigram line, and then below the best n-gram."""
    (run,) = runs
    unigram, ngram, order = run.measures["unigram"], run.measures["ngram"], int(run.measures["ngram_order"])
    best = _best(run)
    numbers = {"best_val": best, "unigram": unigram, "ngram": ngram, "ngram_order": order}
    below_unigram, below_ngram = _first_below(run, unigram), _first_below(run, ngram)
    if below_unigram is None:
        return verdict(False, f"its best validation loss {best:.3f} never went below the unigram line {unigram:.3f}",
                       numbers)
    said = f"it went below the unigram line ({unigram:.3f}) at step {below_unigram:,}"
    if below_ngram is None:
        return verdict(False, f"{said}, but its best {best:.3f} stays {best - ngram:.3f} nats above the "
                              f"{order}-gram's {ngram:.3f}: counting still wins on this budget", numbers)
    return verdict(True, f"{said} and below the {order}-gram's {ngram:.3f} at step {below_ngram:,} "
                         f"(best {best:.3f}, {ngram - best:.3f} nats under counting)", numbers)


def judge_sampling(runs: list[Entrant]) -> Verdict:
    """Cold sampling repeats itself, T 1.0 does not; greedy settles into a loop."""
    (run,) = runs
    cold, hot, loop = run.measures["distinct_cold"], run.measures["distinct_hot"], int(run.measures["greedy_loop"])
    numbers = {"distinct_cold": cold, "distinct_hot": hot, "greedy_loop": loop}
    greedy = (f"greedy settled into a loop of {loop} character{'s' if loop > 1 else ''}" if loop else
              f"greedy did not loop within {measures.SAMPLE_CHARS} characters")
    said = f"{_rate(cold)} distinct 3-grams per 100 characters at T 0.2 against {_rate(hot)} at T 1.0; {greedy}"
    return verdict(hot > cold, said, numbers)


def judge_dropout(runs: list[Entrant]) -> Verdict:
    without, with_ = runs
    lower, narrower = _best(without) - _best(with_), _gap(without) - _gap(with_)
    numbers = {"best_val_without": _best(without), "best_val_with": _best(with_), "gap_without": _gap(without),
               "gap_with": _gap(with_)}
    said = (f"dropout kept the best validation loss {abs(lower):.3f} nats {'lower' if lower > 0 else 'higher'} "
            f"({_best(with_):.3f} against {_best(without):.3f}) and the gap between validation and training loss "
            f"{abs(narrower):.2f} nats {'narrower' if narrower > 0 else 'wider'}")
    return verdict(*_decided(lower > 0, lower, said), numbers)


def judge_better_second(what: str) -> Callable[[list[Entrant]], Verdict]:
    """The claim that the second value does better than the first (deeper, ...)."""

    def judge(runs: list[Entrant]) -> Verdict:
        first, second = runs[0], runs[1]
        gain = _best(first) - _best(second)
        numbers = {f"best_val_{run.name}": _best(run) for run in runs}
        said = (f"{second.name} reached {_best(second):.3f} against {first.name}'s {_best(first):.3f} "
                f"({abs(gain):.3f} nats {'ahead' if gain > 0 else 'behind'}) at {second.parameters:,} and "
                f"{first.parameters:,} parameters")
        return verdict(*_decided(gain > 0, gain, said), numbers, what)

    return judge


def judge_best_of(what: str) -> Callable[[list[Entrant]], Verdict]:
    """No value is named in advance: the verdict says which did best and by how much."""

    def judge(runs: list[Entrant]) -> Verdict:
        best, runner = sorted(runs, key=_best)[:2]
        numbers = {f"best_val_{run.name}": _best(run) for run in runs}
        said = (f"{best.name} did best ({_best(best):.3f}), {_best(runner) - _best(best):.3f} nats ahead of "
                f"{runner.name}")
        middle = best in runs[1:-1]  # a size between the extremes: too small loses, too large gains nothing
        return verdict(*_decided(middle, _best(runner) - _best(best), said), numbers, what)

    return judge


GATED = ("lstm", "gru")


def judge_gradients(runs: list[Entrant]) -> Verdict:
    """The gated cells' gradient reaches further back than the Elman cell's."""
    reach = {run.cell: int(run.measures["horizon"]) for run in runs}
    window = int(runs[0].measures["window"])
    numbers = {f"horizon_{cell}": k for cell, k in reach.items()} | {f"best_val_{run.cell}": _best(run) for run in runs}

    def far(cell: str) -> str:
        return f"beyond {window}" if reach[cell] >= window else f"{reach[cell]}"

    said = ("the gradient kept a thousandth of its strength " +
            ", ".join(f"{far(run.cell)} characters back in the {CELL_NAMES[run.cell]} ({_best(run):.3f})"
                      for run in runs))
    elman = reach.get("elman", 0)
    return verdict(all(reach[c] > elman for c in GATED if c in reach), said, numbers)


def judge_cells(runs: list[Entrant]) -> Verdict:
    """A gated cell does best; the table says at what speed."""
    ranked = sorted(runs, key=_best)
    fastest = max(runs, key=lambda run: run.chars_per_sec or 0.0)
    numbers = {f"best_val_{run.cell}": _best(run) for run in runs}
    numbers |= {f"chars_per_sec_{run.cell}": run.chars_per_sec or 0.0 for run in runs}
    said = ", ".join(f"{CELL_NAMES[run.cell]} {_best(run):.3f}" for run in ranked)
    if fastest.chars_per_sec:
        said += f"; the {CELL_NAMES[fastest.cell]} ran fastest ({fastest.chars_per_sec:,.0f} characters a second)"
    return verdict(ranked[0].cell in GATED, f"best validation loss: {said}", numbers)


def judge_truncation(runs: list[Entrant]) -> Verdict:
    """Longer back-propagation windows close far brackets better."""
    short, long_ = runs
    numbers = {f"p_far_{run.name}": run.measures["p_far"] for run in runs}
    numbers |= {f"p_near_{run.name}": run.measures["p_near"] for run in runs}
    gain = long_.measures["p_far"] - short.measures["p_far"]
    said = (f"closers opened more than {measures.NEAR} characters back got p {long_.measures['p_far']:.2f} "
            f"after {long_.name} against {short.measures['p_far']:.2f} after {short.name} "
            f"({int(short.measures['far'])} such closers); near ones {long_.measures['p_near']:.2f} against "
            f"{short.measures['p_near']:.2f}")
    return verdict(gain > 0, said, numbers)


MIN_CLOSE = 0.05  # nats: a min cell this near its full cell's best validation loss (or below it) keeps up


def judge_min_cells(runs: list[Entrant]) -> Verdict:
    """Each min cell keeps up with its full cell (Feng et al. 2024), and says at what speed."""
    by_cell = {run.cell: run for run in runs}
    numbers = {f"best_val_{run.cell}": _best(run) for run in runs}
    numbers |= {f"chars_per_sec_{run.cell}": run.chars_per_sec or 0.0 for run in runs}
    pairs, kept_up = [], True
    for full, stripped in (("gru", "mingru"), ("lstm", "minlstm")):
        if full not in by_cell or stripped not in by_cell:
            continue
        a, b = by_cell[full], by_cell[stripped]
        behind = _best(b) - _best(a)
        kept_up = kept_up and behind < MIN_CLOSE
        speed = (f", {b.chars_per_sec / a.chars_per_sec:.2f}x its characters a second"
                 if a.chars_per_sec and b.chars_per_sec else "")
        pairs.append(f"{CELL_NAMES[stripped]} {_best(b):.3f} against the {CELL_NAMES[full]}'s {_best(a):.3f} "
                     f"({abs(behind):.3f} nats {'behind' if behind > 0 else 'ahead'}{speed})")
    return verdict(kept_up and bool(pairs), "; ".join(pairs), numbers)


def judge_attention_on(text: str) -> Callable[[list[Entrant]], Verdict]:
    """Beyond its window a transformer cannot know an opener: there the LSTM gives its closer more.
    The verdict names the text, and says by distance to the opener which model gave closers more."""

    def judge(runs: list[Entrant]) -> Verdict:
        lstm, attention = (next(run for run in runs if run.cell == cell) for cell in ("lstm", "transformer"))
        window = int(attention.measures["window"])
        numbers = {f"{key}_{run.cell}": value for run in runs for key, value in run.measures.items()
                   if key.startswith("p") and math.isfinite(value)}  # NaN: no closer that far back
        numbers |= {f"best_val_{run.cell}": _best(run) for run in runs}
        winner = min(runs, key=_best)
        said = (f"on {text} the {CELL_NAMES[winner.cell]} did better overall ({_best(lstm):.3f} against "
                f"{_best(attention):.3f}); closers opened within {window} characters got p "
                f"{lstm.measures['p_inside']:.2f} from the LSTM and {attention.measures['p_inside']:.2f} from the "
                "transformer")
        if not attention.measures["beyond"]:
            return verdict(False, f"{said}; no closer in the passage was opened further back than {window}", numbers)
        beyond = lstm.measures["p_beyond"] - attention.measures["p_beyond"]
        said += (f", and beyond the window ({int(attention.measures['beyond'])} closers) "
                 f"{lstm.measures['p_beyond']:.2f} against {attention.measures['p_beyond']:.2f}")
        return verdict(beyond > 0, said + where_by_distance(lstm, attention), numbers)

    return judge


EVEN = 0.01  # two mean probabilities nearer than this give closers at that distance the same: a tie


def where_by_distance(lstm: Entrant, attention: Entrant) -> str:
    """"; by distance to the opener the LSTM at 6-10 and 51+, the transformer at 1-5, even at 11-20":
    which gave closers more at each of the edge chart's distances where both were measured ("" if none)."""
    from rnn_tui.engine.insight.edge import BUCKET_LABELS

    sides: dict[str, list[str]] = {"the LSTM": [], "the transformer": [], "even": []}
    for label in BUCKET_LABELS:
        if not lstm.measures.get(f"n {label}") or not attention.measures.get(f"n {label}"):
            continue  # not measured, or no closer that far back
        ahead = lstm.measures[f"p {label}"] - attention.measures[f"p {label}"]
        sides["even" if abs(ahead) < EVEN else "the LSTM" if ahead > 0 else "the transformer"].append(label)
    parts = [f"{who} at {listed(labels)}" for who, labels in sides.items() if labels]
    return f"; by distance to the opener {', '.join(parts)}" if parts else ""


def listed(items: list[str]) -> str:
    """a; a and b; a, b and c."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def attention_lesson(name: str, title: str, text: str, claim: str) -> Lesson:
    """The LSTM against the transformer on `text`, at equal parameters and minutes, in a 16-character
    window: a window that 31 closers of `structured`'s validation passage reach past (at 64 none
    does); the transformer sees those 16 characters, the LSTM its state."""
    return Lesson(name, title, claim, text, "both curves, then each model's probability for closing brackets by how "
                  "far back they were opened (the table under the verdict)", judge_attention_on(text),
                  "cell=lstm,transformer", equal_params=40_000, minutes=1.0, measure=measures.closing_by_window,
                  seq=16)


LESSONS = {lesson.name: lesson for lesson in (
    Lesson("learns", "a char-RNN learns", "A network that reads one character at a time and guesses the next "
           "learns its text: its loss falls below the line of a model that only knows how common each character "
           "is, and then below the best n-gram, which counts what followed every context of up to eight characters.",
           "structured", "the validation curve crossing the unigram and n-gram lines, and the sample at the end",
           judge_learns, minutes=2.0, measure=measures.counting_lines),
    Lesson("sampling", "greedy loops, heat diversifies", "Always taking the likeliest character makes a model "
           "repeat itself; drawing from its distribution, sharpened or flattened by a temperature, trades that "
           "safety for variety.", "python", "the samples at each temperature, and greedy's loop", judge_sampling,
           minutes=1.0, measure=measures.diversity),
    Lesson("gradients", "why gates", "Back-propagation through time multiplies one Jacobian per step; an "
           "Elman cell's Jacobians shrink the gradient geometrically, while the additive paths of the LSTM and "
           "the GRU carry it further back. At equal size, how many characters back does each still learn from?",
           "structured", "the validation curves and the gradient horizon of each cell", judge_gradients,
           "cell=elman,gru,lstm", equal_params=30_000, minutes=0.5, measure=measures.gradient_horizon),
    Lesson("cells", "the four cells", "The update rule is what tells the cells apart: Elman mixes input and state "
           "through one tanh, Jordan feeds back the last output instead of the state, the LSTM and GRU gate what "
           "is kept. At equal parameter counts, which learns this text best, and at what speed?",
           "python", "the four validation curves and the characters per second", judge_cells,
           "cell=elman,jordan,lstm,gru", equal_params=40_000, minutes=0.6),
    Lesson("dropout", "dropout against memorising", "On a small text a network soon memorises it; dropping units at "
           "random while it trains keeps it from relying on any one of them, so it does better on text it has "
           "not seen.", "essay", "the gap between the training and the validation curve of each run", judge_dropout,
           "dropout=0,0.3", minutes=1.0),
    Lesson("depth", "stacking layers", "Stacked layers let the upper one read what the lower one found; at the "
           "same number of parameters, two layers can beat one.", "python",
           "the validation curves: which falls faster, and which ends lower", judge_better_second("depth"),
           "layers=1,2", equal_params=60_000, minutes=1.0),
    Lesson("projections", "the input projection", "The input projection turns each character into a few numbers "
           "the cell can use; too few lose what sets characters apart, many more buy nothing at the same "
           "parameter count.", "python", "the three validation curves", judge_best_of("the input projection"),
           "embed=4,16,64", equal_params=60_000, minutes=0.6),
    Lesson("mincells", "were RNNs all we needed?", "minGRU and minLSTM take the state out of the GRU's and the "
           "LSTM's gates, so that a whole window trains as one parallel scan instead of a loop over time (Feng "
           "et al. 2024). Given the same parameters and the same minutes, do they keep up with the cells they "
           "were cut from?", "python", "the four validation curves and the characters per second", judge_min_cells,
           "cell=gru,mingru,lstm,minlstm", equal_params=40_000, minutes=0.6),
    attention_lesson("attention", "attention against recurrence", "structured", "A transformer reads every "
                     "character of its window at once and nothing before it; an LSTM carries a state as far back as "
                     "it can keep it. At the same parameters and minutes, on a text of nesting, the LSTM should close "
                     "brackets opened beyond the window better."),
    attention_lesson("attention-code", "attention against recurrence, on code", "python", "The same race on real "
                     "code, where most brackets close within a line and some stay open across many (a call or a "
                     "literal over several lines): does the LSTM's state still give those late closers more than a "
                     "transformer that sees only its window?"),
    Lesson("truncation", "truncated back-propagation", "Training unrolls the network over a window of characters "
           "and back-propagates only inside it: a bracket opened further back than the window is something the "
           "network is never taught to remember.", "structured",
           "the closing-bracket probability by distance to its opener", judge_truncation, "seq=8,64",
           minutes=0.75, measure=measures.closing),
)}
