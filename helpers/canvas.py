"""A live figure's canvas: redraw only what changed, and encode a frame fast.

Drawing a whole figure is slow (tick labels and titles: text layout and glyphs), and constrained layout
as much again. So a frame here is drawn by blitting: the figure is drawn whole once, without its
moving artists, and kept as a background; each frame pastes the background back and draws only the
moving artists (the curves, the titles, the network's image). When the cost axes move to new
limits, only they are drawn again; the whole figure only for a view that cannot say what it
changed, and for the final frame. Labels that take a few looks over and over (a digit's predicted
label, in green or red) are stamps: drawn once per look, then pasted (text is most of a frame's cost:
16 labels and a title were ~70 % of a digits frame). A live frame is encoded as JPEG (fast, and fewer
bytes to send); the final frame, the one a notebook keeps, as PNG. What each costs (benchmarks/live.py,
at rest): notebook 01's figure, the first frame ~135-170 ms (figure built, laid out, drawn whole), one
after the cost axes moved ~40 ms, an ordinary frame ~14-16 ms (the view's forward pass over its grid
included), the final frame ~125-145 ms; the digits figure's ordinary frame ~6 ms (14-15 ms unstamped).

matplotlib and Pillow are imported here, on the first frame, not when ``helpers`` is imported.
"""

import io

from .frontend import Frame

JPEG_QUALITY = 85  # live frames only: no visible blur on lines and text at the figure's own size
# Looks kept at most (a digits view has 16 labels x 10 digits x 2 colours and 17 titles): a view that marks text with
# ever new looks as stamps (a number) would otherwise keep every one of them
MAX_STAMPS = 1000


class BlitCanvas:
    """Draws ``figure`` (a matplotlib Figure) frame after frame; ``draw`` then ``encode``."""

    def __init__(self, figure):
        import PIL.Image  # noqa: F401 -- loaded with the figure, once, rather than inside the first frame's time
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)  # a figure of its own: pyplot never sees it, never shows it twice
        self._base = self._background = None
        self._overlays = []
        self._animated = set()
        self._stamps = {}  # (artist, text, colour) -> its pixels over the background, as drawn once

    def draw(self, moving, layer=None, moved=False, overlays=(), whole=False, layout=False, stamps=()):
        """Bring the canvas up to date.

        moving: the artists that change from frame to frame, drawn over the background in this order;
          None: nobody knows what changed, the whole figure is drawn and nothing blitted.
        layer: an Axes (the cost panel) kept apart from the rest of the background, so that when it
          changes (moved: new limits, new ticks) only it is drawn again, not every panel of the figure.
        overlays: static artists that stay on top of the moving ones (a legend).
        whole: the rest of the figure changed too. layout: run constrained layout first (~35 ms).
        stamps: Text artists among ``moving`` that stay at their place over a part of the background that
          does not change, overlapping no other moving artist: each look (text and colour) is drawn
          once and pasted in later frames, pixel for pixel the same.
        """
        if moving is None:
            self.release()
            moving, layer, whole = [], None, True
        new = [a for a in [*moving, *([layer] if layer is not None else [])] if not a.get_animated()]
        for artist in new:
            artist.set_animated(True)  # Figure.draw and Axes.draw leave animated artists out
        self._animated.update(new)
        if whole or new or self._base is None:
            self.figure.set_layout_engine("constrained" if layout else "none")
            self.canvas.draw()  # everything but the layer and the moving artists
            self._base, moved, self._stamps = self.canvas.copy_from_bbox(self.figure.bbox), True, {}
        elif moved:
            self.canvas.restore_region(self._base)
        if moved:
            if layer is not None:
                self.figure.draw_artist(layer)  # its ticks, grid and legend; not its moving curves
            renderer = self.canvas.get_renderer()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._overlays = [self.canvas.copy_from_bbox(a.get_window_extent(renderer)) for a in overlays]
        else:
            self.canvas.restore_region(self._background)
        for artist in moving:
            if artist in stamps:
                self._stamp(artist)
            else:
                self.figure.draw_artist(artist)
        for region in self._overlays:
            self.canvas.restore_region(region)

    def _stamp(self, text):
        from matplotlib.transforms import Bbox
        key = (text, text.get_text(), str(text.get_color()))
        region = self._stamps.get(key)
        if region is not None:
            self.canvas.restore_region(region)
            return
        self.figure.draw_artist(text)
        # 2 pixels round the text's box: antialiased edges of the glyphs reach past it
        box = Bbox.intersection(text.get_window_extent(self.canvas.get_renderer()).padded(2), self.figure.bbox)
        if box is not None and box.width > 0 and box.height > 0:
            if len(self._stamps) >= MAX_STAMPS:
                self._stamps.clear()
            self._stamps[key] = self.canvas.copy_from_bbox(box)

    def encode(self, kind):
        """The canvas as a `Frame`. kind: "live" (JPEG: fast, small), "record" (PNG, fast) or "final"
        (PNG, well compressed: the frame a notebook keeps)."""
        from PIL import Image
        size, pixels = self.canvas.get_width_height(), self.canvas.buffer_rgba()
        image = Image.frombuffer("RGBA", size, pixels, "raw", "RGBA", 0, 1).convert("RGB")
        buffer = io.BytesIO()
        if kind == "live":
            image.save(buffer, format="jpeg", quality=JPEG_QUALITY)
            return Frame(buffer.getvalue(), "image/jpeg", size)
        image.save(buffer, format="png", compress_level=6 if kind == "final" else 1)
        return Frame(buffer.getvalue(), "image/png")

    def release(self):
        """Make every artist static again: the figure, as kept after training, draws and saves whole."""
        for artist in self._animated:
            artist.set_animated(False)
        self._animated, self._base, self._background, self._overlays, self._stamps = set(), None, None, [], {}
