from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRUCTURED = ROOT / "sample_texts" / "structured.txt"


@pytest.fixture(scope="session")
def structured_text() -> str:
    return STRUCTURED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def small_text(structured_text: str) -> str:
    """About 12 KB of the generated corpus: enough for tiny models to learn something fast."""
    return structured_text[:12_000]
