"""Pictures: read with OpenCV, and seen as functions on the square [-1, 1]^2.

Coordinates on the square (used by ``image_values``, ``image_sampler``, ``pixel_grid``):
a point is a row ``(x, y)`` with x to the right and y *down*, as in an image, both in
[-1, 1]. The corners of the square are the outer corners of the picture, so pixel
``(row i, column j)`` of an ``h x w`` image has its centre at
``x = -1 + (2 j + 1) / w``, ``y = -1 + (2 i + 1) / h``. To show something drawn on this
square with matplotlib: ``plt.imshow(values.reshape(h, w), extent=(-1, 1, 1, -1))``.

Every function returns new arrays; nothing is cached between calls.
"""

from pathlib import Path
from types import MappingProxyType

import numpy as np

from .checks import finite_array, lookup, positive_int


class ImageReadError(FileNotFoundError, ValueError):
    """A path that gives no picture: missing, a folder, empty, or not decodable by OpenCV.

    A FileNotFoundError, as the course promises for every unreadable path, and a ValueError
    too, since for a file that exists it is the content that is wrong."""


def load_image(path, color=False):
    """A picture as floats in [0, 1], read with OpenCV, upright.

    Returns (height, width) float64 grayscale (luma 0.299 R + 0.587 G + 0.114 B), or with
    color=True (height, width, 3) in RGB order. A photo's EXIF orientation is applied, so a
    portrait phone photo comes in portrait; a transparent picture (alpha channel) is laid on
    white paper (OpenCV reads such pictures as stored, without turning them).
    Raises ``ImageReadError`` (a FileNotFoundError and a ValueError) for a missing path, a
    folder, an empty file or one OpenCV cannot decode (cv2 itself silently returns None).
    """
    import cv2  # here, so `import helpers` stays fast for notebooks that show no pictures

    path = Path(path)
    if not path.is_file():
        raise ImageReadError(f"image file not found: {path}" if not path.exists() else
                             f"expected an image file, got a folder: {path}")
    # imdecode on the file's bytes rather than imread(path): same decoder, and it also
    # reads paths with non-ASCII characters on Windows.
    raw = np.fromfile(path, dtype=np.uint8)
    # IMREAD_UNCHANGED is the one mode that keeps an alpha channel, and the one mode that
    # ignores the EXIF orientation: a picture without alpha is decoded again, in colour.
    image = cv2.imdecode(raw, cv2.IMREAD_UNCHANGED) if raw.size else None
    if image is not None and not (image.ndim == 3 and image.shape[2] == 4):
        image = cv2.imdecode(raw, cv2.IMREAD_COLOR)
    if image is None:
        raise ImageReadError(f"OpenCV cannot decode {path} ({raw.size} bytes): "
                             "expected an image file (PNG, JPEG, ...)")
    return _to_unit_float(image, color)


def _to_unit_float(image, color):
    """OpenCV's (h, w, 3) BGR or (h, w, 4) BGRA -> floats in [0, 1], gray (h, w) or RGB (h, w, 3)."""
    # 8 bits but for a 16-bit picture with alpha, which IMREAD_UNCHANGED keeps at its depth.
    pixels = image.astype(np.float64) / np.iinfo(image.dtype).max
    if pixels.shape[2] == 4:  # lay the picture on white paper
        alpha = pixels[:, :, 3:]
        pixels = pixels[:, :, :3] * alpha + (1.0 - alpha)
    rgb = pixels[:, :, ::-1]  # OpenCV stores BGR
    if color:
        return np.ascontiguousarray(rgb)
    # Weights in thousandths, divided last, so that white is exactly 1.0 (0.299 + 0.587 + 0.114 is not).
    return rgb @ np.array([299.0, 587.0, 114.0]) / 1000.0


def pixel_grid(height, width, low=-1.0, high=1.0):
    """The centres of a height x width grid of pixels covering the square [low, high]^2.

    Returns (height * width, 2) float64 rows (x, y), x to the right and y down, in row
    order: ``net.predict(pixel_grid(h, w)).reshape(h, w)`` is a picture of the net at any
    resolution. For an image of that size these are exactly its pixel centres.
    """
    height, width = positive_int("height", height), positive_int("width", width)
    xs = low + (high - low) * (np.arange(width) + 0.5) / width
    ys = low + (high - low) * (np.arange(height) + 0.5) / height
    gx, gy = np.meshgrid(xs, ys)  # (height, width) each, rows along y
    return np.column_stack([gx.ravel(), gy.ravel()])


def _nearest(image, u, v):
    """The pixel each point (u, v) falls in."""
    return image[np.rint(v).astype(int), np.rint(u).astype(int)]


def _bilinear(image, u, v):
    """Between the 4 nearest pixel centres."""
    h, w, _ = image.shape
    # The upper-left of the 4 neighbours; on the last row or column, the pair before it (weight 1 on the last).
    j0, i0 = np.minimum(u.astype(int), max(w - 2, 0)), np.minimum(v.astype(int), max(h - 2, 0))
    j1, i1 = np.minimum(j0 + 1, w - 1), np.minimum(i0 + 1, h - 1)
    fu, fv = (u - j0)[:, None], (v - i0)[:, None]
    top = image[i0, j0] * (1 - fu) + image[i0, j1] * fu
    bottom = image[i1, j0] * (1 - fu) + image[i1, j1] * fu
    return top * (1 - fv) + bottom * fv


_INTERPOLATIONS = MappingProxyType({"bilinear": _bilinear, "nearest": _nearest})


def image_values(image, xy, interpolation="bilinear"):
    """The image as a function on the square: its value at points ``xy``.

    image: (h, w) or (h, w, c) floats. xy: (n, 2) finite rows (x, y) in [-1, 1], x right,
    y down (outside is clamped to the edge). Returns (n, 1) for a grayscale image,
    (n, c) otherwise. interpolation: "bilinear" (between the 4 nearest pixel centres)
    or "nearest" (the pixel the point falls in).
    """
    image = _check_image(image, "image_values")
    interpolate = lookup(_INTERPOLATIONS, interpolation, "interpolation")
    xy = finite_array("xy", xy).astype(np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"image_values: expected points of shape (n, 2), got {xy.shape}")
    h, w, _ = image.shape
    # Continuous pixel coordinates: column j's centre is at u = j, row i's at v = i.
    u = np.clip((xy[:, 0] + 1.0) * w / 2.0 - 0.5, 0.0, w - 1.0)
    v = np.clip((xy[:, 1] + 1.0) * h / 2.0 - 0.5, 0.0, h - 1.0)
    return interpolate(image, u, v)


def image_sampler(image, interpolation="bilinear", dtype=np.float64):
    """``sample(rng, batch_size) -> (xy, values)``: random points of the image, for ``train(sample=...)``.

    image: (h, w) or (h, w, c) floats, e.g. from ``load_image``. Each call draws
    batch_size points uniformly on the square (see ``image_values`` for the
    coordinates and the interpolation): xy (batch_size, 2), values (batch_size, 1)
    for grayscale or (batch_size, c), both of ``dtype``. rng: a Generator or an int seed.
    """
    image = _check_image(image, "image_sampler")
    lookup(_INTERPOLATIONS, interpolation, "interpolation")  # fail now on a bad name, not at the first batch

    def sample(rng, batch_size):
        xy = np.random.default_rng(rng).uniform(-1.0, 1.0, size=(batch_size, 2))
        return xy.astype(dtype), image_values(image, xy, interpolation).astype(dtype)

    return sample


def _check_image(image, caller):
    """A float image as (h, w, c), c >= 1; a ValueError for anything else."""
    image = np.asarray(image)
    if image.ndim not in (2, 3) or 0 in image.shape:
        raise ValueError(f"{caller}: expected an image of shape (h, w) or (h, w, channels), "
                         f"got {image.shape}")
    if image.dtype.kind != "f":
        raise ValueError(f"{caller}: expected float pixels in [0, 1] (load_image gives them), "
                         f"got dtype {image.dtype}")
    return image[:, :, None] if image.ndim == 2 else image
