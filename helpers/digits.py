"""A digit of your own, made to look like an MNIST digit.

MNIST was made from scanned, black-and-white (binary) NIST digits: each digit was
scaled to fit a 20x20 box keeping its aspect ratio (the anti-aliasing of that
resize is where MNIST's grey edge pixels come from), then placed in a 28x28 field
so that its centre of mass sits at the centre (LeCun et al. 1998): measured on MNIST,
at pixel (14, 14), half a pixel past the field's geometric centre 13.5. A network
trained on MNIST has only ever seen digits made that way, so a photo must go
through the same steps before the network can read it:

    photo (upright) -> grayscale -> the paper's brightness, estimated and divided out
          -> ink bright, paper dark -> threshold (Otsu) -> crop to the digit's bounding box
          -> scale into 20x20 -> 28x28, the centre of mass where MNIST has it

A phone photo is lit unevenly: dividing by the paper's own brightness (estimated
from the picture as its local median) makes ink in a shadow as dark as ink in
the light, so that one threshold fits the whole page. What cannot become a good
digit (a blank page, a speck, ink cut off by the picture's edge) is refused with an
error that says what to do, rather than turned into a white square.

``digit_steps`` returns every intermediate picture (to show them);
``mnist_digit`` returns only the result; ``mnist_centre_of_mass`` measures where
MNIST's digits have their centre of mass.
"""

from pathlib import Path
from typing import NamedTuple, Tuple

import numpy as np

from .images import load_image

BOX = 20    # MNIST's digits fit a 20x20 box ...
FIELD = 28  # ... inside a 28x28 field
# ... with their centre of mass here (row, column), as measured on MNIST's 60,000 training digits by
# mnist_centre_of_mass: (13.996, 14.007), spread 0.29 from placing by whole pixels.
MNIST_CENTRE = (14.0, 14.0)

WORK_SIZE = 800     # a photo is shrunk to at most this many pixels on its longer side: a 20x20 box needs no more
MIN_CONTRAST = 0.2  # ink is at least this much darker than the paper around it (1 = black): the least threshold
MIN_SIZE = 0.1      # the digit's longer side spans at least this part of the picture's shorter side


class DigitSteps(NamedTuple):
    """The pictures along the way; all 2-D floats in [0, 1] except ``mask`` (bool).

    gray: (h, w) the photo in grayscale, upright, shrunk to at most 800 pixels on its longer
    side. paper: (h, w) the paper's brightness under the light where it fell, estimated from
    gray as its local median (for dark_on_light=False, of 1 - gray). inverted: (h, w)
    the ink, bright on dark: 1 - gray / paper, smoothed a little against sensor noise, so
    ink in a shadow is as bright as ink in the light. mask: (h, w) the ink, by Otsu's
    threshold on ``inverted`` (never below MIN_CONTRAST, so the paper's noise is never ink),
    without specks and smaller patches at the picture's edge. cropped: the mask inside the
    digit's bounding box. scaled: the crop resized so its longer side is 20 pixels.
    digit: (28, 28) the result, float32, as MNIST's ``pixel / 255``.
    box: (x, y, width, height) of the bounding box in ``gray``. threshold: the threshold
    used on ``inverted``, in [0, 1]. center_of_mass: (row, column) of ``scaled``'s
    centre of mass; it lands at MNIST_CENTRE in ``digit``, to the nearest whole pixel.
    """

    gray: np.ndarray
    paper: np.ndarray
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

    image: a path to a picture file (a phone photo is turned upright by its EXIF
    orientation), or a 2-D grayscale array (floats in [0, 1] as ``helpers.load_image``
    returns, or uint8 0..255). dark_on_light: True for dark ink on light paper (a photo);
    False for a bright digit on a dark background (already MNIST-like). min_part: ink
    blobs smaller than this fraction of the largest blob are dropped as specks (the dot
    of dust, not the bar of a 7).
    Returns `DigitSteps`. Raises ValueError, saying what to do, for a picture without a
    digit, ink too small to be one, or ink that touches the picture's edge.
    """
    import cv2  # here, so that `import helpers` stays fast

    gray = _shrunk(_as_gray(image))
    page = gray if dark_on_light else 1.0 - gray
    # A light blur first: sensor noise would otherwise leave specks after thresholding.
    page = cv2.GaussianBlur(page, (0, 0), max(1.0, min(page.shape) / 300))
    paper = _paper(page)
    inverted = np.clip(1.0 - page / paper, 0.0, 1.0)
    levels = np.round(inverted * 255).astype(np.uint8)
    _check_contrast(levels, dark_on_light)
    # Otsu picks the threshold that best separates two groups of grey levels: ink and paper. On a page with
    # hardly any ink (a speck) it would split the paper's noise, hence the floor.
    otsu, _ = cv2.threshold(levels, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    threshold = max(otsu, round(MIN_CONTRAST * 255))
    mask = _digit_blobs(levels > threshold, min_part)
    rows, cols = np.nonzero(mask)
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    _check_size(bottom - top, right - left, mask.shape)
    cropped = mask[top:bottom, left:right].astype(np.float32)
    scaled = _fit_box(cropped)
    digit, center = _centre_by_mass(scaled)
    box = (int(left), int(top), int(right - left), int(bottom - top))
    return DigitSteps(gray, paper, inverted, mask, cropped, scaled, digit, box, threshold / 255, center)


def mnist_digit(image, dark_on_light=True):
    """A picture of one digit -> (28, 28) float32 in [0, 1], preprocessed like MNIST.

    Flatten it with ``.reshape(1, 784)`` to get a batch of one for ``net.predict``.
    See `digit_steps` for the arguments, the steps and the errors.
    """
    return digit_steps(image, dark_on_light).digit


def centres_of_mass(images):
    """(n, h, w) pictures -> (n, 2) rows (row, column) of each one's brightness-weighted mean position."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"expected pictures of shape (n, height, width), got {images.shape}")
    # Sums in float64 straight from the pixels: no float copy of 60,000 digits.
    per_row, per_col = images.sum(axis=2, dtype=np.float64), images.sum(axis=1, dtype=np.float64)
    mass = per_row.sum(axis=1)
    if not np.all(mass > 0):
        raise ValueError(f"expected pictures with some ink, got {int(np.sum(mass <= 0))} blank (or negative) ones")
    rows = per_row @ np.arange(images.shape[1]) / mass
    cols = per_col @ np.arange(images.shape[2]) / mass
    return np.column_stack([rows, cols])


def mnist_centre_of_mass(images):
    """Where a set of digits has its centre of mass: ``(row, column, spread)``.

    images: (n, 28, 28), e.g. MNIST's uint8 training digits. row, column: the mean centre
    of mass (pixel (0, 0)'s centre is at (0, 0)); spread: the standard deviation of the
    centres about it, per axis (the root of the mean of the two variances). MNIST's digits
    give (13.996, 14.007, 0.29): placed by whole pixels around (14, 14), as MNIST_CENTRE says.
    """
    centres = centres_of_mass(images)
    mean = centres.mean(axis=0)
    spread = float(np.sqrt(centres.var(axis=0).mean()))
    return float(mean[0]), float(mean[1]), spread


def _as_gray(image):
    if isinstance(image, (str, Path)):
        return load_image(image).astype(np.float32)
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


def _shrunk(gray):
    """(h, w) -> at most WORK_SIZE on the longer side (area-averaged); a smaller picture stays as it is."""
    import cv2

    factor = WORK_SIZE / max(gray.shape)
    if factor >= 1:
        return gray
    size = (max(8, round(gray.shape[1] * factor)), max(8, round(gray.shape[0] * factor)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def _paper(page):
    """The paper's brightness at every pixel of ``page`` (h, w), paper bright and ink dark.

    The median of a window a third of the picture wide: most of any such window is paper, so
    its median is the paper's brightness there, under the light where it fell (strokes up to
    about 15 % of the picture wide still count as ink). It is taken on a copy about 100 pixels
    across, smoothed and scaled back up. Dividing by it is what makes a shadow disappear; on a
    light digit on dark paper it finds no ink at all, rather than the edges of the strokes."""
    import cv2

    h, w = page.shape
    factor = min(1.0, 100 / min(h, w))
    small = cv2.resize(page, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA)
    window = 2 * (min(small.shape) // 6) + 1  # odd, about a third of the shorter side
    median = cv2.medianBlur(np.round(small * 255).astype(np.uint8), window).astype(np.float32) / 255
    smooth = cv2.GaussianBlur(median, (0, 0), window / 4)
    paper = cv2.resize(smooth, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.maximum(np.maximum(paper, page), 1 / 255)  # never darker than the page, never zero


def _check_contrast(levels, dark_on_light):
    """A ValueError when nothing in ``levels`` (the ink, 0..255) is clearly darker than the paper around it."""
    if levels.max() <= round(MIN_CONTRAST * 255):
        raise ValueError(
            f"no digit found: nothing in the picture is much darker than the paper around it (the darkest "
            f"part is {levels.max() / 255:.0%} darker, expected more than {MIN_CONTRAST:.0%}); write the digit "
            "with a thick, dark pen and photograph it in good light"
            + (" (for a light digit on a dark background, pass dark_on_light=False)" if dark_on_light
               else " (for dark ink on light paper, pass dark_on_light=True)")
        )


def _digit_blobs(mask, min_part):
    """The digit's blobs of the (h, w) ink mask: without specks, refusing ink cut off by the picture's edge."""
    import cv2

    # The mask is never empty: the threshold is below the brightest level (Otsu's and _check_contrast see to it).
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    x, y, w, h, areas = (stats[1:, k] for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                cv2.CC_STAT_HEIGHT, cv2.CC_STAT_AREA))
    inside = (x > 0) & (y > 0) & (x + w < mask.shape[1]) & (y + h < mask.shape[0])
    largest = int(np.argmax(areas))
    if not inside[largest]:
        raise ValueError(
            f"the largest patch of ink ({h[largest]} pixels high, {w[largest]} wide) touches the edge of the "
            "picture: the digit is cut off, or something dark (the table, a finger, a hard shadow) is in the "
            "picture; crop the photo so that paper surrounds the digit on every side, or take it again"
        )
    # Smaller patches at the edge are a shadow or the paper's edge, not the digit, which is inside.
    keep = np.flatnonzero(inside & (areas >= min_part * areas[largest])) + 1
    return np.isin(labels, keep)


def _check_size(height, width, shape):
    """A ValueError when the digit's bounding box (height, width) is too small a part of the picture (shape)."""
    part = max(height, width) / min(shape)
    if part < MIN_SIZE or max(height, width) < 8:
        raise ValueError(
            f"the ink found is only {height} pixels high and {width} wide, {part:.0%} of the picture's shorter "
            f"side (expected at least {MIN_SIZE:.0%}): too small for a digit. If it is a speck, there is no digit "
            "to find; if it is the digit, crop the photo around it or take it closer, with more light"
        )


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
    """Place (h, w) with h, w <= BOX in a FIELD x FIELD field, its centre of mass at MNIST_CENTRE."""
    h, w = scaled.shape
    row, col = centres_of_mass(scaled[None])[0]
    # Whole pixels, as MNIST did (no second resampling), keeping the digit inside the field.
    top = int(np.clip(round(MNIST_CENTRE[0] - row), 0, FIELD - h))
    left = int(np.clip(round(MNIST_CENTRE[1] - col), 0, FIELD - w))
    digit = np.zeros((FIELD, FIELD), np.float32)
    digit[top:top + h, left:left + w] = scaled
    return digit, (float(row), float(col))
