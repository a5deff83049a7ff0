"""`rnn-tui inspect units|saturation|factors|surprisal|gradients|errors|longrange`: what a
checkpointed model learned, headless.

The numbers are the app's (the same engine functions on the same passage): by default the
fixed validation passage of the text the checkpoint was trained on, or a text or string given.
Every flag is checked before the passage is read through the model. `errors` (the error onion)
and `longrange` (where the edge lies) also count the checkpoint's training text (n-grams).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import TYPE_CHECKING, Any

from rnn_tui.engine.config import QUANTITIES
from rnn_tui.engine.errors import UserError
from rnn_tui.run.spec import DEFAULT_CHECKPOINT
from rnn_tui.tui.views import INSPECT_NAMES

if TYPE_CHECKING:
    from rnn_tui.engine.inspection import Inspection

VIEWS = (*INSPECT_NAMES, "errors")  # the app's views by their inspect names; errors: the Surprisal view's onion
COUNTING_VIEWS = ("errors", "longrange")
STATE_VIEWS = ("units", "saturation", "factors", "gradients")  # they read a recurrent state, which a transformer lacks
VIEW_FLAGS = {"hypothesis": "units", "top": "units", "quantity": "factors", "factors": "factors",
              "target": "gradients"}  # flags that only one view reads
DEFAULTS = {"top": 5, "quantity": "h", "factors": 5}
MAX_FACTORS = 20


def add_parser(sub: Any) -> None:
    inspect = sub.add_parser("inspect", help="what a checkpoint's units track, its gates, factors, surprisal, "
                                                  "errors and where it beats counting")
    inspect.add_argument("view", choices=VIEWS)
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
                         help="gradients: also the connectivity of the character at position N of the passage")
    inspect.add_argument("--json", action="store_true", help="print one JSON object")


def check_flags(args: argparse.Namespace) -> None:
    """Everything the flags alone decide, before anything is loaded; fills in the defaults."""
    from rnn_tui.engine.insight.features import compile_hypothesis

    for flag, view in VIEW_FLAGS.items():
        if getattr(args, flag) is not None and args.view != view:
            raise UserError(f"--{flag} is for the {view} view, not {args.view}")
    for flag, default in DEFAULTS.items():
        if getattr(args, flag) is None:
            setattr(args, flag, default)
    if args.hypothesis is not None:
        args.hypothesis = compile_hypothesis(args.hypothesis)
    if args.passage is not None:
        check_length(args.passage, "the passage given", args.view)
    if args.text is not None and args.chars < shortest(args.view):
        raise UserError(f"chars must be a whole number from {shortest(args.view)}, not {args.chars}")
    for name, low, high in (("layer", 1, None), ("top", 1, None), ("factors", 1, MAX_FACTORS), ("target", 1, None)):
        value = getattr(args, name)
        if value is not None and not (low <= value and (high is None or value <= high)):
            bounds = f"from {low} to {high}" if high else f"from {low}"
            raise UserError(f"{name} must be a whole number {bounds}, not {value}")


def shortest(view: str) -> int:
    """The first character has no prediction, so two is the least there is to score; gradients
    through time need two steps."""
    return 3 if view == "gradients" else 2


def check_length(passage: str, source: str, view: str) -> None:
    if len(passage) < shortest(view):
        raise UserError(f"{source} is too short for the {view} view: {plural(len(passage), 'character')}, "
                        f"at least {shortest(view)} needed")


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
    from rnn_tui.engine.inspection import inspect_text

    check_flags(args)
    data = load_checkpoint(args.checkpoint)
    model, vocab = model_from_checkpoint(data)
    layers, cell = model.config.layers, model.config.cell
    if not model.recurrent and args.view in STATE_VIEWS:
        raise UserError(no_state_line(args.view))
    if args.layer is not None and args.layer > layers:
        raise UserError(f"layer {args.layer} does not exist: the model has {layers} (1 to {layers})")
    if args.view == "factors" and args.quantity not in QUANTITIES[cell]:
        raise UserError(f"quantity {args.quantity!r} is not one of this cell's: {', '.join(QUANTITIES[cell])}")
    passage, source = passage_for(args, data)
    vocab.encode(passage)  # one line naming the characters the model has never seen
    check_length(passage, source, args.view)
    if args.target is not None and args.target >= len(passage):
        raise UserError(f"target must be a position from 1 to {len(passage) - 1} of the passage, not {args.target}")
    layer = None if args.layer is None else args.layer - 1
    inspection = inspect_text(model, vocab, passage)
    result: dict[str, Any] = {"view": args.view, "step": int(data["step"]), "passage_chars": len(passage),
                              "passage": source}
    if args.view == "units":
        result.update(units_report(inspection, layer, args.hypothesis, args.top))
    elif args.view == "saturation":
        result.update(saturation_report(inspection, layer, cell, model.config.nonlinearity))
    elif args.view == "factors":
        result.update(factors_report(inspection, layer if layer is not None else layers - 1, args.quantity,
                                     args.factors))
    elif args.view == "surprisal":
        result.update(surprisal_report(inspection))
    elif args.view in COUNTING_VIEWS:
        result.update(counting_report(args.view, inspection, args.checkpoint, data))
    else:
        result.update(gradients_report(model, vocab, passage, int(data["train_config"]["seq"]), layer, args.target))
    if args.json:
        print(json.dumps(result))
    else:
        print_report(result)
    return 0


def no_state_line(view: str) -> str:
    """Why a view that reads a recurrent state has nothing to show for a transformer, in one line."""
    return (f"a transformer has no recurrent state, and the {view} view reads one (units, gates, factors and the "
            f"gradient horizon all do); surprisal, errors and longrange work on it")


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def units_report(inspection: Inspection, layer: int | None, hypothesis: re.Pattern[str] | None,
                 top: int) -> dict[str, Any]:
    from rnn_tui.engine.insight.features import features_of, regex_feature
    from rnn_tui.engine.insight.units import find_units

    features = features_of(inspection.text)
    if hypothesis is not None:
        features["hypothesis"] = regex_feature(inspection.text, hypothesis)
    found = find_units(inspection, features, layer, top)
    return {"measure": "pearson_r", **{name: [m.to_dict() for m in matches] for name, matches in found.items()}}


def saturation_report(inspection: Inspection, layer: int | None, cell: str, nonlinearity: str) -> dict[str, Any]:
    from rnn_tui.engine.insight.saturation import saturation

    found = [s for s in saturation(inspection, cell, nonlinearity) if layer is None or s.layer == layer]
    return {"saturation": [s.to_dict() for s in found]}


def factors_report(inspection: Inspection, layer: int, quantity: str, k: int) -> dict[str, Any]:
    from rnn_tui.engine.insight.factors import factorise

    return factorise(inspection.layers[layer][quantity], layer, quantity, k).to_dict()


def surprisal_report(inspection: Inspection) -> dict[str, Any]:
    from rnn_tui.engine.insight.breakdown import error_breakdown

    bits = inspection.surprisal_bits()
    return {"bits_per_char": round(float(bits[1:].mean()), 4),
            "breakdown": [c.to_dict() for c in error_breakdown(inspection)],
            "chars": [{"char": ch, "bits": None if t == 0 else round(float(bits[t]), 3)}
                      for t, ch in enumerate(inspection.text)]}


def counting_report(view: str, inspection: Inspection, path: str, data: dict[str, Any]) -> dict[str, Any]:
    """The error onion or the edge chart: the network against the best n-gram of its training text,
    the order chosen on the validation characters the run's evaluations score."""
    from rnn_tui.engine.checkpoint import configs_from_checkpoint
    from rnn_tui.engine.counting import CountingModel
    from rnn_tui.engine.insight.edge import edge
    from rnn_tui.engine.insight.onion import network_guesses, onion_of
    from rnn_tui.engine.training import evaluated_targets
    from rnn_tui.run.spec import checkpoint_corpus

    corpus = checkpoint_corpus(path, data, None)
    counting = CountingModel(corpus)
    baseline = counting.baseline(evaluated_targets(corpus, configs_from_checkpoint(data)[1]))
    counts = counting.passage(inspection.text)
    found: dict[str, Any] = {"ngram_order": baseline.order, "ngram_loss": round(baseline.loss, 4)}
    if view == "errors":
        return found | onion_of(inspection, counts).to_dict()
    p, _ = network_guesses(inspection)
    return found | {"buckets": [b.to_dict() for b in edge(inspection.text, p, counts.best)]}


def gradients_report(model: Any, vocab: Any, passage: str, seq: int, layer: int | None,
                     target: int | None) -> dict[str, Any]:
    from rnn_tui.engine.insight.gradients import connectivity, horizon, horizon_batch

    found = horizon(model, horizon_batch(vocab.encode_array(passage), min(seq, len(passage) - 1))).to_dict()
    if layer is not None:
        found["layers"] = [found["layers"][layer]]
    result: dict[str, Any] = {"horizon": found}
    if target is not None:
        pull = connectivity(model, vocab, passage, target)
        result["connectivity"] = {"target": target, "char": passage[target],
                                  "pull": [round(float(v), 4) for v in pull]}
    return result


def print_report(result: dict[str, Any]) -> None:
    from rnn_tui.engine.insight.factors import sparkline

    out = sys.stdout
    print(f"{result['view']} at step {result['step']:,}, over {result['passage']} "
          f"({plural(result['passage_chars'], 'character')})", file=out)
    if result["view"] == "units":
        print("measure: Pearson r between a unit and the feature over the passage; strongest |r| first", file=out)
        for name, matches in result.items():
            if isinstance(matches, list):
                shown = "  ".join(f"L{m['layer']} {m['quantity']}[{m['unit']}] {m['r']:+.2f}" for m in matches)
                print(f"{name:<15} {shown or 'not in this passage'}", file=out)
    elif result["view"] == "saturation":
        print("fraction of the passage each unit spends saturated: left, below 0.1 (-0.9 for a tanh); right, above "
              "0.9", file=out)
        for s in result["saturation"]:
            left, right = s["left"], s["right"]
            print(f"layer {s['layer']} {s['gate']}: mean left {sum(left) / len(left):.2f}, "
                  f"mean right {sum(right) / len(right):.2f}, units mostly right-saturated "
                  f"{sum(r > 0.5 for r in right)}/{len(right)}", file=out)
    elif result["view"] == "factors":
        for k, factor in enumerate(result["factors"], 1):
            units = ", ".join(f"{u['sign']}{u['unit']} ({u['share']:.0%})" for u in factor["units"])
            print(f"factor {k}: {sparkline(factor['strength'], 60)}  units {units}", file=out)
    elif result["view"] == "gradients":
        found = result["horizon"]
        steps = [k for k in (1, 2, 5, 10, 20, 40, 60, 80, 100) if k < found["seq"]]
        print(f"gradient of the last step's loss with respect to each layer's h k steps earlier, relative to k = 0 "
              f"({found['streams']} streams of {found['seq']} characters)", file=out)
        print("k        " + "".join(f"{k:>10}" for k in steps), file=out)
        for row in found["layers"]:
            print(f"layer {row['layer']:<3}" + "".join(f"{row['relative_norm'][k]:>10.1e}" for k in steps), file=out)
        if "connectivity" in result:
            pull = result["connectivity"]
            strongest = sorted(range(len(pull["pull"])), key=lambda s: -pull["pull"][s])[:8]
            print(f"connectivity of {pull['char']!r} at {pull['target']}: strongest pull from positions "
                  + ", ".join(f"{s} ({pull['pull'][s]:.2f})" for s in sorted(strongest)), file=out)
    elif result["view"] == "errors":
        print(f"{result['errors']:,} errors (p < 0.5) of {plural(result['chars'], 'character')}, peeled in this "
              f"order (n-gram: the {result['ngram_order']}-gram or a lower order gives p >= 0.5)", file=out)
        for layer in result["layers"]:
            print(f"{layer['oracle']:<15} {layer['count']:>6,}  {layer['share']:6.1%}", file=out)
    elif result["view"] == "longrange":
        print(f"closing brackets and quotes by distance to their opener: mean p of the network and of the "
              f"{result['ngram_order']}-gram", file=out)
        for b in result["buckets"]:
            span = f"{b['from']}+" if b["to"] is None else f"{b['from']}-{b['to']}"
            if b["count"]:
                print(f"{span:>6}  {b['count']:>5} closers  network {b['network_p']:.3f}  n-gram {b['ngram_p']:.3f}  "
                      f"difference {b['network_p'] - b['ngram_p']:+.3f}", file=out)
            else:
                print(f"{span:>6}      0 closers", file=out)
    else:
        print(f"mean surprisal {result['bits_per_char']} bits per character", file=out)
        for c in result["breakdown"]:
            print(f"{c['class']:<12} {c['share']:6.1%} of the loss  {c['bits_per_char']:.2f} bits/char  "
                  f"{plural(c['chars'], 'char')}", file=out)

