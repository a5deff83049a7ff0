from rnn_tui.engine.config import ModelConfig, TrainConfig
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.training import Trainer


def tiny_trainer(text: str, cell: str = "lstm", layers: int = 1, **train) -> Trainer:
    """A model small enough that a test trains it for a few hundred steps in a couple of seconds."""
    train = {"seq": 32, "batch": 8, "lr": 1e-2, "eval_every": 50, "seed": 7, **train}
    return Trainer(ModelConfig(cell=cell, hidden=48, layers=layers, embed=12), TrainConfig(**train),
                   Corpus.from_text(text, name="test"), device="cpu")


def losses(trainer: Trainer, steps: int) -> list[float]:
    return [trainer.train_step().loss for _ in range(steps)]


def quoted_capitals(lines: int = 1500, seed: int = 0) -> str:
    """Lines of lower-case words with "QUOTED SPANS" in upper case: to write the right case a model
    must carry one bit of state, inside or outside the quotes, across words."""
    import random

    rng = random.Random(seed)
    words = "the a cat sat on mat and dog ran to far away with some more words here then".split()
    out = []
    for _ in range(lines):
        parts = []
        for _ in range(rng.randint(3, 8)):
            if rng.random() < 0.25:
                parts.append('"' + " ".join(rng.choice(words).upper() for _ in range(rng.randint(1, 4))) + '"')
            else:
                parts.append(rng.choice(words))
        out.append(" ".join(parts))
    return "\n".join(out) + "\n"
