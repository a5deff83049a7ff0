"""Text in, integer streams out: vocabulary, corpus loading, the train/val split and batches.

Batches follow char-rnn: each split is cut into `batch` contiguous streams, and step k reads
characters [k*seq, (k+1)*seq) of every stream. Row b of one batch therefore continues row b of
the previous batch, so the hidden state can be carried across steps (truncated BPTT).
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from rnn_tui.engine.config import TrainConfig
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.splits import val_size
from rnn_tui.engine.texts import TextBytes, TextId, text_name

_CHUNK = 1 << 16  # characters of a str encoded or counted at a time: what each makes on the way stays under a MB
MAX_VOCAB = 256  # a text of more distinct characters than this reads its rare ones as one symbol (see Vocab)
RARE_SHARE = 1e-5  # rare: seen fewer times than this share of the text, 100 times in 10 M characters
RARE = "\ue000"  # that symbol: a Private Use Area character, kept in the vocabulary's string like any other


def describe_char(ch: str) -> str:
    """A character as a person can read it in an error message: 'é' (U+00E9)."""
    shown = repr(ch) if ch.isprintable() and not ch.isspace() else unicodedata.name(ch, "control")
    return f"{shown} (U+{ord(ch):04X})"


class Vocab:
    """The characters of a corpus in code-point order; index i is character chars[i].

    A text of more than MAX_VOCAB distinct characters reads those seen fewer than RARE_SHARE x its
    length times as one symbol, RARE. Each step's output layer grows with the vocabulary: on the
    8,833 characters of 100 MB of Python source a step of the tiny preset took 141 ms and one of the
    384-unit default 1,021 ms; on the 104 this rule keeps, 8 ms and 181 ms. A character seen a few
    times in 100 MB teaches the model nothing, while the rule keeps a text's own alphabet, however
    large, when the text is long enough to teach it (3,000 Chinese characters in 60,000). A vocabulary
    with RARE reads any character it lacks as RARE, so a checkpoint's string of characters rebuilds
    the same mapping; one without refuses such a character."""

    def __init__(self, chars: str):
        if len(set(chars)) != len(chars):
            raise ValueError("vocabulary characters must be unique")
        self.chars = "".join(sorted(chars))
        self.index = {ch: i for i, ch in enumerate(self.chars)}
        self.rare = self.index.get(RARE)  # the index of every character not in the vocabulary, or None
        self.dtype = np.uint8 if len(self) <= 256 else np.uint16 if len(self) <= 65536 else np.uint32

    @classmethod
    def from_text(cls, text: str) -> Vocab:
        return cls.from_counts(char_counts(_chunks(text)))

    @classmethod
    def from_counts(cls, counts: np.ndarray) -> Vocab:
        """The vocabulary of a text whose character counts, indexed by code point, are `counts`."""
        seen = np.flatnonzero(counts)
        rare = (counts[seen] < RARE_SHARE * counts.sum()) | (seen == ord(RARE))
        if len(seen) > MAX_VOCAB and rare.any():
            return cls("".join(map(chr, seen[~rare])) + RARE)
        return cls("".join(map(chr, seen)))

    def __len__(self) -> int:
        return len(self.chars)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and other.chars == self.chars

    def unknown(self, text: str) -> list[str]:
        """The distinct characters of `text` that the vocabulary cannot read, in order of appearance."""
        return [] if self.rare is not None else list(dict.fromkeys(ch for ch in text if ch not in self.index))

    def encode(self, text: str) -> list[int]:
        self._refuse_unknown(text)
        return [self.index.get(ch, self.rare) for ch in text]

    def decode(self, ids: Sequence[int] | np.ndarray) -> str:
        return self._points[np.asarray(ids, dtype=np.int64)].tobytes().decode("utf-32-le")

    def encode_array(self, text: str) -> np.ndarray:
        """The whole text as the smallest unsigned integer array that holds the indices."""
        return self.encode_pieces(_chunks(text), len(text))

    def encode_pieces(self, pieces: Iterable[str], length: int) -> np.ndarray:
        """A text given in pieces, `length` characters in all, as one array like encode_array's."""
        out = np.empty(length, dtype=self.dtype)
        at, table = 0, self._table
        for piece in pieces:
            ids = table[np.minimum(_points(piece), len(table) - 1)]
            if self.rare is None and len(ids) and ids.min() < 0:
                self._refuse_unknown(piece)
            out[at : at + len(ids)] = ids
            at += len(ids)
        return out

    def _refuse_unknown(self, text: str) -> None:
        missing = self.unknown(text)
        if missing:
            shown = ", ".join(describe_char(ch) for ch in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            raise UserError(f"not in the model's vocabulary: {shown}{more}")

    @cached_property
    def _points(self) -> np.ndarray:
        return _points(self.chars)

    @cached_property
    def _table(self) -> np.ndarray:
        """Index by code point, up to one past the vocabulary's largest, which stands for all beyond
        it: -1 (refused) or the rare symbol's index."""
        table = np.full(int(self._points.max()) + 2, -1 if self.rare is None else self.rare, dtype=np.int32)
        table[self._points] = np.arange(len(self), dtype=np.int32)
        return table


def char_counts(pieces: Iterable[str]) -> np.ndarray:
    """How often each character occurs in the pieces of a text, indexed by code point."""
    counts = np.zeros(0, dtype=np.int64)
    for piece in pieces:
        found = np.bincount(_points(piece))
        if len(found) > len(counts):
            counts = np.concatenate([counts, np.zeros(len(found) - len(counts), dtype=np.int64)])
        counts[: len(found)] += found
    return counts


def _points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _chunks(text: str) -> Iterator[str]:
    return (text[start : start + _CHUNK] for start in range(0, len(text), _CHUNK))


@dataclass(frozen=True)
class Rare:
    """The characters a text's vocabulary reads as its one rare symbol."""

    chars: int = 0  # distinct characters
    share: float = 0.0  # of the text's characters

    @classmethod
    def of(cls, vocab: Vocab, counts: np.ndarray) -> Rare:
        if vocab.rare is None:
            return cls()
        merged = [c for c in np.flatnonzero(counts) if chr(c) not in vocab.index]
        return cls(len(merged), float(counts[merged].sum() / counts.sum()))


PASSAGE_CHARS = 3000
LINE_SEARCH = 200  # how far a passage may move to start at a line


@dataclass
class Corpus:
    """A text encoded with its vocabulary and split 90/10 into contiguous train and val parts.

    Only the compact id array is kept (one byte a character up to MAX_VOCAB), never the text as a str:
    a 100 MB text is 100 MB here."""

    vocab: Vocab
    train: np.ndarray
    val: np.ndarray
    name: str = "text"
    text_id: TextId | None = None  # where it came from, for checkpoints; None for a text made in memory
    note: str | None = None  # what reading it changed, to tell the user (line ends)
    rare: Rare = Rare()  # what the vocabulary read as one symbol, when the text has too many characters

    @classmethod
    def from_text(cls, text: str, name: str = "text", vocab: Vocab | None = None,
                  text_id: TextId | None = None, note: str | None = None) -> Corpus:
        vocab, ids, rare = _encoded(lambda: _chunks(text), vocab)
        return cls._split(vocab, ids, name, text_id, note, rare)

    @classmethod
    def load(cls, text: str | os.PathLike[str], vocab: Vocab | None = None) -> Corpus:
        """A built-in text by name (`python`, `essay`, ...) or a UTF-8 file, decoded twice a piece at a
        time (once to count its characters, once to encode them) rather than held as one str."""
        content = TextBytes(str(text))
        vocab, ids, rare = _encoded(content.pieces, vocab)
        return cls._split(vocab, ids, text_name(str(text)), content.text_id(len(ids)), content.note, rare)

    @classmethod
    def _split(cls, vocab: Vocab, ids: np.ndarray, name: str, text_id: TextId | None, note: str | None,
              rare: Rare) -> Corpus:
        if not len(ids):
            raise UserError("the text is empty")
        cut = len(ids) - val_size(len(ids))
        if cut < 2 or len(ids) - cut < 2:
            raise UserError(f"{name} is too short to split into training and validation text ({len(ids)} characters)")
        return cls(vocab, ids[:cut], ids[cut:], name, text_id, note, rare)

    def passage(self, length: int = PASSAGE_CHARS) -> str:
        """A fixed passage of the validation text, from its first line start: what the views of what
        the model learned read unless the user gives another."""
        head = self.vocab.decode(self.val[: length + LINE_SEARCH])
        line = head.find("\n", 0, LINE_SEARCH)
        return head[line + 1:][:length] if line >= 0 and line + 1 < len(head) else head[:length]

    def unigram_entropy(self) -> float:
        """Entropy in nats of the training text's character frequencies: the loss of a model that
        knows only how common each character is."""
        counts = sum(np.bincount(self.train[start : start + _CHUNK], minlength=len(self.vocab))
                     for start in range(0, len(self.train), _CHUNK)).astype(np.float64)
        p = counts[counts > 0] / counts.sum()
        return float(-(p * np.log(p)).sum())

    def uniform_loss(self) -> float:
        """The loss of a uniform guess over the vocabulary, ln V."""
        return math.log(len(self.vocab))


def _encoded(pieces: Callable[[], Iterable[str]], vocab: Vocab | None) -> tuple[Vocab, np.ndarray, Rare]:
    """The text's vocabulary (the one given, or its own), ids and rare characters, from two passes over its pieces."""
    counts = char_counts(pieces())
    vocab = vocab or Vocab.from_counts(counts)
    return vocab, vocab.encode_pieces(pieces(), int(counts.sum())), Rare.of(vocab, counts)


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

    def get(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Batch k of an epoch: inputs and next-character targets, both (batch, seq) int64."""
        cols = slice(k * self.seq, (k + 1) * self.seq)
        return self.x[:, cols].astype(np.int64), self.y[:, cols].astype(np.int64)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        return (self.get(k) for k in range(len(self)))


def val_batch(val_chars: int, cfg: TrainConfig) -> int:
    """As many validation streams as the split allows, up to the training batch."""
    return max(1, min(cfg.batch, (val_chars - 1) // (cfg.seq + 1)))


def evaluated_targets(corpus: Corpus, cfg: TrainConfig) -> np.ndarray:
    """Where in the validation split the characters an evaluation scores are: what a baseline must be
    scored on to be compared with the network's validation loss."""
    streams = Streams(corpus.val, val_batch(len(corpus.val), cfg), cfg.seq, "validation")
    return streams.targets(cfg.eval_batches or len(streams))
