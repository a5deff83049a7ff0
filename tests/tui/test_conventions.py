"""Textual conventions: help, the command palette, resizing, and a first frame before torch."""


from textual.command import CommandPalette
from textual.widgets import Markdown

from rnn_tui.run.protocol import Reset
from rnn_tui.tui.commands import PlaygroundCommands
from rnn_tui.tui.screens.help import HelpScreen

from .conftest import answer, asked, scripted_app, status_text, tiny_spec, wait_for


async def test_help_explains_the_panels_and_the_cells_equations(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path, cell="gru"), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.weights.engine_loaded, what="the engine")
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one(Markdown).source
        assert "Hidden state" in text and "unigram entropy" in text
        assert "h' = (1 - z) ⊙ n + z ⊙ h" in text  # the GRU's update rule, from the cell's docstring
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await app.action_quit()


async def test_palette_offers_the_apps_commands(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.ready is not None, what="the run")
        names = [name for name, _, _ in PlaygroundCommands(app.screen).commands()]
        assert {"Cell: GRU", "Save checkpoint", "Load checkpoint…", "Open text…",
                "Preset: shakespeare-5min"} <= set(names)
        assert {"Switch text: python", "Switch text: essay", "Switch text: structured"} <= set(names)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"cell: elman", "enter")
        await answer(pilot, "#yes")
        await pilot.pause()
        (command,) = asked(app)
        assert isinstance(command, Reset) and command.spec.model.cell == "elman"
        await app.action_quit()


async def test_resizing_to_a_tiny_terminal_and_back_keeps_working(text_path, tmp_path):
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.channels.inspection.value is not None, what="a sample")
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert app.has_class("-compact")
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert not app.has_class("-compact")
        assert f"{app.state.step:,}" in status_text(app)
        await app.action_quit()


async def test_the_palettes_screenshot_saves_where_the_user_is(text_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.ready is not None, what="the run")
        app.deliver_screenshot()  # what the palette's "Screenshot" command calls
        await wait_for(pilot, lambda: any("screenshot" in text.lower() for _, text in app.notices), what="the notice")
        (saved,) = tmp_path.glob("*.svg")
        assert "<svg" in saved.read_text()[:500]
        assert app.notices[-1][0] == "information" and str(saved.name) in app.notices[-1][1]
        await app.action_quit()


async def test_while_help_is_open_the_playgrounds_keys_are_off_and_not_listed(text_path, tmp_path):
    from rnn_tui.tui.widgets.footer import KeysBar

    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.ready is not None, what="the run")
        await pilot.press("f1")
        await pilot.pause()
        listed = {key.description for key in app.screen.query_one(KeysBar).keys}
        assert "close" in listed and not listed & {"pause/resume", "save", "step", "reset"}
        await pilot.press("space", "s")
        assert not app.state.paused and asked(app) == []  # the keys did nothing
        await pilot.press("escape")
        await pilot.press("space")
        assert app.state.paused  # back on the playground, they act again
        await app.action_quit()


def every_routed_type() -> set[type]:
    """Every kind of message the app routes, from every module of the app (the views' too)."""
    import importlib
    import pkgutil

    import rnn_tui.tui
    from rnn_tui.tui.messages import Routed, RunResult

    for module in pkgutil.walk_packages(rnn_tui.tui.__path__, "rnn_tui.tui."):
        importlib.import_module(module.name)
    found, todo = set(), [Routed]
    while todo:
        for kind in todo.pop().__subclasses__():
            found.add(kind)
            todo.append(kind)
    return found - {RunResult}


def test_every_request_and_result_has_one_controller_that_takes_it(text_path, tmp_path):
    """A view's request or a worker's result that no controller declared would be lost (or crash the
    app when it comes): each kind has its receiver from the start."""
    app = scripted_app(tiny_spec(text_path), tmp_path)
    kinds = every_routed_type()
    assert len(kinds) >= 20  # the views' requests and the workers' results
    assert kinds - set(app.routes) == set()


async def test_the_keys_bar_follows_the_focused_view_and_a_click_presses_a_key(text_path, tmp_path):
    from rnn_tui.tui.widgets.footer import KeysBar

    app = scripted_app(tiny_spec(text_path), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state.ready is not None, what="the run")
        bar = app.screen.query_one(KeysBar)
        assert "pause/resume" in {key.description for key in bar.keys}
        assert bar.palette is not None and bar.palette.display in str(bar.render())  # on the right
        await pilot.press("L")  # the lessons list has keys of its own
        await pilot.pause()
        assert "run it again" in {key.description for key in bar.keys}
        start = next(start for start, _, key in bar.spans if key.description == "pause/resume")
        await pilot.click(KeysBar, offset=(start + 1, 0))
        await pilot.pause()
        assert app.state.paused
        await app.action_quit()
