from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRUCTURED = ROOT / "sample_texts" / "structured.txt"


@pytest.fixture(autouse=True, scope="session")
def own_cache_folder(tmp_path_factory):
    """Counts are cached under $XDG_CACHE_HOME (engine/count_cache.py): the tests', and the
    processes they start, go to a folder of the session's, never the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="session")
def structured_text() -> str:
    return STRUCTURED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def small_text(structured_text: str) -> str:
    """About 12 KB of the generated corpus: enough for tiny models to learn something fast."""
    return structured_text[:12_000]
