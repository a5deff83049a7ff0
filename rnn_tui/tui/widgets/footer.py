"""The screen's keys on the bottom line, drawn as one text."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.style import Style
from rich.text import Text
from textual import events
from textual.reactive import reactive
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen


DISABLED = Style(dim=True)


class Key(NamedTuple):
    key: str  # what pressing it sends
    display: str  # how it is written: "^p", "F2", "["
    description: str
    enabled: bool

    @property
    def width(self) -> int:
        return len(self.display) + len(self.description) + 3  # " F2 playground "


class KeysBar(Widget):
    """What Textual's Footer shows (each action's first key and what it does; the palette's key on
    the right; a click presses a key), in one widget that draws the keys as one text. The Footer
    mounts a widget per key and restyles each as it mounts, whenever the bindings may have changed:
    on every change of focus, so twice a view switch. Measured (benchmarks/keys.py, sampling and
    training paused), that was a quarter of a view switch's time on the UI thread."""

    DEFAULT_CSS = """
    KeysBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeysBar > .keys-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeysBar > .keys-bar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """
    COMPONENT_CLASSES = {"keys-bar--key", "keys-bar--description"}
    ALLOW_SELECT = False

    keys: reactive[tuple[Key, ...]] = reactive((), layout=False)
    palette: reactive[Key | None] = reactive(None, layout=False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.spans: list[tuple[int, int, Key]] = []  # where each key was drawn: start and end column

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        """Redrawn only when the keys differ (a reactive compares them)."""
        app, shown, actions = self.app, [], set()
        active = screen.active_bindings  # built anew at each read: every binding's check_action is asked
        for _, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in actions:
                actions.add(binding.action)
                shown.append(Key(binding.key, app.get_key_display(binding), binding.description, enabled))
        self.keys = tuple(shown)
        found = active.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE else None
        self.palette = None if found is None else Key(found[1].key, app.get_key_display(found[1]),
                                                      found[1].description, found[2])

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keys-bar--key")
        description_style = self.get_component_rich_style("keys-bar--description")
        text, self.spans = Text(no_wrap=True, overflow="crop", end=""), []
        right = self.palette.width if self.palette is not None else 0
        for key in self.keys:
            if len(text) + key.width > self.size.width - right:
                break  # the help (F1) lists every key
            self.add(text, key, key_style, description_style)
        if self.palette is not None:
            text.append(" " * max(0, self.size.width - right - len(text)))
            self.add(text, self.palette, key_style, description_style)
        return text

    def add(self, text: Text, key: Key, key_style: Style, description_style: Style) -> None:
        start, off = len(text), Style() if key.enabled else DISABLED
        text.append(f" {key.display} ", key_style + off)
        text.append(f"{key.description} ", description_style + off)
        self.spans.append((start, len(text), key))

    def on_click(self, event: events.Click) -> None:
        key = next((key for start, end, key in self.spans if start <= event.x < end), None)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()
