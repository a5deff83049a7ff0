"""Write sample_texts/rnn_tui_source.txt: the project's own Python source as a training text.

Code has structure a character model can learn visibly: indentation, matching brackets and
quotes, keywords, and names that repeat. Run it again after the code changes.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "rnn_tui_source.txt"


def main() -> None:
    parts = []
    for path in sorted((ROOT / "rnn_tui").rglob("*.py")):
        parts.append(f"# ---- {path.relative_to(ROOT).as_posix()} ----\n\n{path.read_text(encoding='utf-8')}")
    OUT.write_text("\n\n".join(parts), encoding="utf-8")
    print(f"wrote {OUT.name}: {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
