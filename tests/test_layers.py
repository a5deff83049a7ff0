"""The three layers hold: the engine and the run layer never import Textual, nothing imports
upwards (engine <- run <- tui <- cli), and the app's first import does not load torch."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rnn_tui"
FORBIDDEN = {  # layer -> what its modules must not import
    "engine": ("textual", "textual_plotext", "rnn_tui.run", "rnn_tui.tui", "rnn_tui.cli"),
    "run": ("textual", "textual_plotext", "rnn_tui.tui", "rnn_tui.cli"),
    "tui": ("rnn_tui.cli",),
}


def imported_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_layer_imports_a_layer_above_it(layer):
    modules = sorted((PACKAGE / layer).rglob("*.py"))
    assert modules, f"no modules in rnn_tui/{layer}"
    offending = [f"{path.relative_to(PACKAGE)} imports {name}" for path in modules for name in imported_names(path)
                 if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[layer])]
    assert offending == []


def modules_of(layer: str) -> list[str]:
    return [".".join(("rnn_tui", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
            for path in sorted((PACKAGE / layer).rglob("*.py"))]


def loaded_after_importing(modules: list[str], probe: str) -> bool:
    code = f"import sys, importlib\nfor m in {modules!r}: importlib.import_module(m)\nprint({probe!r} in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip() == "True"


def test_importing_the_engine_and_the_run_layer_loads_no_textual():
    assert not loaded_after_importing(modules_of("engine") + modules_of("run"), "textual")


def test_importing_the_app_loads_no_torch():
    assert not loaded_after_importing(["rnn_tui.tui.app", "rnn_tui.tui.launch", "rnn_tui.cli"], "torch")


def test_counting_loads_no_torch():
    """`rnn-tui train` spawns its counting process (run/spawning.py): a fresh interpreter that
    imports torch would cost seconds of a core before the text is read."""
    counting = ["rnn_tui.run.counting", "rnn_tui.engine.counting", "rnn_tui.engine.data"]
    assert not loaded_after_importing(counting, "torch")


TUI_RULES = {  # inside the app: views watch what is published; controllers are handed a narrow host
    "widgets": ("rnn_tui.tui.controllers", "rnn_tui.tui.app", "rnn_tui.tui.live_sampling", "rnn_tui.tui.live_insight"),
    "screens": ("rnn_tui.tui.controllers", "rnn_tui.tui.app", "rnn_tui.tui.live_sampling", "rnn_tui.tui.live_insight"),
    "controllers": ("rnn_tui.tui.app",),
}


@pytest.mark.parametrize("part", sorted(TUI_RULES))
def test_widgets_and_screens_know_no_controller_and_controllers_no_app(part):
    modules = sorted((PACKAGE / "tui" / part).rglob("*.py"))
    assert modules, f"no modules in rnn_tui/tui/{part}"
    offending = [f"{path.relative_to(PACKAGE)} imports {name}" for path in modules for name in imported_names(path)
                 if any(name == bad or name.startswith(bad + ".") for bad in TUI_RULES[part])]
    assert offending == []


def test_no_controller_holds_the_app():
    controllers = sorted((PACKAGE / "tui" / "controllers").glob("*.py"))
    holding = [f"{path.relative_to(PACKAGE)}:{number}" for path in controllers
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
               if re.search(r"\bself\.app\b", line)]  # not self.apply
    assert holding == []


def test_no_controller_holds_another():
    """They meet on the app's channels (tui/channels.py): what one publishes, the others follow."""
    controllers = sorted((PACKAGE / "tui" / "controllers").glob("*.py"))
    holding = [f"{path.relative_to(PACKAGE)} imports {name}" for path in controllers for name in imported_names(path)
               if name.startswith("rnn_tui.tui.controllers.") and name != "rnn_tui.tui.controllers.host"]
    assert holding == []
