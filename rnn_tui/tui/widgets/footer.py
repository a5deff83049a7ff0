"""Textual's Footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen


class SteadyFooter(Footer):
    """Textual's Footer composes all its keys anew, each restyled as it mounts, whenever a screen's
    bindings may have changed, which is every change of focus: switching a view changes focus
    twice, and py-spy found the footer's rebuilding a fifth of the UI thread's time in a view
    switch (benchmarks/keys.py). This one rebuilds only when the keys it would show differ from
    those it shows."""

    shown: tuple = ()

    def keys_to_show(self, screen: Screen) -> tuple:
        return tuple((binding.key, binding.action, binding.description, enabled, tooltip)
                     for _, binding, enabled, tooltip in screen.active_bindings.values() if binding.show)

    def bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen and self._bindings_ready and screen.app.app_focus:
            keys = self.keys_to_show(screen)
            if keys == self.shown:
                return
            self.shown = keys
        super().bindings_changed(screen)
