"""Texts to learn: UTF-8 files read with a clear refusal, and the built-in texts by name.

`--text` takes either: a path to a file, or the name of a built-in text (`python`, `essay`,
`structured`, `source`). No torch here: the app checks a text before the engine has loaded.
"""

from __future__ import annotations

import hashlib
import os
import sysconfig
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rnn_tui.engine.errors import UserError

MAX_TEXT_BYTES = 1 << 30  # beyond 1 GiB a char-RNN on this machine would not finish an epoch anyway
_BINARY_SIGNATURES = (b"\x89PNG", b"%PDF", b"PK\x03\x04", b"\x7fELF", b"GIF8", b"\xff\xd8\xff")
PYTHON_CORPUS_BYTES = 4_000_000  # large enough that the default model keeps improving for many minutes
_SKIPPED_STDLIB_PARTS = {"site-packages", "dist-packages", "idlelib", "lib2to3", "turtledemo", "ensurepip",
                         "encodings"}  # encodings: tables of hex codes, not code


def sample_texts_dir() -> Path:
    inside_package = Path(__file__).parents[1] / "sample_texts"  # where the wheel puts them
    return inside_package if inside_package.is_dir() else Path(__file__).parents[2] / "sample_texts"


def python_stdlib_text(limit: int = PYTHON_CORPUS_BYTES) -> str:
    """The running interpreter's standard library source: its ASCII .py files outside the tests,
    in a fixed shuffled order (so the validation split is a fair sample of modules), each under a
    `# ---- path ----` header, until `limit` bytes. Every machine with Python has it: real code,
    with the brackets, quotes, indentation and comments that single units of a char-RNN learn to
    track (Karpathy, Johnson and Fei-Fei 2015)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    parts, size = [], 0
    for path in sorted(root.rglob("*.py"), key=lambda p: zlib.crc32(p.relative_to(root).as_posix().encode())):
        relative = path.relative_to(root).parts
        if _SKIPPED_STDLIB_PARTS & set(relative) or any(p.startswith("test") for p in relative):
            continue
        try:
            source = path.read_bytes().decode("ascii")
        except (OSError, UnicodeDecodeError):  # a few files hold other scripts; ASCII keeps the vocabulary small
            continue
        parts.append(f"# ---- {'/'.join(relative)} ----\n{source}")
        size += len(parts[-1])
        if size >= limit:
            break
    if not parts:
        raise UserError(f"no Python source found under {root} to build the built-in text 'python'")
    return "\n".join(parts)


def size_label(n_bytes: int) -> str:
    """A size as the README states it: whole decimal MB or KB."""
    for unit, scale in (("MB", 10**6), ("KB", 10**3)):
        if n_bytes >= scale:
            return f"{round(n_bytes / scale)} {unit}"
    return f"{n_bytes} bytes"


@dataclass(frozen=True)
class BuiltinText:
    name: str
    about: str  # what it is, with "{size}" where its size goes
    load: Callable[[], str]
    size: Callable[[], int]  # bytes, read when shown: a regenerated file is never described by its old size

    @property
    def description(self) -> str:
        return self.about.format(size=size_label(self.size()))


def _bundled(name: str, about: str, file_name: str) -> BuiltinText:
    def path() -> Path:
        return sample_texts_dir() / file_name

    return BuiltinText(name, about, lambda: read_text(path()), lambda: path().stat().st_size)


BUILTIN_TEXTS: dict[str, BuiltinText] = {t.name: t for t in (
    BuiltinText("python", "the Python standard library's source, {size} (the default)", python_stdlib_text,
                lambda: PYTHON_CORPUS_BYTES),  # what it is assembled to: measuring would mean building it
    _bundled("essay", "an essay on recurrent networks, {size}: small, a model memorises it",
             "recurrent_networks.txt"),
    _bundled("structured", "brackets, quotes, counting and fixed-width lines, {size}", "structured.txt"),
    _bundled("source", "this project's own source, {size}", "rnn_tui_source.txt"),
)}
DEFAULT_TEXT = "python"


@dataclass(frozen=True)
class TextId:
    """Which text a run learns, as a checkpoint records it: a built-in name or an absolute path,
    with its size and a hash to tell whether it changed since."""

    source: str
    chars: int
    sha256: str

    @classmethod
    def read(cls, text: str) -> TextId:
        """The id of the text as it is now."""
        content = TextBytes(text)
        return content.text_id(sum(len(piece) for piece in content.pieces()))


def text_name(text: str) -> str:
    """How a text (a built-in name or a path) is named on screen."""
    return text if is_builtin(text) else Path(text).name


def is_builtin(text: str) -> bool:
    """A built-in name, unless a file of that name is where the user is."""
    return text in BUILTIN_TEXTS and not Path(text).exists()


def text_length(text: str) -> int:
    """Characters in a text, refusing one that cannot be read. Cheap for `python`, whose half a
    second of assembly a start-up should not wait for: it has at least PYTHON_CORPUS_BYTES."""
    if is_builtin(text) and text == "python":
        return PYTHON_CORPUS_BYTES
    return sum(len(piece) for piece in TextBytes(text).pieces())


def load_text(text: str) -> str:
    """The contents of a built-in text or a file, line ends made "\n"; anything else is a one-line
    UserError. The whole text as one str: for a passage, not for a text to train on (TextBytes)."""
    return "".join(TextBytes(text).pieces())


PIECE_BYTES = 1 << 16  # UTF-8 decoded at a time: what each piece makes on the way stays under a MB


class TextBytes:
    """A text read once as UTF-8 bytes (a built-in one encoded), decoded a piece at a time, so a text
    to train on is never one str: 100 M characters are up to 400 MB as a str, 100 MB as bytes.

    Line ends are made "\n": a CRLF file would teach the model a second, invisible end-of-line
    character. `note` tells the user when that changed anything."""

    def __init__(self, text: str):
        self.text = text
        if is_builtin(text):
            self.raw = BUILTIN_TEXTS[text].load().encode()
        elif not Path(text).exists():
            raise UserError(f"no such file or built-in text: {text} (built-in: {', '.join(BUILTIN_TEXTS)})")
        else:
            self.raw = _read(Path(text), whole=True)
        self.start = len(_BOM) if self.raw.startswith(_BOM) else 0  # an offset, not a 100 MB copy

    def pieces(self) -> Iterator[str]:
        """The text's characters in order, in pieces of about PIECE_BYTES."""
        for start, piece in self._byte_pieces():
            try:
                chars = piece.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _not_utf8(Path(self.text), piece[exc.start], start + exc.start) from None
            yield chars.replace("\r\n", "\n").replace("\r", "\n") if "\r" in chars else chars

    @property
    def note(self) -> str | None:
        returns = self.raw.count(b"\r")
        return f"{text_name(self.text)}: {returns:,} Windows or old Mac line ends (CR) were read as newlines" \
            if returns else None

    def text_id(self, chars: int) -> TextId:
        """Its id, given its length in characters (which only decoding it tells)."""
        digest = hashlib.sha256()
        for _, piece in self._byte_pieces():  # the UTF-8 of the text as read: line ends made "\n"
            digest.update(piece.replace(b"\r\n", b"\n").replace(b"\r", b"\n") if b"\r" in piece else piece)
        source = self.text if is_builtin(self.text) else str(Path(self.text).resolve())
        return TextId(source, chars, digest.hexdigest())

    def _byte_pieces(self) -> Iterator[tuple[int, bytes]]:
        """(offset, bytes) pieces cut neither inside a character nor between a CR and its LF."""
        raw, start = self.raw, self.start
        while start < len(raw):
            end = min(start + PIECE_BYTES, len(raw))
            while end < len(raw) and (raw[end] & 0xC0 == 0x80 or raw[end - 1] == 0x0D):
                end += 1
            yield start, raw[start:end]
            start = end


_HEAD = 1 << 16  # bytes a quick check reads
_BOM = "\ufeff".encode()


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a UTF-8 text file, refusing what is not one with a one-line reason."""
    raw = _read(Path(path), whole=True)
    return _decode(Path(path), raw, whole=True).removeprefix("\ufeff")


def peek_text(path: str | os.PathLike[str]) -> None:
    """The checks of read_text on the first 64 KB only: quick enough for the UI thread, before the
    app asks whether to replace the run with one on this file."""
    _decode(Path(path), _read(Path(path), whole=False), whole=False)


def _read(p: Path, whole: bool) -> bytes:
    if not p.exists():
        raise UserError(f"no such file: {p}")
    if p.is_dir():
        raise UserError(f"{p} is a directory, not a text file")
    try:
        size = p.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise UserError(f"{p} is {size / 2**30:.1f} GiB; texts up to {MAX_TEXT_BYTES / 2**30:.0f} GiB are read")
        with p.open("rb") as f:
            raw = f.read() if whole else f.read(_HEAD)
    except PermissionError:
        raise UserError(f"permission denied reading {p}") from None
    except OSError as exc:
        raise UserError(f"cannot read {p}: {exc.strerror or exc}") from None
    if not raw:
        raise UserError(f"{p} is empty")
    if raw.startswith(_BINARY_SIGNATURES) or b"\x00" in raw[:_HEAD]:
        raise UserError(f"{p} looks like a binary file, not text")
    return raw


def _decode(p: Path, raw: bytes, whole: bool) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not whole and exc.start >= len(raw) - 3:  # a character cut by the end of the head
            return raw[: exc.start].decode("utf-8")
        raise _not_utf8(p, raw[exc.start], exc.start) from None


def _not_utf8(p: Path, byte: int, offset: int) -> UserError:
    return UserError(f"{p} is not UTF-8 (byte 0x{byte:02X} at offset {offset}); "
                     "convert it, e.g. iconv -f latin1 -t utf-8")
