import tracemalloc

import numpy as np
import pytest

from rnn_tui.engine.data import Corpus, Streams, Vocab
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.texts import read_text


def test_vocab_is_sorted_unique_and_round_trips_any_unicode():
    text = "héllo wörld — 你好 🙂\n"
    vocab = Vocab.from_text(text)
    assert list(vocab.chars) == sorted(set(text))
    assert vocab.decode(vocab.encode(text)) == text
    assert vocab.decode(vocab.encode_array(text)) == text
    assert Vocab.from_text(text[::-1]) == vocab  # stable: order does not depend on the text's order


def test_unknown_character_is_named_not_a_key_error():
    vocab = Vocab.from_text("abc")
    with pytest.raises(UserError, match=r"'é' \(U\+00E9\)"):
        vocab.encode("abé")
    with pytest.raises(UserError, match="not in the model's vocabulary"):
        Corpus.from_text("abcz" * 10, vocab=vocab)


def test_split_is_contiguous_ninety_ten():
    text = "".join(chr(97 + i % 26) for i in range(1000))
    corpus = Corpus.from_text(text)
    assert len(corpus.train) == 900 and len(corpus.val) == 100
    assert corpus.vocab.decode(np.concatenate([corpus.train, corpus.val])) == text


def test_batches_continue_each_stream_so_state_can_be_carried():
    ids = np.arange(1, 202, dtype=np.int64)  # 201 ids -> 4 streams of 50
    streams = Streams(ids, batch=4, seq=10)
    assert len(streams) == 5
    x0, y0 = streams.get(0)
    x1, _ = streams.get(1)
    assert x0.shape == (4, 10)
    assert (y0[:, :-1] == x0[:, 1:]).all()  # targets are the next characters
    assert (x1[:, 0] == x0[:, -1] + 1).all()  # row b of batch 1 picks up where row b of batch 0 stopped
    assert (x0[1, 0] - x0[0, 0]).item() == 50  # stream b starts 50 characters after stream b-1


def test_too_short_for_the_batch_says_what_it_needs():
    with pytest.raises(UserError, match="too short for batch 8 x seq 100"):
        Streams(np.zeros(500, dtype=np.uint8), batch=8, seq=100)


def test_unigram_entropy_is_below_uniform():
    corpus = Corpus.from_text("aaaaaaaab" * 100)
    p = np.array([8, 1]) / 9
    assert corpus.unigram_entropy() == pytest.approx(-(p * np.log(p)).sum(), rel=1e-3)
    assert corpus.unigram_entropy() < corpus.uniform_loss()


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("dir", "is a directory"),
        (b"", "is empty"),
        (b"abc\x00def", "binary"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(40)), "binary"),
        ("café".encode("latin-1"), r"not UTF-8 \(byte 0xE9 at offset 3\)"),
    ],
)
def test_read_text_refuses_with_one_line(tmp_path, content, message):
    path = tmp_path / "input.txt"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(UserError, match=message) as err:
        read_text(path)
    assert "\n" not in str(err.value)


def test_large_text_loads_in_a_few_times_its_size(tmp_path):
    size = 8_000_000
    path = tmp_path / "big.txt"
    path.write_text(("the quick brown fox jumps over the lazy dog\n" * (size // 44 + 1))[:size])
    tracemalloc.start()
    corpus = Corpus.load(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert corpus.train.dtype == np.uint8
    assert len(corpus.train) + len(corpus.val) == size
    assert peak < 4 * size, f"peak {peak / size:.1f}x the text size"
