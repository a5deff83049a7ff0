"""Text in, integer streams out: vocabulary, corpus loading, the train/val split and batches.

Batches follow char-rnn: each split is cut into `batch` contiguous streams, and step k reads
characters [k*seq, (k+1)*seq) of every stream. Row b of one batch therefore continues row b of
the previous batch, so the hidden state can be carried across steps (truncated BPTT).
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.splits import val_size
from rnn_tui.engine.texts import TextId, load_text_and_note, text_name

_CHUNK = 1 << 20  # characters encoded at a time, to keep memory near the text's own size


def describe_char(ch: str) -> str:
    """A character as a person can read it in an error message: 'é' (U+00E9)."""
    shown = repr(ch) if ch.isprintable() and not ch.isspace() else unicodedata.name(ch, "control")
    return f"{shown} (U+{ord(ch):04X})"


class Vocab:
    """The characters of a corpus in code-point order; index i is character chars[i]."""

    def __init__(self, chars: str):
        if len(set(chars)) != len(chars):
            raise ValueError("vocabulary characters must be unique")
        self.chars = "".join(sorted(chars))
        self.index = {ch: i for i, ch in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text: str) -> Vocab:
        seen: set[str] = set()
        for start in range(0, len(text), _CHUNK):
            seen.update(text[start : start + _CHUNK])
        return cls("".join(seen))

    def __len__(self) -> int:
        return len(self.chars)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and other.chars == self.chars

    def unknown(self, text: str) -> list[str]:
        """The distinct characters of `text` that are not in the vocabulary, in order of appearance."""
        return list(dict.fromkeys(ch for ch in text if ch not in self.index))

    def encode(self, text: str) -> list[int]:
        missing = self.unknown(text)
        if missing:
            shown = ", ".join(describe_char(ch) for ch in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            raise UserError(f"not in the model's vocabulary: {shown}{more}")
        return [self.index[ch] for ch in text]

    def decode(self, ids: list[int] | np.ndarray | torch.Tensor) -> str:
        return "".join(self.chars[int(i)] for i in ids)

    def encode_array(self, text: str) -> np.ndarray:
        """The whole text as the smallest unsigned integer array that holds the indices."""
        extra = set(Vocab.from_text(text).chars) - set(self.chars)
        if extra:
            self.encode("".join(sorted(extra)))  # raises the one-line error naming them
        dtype = np.uint8 if len(self) <= 256 else np.uint16 if len(self) <= 65536 else np.uint32
        codes = np.array([ord(ch) for ch in self.chars], dtype=np.int64)
        table = np.zeros(int(codes.max()) + 1, dtype=dtype)
        table[codes] = np.arange(len(self), dtype=dtype)
        out = np.empty(len(text), dtype=dtype)
        for start in range(0, len(text), _CHUNK):
            piece = text[start : start + _CHUNK]
            points = np.frombuffer(piece.encode("utf-32-le"), dtype=np.uint32)
            out[start : start + len(piece)] = table[points]
        return out


PASSAGE_CHARS = 3000
LINE_SEARCH = 200  # how far a passage may move to start at a line


@dataclass
class Corpus:
    """A text encoded with its vocabulary and split 90/10 into contiguous train and val parts."""

    vocab: Vocab
    train: np.ndarray
    val: np.ndarray
    name: str = "text"
    text_id: TextId | None = None  # where it came from, for checkpoints; None for a text made in memory
    note: str | None = None  # what reading it changed, to tell the user (line ends)

    @classmethod
    def from_text(cls, text: str, name: str = "text", vocab: Vocab | None = None,
                  text_id: TextId | None = None, note: str | None = None) -> Corpus:
        if not text:
            raise UserError("the text is empty")
        vocab = vocab or Vocab.from_text(text)
        ids = vocab.encode_array(text)
        cut = len(ids) - val_size(len(ids))
        if cut < 2 or len(ids) - cut < 2:
            raise UserError(f"{name} is too short to split into training and validation text ({len(ids)} characters)")
        return cls(vocab, ids[:cut], ids[cut:], name, text_id, note)

    @classmethod
    def load(cls, text: str | os.PathLike[str], vocab: Vocab | None = None) -> Corpus:
        """A built-in text by name (`python`, `essay`, ...) or a UTF-8 file."""
        content, note = load_text_and_note(str(text))
        return cls.from_text(content, name=text_name(str(text)), vocab=vocab, text_id=TextId.of(str(text), content),
                             note=note)

    def passage(self, length: int = PASSAGE_CHARS) -> str:
        """A fixed passage of the validation text, from its first line start: what the views of what
        the model learned read unless the user gives another."""
        head = self.vocab.decode(self.val[: length + LINE_SEARCH])
        line = head.find("\n", 0, LINE_SEARCH)
        return head[line + 1:][:length] if line >= 0 and line + 1 < len(head) else head[:length]

    def unigram_entropy(self) -> float:
        """Entropy in nats of the training text's character frequencies: the loss of a model that
        knows only how common each character is."""
        counts = np.bincount(self.train, minlength=len(self.vocab)).astype(np.float64)
        p = counts[counts > 0] / counts.sum()
        return float(-(p * np.log(p)).sum())

    def uniform_loss(self) -> float:
        """The loss of a uniform guess over the vocabulary, ln V."""
        return math.log(len(self.vocab))


class Streams:
    """One split laid out as `batch` parallel streams, served `seq` characters at a time.

    With `part=(k, n)` the split is laid out as batch x n streams and these are the k-th `batch`
    of them: what rank k of n trains on, the same data order as one process with n times the batch."""

    def __init__(self, ids: np.ndarray, batch: int, seq: int, split: str = "train", part: tuple[int, int] = (0, 1)):
        k, n = part
        per_stream = (len(ids) - 1) // (batch * n)
        if per_stream < seq + 1:
            need = batch * n * (seq + 1) + 1
            ranks = f" on {n} ranks" if n > 1 else ""
            raise UserError(
                f"the {split} text ({len(ids)} characters) is too short for batch {batch} x seq {seq}{ranks}: "
                f"it needs at least {need}; lower the batch or the sequence length"
            )
        self.batch, self.seq = batch, seq
        usable = per_stream * batch * n
        # Views into the compact id array; each batch is widened to int64 only when served.
        rows = slice(k * batch, (k + 1) * batch)
        self.x = ids[:usable].reshape(batch * n, per_stream)[rows]
        self.y = ids[1 : usable + 1].reshape(batch * n, per_stream)[rows]
        self.steps_per_epoch = per_stream // seq
        self.first_target = 1 + k * batch * per_stream  # where in the split row 0's first target is
        self.per_stream = per_stream

    def targets(self, batches: int) -> np.ndarray:
        """Where in the split the targets of batches 0 to `batches` - 1 are: the characters an
        evaluation of that many batches scores."""
        columns = np.arange(min(batches, len(self)) * self.seq)
        rows = np.arange(self.batch)[:, None] * self.per_stream
        return (self.first_target + rows + columns).ravel()

    def __len__(self) -> int:
        return self.steps_per_epoch

    def get(self, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Batch k of an epoch: inputs and next-character targets, both (batch, seq)."""
        cols = slice(k * self.seq, (k + 1) * self.seq)
        return _long(self.x[:, cols]), _long(self.y[:, cols])

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        return (self.get(k) for k in range(len(self)))


def _long(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(a.astype(np.int64))
