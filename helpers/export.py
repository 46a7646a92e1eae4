"""A live figure for slides and handouts: the final frame as a PNG, the recorded run as a GIF.

Used through `LiveTraining.save_png` and `LiveTraining.save_gif`. The GIF is written by Pillow (no
ffmpeg): one palette shared by every frame (taken from the first, middle and last frames) and no
dithering, which keeps flat areas flat: a 30-frame GIF of notebook 01's figure is under 1 MB.
"""

import io
import os

from .checks import finite_float, positive_float


def save_png(figure, path, dpi=150):
    """``figure`` (a matplotlib Figure) as a PNG at ``dpi`` (150: sharp on a projector). Returns path."""
    figure.set_layout_engine("constrained")
    figure.savefig(os.fspath(path), format="png", dpi=positive_float("dpi", dpi))
    return path


def save_gif(frames, path, fps=4.0, hold=2.0):
    """The encoded frames (bytes of PNG images, in order) as a looping GIF, ``fps`` frames a second,
    the last one held ``hold`` seconds. Frames of another size are scaled to the first's. Returns path."""
    from PIL import Image
    if not frames:
        raise ValueError("save_gif: no frames recorded; create LiveTraining(..., record_frames=True) "
                         "and train with it first")
    if not os.fspath(path).lower().endswith(".gif"):
        raise ValueError(f"save_gif: expected a path ending in .gif, got {os.fspath(path)!r}")
    frame_ms = int(round(1000.0 / positive_float("fps", fps)))
    hold_ms = int(round(1000.0 * finite_float("hold", hold, low=0.0)))
    images = [Image.open(io.BytesIO(data)).convert("RGB") for data in frames]
    size = images[0].size
    images = [image if image.size == size else image.resize(size, Image.Resampling.LANCZOS) for image in images]
    palette = _shared_palette([images[0], images[len(images) // 2], images[-1]])
    indexed = [image.quantize(palette=palette, dither=Image.Dither.NONE) for image in images]
    durations = [frame_ms] * (len(indexed) - 1) + [max(frame_ms, hold_ms)]
    indexed[0].save(os.fspath(path), format="GIF", save_all=True, append_images=indexed[1:],
                    duration=durations, loop=0)
    return path


def _shared_palette(samples):
    """A 256-colour palette image for all frames, from a few of them stacked."""
    from PIL import Image
    width, height = samples[0].size
    stack = Image.new("RGB", (width, height * len(samples)))
    for k, image in enumerate(samples):
        stack.paste(image, (0, k * height))
    return stack.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
