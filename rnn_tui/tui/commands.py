"""The app's own commands in the command palette (ctrl+p): cells, checkpoints, presets and texts."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from rnn_tui.engine.config import CELLS, PRESETS
from rnn_tui.engine.texts import BUILTIN_TEXTS
from rnn_tui.tui.labels import CELL_NAMES


class PlaygroundCommands(Provider):
    def commands(self) -> list[tuple[str, object, str]]:
        app = self.app
        out = [] if app.state.watching else self.training_commands()  # a watched run is trained elsewhere
        out += [
            ("Compare a setting…", app.comparisons.ask_setting,
             "a run per value of one setting (dropout=0,0.3, layers=1,2, lr=…), all else equal, 30 s each"),
            ("Race the cells", partial(app.comparisons.race_cells, 0.5),
             f"{', '.join(CELL_NAMES[cell] for cell in CELLS)} at this model's parameter count, 30 s each, "
             "on this text"),
            ("Race the cells (2 minutes each)", partial(app.comparisons.race_cells, 2.0),
             "a longer race: the curves part"),
            ("Compare saved runs…", app.comparisons.saved_runs, "overlay the validation curves of checkpoints"),
            ("Read a passage from a file…", app.learned.ask_passage,
             "the views of what the model learned read this text instead of the validation passage"),
        ]
        return out

    def training_commands(self) -> list[tuple[str, object, str]]:
        app = self.app
        training = app.training
        out = [(f"Cell: {CELL_NAMES[cell]}", partial(training.change_cell, cell),
                f"train a fresh {CELL_NAMES[cell]} model") for cell in CELLS]
        out += [
            ("Save checkpoint", app.action_save, f"write the run to {training.checkpoint_path}"),
            ("Save checkpoint as…", training.ask_save_as, "choose where to write the run"),
            ("Load checkpoint…", training.ask_checkpoint, "continue a saved run"),
            ("Open text…", training.ask_text, "learn any UTF-8 text file, or a built-in text by name"),
        ]
        out += [(f"Preset: {name}", partial(training.use_preset, name), preset.description)
                for name, preset in PRESETS.items()]
        out += [(f"Switch text: {name}", partial(training.switch_text, name), text.description)
                for name, text in BUILTIN_TEXTS.items()]
        return out

    async def discover(self) -> Hits:
        for name, callback, help_text in self.commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
