"""Views: what the network does now, drawn beside the cost curves of a live figure.

The protocol is two methods (and optional attributes), so a notebook can pass its own::

    class MyView:
        width = 1.0                    # optional: panel width relative to the cost panel
        def setup(self, fig, spec):    # fig: matplotlib Figure; spec: a SubplotSpec to fill
            self.ax = fig.add_subplot(spec)
        def update(self, net):         # draw what `net` does now, cheaply: update artists
            ...                        # (set_data, set_array, set_text), do not rebuild
            return [self.line]         # optional: the artists it changed
        stamps = ()                    # optional: labels among them that take a few looks over and over

An ``update`` that returns the artists it changed lets the live figure redraw only those (a frame
then costs a few milliseconds); one that returns None gets the whole figure redrawn. ``stamps``: text
artists among those it returns that stay in place, overlap nothing else that moves and come back to the
same few looks (a predicted label): each look is drawn once and pasted after. A plain
function ``draw(ax, net)`` works too (`FunctionView`: the axes cleared and drawn again every frame,
simple and slower). `ImageView` shows a 2-D array (a function on a grid, an image) beside its
target; `DigitsView` shows digits with the labels the network predicts.

``net`` is any model with ``predict(x)`` and ``dtype`` (a `Network` or a `Sequential`).
"""

import math

import numpy as np

from .checks import positive_float, positive_int
from .images import pixel_grid
from .targets import target_function


class FunctionView:
    """A view from a function ``draw(ax, net)``: the axes are cleared and redrawn every frame."""

    def __init__(self, draw, width=1.0):
        if not callable(draw):
            raise ValueError(f"FunctionView: expected a function draw(ax, net), got {type(draw).__name__}")
        self.draw, self.width = draw, positive_float("width", width)
        self.ax = None

    def setup(self, fig, spec):
        self.ax = fig.add_subplot(spec)

    def update(self, net):
        self.ax.clear()
        self.draw(self.ax, net)
        return None  # anything in the axes may have changed: the whole figure is redrawn


class ImageView:
    """What the network computes on a grid, as an image, with an optional target beside it.

    render(net) -> array (h, w) of values, or (h, w, 3) RGB in [0, 1]: e.g.
      ``lambda net: net.predict(helpers.pixel_grid(64, 64)).reshape(64, 64)``.
    target: optional array of the same kind, shown on the right with the same colour scale.
    extent: (left, right, bottom, top) in data coordinates, passed to ``imshow``.
    origin: "upper" (row 0 at the top, as pictures are) or "lower" (row 0 at the bottom, as
      function plots with the second coordinate pointing up are), passed to ``imshow``.
    cmap, title: of the network's panel. `ImageView.grid` builds one for a 2-D function or
    a picture on ``pixel_grid`` coordinates.
    """

    def __init__(self, render, target=None, extent=None, cmap="gray", title=None, origin="upper"):
        if origin not in ("upper", "lower"):
            raise ValueError(f"ImageView: origin must be 'upper' or 'lower', got {origin!r}")
        self.origin = origin
        if not callable(render):
            raise ValueError(f"ImageView: expected a function render(net) -> 2-D array, got {type(render).__name__}")
        self.render, self.extent, self.cmap = render, extent, cmap
        self.title = "network" if title is None else title
        self.target = None if target is None else _check_picture("ImageView target", target)
        self.width = 2.0 if self.target is not None else 1.0
        self.ax = self.target_ax = self.image = None

    @classmethod
    def grid(cls, target, resolution=64, low=-1.0, high=1.0, cmap=None, title=None, origin="upper"):
        """A view of the network on the square [low, high]^2 beside ``target``.

        target: the name of a 2-D function (see ``helpers.targets.TARGET_FUNCTIONS``), a function
        f(x, y) on arrays, or a picture (h, w) / (h, w, 3) floats as ``load_image`` gives.
        Functions are drawn at ``resolution`` x ``resolution`` pixels; a picture at its own
        size. Coordinates are those of ``helpers.pixel_grid``: x to the right, y down; with
        origin="lower", y up (the usual way to plot a function of two variables).
        cmap: default "viridis" for a function, "gray" for a picture.
        """
        is_function = isinstance(target, str) or callable(target)
        if cmap is None:
            cmap = "viridis" if is_function else "gray"
        if is_function:
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

        extent = (low, high, high, low) if origin == "upper" else (low, high, low, high)
        return cls(render, target=picture, extent=extent, cmap=cmap, title=title, origin=origin)

    def setup(self, fig, spec):
        if self.target is not None:
            left, right = spec.subgridspec(1, 2, wspace=0.05)
            self.ax, self.target_ax = fig.add_subplot(left), fig.add_subplot(right)
            self.target_ax.imshow(_shown(self.target), cmap=self.cmap, extent=self.extent, origin=self.origin,
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
        if self.image is None:
            self.image = self.ax.imshow(_shown(picture), cmap=self.cmap, extent=self.extent, origin=self.origin)
        else:
            self.image.set_data(_shown(picture))
        if picture.ndim == 2:
            finite = picture[np.isfinite(picture)]
            low, high = ((self._vmin(), self._vmax()) if self.target is not None
                         else (finite.min(), finite.max()) if finite.size else (0.0, 1.0))
            self.image.set_clim(low, high if high > low else low + 1e-12)
        return [self.image]

    def _vmin(self):
        return float(np.nanmin(self.target))

    def _vmax(self):
        return float(np.nanmax(self.target))


class DigitsView:
    """Sample digits with the labels the network predicts now: green right, red wrong.

    images: (n, 28, 28) or (n, 784) pixels (any scale; uint8 or floats); labels: (n,)
    integers or (n, 10) one-hot. The first ``count`` are shown, ``columns`` per row.
    inputs: what the network gets for them, (n, ...) (e.g. (n, 784) for a `Network`,
    (n, 1, 28, 28) for a convolutional `Sequential`); default the images as floats in
    [0, 1], flattened (as ``helpers.to_float`` makes them). cmap: "gray" draws white digits on
    black, as MNIST stores them and the notebooks show them; "gray_r" black on white.
    """

    def __init__(self, images, labels, count=16, columns=4, inputs=None, cmap="gray"):
        self.cmap = cmap
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
        count = min(positive_int("count", count), len(images))
        columns = positive_int("columns", columns)
        self.images, self.labels = images[:count], labels[:count].astype(int)
        scale = 255.0 if images.dtype.kind in "ui" else 1.0
        if inputs is None:
            inputs = self.images.reshape(count, -1) / scale
        else:
            inputs = np.asarray(inputs)
            if inputs.ndim < 2 or len(inputs) < count:
                raise ValueError(f"DigitsView: expected inputs of shape (n >= {count}, ...), got {inputs.shape}")
            inputs = inputs[:count]
        self.inputs = inputs
        self.columns = min(columns, count)
        self.rows = -(-count // self.columns)
        self.width = min(max(1.5 * self.columns / self.rows, 0.6), 3.0)
        self.ax, self.texts, self.stamps = None, [], []

    def setup(self, fig, spec):
        side_h, side_w = self.images.shape[1:]
        # Each tile: the digit, then a blank strip on its right for the predicted label.
        step_h, step_w = side_h + 2, side_w + side_w // 2
        mosaic = np.full((self.rows * step_h, self.columns * step_w), np.nan)
        for k, image in enumerate(self.images):
            r, c = divmod(k, self.columns)
            mosaic[r * step_h:r * step_h + side_h, c * step_w:c * step_w + side_w] = image
        self.ax = fig.add_subplot(spec)
        self.ax.imshow(mosaic, cmap=self.cmap)
        self.ax.set_axis_off()
        self.texts = []
        for k in range(len(self.images)):
            r, c = divmod(k, self.columns)
            self.texts.append(self.ax.text(c * step_w + side_w + 1, r * step_h + side_h / 2, "", ha="left",
                                           va="center", fontsize="large", fontweight="bold"))
        self.ax.set_title("predicted")
        # The labels (ten digits in two colours each) and the title (how many are right) come back to the same
        # few looks: drawing text is most of a frame's cost, so the canvas draws each look once (helpers/canvas.py)
        self.stamps = [*self.texts, self.ax.title]

    def update(self, net):
        predicted = net.predict(self.inputs.astype(net.dtype)).argmax(axis=1)
        for text, guess, truth in zip(self.texts, predicted, self.labels):
            text.set_text(str(guess))
            text.set_color("tab:green" if guess == truth else "tab:red")
        self.ax.set_title(f"predicted: {int(np.sum(predicted == self.labels))}/{len(self.labels)} right")
        return [*self.texts, self.ax.title]


def as_view(view):
    """``view`` itself if it has setup and update, a `FunctionView` for a function draw(ax, net)."""
    if hasattr(view, "setup") and hasattr(view, "update"):
        return view
    if callable(view):
        return FunctionView(view)
    raise ValueError("expected a view (an object with setup(fig, spec) and update(net)) or a function "
                     f"draw(ax, net), got {type(view).__name__}")


def _shown(picture):
    return np.clip(picture, 0.0, 1.0) if picture.ndim == 3 else picture


def _check_picture(name, picture):
    picture = np.asarray(picture, dtype=np.float64)
    if picture.ndim not in (2, 3) or (picture.ndim == 3 and picture.shape[2] != 3) or 0 in picture.shape:
        raise ValueError(f"{name}: expected an array (h, w) or RGB (h, w, 3), got shape {picture.shape}")
    return picture
