"""Built-in texts by name, files by path, and the default text."""

import hashlib

import pytest

from rnn_tui.engine import texts
from rnn_tui.engine.data import Corpus
from rnn_tui.engine.errors import UserError
from rnn_tui.engine.texts import BUILTIN_TEXTS, DEFAULT_TEXT, TextId, load_text, python_stdlib_text, text_name


def test_every_builtin_text_loads_by_name():
    for name in BUILTIN_TEXTS:
        if name == "python":
            continue  # 4 MB: its own test reads a small slice
        text = load_text(name)
        assert len(text) > 20_000 and text_name(name) == name


def test_the_python_text_is_real_code_and_the_same_every_time():
    first = python_stdlib_text(limit=200_000)
    assert first == python_stdlib_text(limit=200_000)
    assert first.isascii() and len(first) >= 200_000
    assert first.startswith("# ---- ") and first.count("\ndef ") > 20 and "/test" not in first
    corpus = Corpus.from_text(first, name="python")
    assert len(corpus.vocab) <= 100 and corpus.unigram_entropy() < corpus.uniform_loss()


def test_the_default_is_the_large_python_text():
    assert DEFAULT_TEXT == "python"
    assert "4 MB" in BUILTIN_TEXTS[DEFAULT_TEXT].description


def test_a_file_wins_over_a_builtin_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "essay").write_text("my own essay, not the bundled one")
    assert load_text("essay") == "my own essay, not the bundled one"


def test_an_unknown_name_lists_the_builtin_texts():
    with pytest.raises(UserError, match="no such file or built-in text: shakespear .*python, essay"):
        load_text("shakespear")


def test_crlf_and_cr_line_ends_become_one_newline_and_the_user_is_told(tmp_path):
    path = tmp_path / "windows.txt"
    path.write_bytes(b"one\r\ntwo\rthree\n" * 200)
    assert load_text(str(path)) == "one\ntwo\nthree\n" * 200
    corpus = Corpus.load(path)
    assert corpus.note == "windows.txt: 400 Windows or old Mac line ends (CR) were read as newlines"
    assert "\r" not in corpus.vocab.chars
    assert Corpus.load("essay").note is None


@pytest.mark.parametrize("piece_bytes", [1, 2, 3, 5, 8])
def test_a_text_read_in_pieces_is_the_text_read_whole(tmp_path, monkeypatch, piece_bytes):
    """Pieces are cut neither inside a character nor between a CR and its LF, whatever their size."""
    path = tmp_path / "mixed.txt"
    path.write_bytes("\ufeffé\r\nñ🙂\r\r\nx€\rz\n".encode())
    whole = TextId.read(str(path))
    monkeypatch.setattr(texts, "PIECE_BYTES", piece_bytes)
    assert load_text(str(path)) == "é\nñ🙂\n\nx€\nz\n"
    assert TextId.read(str(path)) == whole and whole.chars == len("é\nñ🙂\n\nx€\nz\n")
    assert whole.sha256 == hashlib.sha256("é\nñ🙂\n\nx€\nz\n".encode()).hexdigest()
    path.write_bytes("é\r\n".encode() * 5 + b"ab\xe9cd")
    with pytest.raises(UserError, match=r"not UTF-8 \(byte 0xE9 at offset 22\)"):
        load_text(str(path))
