"""A text field whose editing keys act in the order they were typed."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class Field(Input):
    """Textual runs an Input's editing keys (Backspace, Delete, the arrows, Enter) as bindings, found
    only once the key has bubbled up through every container to the app, while a printable key is
    inserted at once. In a deep layout on a busy UI thread, letters typed right after a Backspace
    were inserted before it ran, and it deleted them. Here the field's own bindings run as the key
    arrives, so what is typed is what the field holds."""

    async def _on_key(self, event: events.Key) -> None:
        bindings = self._bindings.key_to_bindings.get(event.key)
        if bindings and not event.is_printable:
            event.stop()
            event.prevent_default()
            await self.run_action(bindings[0].action)
            return
        await super()._on_key(event)
