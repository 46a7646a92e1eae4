"""The cost panel of a live figure: training and validation cost against steps, samples or time.

Its axis limits move in whole decades (log scale) or steps of 1, 2, 5 x 10^k (linear), so they change
a few times in a run rather than on every frame (the live figure then redraws only the curves, not
the axes). They are computed from the finite costs only, clamped to +-1e100 (a larger cost is drawn
at the panel's edge, its value in the title): any cost a run can produce (a finite 1.5e308, inf,
nan) is drawn, never an overflow in matplotlib's axis limits or ticks.
"""

import math

import numpy as np

X_AXES = ("step", "samples", "time")
X_LABELS = {"step": "step", "samples": "samples seen", "time": "training time (s)"}
# The largest magnitude the axes span, and the smallest positive one on a log axis. matplotlib's tick
# locators place ticks a few strides beyond the limits: at 1e300 those would overflow to inf.
_HUGE, _TINY = 1e100, 1e-100


class CostPanel:
    """The cost curves in ``ax``; ``update(progress, final)`` brings them to the progress shown.

    x_axis: "step", "samples" or "time". log_scale: a logarithmic cost axis while all costs shown
    are positive. After an update: ``train_line``, ``val_line`` (Line2D), ``now_dot``, ``val_dot``
    (the latest costs), ``marker`` (the red line where a run diverged), ``ax``.
    """

    def __init__(self, ax, x_axis="step", log_scale=True):
        if x_axis not in X_AXES:
            raise ValueError(f"x_axis: expected one of {', '.join(X_AXES)}, got {x_axis!r}")
        self.ax, self.x_axis, self.log_scale = ax, x_axis, bool(log_scale)
        self.train_line, = ax.plot([], [], color="tab:blue", label="train")
        self.val_line, = ax.plot([], [], color="tab:orange", label="validation")
        # The latest costs as dots: the first frame, with one recorded point, is not empty.
        self.now_dot, = ax.plot([], [], "o", color="tab:blue", markersize=5)
        self.val_dot, = ax.plot([], [], "o", color="tab:orange", markersize=5)
        self.marker = ax.axvline(0.0, color="tab:red", linestyle="--", linewidth=1.5, visible=False)
        ax.set_xlabel(X_LABELS[x_axis])
        ax.set_ylabel("cost")
        ax.grid(True, which="major", alpha=0.3)
        self._title_color = ax.title.get_color()
        self._has_val = None
        self._frame = None  # (yscale, ylim, xlim, has_val) of the axes as last drawn

    def update(self, progress, final):
        """Show ``progress`` (a `helpers.training.Progress`). Returns (artists, moved): the artists
        that change from frame to frame (curves, title), and whether the axes themselves changed
        (limits, scale, legend) since the previous update, so that they must be drawn again too."""
        h, ax = progress.history, self.ax
        x = self._x(np.asarray(h.step, dtype=float), np.asarray(h.time, dtype=float), progress)
        train_cost, val_cost = np.asarray(h.train_cost, dtype=float), np.asarray(h.val_cost, dtype=float)
        has_val = bool(np.any(np.isfinite(val_cost)))
        shown = np.concatenate([train_cost, val_cost if has_val else []])
        shown = np.clip(shown[np.isfinite(shown)], -_HUGE, _HUGE)
        log = self.log_scale and shown.size > 0 and shown.min() > 0
        low, high = _limits(shown, log) if shown.size else ax.get_ylim()
        self.train_line.set_data(x, _clipped(train_cost, low, high, log))
        self.val_line.set_data(x if has_val else [], _clipped(val_cost, low, high, log) if has_val else [])
        self.now_dot.set_data(x[-1:], _clipped(train_cost[-1:], low, high, log))
        self.val_dot.set_data(x[-1:] if has_val else [], _clipped(val_cost[-1:], low, high, log) if has_val else [])
        frame = ("log" if log else "linear", (low, high), self._xlim(x, progress), has_val)
        moved = frame != self._frame
        if moved:
            ax.set_yscale(frame[0])
            if log:  # unlabelled minor ticks at 2 and 5 only: a third of the default's ticks, a third faster to draw
                from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
                ax.yaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
                ax.yaxis.set_minor_formatter(NullFormatter())
                # decades as 10⁻³ in plain text: matplotlib's default is mathtext, which costs the first frame ~70 ms
                ax.yaxis.set_major_formatter(FuncFormatter(_decade))
            ax.set_ylim(low, high)
            ax.set_xlim(*frame[2])
            self._legend(has_val)
            self._frame = frame
        blew_up = final and progress.stopped == "diverged"
        if blew_up:
            where = self._x(np.array([progress.step + 1.0]), np.array([progress.elapsed]), progress)[0]
            self.marker.set_xdata([where, where])
        self.marker.set_visible(blew_up)
        # y given: the title stays where it is. matplotlib would otherwise place it above the axes' tick labels,
        # measuring every y tick label for it on each redraw of the axes (~40 ms; this panel has none on top).
        ax.set_title(_title(progress, final), color="tab:red" if blew_up else self._title_color, y=1.0)
        return [self.train_line, self.val_line, self.now_dot, self.val_dot, self.marker, ax.title], moved

    def overlays(self):
        """Static artists drawn over the curves (the legend): the figure pastes them back on top."""
        legend = self.ax.get_legend()
        return [] if legend is None else [legend]

    def _legend(self, has_val):
        if has_val != self._has_val:
            self.val_line.set_label("validation" if has_val else "_nolegend_")
            self.ax.legend(handles=[self.train_line] + ([self.val_line] if has_val else []), loc="upper right")
            self._has_val = has_val

    def _x(self, steps, times, progress):
        if self.x_axis == "samples":
            return steps * progress.batch_size
        if self.x_axis == "time":
            return times
        return steps

    def _xlim(self, x, progress):
        if self.x_axis == "time":
            return 0.0, _nice_above(max(float(x.max()) * 1.05 if x.size else 1.0, 1e-3))
        return 0.0, float(self._x(np.array([progress.steps], dtype=float), None, progress)[0])


def _title(progress, final):
    h = progress.history
    last = f"cost {h.train_cost[-1]:.3g}" if len(h) else "no cost recorded"
    if final and progress.stopped == "diverged":
        return f"diverged at step {progress.step + 1:,}"
    if final and progress.stopped == "interrupted":
        return f"interrupted at step {progress.step:,}: {last}"
    if final and progress.stopped:
        return f"stopped at step {progress.step:,}: {last}"
    return f"step {progress.step:,} of {progress.steps:,}: {last}"


_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _decade(value, _position=None):
    """A major tick label of the log axis: 10⁻³ (the major ticks are whole decades)."""
    return "10" + str(round(math.log10(value))).translate(_SUPERSCRIPT) if value > 0 else ""


def _limits(costs, log):
    """(low, high) around the finite ``costs`` (clamped to +-1e100): whole decades on a log axis
    (which also keeps matplotlib from labelling every minor tick, the slow part of drawing the axis),
    steps of 1, 2, 5 x 10^k on a linear one."""
    low, high = float(costs.min()), float(costs.max())
    if log:
        return (10.0 ** math.floor(math.log10(max(low / 1.02, _TINY))),
                10.0 ** math.ceil(math.log10(min(high * 1.02, _HUGE))))
    pad = 0.05 * (high - low) or 0.05 * abs(high) or 1.0
    step = _nice_above((high - low + 2 * pad) / 5)
    return math.floor((low - pad) / step) * step, math.ceil((high + pad) / step) * step


def _nice_above(value):
    """The smallest of 1, 2, 5 x 10^k that is >= value (value > 0)."""
    exponent = math.floor(math.log10(value))
    for mantissa in (1, 2, 5, 10):
        nice = mantissa * 10.0 ** exponent
        if nice >= value * (1 - 1e-12):
            return nice
    return 10.0 ** (exponent + 1)


def _clipped(values, low, high, log):
    """Values far outside the axis limits pulled in (a curve that leaves the panel still leaves it):
    the renderer never sees coordinates of 1e308, nor an inf."""
    if log:
        return np.clip(values, low / 1e3, high * 1e3)
    return np.clip(values, low - 10 * (high - low), high + 10 * (high - low))
