"""Train and validation loss, with the baselines that give them meaning.

Options, from the keys the app binds: the x axis by step, epoch or training time (`x`), a log y
axis (`l`), and the strength of the exponential smoothing of the train curve (`m`, shown in the
title; 0 draws every step's loss as measured)."""

from __future__ import annotations

import math

import numpy as np
from textual_plotext import PlotextPlot

from rnn_tui.tui.channels import channels_of
from rnn_tui.tui.state import RunState
from rnn_tui.tui.widgets.colours import NGRAM
from rnn_tui.tui.widgets.throttle import Throttle

REDRAW_SECONDS = 0.25  # a redraw costs ~30 ms of the UI thread at 120x40: at most 4 per second
X_AXES = ("step", "epoch", "time")
SMOOTHINGS = (0.9, 0.97, 0.0, 0.6)  # the first is the default


def smooth(ys: list[float], strength: float) -> list[float]:
    """Exponential moving average, as TensorBoard's smoothing: y'_t = s y'_(t-1) + (1 - s) y_t."""
    out, last = [], None
    for y in ys:
        last = y if last is None else strength * last + (1 - strength) * y
        out.append(last)
    return out


def nice_ticks(last: float, count: int = 5) -> list[float]:
    """Round values from 0 to `last`, about `count` of them, spaced 1, 2 or 5 times a power of ten."""
    raw = max(last / count, 1e-9)
    power = 10 ** math.floor(math.log10(raw))
    spacing = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [k * spacing for k in range(math.floor(last / spacing + 1e-9) + 1)]


def clock_label(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes}:{secs:02d}"


def downsample(xs: list[float], ys: list[float], points: int) -> tuple[list[float], list[float]]:
    """At most `points` points, each the mean of a run of neighbours: cost stays flat as runs grow."""
    if len(xs) <= points:
        return list(xs), list(ys)
    size = len(xs) / points
    out_x, out_y = [], []
    for k in range(points):
        lo, hi = int(k * size), max(int((k + 1) * size), int(k * size) + 1)
        out_x.append(sum(xs[lo:hi]) / (hi - lo))
        out_y.append(sum(ys[lo:hi]) / (hi - lo))
    return out_x, out_y


def step_label(step: float) -> str:
    """Whole steps, shortened past a thousand: 800, 1.2k, 25k, 1.5M."""
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if step >= limit:
            return f"{step / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{step:.0f}"


def step_ticks(last: float, count: int = 5) -> list[int]:
    """Round steps from 0 to `last`, about `count` of them, spaced 1, 2 or 5 times a power of ten."""
    raw = max(1.0, last / count)
    power = 10 ** math.floor(math.log10(raw))
    spacing = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [int(k * spacing) for k in range(int(last // spacing) + 1)]


# One colour per line, given as RGB so the plot and its legend match in every theme (named
# colours are mapped by the terminal's palette, differently in light and dark themes).
COLOURS = {"train": (0, 175, 215), "val": (95, 175, 0), "uniform ln V": (215, 0, 0), "unigram": (255, 135, 0),
           "n-gram": NGRAM, "lr set": (215, 0, 215), "dropout set": (215, 175, 0)}
BASELINES = ("uniform ln V", "unigram", "n-gram")
REPLAY = (230, 230, 230)  # the replay cursor and the kept moments it can move to (named in the title)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def legend(width: int, ngram: str | None = None, beyond: dict[str, tuple[str, float]] | None = None) -> str:
    """The legend as markup that fits `width` cells: every line named, or shorter names, then
    without the setting marks, then without the baselines one at a time, last first (those drawn
    before those named with their value), the curves always; never a name cut in half. `ngram`:
    the counting baseline's name ("9-gram") once it is on the plot; `beyond`: the baselines
    outside the plot's range, each with its arrow and value instead of a line ("↑ ln V 4.36")."""
    beyond = beyond or {}
    short = {"uniform ln V": "ln V", "lr set": "lr", "dropout set": "dropout", "n-gram": ngram}
    keys = [key for key in COLOURS if key != "n-gram" or ngram]
    lines = [key for key in reversed(BASELINES) if key in keys]
    names = {key: short.get(key, key) for key in keys}
    tiers = [{key: ngram if key == "n-gram" else key for key in keys}, names]
    for gone in [("lr set", "dropout set"), *[(key,) for key in lines if key not in beyond],
                 *[(key,) for key in lines if key in beyond]]:
        names = {key: label for key, label in names.items() if key not in gone}
        tiers.append(names)

    def named(key: str, label: str) -> str:
        if key in beyond:
            arrow, level = beyond[key]
            return f"{arrow} {label} {level:.2f}"
        return f"{'│' if key.endswith('set') else '━'} {label}"

    for names in tiers:
        parts = [(named(key, label), COLOURS[key]) for key, label in names.items()]
        if sum(len(text) + 1 for text, _ in parts) - 1 <= width:
            break
    return " ".join(f"[{_hex(rgb)}]{text}[/]" for text, rgb in parts)


LEGEND = legend(10_000)


class LossPlot(PlotextPlot):
    """The legend lives in the border's subtitle, where it hides no part of the curves."""

    DEFAULT_CSS = """
    LossPlot {
        width: 1fr;
        border-subtitle-align: center;
    }
    """

    def __init__(self, state: RunState, **kwargs):
        super().__init__(**kwargs)
        self.state = state
        self.stale = True  # the run changed since the last drawing
        self.redraws = 0
        self.x_axis = "step"
        self.log_y = False
        self.whole_y = False  # from 0 (or the log floor) to ln V, instead of the curves' own range
        self.smoothing = SMOOTHINGS[0]
        self.beyond: dict[str, tuple[str, float]] = {}  # baselines outside the y range: named in the legend

    def cycle_x(self) -> None:
        self.x_axis = X_AXES[(X_AXES.index(self.x_axis) + 1) % len(X_AXES)]
        self.redraw()

    def toggle_log(self) -> None:
        self.log_y = not self.log_y
        self.redraw()

    def toggle_whole_y(self) -> None:
        self.whole_y = not self.whole_y
        self.redraw()

    def cycle_smoothing(self) -> None:
        self.smoothing = SMOOTHINGS[(SMOOTHINGS.index(self.smoothing) + 1) % len(SMOOTHINGS)]
        self.redraw()

    def redraw(self) -> None:
        self.stale = True
        self.redraw_if_changed()

    def to_x(self, steps: list[float]) -> list[float]:
        """Steps as the chosen x axis: steps, epochs, or training seconds."""
        state = self.state
        if self.x_axis == "epoch" and state.ready is not None:
            return [s / state.ready.steps_per_epoch for s in steps]
        if self.x_axis == "time" and len(state.clock) > 1:
            return np.interp(steps, state.clock.xs, state.clock.ys).tolist()
        return list(steps)

    def x_label(self, value: float) -> str:
        if self.x_axis == "time":
            return clock_label(value)
        return step_label(value) if self.x_axis == "step" else f"{value:g}"

    def title(self) -> str:
        options = [f"x: {self.x_axis}", f"smoothing {self.smoothing:g}"] + (["log y"] if self.log_y else [])
        options += ["y: all (y)"] if self.whole_y else []
        if (replay := self.state.replay) is not None:
            options.append(f"replaying step {step_label(replay.step)} (, . move)")
        return "Loss · " + " · ".join(options)

    def on_mount(self) -> None:
        super().on_mount()
        self.border_subtitle = LEGEND
        self.throttle = Throttle(self, REDRAW_SECONDS, self.redraw_if_changed)
        channels_of(self).run.watch(self, self.run_changed)

    def run_changed(self, _state: RunState | None) -> None:
        self.stale = True
        self.throttle()

    def on_resize(self) -> None:
        self.show_legend()
        self.redraw_if_changed()  # a plot too narrow or hidden when the run changed is drawn now

    def on_show(self) -> None:
        self.redraw_if_changed()

    def show_legend(self) -> None:
        baseline = self.state.baseline
        ngram = baseline and baseline.name
        self.border_subtitle = legend(self.size.width - 4, ngram, self.beyond)  # inside the border's corners

    def redraw_if_changed(self) -> None:
        if not self.stale or not self.display or self.size.width < 10:
            return
        self.stale = False
        self.draw()
        self.show_legend()
        self.refresh()
        self.redraws += 1

    def draw(self) -> None:
        plt, state = self.plt, self.state
        plt.clear_data()
        plt.clear_figure()
        self.beyond = {}  # baselines outside the curves' range: named in the legend, where they hide no curve
        self.border_title = self.title()
        if self.size.height >= 12:  # small terminals keep every row for the curves
            plt.title("loss (nats per character)")
            plt.xlabel({"step": "step", "epoch": "epoch", "time": "training time"}[self.x_axis])
        ready = state.ready
        if ready is None:
            return
        width = max(10, self.size.width)
        train = smooth(state.train_curve.ys, self.smoothing) if self.smoothing else state.train_curve.ys
        xs, ys = downsample(state.train_curve.xs, train, 2 * width)
        vx, vy = downsample(state.val_curve.xs, state.val_curve.ys, 2 * width)
        xs, vx = self.to_x(xs), self.to_x(vx)
        last = max(xs[-1] if xs else 0, vx[-1] if vx else 0) or 1
        if self.log_y:
            plt.yscale("log")
        low, top = self.y_range(xs, ys, vx, vy)
        for name, level in self.baselines():
            if low <= level <= top:
                plt.hline(level, COLOURS[name])
            else:
                self.beyond[name] = ("↑" if level > top else "↓", level)
        for name in ("lr", "dropout"):
            for x in self.to_x(state.changes_of(name)):
                plt.vline(x, COLOURS[f"{name} set"])
        if (passed := state.passed_baseline) is not None:  # the moment the network passed counting
            at = self.to_x([passed])[0]
            plt.vline(at, COLOURS["n-gram"])
            plt.text(f" passed the {state.baseline.name}", x=at, y=low, color=COLOURS["n-gram"], background="default",
                     alignment="left")
        if xs:
            plt.plot(xs, ys, color=COLOURS["train"], marker="braille")
        if vx:
            plt.plot(vx, vy, color=COLOURS["val"], marker="dot" if len(vx) < 3 else "braille")
        if state.replay is not None:
            plt.vline(self.to_x([state.replay.step])[0], REPLAY)
            plt.scatter(self.to_x([m.step for m in state.moments]), [m.val_loss for m in state.moments],
                        color=REPLAY, marker="•")
        plt.xlim(0, last)
        ticks = step_ticks(last, count=max(2, width // 16)) if self.x_axis == "step" else \
            nice_ticks(last, count=max(2, width // 16))
        plt.xticks(ticks, [self.x_label(t) for t in ticks])
        plt.ylim(low, top)

    def baselines(self) -> list[tuple[str, float]]:
        """The horizontal lines: a uniform guess, the unigram and, once counted, the best n-gram."""
        start, baseline = self.state.ready.start, self.state.baseline
        lines = [("uniform ln V", start.uniform_loss), ("unigram", start.unigram_entropy)]
        return lines + ([("n-gram", baseline.ngram_loss)] if baseline is not None else [])

    def y_range(self, xs: list[float], ys: list[float], vx: list[float], vy: list[float]) -> tuple[float, float]:
        """The y axis: once the run is past its first evaluation, the curves from then on fill it (the
        moving part of a run spans a fraction of a nat); before that, or with `y`, 0 to ln V."""
        ready = self.state.ready
        top = max(ready.start.uniform_loss, max(ys, default=0), max(vy, default=0)) * 1.05
        low = min(min(ys, default=top), min(vy, default=top), ready.start.unigram_entropy)
        whole = (low * 0.8 if self.log_y else 0.0, top)
        if self.whole_y or not vx:
            return whole
        since = [y for x, y in zip(xs, ys) if x >= vx[0]] + list(vy)
        lo, hi = min(since), max(since)
        margin = max(0.05, 0.1 * (hi - lo))
        return max(whole[0], lo - margin), min(top, hi + margin)
