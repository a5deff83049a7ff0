"""`rnn-tui sample`: text from a checkpoint, streamed; a temperature fan, or beam search."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from rnn_tui.engine.config import check_seed
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.sampler_fields import MAX_BEAM, parse_beam, parse_temperatures
from rnn_tui.run.spec import DEFAULT_CHECKPOINT

if TYPE_CHECKING:
    from rnn_tui.engine.sampling import Sample


def add_parser(sub: Any) -> None:
    sample = sub.add_parser("sample", help="generate text from a checkpoint, streaming")
    sample.add_argument("--checkpoint", metavar="CKPT", default=DEFAULT_CHECKPOINT,
                        help=f"default {DEFAULT_CHECKPOINT}")
    sample.add_argument("--seed-text", default="", help="text the model reads before it writes")
    how = sample.add_mutually_exclusive_group()
    how.add_argument("--temperature", type=float, default=1.0, help="softmax temperature; 0 means greedy (default 1)")
    how.add_argument("--greedy", action="store_true", help="always take the likeliest character")
    how.add_argument("--temperatures", metavar="T1,T2,...",
                     help="one sample per temperature, drawn with common random numbers (the same uniform number "
                          "at each position), so they differ only by the temperature")
    how.add_argument("--beam", metavar="K",
                     help=f"beam search of width K (1 to {MAX_BEAM}; 0: off): the likeliest continuation found")
    sample.add_argument("--top-k", type=int, default=0, help="draw only from the k likeliest characters (0: off)")
    sample.add_argument("--top-p", type=float, default=1.0, help="draw only from the likeliest mass p (1: off)")
    sample.add_argument("--min-p", type=float, default=0.0,
                        help="draw only characters with p >= min-p x the likeliest's p (0: off)")
    sample.add_argument("--length", type=int, default=500, help="characters to generate (default 500)")
    sample.add_argument("--seed", type=int, help="random seed, for a reproducible sample")
    sample.add_argument("--device", help="auto (default), cpu, cuda or mps")
    sample.add_argument("--json", action="store_true",
                        help="one JSON object per sample: temperature (or beam), text, log_prob, bits_per_char")


def run(args: argparse.Namespace) -> int:
    from rnn_tui.engine.beam import beam_search
    from rnn_tui.engine.checkpoint import load_checkpoint, model_from_checkpoint
    from rnn_tui.engine.device import pick_device
    from rnn_tui.engine.sampling import Sampler, SampleSettings

    if args.length < 0:
        raise UserError(f"length must be 0 or more, not {args.length}")
    temperatures = [args.temperature] if args.temperatures is None else parse_temperatures(args.temperatures)
    beam = 0 if args.beam is None else parse_beam(args.beam)
    if args.seed is not None:
        check_seed(args.seed)
    rows = [SampleSettings(temperature=t, greedy=args.greedy, top_k=args.top_k, top_p=args.top_p, min_p=args.min_p)
            for t in temperatures]
    for row in rows:
        row.validate()  # before the checkpoint is read; top-k's bound is its vocabulary, checked then
    model, vocab = model_from_checkpoint(load_checkpoint(args.checkpoint))
    model = model.to(pick_device(args.device))
    vocab.encode(args.seed_text)  # a refused seed text prints nothing on stdout
    if beam:
        print_sample(args, {"beam": beam}, beam_search(model, vocab, args.seed_text, args.length, beam))
        return 0
    sampler = Sampler(model, vocab, rows, seed=args.seed)
    if args.json or len(rows) > 1:
        for settings, sample in zip(rows, sampler.texts(args.seed_text, args.length)):
            print_sample(args, {"temperature": 0.0 if settings.is_greedy else settings.temperature}, sample)
        return 0
    sys.stdout.write(args.seed_text)
    for sampled in sampler.generate(args.seed_text, args.length):
        sys.stdout.write(sampled.char)
        sys.stdout.flush()
    sys.stdout.write("\n")
    return 0


def print_sample(args: argparse.Namespace, how: dict[str, float], sample: Sample) -> None:
    if args.json:
        print(json.dumps({**how, "text": sample.text, "log_prob": sample.log_prob,
                          "bits_per_char": sample.bits_per_char}))
        return
    label = ", ".join(f"{key} {value:g}" for key, value in how.items())
    print(f"--- {label}: {sample.bits_per_char:.2f} bits per character under the model")
    print(args.seed_text + sample.text)
