"""Data augmentation: new training digits from old ones, fast enough to make on the fly.

Pure functions of an image batch and a random generator: ``images`` (batch, height,
width), uint8 (0..255) or float32/float64, in; a new array of the same shape and dtype
out, the input untouched; the same seed gives the same batch.

- ``affine``: small random shifts, rotations and scalings (a digit moved, turned or
  resized a little is still the same digit);
- ``elastic``: elastic distortions, a smoothed random displacement field (Simard,
  Steinkraus and Platt 2003), like the wobble of different hands;
- ``affine_transform``: the same warp with the parameters given, to show them.

Every output pixel is read, with bilinear interpolation, from where the warp sends it
in its own input image; outside the image is background (0). The whole batch goes
through OpenCV's remap in one call: a Python loop over 128 small images would cost
more than the warp itself. OpenCV is imported inside the functions, so that
``import helpers`` stays fast.
"""

import numpy as np

from .checks import finite_array, finite_float, positive_float

_DTYPES = (np.uint8, np.float32, np.float64)


def affine(images, rng=None, max_shift=2.0, max_rotation=15.0, max_scale=0.1):
    """Each image shifted, rotated and scaled at random about its centre: (batch, h, w) -> same shape, dtype.

    Drawn uniformly and independently per image: a shift of up to max_shift pixels along
    each axis, a rotation of up to max_rotation degrees either way, a scale factor in
    [1 - max_scale, 1 + max_scale]. rng: a numpy Generator, an int seed, or None.
    """
    images = _check_images(images, "affine")
    max_shift = finite_float("max_shift", max_shift, low=0.0)
    max_rotation = finite_float("max_rotation", max_rotation, low=0.0, high=180.0)
    max_scale = finite_float("max_scale", max_scale, low=0.0, high=1.0, high_inclusive=False)
    rng = np.random.default_rng(rng)
    n = len(images)
    shift = rng.uniform(-max_shift, max_shift, size=(n, 2))
    rotation = rng.uniform(-max_rotation, max_rotation, size=n)
    scale = rng.uniform(1.0 - max_scale, 1.0 + max_scale, size=n)
    return affine_transform(images, shift, rotation, scale)


def affine_transform(images, shift=(0.0, 0.0), rotation=0.0, scale=1.0):
    """The images moved by ``shift``, turned by ``rotation`` and resized by ``scale`` about their centre.

    images: (batch, h, w). shift: (x, y) in pixels, x right and y down, one pair or
    (batch, 2); rotation: degrees, anticlockwise on the screen, one or (batch,); scale: one
    or (batch,), 2 doubles the size. Returns the same shape and dtype.
    """
    images = _check_images(images, "affine_transform")
    n, h, w = images.shape
    shift = _per_image("shift", shift, (n, 2))
    angle = np.deg2rad(_per_image("rotation", rotation, (n,)))
    scale = _per_image("scale", scale, (n,))
    if not np.all(scale > 0):
        raise ValueError(f"scale: expected positive factors, got {scale.min()}")
    # Where each output pixel comes from, (x, y) = A (x', y', 1): the inverse warp, undoing the shift,
    # then turning back and shrinking about the centre. With y down, [[cos a, -sin a], [sin a, cos a]]
    # turns clockwise on the screen: it undoes an anticlockwise turn by a.
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    centre = np.array([(w - 1) / 2, (h - 1) / 2])
    rotate = np.stack([np.stack([cos, -sin], axis=1), np.stack([sin, cos], axis=1)], axis=1)  # (n, 2, 2)
    move = centre - np.einsum("nij,nj->ni", rotate, centre + shift)
    inverse = np.concatenate([rotate, move[:, :, None]], axis=2).astype(np.float32)  # (n, 2, 3)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    grid = np.stack([xs.ravel(), ys.ravel(), np.ones(h * w, np.float32)])  # (3, h * w)
    cols, rows = (inverse[:, k] @ grid for k in (0, 1))  # (n, h * w) each, contiguous as remap wants them
    return _sample(images, rows.reshape(n, h, w), cols.reshape(n, h, w))


def elastic(images, rng=None, alpha=34.0, sigma=4.0):
    """Each image elastically distorted: (batch, h, w) -> same shape and dtype.

    After Simard, Steinkraus and Platt (2003): a displacement field with components drawn
    uniformly in [-1, 1] at every pixel, smoothed by a Gaussian of standard deviation sigma
    (pixels), scaled by alpha. Their MNIST values, sigma = 4 and alpha = 34, move pixels
    by about 1.4 pixels along each axis (standard deviation), smoothly; a smaller sigma makes
    the field rougher, a larger alpha stronger. rng: a numpy Generator, an int seed, or None.
    """
    import cv2

    images = _check_images(images, "elastic")
    alpha = finite_float("alpha", alpha, low=0.0)
    sigma = positive_float("sigma", sigma)
    n, h, w = images.shape
    field = np.random.default_rng(rng).random((n * h, w, 2), dtype=np.float32) * 2 - 1  # uniform in [-1, 1)
    # One blur for the whole batch: images stacked one under the other. Near a seam the field of
    # one image blends into the next one's, which is as random: each image still gets a smooth field.
    # Three standard deviations each way hold 99.7 % of the Gaussian; OpenCV's default for floats, four, costs more.
    size = 2 * int(np.ceil(3 * sigma)) + 1
    field = cv2.GaussianBlur(field, (size, size), sigma).reshape(n, h, w, 2) * np.float32(alpha)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return _sample(images, ys + field[..., 1], xs + field[..., 0])


def _sample(images, rows, cols):
    """images (batch, h, w) read at float32 (rows, cols) (batch, h, w), bilinear, 0 outside each image."""
    import cv2

    n, h, w = images.shape
    # All images on one canvas, one under the other with a row of zeros after each, so that a
    # point just outside an image blends with background and not with its neighbour. Coordinates
    # further outside are sent off the canvas, where remap reads its border value 0. remap keeps
    # integer coordinates in 16 bits: canvases of at most 32767 rows.
    per_call = max(1, 32767 // (h + 1) - 1)
    out = np.empty_like(images)
    for start in range(0, n, per_call):
        stop = min(n, start + per_call)
        canvas = np.zeros((stop - start, h + 1, w), images.dtype)
        canvas[:, :h] = images[start:stop]
        map_y = rows[start:stop] + (np.arange(stop - start, dtype=np.float32) * (h + 1))[:, None, None]
        map_y[(rows[start:stop] <= -1) | (rows[start:stop] >= h)] = -2
        map_x = np.ascontiguousarray(cols[start:stop])
        warped = cv2.remap(canvas.reshape(-1, w), map_x.reshape(-1, w), map_y.reshape(-1, w), cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        out[start:stop] = warped.reshape(stop - start, h, w)
    return out


def _per_image(name, value, shape):
    """``value``, one for all or one per image, as finite float64 of ``shape``."""
    value = finite_array(name, np.asarray(value, np.float64))
    try:
        return np.broadcast_to(value, shape)
    except ValueError:
        raise ValueError(f"{name}: expected shape {shape[1:]} (for every image) or {shape}, "
                         f"got {value.shape}") from None


def _check_images(images, caller):
    """A (batch, h, w) array of a dtype OpenCV warps; a ValueError naming what came otherwise."""
    images = np.asarray(images)
    if images.ndim != 3 or 0 in images.shape:
        raise ValueError(f"{caller}: expected a batch of images of shape (batch, height, width), got {images.shape}"
                         + (" (flattened? reshape to (batch, 28, 28) first)" if images.ndim == 2 else ""))
    if images.dtype not in _DTYPES:
        raise ValueError(f"{caller}: expected uint8, float32 or float64 pixels, got dtype {images.dtype}")
    return images
