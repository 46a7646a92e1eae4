"""helpers.digits: a picture of a digit -> a 28x28 MNIST-like digit."""

import re
from pathlib import Path

import cv2
import numpy as np
import pytest

import helpers
from helpers.digits import digit_steps, mnist_digit

IMAGES = Path(__file__).resolve().parent.parent / "data" / "images"


def paper_with_a_one(height=120, width=90, ink=0.1, paper=0.9):
    """A dark vertical stroke (a '1') off-centre on light paper: (height, width) floats."""
    page = np.full((height, width), paper, np.float32)
    page[30:90, 20:26] = ink
    return page


def test_result_is_28x28_float32_in_unit_range():
    digit = mnist_digit(paper_with_a_one())
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert digit.min() == 0.0 and digit.max() == pytest.approx(1.0)


def test_longer_side_is_20_and_aspect_is_kept():
    steps = digit_steps(paper_with_a_one())
    assert steps.box == (20, 30, 6, 60)
    assert steps.scaled.shape == (20, 2)  # 60x6 -> 20x2: the aspect ratio 10:1 kept
    rows, cols = np.nonzero(steps.digit)
    assert rows.max() - rows.min() + 1 == 20


def test_centre_of_mass_lands_in_the_middle():
    digit = mnist_digit(paper_with_a_one())
    rows, cols = np.indices(digit.shape)
    com = (float((rows * digit).sum() / digit.sum()), float((cols * digit).sum() / digit.sum()))
    assert com == pytest.approx((13.5, 13.5), abs=0.5)  # whole-pixel placement: within half a pixel


def test_uint8_and_float_inputs_agree():
    page = paper_with_a_one()
    as_bytes = np.round(page * 255).astype(np.uint8)
    np.testing.assert_allclose(mnist_digit(page), mnist_digit(as_bytes), atol=1e-6)


def test_light_digit_on_dark_background():
    page = 1.0 - paper_with_a_one()
    np.testing.assert_allclose(mnist_digit(page, dark_on_light=False), mnist_digit(1.0 - page), atol=1e-6)


def test_specks_and_edge_shadows_are_ignored():
    page = paper_with_a_one()
    page[100:102, 70:72] = 0.1   # a speck of dust
    page[:15, -15:] = 0.2        # a dark corner: a shadow touching the edge
    steps = digit_steps(page)
    assert steps.box == (20, 30, 6, 60)
    np.testing.assert_allclose(steps.digit, mnist_digit(paper_with_a_one()), atol=1e-6)


def test_a_digit_in_two_pieces_keeps_both():
    page = paper_with_a_one()
    page[20:26, 40:70] = 0.1  # a separate bar, as in a 5 written in two strokes
    assert digit_steps(page).box == (20, 20, 50, 70)


def test_the_course_photos_become_digits():
    for path in sorted(IMAGES.glob("digit_*_photo.png")):
        steps = digit_steps(path)
        assert steps.digit.shape == (28, 28)
        assert max(steps.scaled.shape) == 20
        assert 0.2 < steps.threshold < 0.8
        # the digit's bounding box lies inside the photo, away from its edges
        x, y, w, h = steps.box
        assert x > 0 and y > 0 and x + w < steps.gray.shape[1] and y + h < steps.gray.shape[0]


def test_a_path_works_like_the_loaded_image(tmp_path):
    page = np.round(paper_with_a_one() * 255).astype(np.uint8)
    path = tmp_path / "one.png"
    cv2.imwrite(str(path), page)
    np.testing.assert_allclose(mnist_digit(path), mnist_digit(page), atol=1e-6)


@pytest.mark.parametrize("bad, words", [
    (np.full((50, 50), 0.8), "almost uniform"),
    (np.zeros(50), "2-D grayscale"),
    (np.zeros((50, 50, 3)), "2-D grayscale"),
    (np.full((50, 50), 2.0), "floats in [0, 1]"),
    (np.full((50, 50), np.nan), "floats in [0, 1]"),
    (np.zeros((50, 50), np.int64), "floats in [0, 1]"),
])
def test_bad_pictures_get_clear_errors(bad, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        mnist_digit(bad)


def test_a_dark_picture_with_the_wrong_polarity_is_refused():
    # a light digit on dark paper, treated as dark-on-light: the "ink" would be the whole page
    with pytest.raises(ValueError, match="dark_on_light=False"):
        mnist_digit(1.0 - paper_with_a_one(), dark_on_light=True)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no_such_digit.png"):
        mnist_digit("no_such_digit.png")


def test_exported_from_helpers():
    assert helpers.mnist_digit is mnist_digit and helpers.digit_steps is digit_steps
