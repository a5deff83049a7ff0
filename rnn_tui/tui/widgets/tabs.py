"""The views table as tabs: one tab per view, the views of what the model learned as tabs of their
own inside one, each view's widget mounted the first time it is opened (most sessions open few),
and a word to the app when another view is on screen, so that the work feeding a view runs only
while it is open."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, TabbedContent, TabPane

from rnn_tui.tui.views import LEARNED, LEARNED_VIEWS, View, view_of


class ViewTabs(TabbedContent):
    class Shown(Message):
        """Another view is on screen (None: a tab that is no view of the table); `mounted`: views were
        mounted since the last one was shown (the first time their tab was opened)."""

        def __init__(self, view: View | None, mounted: bool = False):
            super().__init__()
            self.view = view
            self.mounted = mounted

    def __init__(self, *panes: TabPane, controls: Callable[[], Widget], id: str | None = None):
        """`controls`: the widget above the views of what it learned (which passage they read)."""
        super().__init__(*panes, id=id)
        self.controls = controls
        self.views: dict[str, Widget] = {}  # the views mounted so far, by id
        self.learned: TabbedContent | None = None  # the tabs of the views of what it learned, once mounted
        self.mounted_since_shown = False

    def open_view(self) -> View | None:
        """The view on screen (asked often: no query of the tree)."""
        if self.active == LEARNED:
            return view_of(self.learned.active) if self.learned is not None else None
        return view_of(self.active)

    @on(TabbedContent.TabActivated)
    async def tab_shown(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        await self.mount_views(self.active)
        self.post_message(self.Shown(self.open_view(), self.mounted_since_shown))
        self.mounted_since_shown = False

    async def mount_views(self, pane: str) -> None:
        """Mount the views of a tab the first time it is opened."""
        if pane == LEARNED:
            if self.learned is None:
                tabs = self.learned = TabbedContent(id="learned-tabs")  # before the first await: mounted once
                await self.query_one(f"#{LEARNED}", TabPane).mount(self.controls(), tabs)
                for view in LEARNED_VIEWS:
                    widget = view.build()
                    await tabs.add_pane(TabPane(view.title, widget, id=view.pane, classes="view-pane"))
                    self.views[view.id] = widget  # only now: a result published meanwhile must not find it half-built
                self.mounted_since_shown = True
            return
        view = view_of(pane)
        if view is not None and view.widget is not None and view.id not in self.views:
            widget = view.build()
            await self.query_one(f"#{view.pane}", TabPane).mount(widget)
            self.views[view.id] = widget
            self.mounted_since_shown = True

    async def show(self, view: View) -> None:
        """Show a view, mounting it the first time; it takes the keys."""
        self.screen.set_focus(None)  # a focused widget in the other pane would hold its tab in view
        if view.inside == LEARNED:
            await self.mount_views(LEARNED)
            self.learned.active = view.pane
            self.active = LEARNED
        else:
            await self.mount_views(view.pane)
            self.active = view.pane
        if (widget := self.views.get(view.id)) is not None:
            self.focus_view(widget)

    def focus_view(self, widget: Widget) -> None:
        """A view opened by its key takes the keys: its text field, or itself, so typing goes there.
        At once (Widget.focus would wait a turn, and could take the focus from a field chosen since)."""
        fields = [field for field in widget.query(Input) if field.display]
        choices = [child for child in widget.query("*") if child.focusable]  # a view that is a list (Lessons)
        target = fields[0] if fields else widget if widget.focusable or not choices else choices[0]
        if target.focusable:
            self.screen.set_focus(target)
