"""Live training figures: watch a network learn, in every front end and under test.

    live = helpers.LiveTraining(helpers.ImageView.grid("peaks"))
    result = helpers.train(net, sample=..., lr=0.05, steps=2000, callback=live)

`LiveTraining` is a callback for `helpers.train`. It draws one matplotlib figure, the cost
curves beside what the network does now (a "view"), and a one-line progress display (step,
cost, samples per second, time left). How it shows them depends on where it runs:

- interactive (JupyterLab, Notebook 7, VS Code, Colab): the figure is displayed once with
  ``display(..., display_id=True)`` and redrawn in place with ``handle.update(...)`` up to
  ``max_fps`` times a second; the progress line is a second display, updated the same way.
  No ``clear_output``: nothing flickers and nothing piles up.
- headless (nbval, ``nbconvert --execute``, papermill, plain python, pytest): nothing is drawn
  while training runs (a callback costs a few microseconds); at the end the cell gets exactly
  one output, the final frame (in plain python: its one-line summary is printed).

The parts, one file each: `helpers.frontend` (interactive or headless, and where frames go),
`helpers.views` (ImageView, DigitsView, FunctionView, and the view protocol),
`helpers.cost_panel` (the cost curves), `helpers.canvas` (drawing and encoding a frame fast),
`helpers.export` (PNG and GIF), `helpers.dashboard` (controls and a Run button),
`helpers.style` (``PROJECTOR_STYLE``, a matplotlib style sheet for the lecture hall).

Nothing here keeps state between calls except the objects you hold: a `LiveTraining` holds its
figure, display handles and recorded frames.
"""

import html
import math
import time

from . import export
from .canvas import BlitCanvas
from .checks import positive_float, positive_int
from .cost_panel import X_AXES, CostPanel
from .frontend import CellOutput, is_interactive
from .views import as_view

# Drawing takes at most this share of the wall time, however slow its frames are: 0.16 / (1 - 0.16) = 0.19, so
# the kernel's drawing costs at most 19 % of the training time (in the course's live cells it came to 5-17 % of
# the view-off run time: 23-33 ms per frame at about 5 frames/s in notebooks 01 and 02, 10-19 ms for the digits of
# 04, 07 and 08, whose labels are stamped; make browser-course prints it). Not charged to it: the browser's and the server's
# work per frame, 20-45 ms of CPU in headless Chromium, which on 2 cores competes with training (make
# browser-course measures both; the figures are in benchmarks/README.md, "Live frames").
DRAW_SHARE = 0.16
# Live and recorded frames are drawn at this share of the figure's resolution (0.56 of its pixels), the final
# frame at full resolution. Neither side's CPU depends much on it: the kernel's drawing is mostly matplotlib's
# Python, and headless Chromium spent the same ~38 ms per frame at 1/2, 3/4 and full resolution (a probe pushing
# 60 frames into notebook 01 in JupyterLab: the cost is JupyterLab's output machinery per update, not pixels).
# What it halves is the bytes per frame (57 KB instead of 113 KB for benchmarks/live.py's notebook-01 figure),
# which counts when the server is remote (JupyterHub, Binder).
LIVE_SCALE = 0.75
LINE_PERIOD = 0.5  # seconds between two updates of the progress line while training runs
GIF_FRAMES = 30  # the frames record_frames=True keeps over a run: a GIF of ~8 s at 4 frames a second


class LiveTraining:
    """A training callback that shows the cost curves and a view, live or as one final frame.

    view: None (cost curves only), a view (`ImageView`, `DigitsView`, an object with
      ``setup(fig, spec)`` and ``update(net)``), a function ``draw(ax, net)``, or a list of them.
    x_axis: "step", "samples" (samples seen) or "time" (seconds of training).
    log_scale: a logarithmic cost axis (used while all costs are positive).
    max_fps: at most this many redraws per second of wall time (None: at every callback, unthrottled). Drawing
      also takes at most 16 % of the run's wall time, however slow a frame is (the first frame, which lays the
      figure out, not counted): the kernel's drawing costs at most about a fifth of the training time. A
      browser's work per frame comes on top (tests/test_browser.py measures both).
    interactive: None decides with `is_interactive` (HELPERS_LIVE, the front end), True/False force.
    title: a title above the figure. metric_name: what the progress line calls train()'s metric (default:
      "validation accuracy" for ``metric="accuracy"``, "validation <name>" for a metric function).
    record_frames: keep frames for `save_gif`, spread evenly over the run by training step (not by
      wall time, so a GIF tells the same story on every machine): True for 30, or a number;
      headless runs then draw those frames too. ``frames`` holds them (PNG bytes).
    figsize, dpi: of the figure (default: from the number of panels and rcParams, so that a style
      such as ``helpers.PROJECTOR_STYLE`` makes it larger). output: where frames go (default
      `CellOutput()`; the `Dashboard` passes a `WidgetOutput`). clock: a function returning seconds (tests).

    Use it as ``train(..., callback=live)``; train calls it every ``callback_every`` steps (default:
    every record point), and it cannot redraw more often than that. After training: ``figure`` (the
    matplotlib Figure, final state), ``cost_panel`` (its curves), ``redraws`` (frames drawn in the
    last run), ``drawing_seconds`` (the kernel's time drawing and sending the live frames, the final one not
    counted), `save_png`, `save_gif`. One LiveTraining per run: a second run with the same object
    starts a new figure.

    Interrupt (Jupyter's stop button) and divergence end training cleanly (see ``helpers.train``);
    the last frame then shows the state at the end, and a diverged run a red line where the cost
    blew up, with the message in the progress line. Any finite cost is drawn (see `CostPanel`).
    """

    def __init__(self, view=None, *, x_axis="step", log_scale=True, max_fps=5.0, interactive=None,
                 title=None, metric_name=None, record_frames=False, figsize=None, dpi=None, output=None,
                 clock=None):
        if x_axis not in X_AXES:
            raise ValueError(f"x_axis: expected one of {', '.join(X_AXES)}, got {x_axis!r}")
        views = [] if view is None else list(view) if isinstance(view, (list, tuple)) else [view]
        self.views = [as_view(v) for v in views]
        self.x_axis, self.log_scale, self.title = x_axis, bool(log_scale), title
        self.metric_name = None if metric_name is None else str(metric_name)
        self.max_fps = None if max_fps is None else positive_float("max_fps", max_fps)
        self.interactive = is_interactive(interactive)
        self.record_frames = _frame_count(record_frames)
        self.figsize, self.dpi = figsize, dpi
        self.output = CellOutput() if output is None else output
        self.clock = time.perf_counter if clock is None else clock
        self.frames, self.redraws, self.drawing_seconds = [], 0, 0.0
        self.figure = self.cost_panel = self._canvas = None
        self._history = None  # the History of the run being shown: a new one starts a new figure

    # -- the callback --

    def __call__(self, progress):
        now = self.clock()
        if progress.history is not self._history:
            self._start(progress, now)
        if progress.done:
            self._draw(progress, now, show=True, record=self.record_frames > 0, final=True)
            return
        # A frame when the max_fps timeline says so, and while drawing has taken at most DRAW_SHARE of the run's
        # wall time; max_fps=None: every callback. The first frame is not counted: it lays the figure out and
        # draws it whole (~0.1-0.2 s, like building the figure, once per run); counted, it would leave a short
        # run without frames for its first second or so.
        show = self.interactive and (self.max_fps is None or (
            now >= self._next_draw and self.drawing_seconds - self._first_frame <= DRAW_SHARE * (now - self._started)))
        record = self.record_frames > 0 and progress.step >= self._next_record
        if show or record:  # otherwise the cheap path: a few attribute reads per callback
            self._draw(progress, now, show or self.interactive, record, final=False)

    def _start(self, progress, now):
        if self._history is not None:  # a second run: a fresh figure, fresh displays, no old frames
            if isinstance(self.output, CellOutput):
                self.output = CellOutput()
            self.frames, self.redraws = [], 0
        self._history = progress.history
        self._first = (now, progress.step)
        self._started = now - progress.elapsed  # training began before its first callback
        self._next_draw, self._next_line, self.drawing_seconds, self._first_frame = now, now, 0.0, 0.0
        self._next_record = progress.steps / max(self.record_frames, 1)
        self.figure = self.cost_panel = self._canvas = None

    def _draw(self, progress, now, show, record, final):
        if self.figure is None:
            self._build_figure()
            # Importing matplotlib and Pillow and building the figure happen once, headless too (for the final
            # frame): not a cost of drawing live, so not charged to the drawing budget.
            now = self.clock()
        if final:
            self.figure.set_dpi(self._dpi)  # the frame a notebook keeps, at full resolution (drawn whole)
        moving, moved = self.cost_panel.update(progress, final)
        for view in self.views:
            changed = view.update(progress.net)
            moving = None if changed is None or moving is None else moving + list(changed)
        # Constrained layout (~35 ms) on the first and the final frame only; between them the axes keep their places.
        self._canvas.draw(moving, layer=self.cost_panel.ax, moved=moved, overlays=self.cost_panel.overlays(),
                          whole=final, layout=final or self.redraws == 0, stamps=self._stamps)
        text = self._summary(progress, now, final)
        # The progress line changes every frame, but a reader takes in two updates a second at most, and each
        # update costs the browser a re-render on the cores that train (tests/test_browser.py measures it).
        # (5 % early counts: frames on a timeline of exactly LINE_PERIOD must not skip every other line to rounding)
        if show and self.interactive and (final or now >= self._next_line - 0.05 * LINE_PERIOD):
            self.output.line(self._html(text, progress, final), text)
            self._next_line = now + LINE_PERIOD
        if show:  # headless, only the final frame is shown: the cell's one output
            frame = self._canvas.encode("final" if final else "live")
            # a live frame is shown at the final frame's size: the browser scales it up, nothing moves
            self.output.frame(frame if final else frame._replace(size=self._display_size), text)
        if record:
            self.frames.append(self._canvas.encode("record").data)
            self._next_record = (math.floor(progress.step * self.record_frames / progress.steps) + 1) \
                * progress.steps / self.record_frames
        if final:
            self._canvas.release()
        self.redraws += 1
        if not final:
            seconds = self.clock() - now
            self.drawing_seconds += seconds
            if self.redraws == 1:
                self._first_frame = seconds
        if show and not final and self.max_fps is not None:  # a steady timeline, without bursts after a gap
            period = 1.0 / self.max_fps
            self._next_draw = self._next_draw + period if now - self._next_draw < period else now + period

    def _build_figure(self):
        from matplotlib import rcParams
        from matplotlib.figure import Figure
        widths = [1.4] + [float(getattr(v, "width", 1.0)) for v in self.views]
        # One unit of width ~ one square image as tall as the figure; rcParams scale it all.
        height = max(3.0, 0.8 * rcParams["figure.figsize"][1])
        figsize = self.figsize or (min(height * sum(widths), 20.0), height)
        self._dpi = self.dpi or rcParams["figure.dpi"]
        # Frames before the last are drawn at LIVE_SCALE of the resolution (the last at full resolution)
        fig = Figure(figsize=figsize, dpi=self._dpi * LIVE_SCALE, layout="constrained")
        self._display_size = (round(figsize[0] * self._dpi), round(figsize[1] * self._dpi))
        self._canvas = BlitCanvas(fig)
        spec = fig.add_gridspec(1, len(widths), width_ratios=widths)
        self.cost_panel = CostPanel(fig.add_subplot(spec[0]), self.x_axis, self.log_scale)
        for view, sub in zip(self.views, list(spec)[1:]):
            view.setup(fig, sub)
        if self.title:
            fig.suptitle(self.title)
        # the views' labels that the canvas may paste (set up with their axes above, the same in every frame)
        self._stamps = frozenset(a for view in self.views for a in getattr(view, "stamps", ()))
        self.figure = fig

    # -- the progress line --

    def _summary(self, progress, now, final):
        h = progress.history
        parts = [f"step {progress.step:,}/{progress.steps:,}"]
        if len(h):
            parts.append(f"cost {h.train_cost[-1]:.4g}")
            if math.isfinite(h.val_cost[-1]):
                parts.append(f"validation {h.val_cost[-1]:.4g}")
            if math.isfinite(h.metric[-1]):
                name = self.metric_name or f"validation {progress.metric_name}"
                parts.append(f"{name} {h.metric[-1]:.4g}")
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
        return export.save_png(self.figure, path, dpi)

    def save_gif(self, path, fps=4.0, hold=2.0):
        """The recorded frames as an animated GIF, looping, ``fps`` frames a second, the last frame
        held ``hold`` seconds. Needs ``LiveTraining(..., record_frames=True)``. Returns path."""
        return export.save_gif(self.frames, path, fps, hold)


def _frame_count(record_frames):
    if record_frames is True:
        return GIF_FRAMES
    if record_frames is False or record_frames is None:
        return 0
    return positive_int("record_frames", record_frames)


def _duration(seconds):
    if not math.isfinite(seconds):
        return "?"
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
