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
