"""`rnn-tui inspect NAME`: an analysis of what a checkpointed model learned, headless.

The names and the analyses are the registry's (engine/insight/registry.py), the app's numbers:
the same engine functions on the same passage, by default the fixed validation passage of the
text the checkpoint was trained on, or a text or string given. Every flag is checked before the
passage is read through the model. The analyses that compare with counting (`errors`,
`longrange`) also count the checkpoint's training text (n-grams).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from rnn_tui.engine.config import QUANTITIES
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.insight.registry import ANALYSES, BY_NAME, DEFAULT_FACTORS, Analysis, Questions, plural
from rnn_tui.run.spec import DEFAULT_CHECKPOINT

if TYPE_CHECKING:
    from rnn_tui.engine.counting import PassageCounts
    from rnn_tui.engine.inspection import Inspection

DEFAULTS = {"top": Questions.top, "quantity": "h", "factors": DEFAULT_FACTORS}
MAX_FACTORS = 20


def add_parser(sub: Any) -> None:
    inspect = sub.add_parser("inspect", help="what a checkpoint learned: " + ", ".join(a.name for a in ANALYSES))
    inspect.add_argument("view", metavar="ANALYSIS", choices=list(BY_NAME),
                         help="; ".join(f"{a.name}: {a.about}" for a in ANALYSES))
    inspect.add_argument("--checkpoint", metavar="CKPT", default=DEFAULT_CHECKPOINT,
                         help=f"default {DEFAULT_CHECKPOINT}")
    source = inspect.add_mutually_exclusive_group()
    source.add_argument("--text", metavar="NAME|FILE",
                        help="read a passage of this text (default: the validation passage of the checkpoint's text)")
    source.add_argument("--passage", metavar="STR", help="read this string")
    inspect.add_argument("--chars", type=int, default=3000, help="characters of --text to read (default 3000)")
    inspect.add_argument("--hypothesis", metavar="REGEX",
                         help="units: also rank units against this pattern (characters inside a match count as 1)")
    inspect.add_argument("--layer", type=int, metavar="N", help="only layer N (1 is the lowest)")
    inspect.add_argument("--quantity", help=f"factors: the quantity to factorise (default {DEFAULTS['quantity']})")
    inspect.add_argument("--factors", type=int, help=f"factors: how many (default {DEFAULTS['factors']})")
    inspect.add_argument("--top", type=int, help=f"units: best units listed per feature (default {DEFAULTS['top']})")
    inspect.add_argument("--target", type=int, metavar="N",
                         help="connectivity: the character at position N of the passage")
    inspect.add_argument("--json", action="store_true", help="print one JSON object")


def check_flags(args: argparse.Namespace, analysis: Analysis[Any]) -> None:
    """Everything the flags alone decide, before anything is loaded; fills in the defaults."""
    from rnn_tui.engine.insight.features import compile_hypothesis

    for other in ANALYSES:
        for flag in other.flags:
            if getattr(args, flag) is not None and flag not in analysis.flags:
                raise UserError(f"--{flag} is for the {other.name} analysis, not {analysis.name}")
    for flag in analysis.required:
        if getattr(args, flag) is None:
            raise UserError(f"the {analysis.name} analysis needs --{flag}")
    for flag, default in DEFAULTS.items():
        if getattr(args, flag) is None:
            setattr(args, flag, default)
    if args.hypothesis is not None:
        args.hypothesis = compile_hypothesis(args.hypothesis)
    if args.passage is not None:
        check_length(args.passage, "the passage given", analysis)
    if args.text is not None and args.chars < analysis.shortest:
        raise UserError(f"chars must be a whole number from {analysis.shortest}, not {args.chars}")
    for name, low, high in (("layer", 1, None), ("top", 1, None), ("factors", 1, MAX_FACTORS), ("target", 1, None)):
        value = getattr(args, name)
        if value is not None and not (low <= value and (high is None or value <= high)):
            bounds = f"from {low} to {high}" if high else f"from {low}"
            raise UserError(f"{name} must be a whole number {bounds}, not {value}")


def check_length(passage: str, source: str, analysis: Analysis[Any]) -> None:
    if len(passage) < analysis.shortest:
        raise UserError(f"{source} is too short for the {analysis.name} analysis: "
                        f"{plural(len(passage), 'character')}, at least {analysis.shortest} needed")


def passage_for(args: argparse.Namespace, data: dict[str, Any]) -> tuple[str, str]:
    """(passage, where it came from)."""
    from rnn_tui.engine.texts import load_text
    from rnn_tui.run.spec import checkpoint_corpus

    if args.passage is not None:
        return args.passage, "the passage given"
    if args.text is not None:
        passage = load_text(args.text)[: args.chars]
        return passage, f"the first {plural(len(passage), 'character')} of {args.text}"
    corpus = checkpoint_corpus(args.checkpoint, data, None)
    return corpus.passage(), f"the validation passage of {corpus.name}"


def run(args: argparse.Namespace) -> int:
    from rnn_tui.engine.checkpoint import load_checkpoint, model_from_checkpoint
    from rnn_tui.engine.insight.registry import Reading

    analysis = BY_NAME[args.view]
    check_flags(args, analysis)
    data = load_checkpoint(args.checkpoint)
    model, vocab = model_from_checkpoint(data)
    layers, cell = model.config.layers, model.config.cell
    if analysis.state and not model.recurrent:
        raise UserError(no_state_line(analysis.name))
    if analysis.attends and model.recurrent:
        raise UserError(f"a {cell} cell has no attention to show: only a transformer weighs the characters of its "
                        "window; connectivity asks the same question of every model")
    if args.layer is not None and args.layer > layers:
        raise UserError(f"layer {args.layer} does not exist: the model has {layers} (1 to {layers})")
    if analysis is BY_NAME["factors"] and args.quantity not in QUANTITIES[cell]:
        raise UserError(f"quantity {args.quantity!r} is not one of this cell's: {', '.join(QUANTITIES[cell])}")
    passage, source = passage_for(args, data)
    vocab.encode(passage)  # one line naming the characters the model has never seen
    check_length(passage, source, analysis)
    if args.target is not None and args.target >= len(passage):
        raise UserError(f"target must be a position from 1 to {len(passage) - 1} of the passage, not {args.target}")
    from rnn_tui.engine.inspection import inspect_text

    layer = None if args.layer is None else args.layer - 1
    questions = Questions(args.hypothesis, layer, args.top, (layer, args.quantity, args.factors),
                          int(data["train_config"]["seq"]), args.target)
    inspection = inspect_text(model, vocab, passage)
    result: dict[str, Any] = {"view": analysis.name, "step": int(data["step"]), "passage_chars": len(passage),
                              "passage": source}
    counts = None
    if analysis.counts:
        counts, found = counted(inspection, args.checkpoint, data)
        result.update(found)
    reading = Reading(model, inspection, questions, counts)
    result.update(analysis.report(analysis.compute(reading), reading))
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{analysis.name} at step {result['step']:,}, over {source} ({plural(len(passage), 'character')})")
        print("\n".join(analysis.words(result)))
    return 0


def no_state_line(name: str) -> str:
    """Why an analysis that reads a recurrent state has nothing to show for a transformer, in one line."""
    stateless = ", ".join(a.name for a in ANALYSES if not a.state)
    return (f"a transformer has no recurrent state, and the {name} analysis reads one; {stateless} work on it")


def counted(inspection: Inspection, path: str, data: dict[str, Any]) -> tuple[PassageCounts, dict[str, Any]]:
    """What counting gives each character of the passage, and the best n-gram it comes from: the
    order chosen on the validation characters the run's evaluations score."""
    from rnn_tui.engine.checkpoint import configs_from_checkpoint
    from rnn_tui.engine.counting import CountingModel
    from rnn_tui.engine.data import evaluated_targets
    from rnn_tui.run.spec import checkpoint_corpus

    corpus = checkpoint_corpus(path, data, None)
    counting = CountingModel(corpus)
    baseline = counting.baseline(evaluated_targets(corpus, configs_from_checkpoint(data)[1]))
    return counting.passage(inspection.text), {"ngram_order": baseline.order, "ngram_loss": round(baseline.loss, 4)}
