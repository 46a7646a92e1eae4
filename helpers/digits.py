"""A digit of your own, made to look like an MNIST digit.

MNIST was made from scanned, black-and-white (binary) NIST digits: each digit was
scaled to fit a 20x20 box keeping its aspect ratio (the anti-aliasing of that
resize is where MNIST's grey edge pixels come from), then placed in a 28x28 field
so that its centre of mass sits at the centre (LeCun et al. 1998). A network
trained on MNIST has only ever seen digits made that way, so a photo must go
through the same steps before the network can read it:

    photo -> grayscale -> inverted (ink bright, paper dark) -> threshold (Otsu)
          -> crop to the digit's bounding box -> scale into 20x20 -> 28x28, centred
             on the centre of mass

``digit_steps`` returns every intermediate picture (to show them);
``mnist_digit`` returns only the result.
"""

from pathlib import Path
from typing import NamedTuple, Tuple

import numpy as np

from .images import load_image

BOX = 20    # MNIST's digits fit a 20x20 box ...
FIELD = 28  # ... inside a 28x28 field


class DigitSteps(NamedTuple):
    """The pictures along the way; all 2-D floats in [0, 1] except ``mask`` (bool).

    gray: (h, w) the photo in grayscale, paper bright. inverted: (h, w) 1 - gray
    (smoothed a little against sensor noise), ink bright. mask: (h, w) the ink,
    by Otsu's threshold, without specks and without blobs touching the picture's
    edge (shadows). cropped: the mask inside the digit's
    bounding box. scaled: the crop resized so its longer side is 20 pixels.
    digit: (28, 28) the result, float32, as MNIST's ``pixel / 255``.
    box: (x, y, width, height) of the bounding box in the photo. threshold: Otsu's
    threshold on the inverted picture, in [0, 1]. center_of_mass: (row, column)
    of ``scaled``'s centre of mass.
    """

    gray: np.ndarray
    inverted: np.ndarray
    mask: np.ndarray
    cropped: np.ndarray
    scaled: np.ndarray
    digit: np.ndarray
    box: Tuple[int, int, int, int]
    threshold: float
    center_of_mass: Tuple[float, float]


def digit_steps(image, dark_on_light=True, min_part=0.05):
    """Preprocess a picture of one digit the way MNIST was made, keeping every step.

    image: a path to a picture file, or a 2-D grayscale array (floats in [0, 1] as
    ``helpers.load_image`` returns, or uint8 0..255). dark_on_light: True for dark
    ink on light paper (a photo); False for a bright digit on a dark background
    (already MNIST-like). min_part: ink blobs smaller than this fraction of the
    largest blob are dropped as specks (the dot of dust, not the bar of a 7).
    Returns `DigitSteps`. Raises ValueError when no digit can be found.
    """
    import cv2  # here, so that `import helpers` stays fast

    gray = _as_gray(image)
    inverted = 1.0 - gray if dark_on_light else gray.copy()
    # A light blur first: sensor noise would otherwise leave specks after thresholding.
    sigma = max(1.0, min(gray.shape) / 300)
    inverted = cv2.GaussianBlur(inverted, (0, 0), sigma)
    levels = np.round(inverted * 255).astype(np.uint8)
    if int(levels.max()) - int(levels.min()) < 16:
        raise ValueError(
            "no digit found: the picture is almost uniform (contrast below 16 of 255 grey levels); "
            "expected a dark digit on light paper (or dark_on_light=False for a light one on dark)"
        )
    # Otsu picks the threshold that best separates two groups of grey levels: ink and paper.
    otsu, binary = cv2.threshold(levels, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = _without_specks(binary > 0, min_part)
    rows, cols = np.nonzero(mask)
    if mask.mean() > 0.5:
        raise ValueError(
            f"no digit found: {mask.mean():.0%} of the picture counts as ink; expected a dark digit on "
            "light paper (pass dark_on_light=False for a light digit on a dark background)"
        )
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    cropped = mask[top:bottom, left:right].astype(np.float32)
    scaled = _fit_box(cropped)
    digit, center = _centre_by_mass(scaled)
    box = (int(left), int(top), int(right - left), int(bottom - top))
    return DigitSteps(gray, inverted, mask, cropped, scaled, digit, box, float(otsu) / 255, center)


def mnist_digit(image, dark_on_light=True):
    """A picture of one digit -> (28, 28) float32 in [0, 1], preprocessed like MNIST.

    Flatten it with ``.reshape(1, 784)`` to get a batch of one for ``net.predict``.
    See `digit_steps` for the arguments and the steps.
    """
    return digit_steps(image, dark_on_light).digit


def _as_gray(image):
    if isinstance(image, (str, Path)):
        return load_image(image)
    array = np.asarray(image)
    if array.ndim != 2 or min(array.shape) < 8:
        raise ValueError(
            f"expected a 2-D grayscale picture of at least 8x8 pixels (helpers.load_image(path) gives one), "
            f"got an array of shape {array.shape}"
        )
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255
    if array.dtype.kind != "f" or not np.all(np.isfinite(array)) or array.min() < 0 or array.max() > 1:
        raise ValueError(
            f"expected floats in [0, 1] or uint8 pixels, got dtype {array.dtype}"
            + (f" with values from {array.min()} to {array.max()}"
               if array.dtype.kind in "fiu" and array.size else "")
        )
    return array.astype(np.float32)


def _without_specks(mask, min_part):
    """The mask without connected blobs smaller than min_part times the largest blob."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n < 2:  # label 0 is the background: no ink at all
        raise ValueError("no digit found: nothing is darker than the paper after thresholding")
    x, y, w, h, areas = (stats[1:, k] for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                cv2.CC_STAT_HEIGHT, cv2.CC_STAT_AREA))
    # A blob that touches the edge of the picture is a shadow or the paper's edge, not the
    # digit (which the photographer put in the middle), unless there is nothing else.
    inside = (x > 0) & (y > 0) & (x + w < mask.shape[1]) & (y + h < mask.shape[0])
    if inside.any():
        areas = np.where(inside, areas, 0)
    keep = np.flatnonzero(areas >= min_part * areas.max()) + 1
    return np.isin(labels, keep)


def _fit_box(cropped):
    """Resize (h, w) so that the longer side is BOX pixels, keeping the aspect ratio.

    INTER_AREA averages the pixels each output pixel covers: a binary picture
    becomes grey at the edges, the way MNIST's anti-aliasing did it."""
    import cv2

    h, w = cropped.shape
    factor = BOX / max(h, w)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))  # OpenCV wants (width, height)
    return np.clip(cv2.resize(cropped, size, interpolation=cv2.INTER_AREA), 0.0, 1.0)


def _centre_by_mass(scaled):
    """Place (h, w) with h, w <= BOX in a FIELD x FIELD field, its centre of mass at the centre."""
    h, w = scaled.shape
    total = scaled.sum()
    row = float((scaled.sum(axis=1) * np.arange(h)).sum() / total)
    col = float((scaled.sum(axis=0) * np.arange(w)).sum() / total)
    centre = (FIELD - 1) / 2  # 13.5: between the two middle pixels
    # Round to whole pixels (no second resampling), and keep the digit inside the field.
    top = int(np.clip(round(centre - row), 0, FIELD - h))
    left = int(np.clip(round(centre - col), 0, FIELD - w))
    digit = np.zeros((FIELD, FIELD), np.float32)
    digit[top:top + h, left:left + w] = scaled
    return digit, (row, col)
