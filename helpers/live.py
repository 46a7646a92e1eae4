"""Live training figures and controls: watch a network learn, in every front end and under test.

    live = helpers.LiveTraining(helpers.ImageView.grid("peaks"))
    result = helpers.train(net, sample=..., lr=0.05, steps=2000, callback=live)

`LiveTraining` is a callback for `helpers.train`. It draws one matplotlib figure, the cost
curves beside what the network does now (a "view"), and a one-line progress display (step,
cost, samples per second, time left). How it shows them depends on where it runs:

- interactive (JupyterLab, Notebook 7, VS Code, Colab): the figure is displayed once with
  ``display(..., display_id=True)`` and redrawn in place with ``handle.update(...)`` at most
  ``max_fps`` times a second; the progress line is a second display, updated the same way.
  No ``clear_output``: nothing flickers and nothing piles up.
- headless (nbval, ``nbconvert --execute``, papermill, plain python, pytest): nothing is drawn
  while training runs (a callback costs a few microseconds); at the end the cell gets exactly
  one output, the final frame (in plain python: its one-line summary is printed).

See `is_interactive` for how the two are told apart, and how to force either.

A view shows "what the network does now" beside the cost curves. The protocol is two methods
(and an optional attribute), so a notebook can pass its own::

    class MyView:
        width = 1.0                    # optional: panel width relative to the cost panel
        def setup(self, fig, spec):    # fig: matplotlib Figure; spec: a SubplotSpec to fill
            self.ax = fig.add_subplot(spec)
        def update(self, net):         # draw what `net` does now, cheaply: update artists
            ...                        # (set_data, set_array, set_text), do not rebuild

A plain function ``draw(ax, net)`` works too (it is wrapped in `FunctionView`, which clears the
axes and calls it again for every frame: simple, slower). `ImageView` shows a 2-D array (a
function on a grid, an image) next to its target; `DigitsView` shows digits with the predicted
labels. `Dashboard` puts ipywidgets controls and a Run button beside a live figure.

Nothing here keeps state between calls except the objects you hold: a `LiveTraining` holds its
figure, display handles and recorded frames; `presentation_style` returns the settings it
replaced, and `reset_style` puts them back.
"""

import base64
import html
import io
import math
import os
import sys
import time
from types import MappingProxyType

import numpy as np
from matplotlib import rcParams, rcParamsOrig
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from .activations import ACTIVATIONS
from .data import pixel_grid, target_function
from .losses import get_loss
from .network import Network
from .optimizers import SGD, Adam, Momentum
from .training import accuracy, train

X_AXES = ("step", "samples", "time")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
# Processes that run notebooks headless; a kernel they started is not watched by anyone,
# even when it inherited JPY_SESSION_NAME from a notebook that ran them with `!make test`.
_HEADLESS_RUNNERS = ("nbconvert", "nbclient", "nbval", "pytest", "papermill", "nbmake", "testbook")


# -- interactive or headless ------------------------------------------------------------------

def is_interactive(interactive=None):
    """Whether live figures are redrawn while training runs (True) or only drawn at the end.

    The rule, first match wins:

    1. ``interactive=True`` / ``False`` passed by the caller;
    2. the environment variable ``HELPERS_LIVE``: ``1``/``true``/``yes``/``on`` or
       ``0``/``false``/``no``/``off`` (e.g. ``HELPERS_LIVE=0 jupyter lab`` for slow machines,
       ``HELPERS_LIVE=1`` for a front end this rule does not know);
    3. not inside a Jupyter kernel (plain python, pytest, terminal IPython): headless;
    4. a kernel started by a front end that shows display updates: interactive. Recognised:
       jupyter_server (JupyterLab, Notebook 7, Voila) sets ``JPY_SESSION_NAME`` for the
       kernels it starts; VS Code sets ``VSCODE_PID``/``VSCODE_CWD`` and ``__vsc_ipynb_file__``;
       Colab has ``google.colab`` loaded. Exception: when the process that launched the kernel
       (``JPY_PARENT_PID``) is a headless runner (nbconvert, nbval/pytest, papermill), which
       happens when such a run is started from a notebook's terminal or ``!`` command and
       inherits the variables above: headless;
    5. any other kernel (nbconvert --execute, nbclient, nbval, papermill): headless.
    """
    if interactive is not None:
        if not isinstance(interactive, (bool, np.bool_)):
            raise ValueError(f"interactive: expected True, False or None, got {interactive!r}")
        return bool(interactive)
    env = os.environ.get("HELPERS_LIVE", "").strip().lower()
    if env in _TRUE:
        return True
    if env in _FALSE:
        return False
    if env:
        raise ValueError(f"HELPERS_LIVE: expected one of {', '.join(_TRUE + _FALSE)} (or unset), "
                         f"got {os.environ['HELPERS_LIVE']!r}")
    shell = _kernel_shell()
    if shell is None:
        return False
    front_end = (bool(os.environ.get("JPY_SESSION_NAME"))
                 or bool(os.environ.get("VSCODE_PID") or os.environ.get("VSCODE_CWD"))
                 or "__vsc_ipynb_file__" in getattr(shell, "user_ns", {})
                 or "google.colab" in sys.modules)
    return front_end and not _launched_by_headless_runner()


def _kernel_shell():
    """The IPython shell if this process is a Jupyter kernel, else None."""
    if "IPython" not in sys.modules:
        return None
    shell = sys.modules["IPython"].get_ipython()
    return shell if getattr(shell, "kernel", None) is not None else None


def _launched_by_headless_runner():
    """True when JPY_PARENT_PID names a process whose command line is nbconvert, pytest & co (Linux)."""
    pid = os.environ.get("JPY_PARENT_PID", "")
    try:
        with open(f"/proc/{int(pid)}/cmdline", "rb") as f:
            argv = f.read().decode(errors="replace").lower().split("\0")
    except (ValueError, OSError):
        return False  # no such process, or not Linux: trust the environment
    # Only the program's own name counts (python, its script or -m module), not its arguments:
    # a JupyterLab serving a folder under /tmp/pytest-of-.../ is still a JupyterLab.
    names = [os.path.basename(a) for a in argv[:3]]
    return any(runner in name for runner in _HEADLESS_RUNNERS for name in names)


# -- where frames go ------------------------------------------------------------------------

class CellOutput:
    """Frames and progress lines into the running cell's output, each a display updated in place.

    The figure is sent as PNG bytes (rendered here with Agg), not as a Figure object, so it
    looks the same whatever matplotlib backend the kernel uses. Outside IPython, only the
    text is printed.
    """

    def __init__(self):
        self._handles = {}

    def frame(self, png, text):
        """Show the PNG bytes of a frame; ``text`` is its plain-text stand-in."""
        self._show("frame", {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": text}, text)

    def line(self, html_text, text):
        """Show a progress line (HTML, and text for consoles)."""
        self._show("line", {"text/html": html_text, "text/plain": text}, text)

    def _show(self, kind, bundle, text):
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.display import display
        if not InteractiveShell.initialized():
            print(text)
        elif kind in self._handles:
            self._handles[kind].update(bundle, raw=True)
        else:
            self._handles[kind] = display(bundle, raw=True, display_id=True)


class WidgetOutput:
    """Frames into an ``ipywidgets.Image`` and progress lines into an ``ipywidgets.HTML``
    (the `Dashboard` uses it: an ipywidgets Output area ignores display updates)."""

    def __init__(self, image, line):
        self.image, self.html = image, line

    def frame(self, png, text):
        self.image.value = png
        self.image.layout.display = None  # shown from the first frame on (an empty Image looks broken)

    def line(self, html_text, text):
        self.html.value = html_text


# -- views ----------------------------------------------------------------------------------

class FunctionView:
    """A view from a function ``draw(ax, net)``: the axes are cleared and redrawn every frame."""

    def __init__(self, draw, width=1.0):
        if not callable(draw):
            raise ValueError(f"FunctionView: expected a function draw(ax, net), got {type(draw).__name__}")
        self.draw, self.width = draw, _positive_float("width", width)
        self.ax = None

    def setup(self, fig, spec):
        self.ax = fig.add_subplot(spec)

    def update(self, net):
        self.ax.clear()
        self.draw(self.ax, net)


class ImageView:
    """What the network computes on a grid, as an image, with an optional target beside it.

    render(net) -> array (h, w) of values, or (h, w, 3) RGB in [0, 1]: e.g.
      ``lambda net: net.predict(helpers.pixel_grid(64, 64)).reshape(64, 64)``.
    target: optional array of the same kind, shown on the right with the same colour scale.
    extent: (left, right, bottom, top) in data coordinates, passed to ``imshow``.
    cmap, title: of the network's panel. `ImageView.grid` builds one for a 2-D function or
    a picture on ``pixel_grid`` coordinates.
    """

    def __init__(self, render, target=None, extent=None, cmap="gray", title=None):
        if not callable(render):
            raise ValueError(f"ImageView: expected a function render(net) -> 2-D array, got {type(render).__name__}")
        self.render, self.extent, self.cmap = render, extent, cmap
        self.title = "network" if title is None else title
        self.target = None if target is None else _check_picture("ImageView target", target)
        self.width = 2.0 if self.target is not None else 1.0
        self.ax = self.target_ax = self.image = None

    @classmethod
    def grid(cls, target, resolution=64, low=-1.0, high=1.0, cmap=None, title=None):
        """A view of the network on the square [low, high]^2 beside ``target``.

        target: the name of a 2-D function (see ``helpers.TARGET_FUNCTIONS``), a function
        f(x, y) on arrays, or a picture (h, w) / (h, w, 3) floats as ``load_image`` gives.
        Functions are drawn at ``resolution`` x ``resolution`` pixels; a picture at its own
        size. Coordinates are those of ``helpers.pixel_grid``: x to the right, y down.
        cmap: default "viridis" for a function, "gray" for a picture.
        """
        if cmap is None:
            cmap = "viridis" if isinstance(target, str) or callable(target) else "gray"
        if isinstance(target, str) or callable(target):
            f = target_function(target) if isinstance(target, str) else target
            xy = pixel_grid(resolution, resolution, low, high)
            picture = np.asarray(f(xy[:, 0], xy[:, 1]), dtype=np.float64).reshape(resolution, resolution)
        else:
            picture = _check_picture("ImageView.grid target", target)
        h, w = picture.shape[:2]
        channels = picture.shape[2] if picture.ndim == 3 else None
        xy = pixel_grid(h, w, low, high)

        def render(net):
            out = net.predict(xy.astype(net.dtype))
            return out.reshape(h, w) if channels is None else out.reshape(h, w, channels)

        return cls(render, target=picture, extent=(low, high, high, low), cmap=cmap, title=title)

    def setup(self, fig, spec):
        if self.target is not None:
            left, right = spec.subgridspec(1, 2, wspace=0.05)
            self.ax, self.target_ax = fig.add_subplot(left), fig.add_subplot(right)
            self.target_ax.imshow(self._shown(self.target), cmap=self.cmap, extent=self.extent,
                                  vmin=self._vmin(), vmax=self._vmax())
            self.target_ax.set_title("target")
            self.target_ax.set_axis_off()
        else:
            self.ax, self.target_ax = fig.add_subplot(spec), None
        self.ax.set_title(self.title)
        self.ax.set_axis_off()
        self.image = None

    def update(self, net):
        picture = np.asarray(self.render(net), dtype=np.float64)
        if picture.ndim not in (2, 3):
            raise ValueError(f"ImageView: render(net) should return (h, w) or (h, w, 3), got {picture.shape}")
        shown = self._shown(picture)
        if self.image is None:
            self.image = self.ax.imshow(shown, cmap=self.cmap, extent=self.extent)
        else:
            self.image.set_data(shown)
        if picture.ndim == 2:
            finite = picture[np.isfinite(picture)]
            low, high = ((self._vmin(), self._vmax()) if self.target is not None
                         else (finite.min(), finite.max()) if finite.size else (0.0, 1.0))
            self.image.set_clim(low, high if high > low else low + 1e-12)

    def _shown(self, picture):
        return np.clip(picture, 0.0, 1.0) if picture.ndim == 3 else picture

    def _vmin(self):
        return float(np.nanmin(self.target))

    def _vmax(self):
        return float(np.nanmax(self.target))


class DigitsView:
    """Sample digits with the labels the network predicts now: green right, red wrong.

    images: (n, 28, 28) or (n, 784) pixels (any scale; uint8 or floats); labels: (n,)
    integers or (n, 10) one-hot. The first ``count`` are shown, ``columns`` per row.
    inputs: what the network gets for them, (n, n_in); default the images as floats in
    [0, 1], flattened (as ``helpers.to_float`` makes them).
    """

    def __init__(self, images, labels, count=16, columns=4, inputs=None):
        images, labels = np.asarray(images), np.asarray(labels)
        if images.ndim == 2 and math.isqrt(images.shape[1]) ** 2 == images.shape[1]:
            side = math.isqrt(images.shape[1])
            images = images.reshape(len(images), side, side)
        if images.ndim != 3 or len(images) == 0:
            raise ValueError(f"DigitsView: expected images of shape (n, 28, 28) or (n, 784), got {images.shape}")
        if labels.ndim == 2:
            labels = labels.argmax(axis=1)
        if labels.shape != (len(images),):
            raise ValueError(f"DigitsView: expected {len(images)} labels (n,) or one-hot (n, 10), "
                             f"got shape {labels.shape}")
        count, columns = int(min(_positive_int("count", count), len(images))), _positive_int("columns", columns)
        self.images, self.labels = images[:count], labels[:count].astype(int)
        scale = 255.0 if images.dtype.kind in "ui" else 1.0
        if inputs is None:
            inputs = self.images.reshape(count, -1) / scale
        else:
            inputs = np.asarray(inputs)
            if inputs.ndim != 2 or len(inputs) < count:
                raise ValueError(f"DigitsView: expected inputs of shape (n >= {count}, n_in), got {inputs.shape}")
            inputs = inputs[:count]
        self.inputs = inputs
        self.columns = min(columns, count)
        self.rows = -(-count // self.columns)
        self.width = min(max(1.5 * self.columns / self.rows, 0.6), 3.0)
        self.ax, self.texts = None, []

    def setup(self, fig, spec):
        side_h, side_w = self.images.shape[1:]
        # Each tile: the digit, then a blank strip on its right for the predicted label.
        step_h, step_w = side_h + 2, side_w + side_w // 2
        mosaic = np.full((self.rows * step_h, self.columns * step_w), np.nan)
        for k, image in enumerate(self.images):
            r, c = divmod(k, self.columns)
            mosaic[r * step_h:r * step_h + side_h, c * step_w:c * step_w + side_w] = image
        self.ax = fig.add_subplot(spec)
        self.ax.imshow(mosaic, cmap="gray_r")
        self.ax.set_axis_off()
        self.texts = []
        for k in range(len(self.images)):
            r, c = divmod(k, self.columns)
            self.texts.append(self.ax.text(c * step_w + side_w + 1, r * step_h + side_h / 2, "", ha="left",
                                           va="center", fontsize="large", fontweight="bold"))
        self.ax.set_title("predicted")

    def update(self, net):
        predicted = net.predict(self.inputs.astype(net.dtype)).argmax(axis=1)
        for text, guess, truth in zip(self.texts, predicted, self.labels):
            text.set_text(str(guess))
            text.set_color("tab:green" if guess == truth else "tab:red")
        self.ax.set_title(f"predicted: {int(np.sum(predicted == self.labels))}/{len(self.labels)} right")


def _as_view(view):
    if hasattr(view, "setup") and hasattr(view, "update"):
        return view
    if callable(view):
        return FunctionView(view)
    raise ValueError("expected a view (an object with setup(fig, spec) and update(net)) or a function "
                     f"draw(ax, net), got {type(view).__name__}")


# -- the live figure ------------------------------------------------------------------------

class LiveTraining:
    """A training callback that shows the cost curves and a view, live or as one final frame.

    view: None (cost curves only), a view (`ImageView`, `DigitsView`, an object with
      ``setup(fig, spec)`` and ``update(net)``), a function ``draw(ax, net)``, or a list of them.
    x_axis: "step", "samples" (samples seen) or "time" (seconds of training).
    log_scale: a logarithmic cost axis (used while all costs are positive).
    max_fps: at most this many redraws per second of wall time (None: every callback). Redraws
      are also spaced so that drawing takes at most a third of the time, however slow it is.
    interactive: None decides with `is_interactive` (HELPERS_LIVE, the front end), True/False force.
    title: a title above the figure. record_frames: keep every drawn frame (PNG bytes in
      ``frames``) for `save_gif`; headless runs then draw frames too (at the same rate).
    figsize, dpi: of the figure (default: from the number of panels and rcParams, so that
      `presentation_style` makes it larger). output: where frames go (default `CellOutput()`;
      the `Dashboard` passes a `WidgetOutput`). clock: a function returning seconds (tests).

    Use it as ``train(..., callback=live)``; call ``train`` with ``callback_every`` if the default
    (every record point) is too rare. After training: ``figure`` (the matplotlib Figure, final
    state), ``redraws`` (frames drawn in the last run), `save_png`, `save_gif`. One LiveTraining per run: a
    second run with the same object starts a new figure.

    Interrupt (Jupyter's stop button) and divergence end training cleanly (see ``helpers.train``);
    the last frame then shows the state at the end, and a diverged run a red line where the cost
    blew up, with the message in the progress line.
    """

    def __init__(self, view=None, *, x_axis="step", log_scale=True, max_fps=4.0, interactive=None,
                 title=None, record_frames=False, figsize=None, dpi=None, output=None, clock=None):
        if x_axis not in X_AXES:
            raise ValueError(f"x_axis: expected one of {', '.join(X_AXES)}, got {x_axis!r}")
        views = [] if view is None else list(view) if isinstance(view, (list, tuple)) else [view]
        self.views = [_as_view(v) for v in views]
        self.x_axis, self.log_scale, self.title = x_axis, bool(log_scale), title
        self.max_fps = None if max_fps is None else _positive_float("max_fps", max_fps)
        self.interactive = is_interactive(interactive)
        self.record_frames = bool(record_frames)
        self.figsize, self.dpi = figsize, dpi
        self.output = CellOutput() if output is None else output
        self.clock = time.perf_counter if clock is None else clock
        self.frames = []
        self.redraws = 0
        self.figure = None
        self._history = None  # the History of the run being shown: a new one starts a new figure

    # -- the callback --

    def __call__(self, progress):
        now = self.clock()
        if progress.history is not self._history:
            self._start(progress, now)
        if progress.done:
            self._draw(progress, now, final=True)
            return
        if not (self.interactive or self.record_frames) or now < self._next_draw:
            return  # the cheap path: a few attribute reads per callback
        self._draw(progress, now, final=False)

    def _start(self, progress, now):
        if self._history is not None:  # a second run: a fresh figure, fresh displays, no old frames
            if isinstance(self.output, CellOutput):
                self.output = CellOutput()
            self.frames, self.redraws = [], 0
        self._history = progress.history
        self._first = (now, progress.step)
        self._next_draw = now
        self.figure = None

    def _draw(self, progress, now, final):
        if self.figure is None:
            self._build_figure()
        self._update_cost(progress, final)
        for view in self.views:
            view.update(progress.net)
        png = self._png(final)
        text = self._summary(progress, now, final)
        if self.interactive:
            self.output.line(self._html(text, progress, final), text)
        if self.interactive or final:
            self.output.frame(png, text)
        if self.record_frames:
            self.frames.append(png)
        self.redraws += 1
        if self.max_fps is not None:
            # At most max_fps redraws a second, and drawing takes at most a third of the time.
            self._next_draw = now + max(1.0 / self.max_fps, 3.0 * (self.clock() - now))

    # -- the figure --

    def _build_figure(self):
        widths = [1.4] + [float(getattr(v, "width", 1.0)) for v in self.views]
        # One unit of width ~ one square image as tall as the figure; rcParams scale it all.
        height = max(3.0, 0.8 * rcParams["figure.figsize"][1])
        figsize = self.figsize or (min(height * sum(widths), 20.0), height)
        fig = Figure(figsize=figsize, dpi=self.dpi or rcParams["figure.dpi"], layout="constrained")
        FigureCanvasAgg(fig)  # a figure of its own: pyplot never sees it, so it is never shown twice
        spec = fig.add_gridspec(1, len(widths), width_ratios=widths)
        ax = fig.add_subplot(spec[0])
        self.train_line, = ax.plot([], [], color="tab:blue", label="train")
        self.val_line, = ax.plot([], [], color="tab:orange", label="validation")
        self.marker = ax.axvline(0.0, color="tab:red", linestyle="--", linewidth=1.5, visible=False)
        ax.set_xlabel({"step": "step", "samples": "samples seen", "time": "training time (s)"}[self.x_axis])
        ax.set_ylabel("cost")
        ax.grid(True, which="major", alpha=0.3)
        self.cost_ax = ax
        for view, sub in zip(self.views, list(spec)[1:]):
            view.setup(fig, sub)
        if self.title:
            fig.suptitle(self.title)
        self.figure = fig

    def _update_cost(self, progress, final):
        h, ax = progress.history, self.cost_ax
        x = self._x(np.asarray(h.step, dtype=float), np.asarray(h.time, dtype=float), progress)
        train_cost, val_cost = np.asarray(h.train_cost, dtype=float), np.asarray(h.val_cost, dtype=float)
        self.train_line.set_data(x, train_cost)
        has_val = bool(np.any(np.isfinite(val_cost)))
        self.val_line.set_data(x if has_val else [], val_cost if has_val else [])
        self.val_line.set_label("validation" if has_val else "_nolegend_")
        shown = np.concatenate([train_cost, val_cost[np.isfinite(val_cost)]])
        shown = shown[np.isfinite(shown)]
        want_log = self.log_scale and shown.size > 0 and shown.min() > 0
        if (ax.get_yscale() == "log") != want_log:
            ax.set_yscale("log" if want_log else "linear")
        if shown.size:
            low, high = shown.min(), shown.max()
            if want_log:
                ax.set_ylim(low / 1.3, high * 1.3)
            else:
                pad = 0.05 * (high - low) or 0.05 * abs(high) or 1.0
                ax.set_ylim(low - pad, high + pad)
        if self.x_axis == "time":
            ax.set_xlim(0.0, max(float(x.max()) * 1.05 if x.size else 1.0, 1e-3))
        else:
            ax.set_xlim(0.0, self._x(np.array([progress.steps], dtype=float), None, progress)[0])
        if ax.get_legend() is None or has_val != self._legend_has_val:
            ax.legend(loc="upper right")
            self._legend_has_val = has_val
        blew_up = final and progress.stopped == "diverged"
        if blew_up:
            where = self._x(np.array([progress.step + 1.0]), np.array([progress.elapsed]), progress)[0]
            self.marker.set_xdata([where, where])
        self.marker.set_visible(blew_up)
        ax.set_title(self._cost_title(progress, final), color="tab:red" if blew_up else rcParams["text.color"])

    def _x(self, steps, times, progress):
        if self.x_axis == "samples":
            return steps * progress.batch_size
        if self.x_axis == "time":
            return times
        return steps

    def _cost_title(self, progress, final):
        h = progress.history
        last = f"cost {h.train_cost[-1]:.3g}" if len(h) else "no cost recorded"
        if final and progress.stopped == "diverged":
            return f"diverged at step {progress.step + 1:,}"
        if final and progress.stopped == "interrupted":
            return f"interrupted at step {progress.step:,}: {last}"
        if final and progress.stopped:
            return f"stopped at step {progress.step:,}: {last}"
        return f"step {progress.step:,} of {progress.steps:,}: {last}"

    def _png(self, final):
        """The figure as PNG bytes, drawn once. Constrained layout (the slow part of a draw) runs
        on the first, every 8th and the final frame; frames between keep its positions."""
        fig = self.figure
        relayout = final or self.redraws % 8 == 0
        fig.set_layout_engine("constrained" if relayout else "none")
        fig.canvas.draw()
        buffer = io.BytesIO()
        # compress_level 1: encodes several times faster than the default, for a slightly larger file
        Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba()).save(
            buffer, format="png", compress_level=1)
        return buffer.getvalue()

    # -- the progress line --

    def _summary(self, progress, now, final):
        h = progress.history
        parts = [f"step {progress.step:,}/{progress.steps:,}"]
        if len(h):
            parts.append(f"cost {h.train_cost[-1]:.4g}")
            if math.isfinite(h.val_cost[-1]):
                parts.append(f"validation {h.val_cost[-1]:.4g}")
            if math.isfinite(h.metric[-1]):
                parts.append(f"metric {h.metric[-1]:.4g}")
        if progress.elapsed > 0:
            parts.append(f"{progress.samples / progress.elapsed:,.0f} samples/s")
        if final:
            parts.append(f"{progress.elapsed:.1f} s of training")
        else:
            first_time, first_step = self._first
            rate = (progress.step - first_step) / (now - first_time) if now > first_time else 0.0
            if rate <= 0 and progress.elapsed > 0:
                rate = progress.step / progress.elapsed
            if rate > 0:
                parts.append(f"{_duration((progress.steps - progress.step) / rate)} left")
        line = " · ".join(parts)
        if final and progress.stopped == "interrupted":
            line = f"interrupted: {line}"  # the message would only say it again
        elif final and progress.stopped:
            line = f"{progress.stopped}: {line}. {progress.message}"
        return line

    def _html(self, text, progress, final):
        colour = "#b00" if final and progress.stopped == "diverged" else "inherit"
        return (f'<div style="font-family: monospace; font-size: 110%; color: {colour}">'
                f"{html.escape(text)}</div>")

    # -- export --

    def save_png(self, path, dpi=150):
        """The last frame drawn as a PNG at ``dpi`` (150: sharp on a projector). Returns path."""
        if self.figure is None:
            raise ValueError("save_png: nothing drawn yet; run helpers.train(..., callback=live) first")
        self.figure.set_layout_engine("constrained")
        self.figure.savefig(os.fspath(path), format="png", dpi=_positive_float("dpi", dpi))
        return path

    def save_gif(self, path, fps=4.0, hold=2.0):
        """The recorded frames as an animated GIF (Pillow; no ffmpeg), looping, the last frame
        held ``hold`` seconds. Needs ``LiveTraining(..., record_frames=True)``. Returns path."""
        if not self.frames:
            raise ValueError("save_gif: no frames recorded; create LiveTraining(..., record_frames=True) "
                             "and train with it first")
        if not os.fspath(path).lower().endswith(".gif"):
            raise ValueError(f"save_gif: expected a path ending in .gif, got {os.fspath(path)!r}")
        frame_ms = int(round(1000.0 / _positive_float("fps", fps)))
        images = [Image.open(io.BytesIO(png)).convert("RGB") for png in self.frames]
        durations = [frame_ms] * (len(images) - 1) + [max(frame_ms, int(1000 * hold))]
        images[0].save(os.fspath(path), format="GIF", save_all=True, append_images=images[1:],
                       duration=durations, loop=0)
        return path


# -- controls -------------------------------------------------------------------------------

OPTIMIZERS = MappingProxyType({"sgd": SGD, "momentum": Momentum, "adam": Adam})


class Dashboard:
    """ipywidgets controls, a Run button and a live training figure, for one problem.

    Data, one of: ``data=(x, y)`` arrays, or ``sample=f(rng, batch_size) -> (x_batch, y_batch)``
    (e.g. ``helpers.function_sampler("peaks")``, ``helpers.image_sampler(picture)``).
    validation: optional ``(x_val, y_val)``; metric: as for ``helpers.train``.
    n_in, n_out: network input and output widths (default: read from the data).
    loss: "quadratic" or "softmax_cross_entropy"; output_activation of the last layer.
    view: shown beside the cost curves (see `LiveTraining`), set up afresh for every run.
    Defaults of the controls: lr, batch_size, steps, hidden (e.g. "100,100,100"; "" for none),
    activation, optimizer ("sgd", "momentum", "adam"), seed. lr_range: (low, high) of the
    learning-rate slider (log scale). live: extra keyword arguments for `LiveTraining`.

    Every Run builds ``Network.random([n_in, *hidden, n_out], activation, rng=seed)`` and trains
    it with ``rng=seed``: the same seed gives the same start and the same batches, so runs
    with different settings compare fairly. ``run()`` is what the button calls (tests call it, or
    ``run_button.click()``); ``result`` is the last `TrainResult`.

    What cannot work: while a run trains, the kernel is busy, so the widgets do not receive
    clicks or slider moves (a Stop button could not work either); stop a run with the kernel's
    interrupt (the stop button, or I I): training ends cleanly and the figure shows where it
    stopped. Changing a control during a run takes effect at the next Run. Without a live
    kernel (a notebook viewed on GitHub, or nbval), the controls are not shown or do nothing.
    """

    def __init__(self, data=None, *, sample=None, validation=None, metric=None, n_in=None, n_out=None,
                 loss="quadratic", output_activation="identity", view=None, lr=0.05, batch_size=32,
                 steps=1000, hidden="30,30", activation="relu", optimizer="sgd", seed=0,
                 lr_range=(1e-4, 1.0), live=None):
        import ipywidgets as w
        if (data is None) == (sample is None):
            raise ValueError("Dashboard: pass either data=(x, y) or sample=f(rng, batch_size), exactly one")
        if data is not None:
            try:
                x, y = data
            except (TypeError, ValueError):
                raise ValueError("Dashboard: expected data=(x, y)") from None
            self.data = (np.asarray(x), np.asarray(y))
        else:
            if not callable(sample):
                raise ValueError(f"Dashboard: expected sample=f(rng, batch_size), got {type(sample).__name__}")
            self.data = None
        self.sample, self.validation, self.metric = sample, validation, metric
        self.loss = get_loss(loss).name
        self.output_activation = output_activation
        self.n_in, self.n_out = self._widths(n_in, n_out)
        self.view = view
        self.live_options = dict(live or {})
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"Dashboard: unknown optimizer {optimizer!r}; known: {', '.join(OPTIMIZERS)}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"Dashboard: unknown activation {activation!r}; known: {', '.join(ACTIVATIONS)}")
        low, high = lr_range
        if not 0 < low < high:
            raise ValueError(f"Dashboard: expected lr_range=(low, high) with 0 < low < high, got {lr_range!r}")
        self.defaults = dict(lr=float(lr), batch_size=_positive_int("batch_size", batch_size),
                             steps=_positive_int("steps", steps), hidden=_hidden_text(hidden),
                             activation=activation, optimizer=optimizer, seed=int(seed))
        self._parse_hidden(self.defaults["hidden"])  # fail now on a bad default
        style = {"description_width": "110px"}
        wide = w.Layout(width="340px")
        batch_sizes = sorted({2 ** k for k in range(11)} | {self.defaults["batch_size"]})
        step_counts = sorted({100, 200, 500, 1000, 2000, 5000, 10000, 20000} | {self.defaults["steps"]})
        self.lr_slider = w.FloatLogSlider(value=lr, base=10, min=math.log10(low), max=math.log10(high), step=0.1,
                                          description="learning rate", readout_format=".2g", style=style,
                                          layout=wide, continuous_update=False)
        self.batch_slider = w.SelectionSlider(options=batch_sizes, value=self.defaults["batch_size"],
                                              description="batch size", style=style, layout=wide)
        self.steps_slider = w.SelectionSlider(options=step_counts, value=self.defaults["steps"],
                                              description="steps", style=style, layout=wide)
        self.hidden_text = w.Text(value=self.defaults["hidden"], description="hidden layers",
                                  placeholder="e.g. 100,100,100", style=style, layout=wide)
        self.activation_menu = w.Dropdown(options=[a for a in ACTIVATIONS if a != "identity"] + ["identity"],
                                          value=activation, description="activation", style=style, layout=wide)
        self.optimizer_menu = w.Dropdown(options=list(OPTIMIZERS), value=optimizer, description="optimizer",
                                         style=style, layout=wide)
        self.seed_box = w.BoundedIntText(value=self.defaults["seed"], min=0, max=2 ** 31 - 1, description="seed",
                                         style=style, layout=wide)
        self.run_button = w.Button(description="Run", button_style="success", icon="play",
                                   tooltip="train a fresh network from the seed with these settings")
        self.reset_button = w.Button(description="Reset", icon="undo", tooltip="back to the default settings")
        self.status = w.HTML(value="<i>press Run to train</i>")
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto", display="none"))
        self.line = w.HTML()
        self.run_button.on_click(self._on_run)
        self.reset_button.on_click(lambda _: self.reset())
        # Two columns of controls, the buttons below them, then the figure at the full width
        # of the notebook (beside the controls it would be shrunk to half its size).
        columns = w.HBox([w.VBox([self.lr_slider, self.batch_slider, self.steps_slider]),
                          w.VBox([self.hidden_text, self.activation_menu, self.optimizer_menu, self.seed_box])])
        buttons = w.HBox([self.run_button, self.reset_button, self.status], layout=w.Layout(align_items="center"))
        self.widget = w.VBox([columns, buttons, self.line, self.image])
        self.result = None
        self.live = None

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _widths(self, n_in, n_out):
        if n_in is not None and n_out is not None:
            return _positive_int("n_in", n_in), _positive_int("n_out", n_out)
        if self.data is not None:
            x, y = self.data
            width_in = x.shape[1] if x.ndim == 2 else None
            width_out = (int(y.max()) + 1 if self.loss == "softmax_cross_entropy" and y.ndim == 1
                         else y.shape[1] if y.ndim == 2 else None)
        else:
            xb, yb = self.sample(np.random.default_rng(0), 2)
            width_in, width_out = np.shape(xb)[1], np.shape(yb)[1] if np.ndim(yb) == 2 else None
        n_in = width_in if n_in is None else n_in
        n_out = width_out if n_out is None else n_out
        if n_in is None or n_out is None:
            raise ValueError("Dashboard: could not read the network's input and output widths from the data; "
                             "pass n_in=... and n_out=...")
        return _positive_int("n_in", n_in), _positive_int("n_out", n_out)

    @staticmethod
    def _parse_hidden(text):
        parts = [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
        try:
            sizes = [int(p) for p in parts]
        except ValueError:
            sizes = None
        if sizes is None or any(n < 1 for n in sizes):
            raise ValueError(f"hidden layers: expected positive whole numbers separated by commas, "
                             f"e.g. '100,100,100', got {text!r}")
        return sizes

    def settings(self):
        """The controls' current values: dict(lr, batch_size, steps, hidden (list), activation,
        optimizer, seed). A ValueError names a control whose text cannot be read."""
        return dict(lr=float(self.lr_slider.value), batch_size=int(self.batch_slider.value),
                    steps=int(self.steps_slider.value), hidden=self._parse_hidden(self.hidden_text.value),
                    activation=self.activation_menu.value, optimizer=self.optimizer_menu.value,
                    seed=int(self.seed_box.value))

    def initial_network(self, settings=None):
        """The network every Run with these settings starts from (a new one each call)."""
        s = self.settings() if settings is None else settings
        return Network.random([self.n_in, *s["hidden"], self.n_out], s["activation"],
                              output_activation=self.output_activation, rng=s["seed"])

    def run(self):
        """Train once with the current settings, showing it live; returns the `TrainResult`."""
        s = self.settings()
        net = self.initial_network(s)
        options = dict(self.live_options)
        options.setdefault("title", None)
        self.live = LiveTraining(self.view, output=WidgetOutput(self.image, self.line), **options)
        self.status.value = (f"training {net.layer_sizes} ({s['activation']}), {s['optimizer']} "
                             f"lr {s['lr']:.2g}, batch {s['batch_size']}, seed {s['seed']} ...")
        data = {"sample": self.sample} if self.data is None else dict(zip(("x", "y"), self.data))
        self.result = train(net, **data, loss=self.loss, optimizer=OPTIMIZERS[s["optimizer"]](s["lr"]),
                            steps=s["steps"], batch_size=s["batch_size"], validation=self.validation,
                            metric=self.metric, callback=self.live, rng=s["seed"])
        h = self.result.history
        cost = f"final cost {h.train_cost[-1]:.4g}" if len(h) else "no step taken"
        self.status.value = html.escape(f"{self.result.stopped or 'done'}: {cost}")
        return self.result

    def reset(self):
        """Put every control back to its default value."""
        d = self.defaults
        self.lr_slider.value, self.batch_slider.value, self.steps_slider.value = d["lr"], d["batch_size"], d["steps"]
        self.hidden_text.value, self.activation_menu.value = d["hidden"], d["activation"]
        self.optimizer_menu.value, self.seed_box.value = d["optimizer"], d["seed"]

    def _on_run(self, _button):
        self.run_button.disabled = True
        try:
            self.run()
        except ValueError as error:  # a bad setting: say so beside the button, not in a hidden log
            self.status.value = f'<span style="color: #b00">{html.escape(str(error))}</span>'
        except KeyboardInterrupt:
            # The stop button outside train() (which handles it itself), e.g. while the network is
            # built: say so instead of leaving "training ..." on screen; the previous result stays.
            self.status.value = "interrupted"
        finally:
            self.run_button.disabled = False


# -- presentation style -----------------------------------------------------------------------

PRESENTATION_RC = MappingProxyType({
    "font.size": 16, "axes.titlesize": 18, "axes.labelsize": 16, "xtick.labelsize": 14,
    "ytick.labelsize": 14, "legend.fontsize": 14, "figure.titlesize": 20, "lines.linewidth": 2.5,
    "lines.markersize": 8, "axes.linewidth": 1.2, "figure.figsize": (11.0, 5.5), "figure.dpi": 100,
    "savefig.dpi": 150, "savefig.bbox": "tight",
})


class PresentationStyle:
    """What `presentation_style` changed: ``previous`` holds the values it replaced.

    ``reset_style(style)`` (or ``style.reset()``) puts them back; ``with presentation_style():``
    applies the style for a block only."""

    def __init__(self, previous):
        self.previous = dict(previous)

    def reset(self):
        rcParams.update(self.previous)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.reset()
        return False


def presentation_style(scale=1.0, **overrides):
    """Readable matplotlib settings for a projector: larger fonts, thicker lines, wide figures.

    scale multiplies the font sizes; overrides are rcParams to set as well (e.g.
    ``**{"figure.figsize": (12, 6)}``). Returns a `PresentationStyle` holding the previous
    values, to give to `reset_style` (or use ``with presentation_style(): ...``). Live figures
    created afterwards pick up the larger sizes.
    """
    scale = _positive_float("scale", scale)
    settings = {k: (v * scale if k.endswith(("size", "titlesize")) and isinstance(v, (int, float))
                    and k != "figure.figsize" else v) for k, v in PRESENTATION_RC.items()}
    unknown = [k for k in overrides if k not in rcParams]
    if unknown:
        raise ValueError(f"presentation_style: unknown rcParams {unknown}; see matplotlib.rcParams.keys()")
    settings.update(overrides)
    style = PresentationStyle({k: rcParams[k] for k in settings})
    rcParams.update(settings)
    return style


def reset_style(style=None):
    """Undo `presentation_style`.

    style: the `PresentationStyle` it returned: the exact previous values come back. Without
    it (e.g. after a kernel's state was lost), the settings presentation_style touches go back
    to what matplotlib read at start-up (your matplotlibrc, or matplotlib's defaults); other
    rcParams are left alone.
    """
    if style is not None:
        if not isinstance(style, PresentationStyle):
            raise ValueError(f"reset_style: expected what presentation_style() returned, got {type(style).__name__}")
        style.reset()
        return
    rcParams.update({k: rcParamsOrig[k] for k in PRESENTATION_RC})


# -- small checks ---------------------------------------------------------------------------

def _positive_float(name, value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not (number > 0 and math.isfinite(number)):
        raise ValueError(f"{name}: expected a positive number, got {value!r}")
    return number


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected a positive whole number, got {value!r}")
    return int(value)


def _hidden_text(hidden):
    if isinstance(hidden, str):
        return hidden
    return ",".join(str(int(n)) for n in hidden)


def _check_picture(name, picture):
    picture = np.asarray(picture, dtype=np.float64)
    if picture.ndim not in (2, 3) or (picture.ndim == 3 and picture.shape[2] != 3) or 0 in picture.shape:
        raise ValueError(f"{name}: expected an array (h, w) or RGB (h, w, 3), got shape {picture.shape}")
    return picture


def _duration(seconds):
    if not math.isfinite(seconds):
        return "?"
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
