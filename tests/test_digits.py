"""helpers.digits: a picture of a digit -> a 28x28 MNIST-like digit, robust the way a phone photo needs."""

import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import helpers
from helpers.digits import MNIST_CENTRE, centres_of_mass, digit_steps, mnist_centre_of_mass, mnist_digit

IMAGES = Path(__file__).resolve().parent.parent / "data" / "images"
PHOTOS = sorted(IMAGES.glob("digit_*_photo.png"))


def paper_with_a_one(height=120, width=90, ink=0.1, paper=0.9):
    """A dark vertical stroke (a '1') off-centre on light paper: (height, width) floats."""
    page = np.full((height, width), paper, np.float32)
    page[30:90, 20:26] = ink
    return page


def ramp(shape, direction, low=0.45):
    """Light falling from ``low`` to 1 across a page of ``shape``: 'right', 'left', 'down' or 'up' is the bright end."""
    along = {"right": (1, False), "left": (1, True), "down": (0, False), "up": (0, True)}
    axis, reverse = along[direction]
    light = np.linspace(low, 1.0, shape[axis], dtype=np.float32)[::-1 if reverse else 1]
    return light[None, :] if axis == 1 else light[:, None]


def label_of(path):
    return int(path.name.split("_")[1])  # digit_7_photo.png -> 7


def as_portrait_phone_jpeg(path, folder):
    """The photo as a phone stores a portrait picture: landscape pixels plus EXIF Orientation=6."""
    rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn the stored pixels a quarter clockwise to show them"
    target = folder / f"{path.stem}.jpg"
    Image.fromarray(np.ascontiguousarray(np.rot90(rgb, k=1))).save(target, exif=exif.tobytes(), quality=90)
    return target


@pytest.fixture(scope="module")
def mnist():
    return helpers.load_mnist()


@pytest.fixture(scope="module")
def reader(mnist):
    """A 784-128-10 network trained on MNIST for a few seconds (1000 steps of 128, float32): digit -> label."""
    x_train, y_train, _, _ = mnist
    net = helpers.Network.random([784, 128, 10], rng=0, dtype=np.float32)
    result = helpers.train(net, helpers.to_float(x_train), y_train, loss="softmax_cross_entropy",
                           optimizer=helpers.Adam(2e-3), steps=1000, batch_size=128, rng=0)

    def read(digit):
        return int(result.net.predict(digit.reshape(1, 784)).argmax())

    return read


# -- the MNIST recipe --------------------------------------------------------------------------

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


def test_centre_of_mass_lands_where_mnist_has_it():
    for page in (paper_with_a_one(), *(helpers.load_image(path) for path in PHOTOS)):
        com = centres_of_mass(mnist_digit(page)[None])[0]
        assert np.all(np.abs(com - MNIST_CENTRE) <= 0.5), com  # whole-pixel placement, as MNIST's: within half


def test_mnist_centre_is_measured_on_mnist(mnist):
    row, col, spread = mnist_centre_of_mass(mnist[0])
    assert (round(row, 3), round(col, 3), round(spread, 2)) == (13.996, 14.007, 0.29)
    assert (round(row, 1), round(col, 1)) == MNIST_CENTRE
    assert spread == pytest.approx(1 / np.sqrt(12), abs=0.01)  # the spread of rounding to whole pixels


def test_centres_of_mass():
    dots = np.zeros((2, 5, 7))
    dots[0, 1, 2] = 1.0
    dots[1, 4, 0] = dots[1, 4, 6] = 3.0
    assert centres_of_mass(dots).tolist() == [[1.0, 2.0], [4.0, 3.0]]
    with pytest.raises(ValueError, match="1 blank"):
        centres_of_mass(np.zeros((1, 28, 28)))
    with pytest.raises(ValueError, match=r"shape \(n, height, width\)"):
        mnist_centre_of_mass(np.ones((28, 28)))


def test_uint8_and_float_inputs_agree():
    page = paper_with_a_one()
    as_bytes = np.round(page * 255).astype(np.uint8)
    np.testing.assert_allclose(mnist_digit(page), mnist_digit(as_bytes), atol=1e-6)


def test_light_digit_on_dark_background():
    page = 1.0 - paper_with_a_one()
    np.testing.assert_allclose(mnist_digit(page, dark_on_light=False), mnist_digit(1.0 - page), atol=1e-6)


def test_specks_and_small_edge_shadows_are_ignored():
    page = paper_with_a_one()
    page[100:102, 70:72] = 0.1   # a speck of dust
    page[:12, -12:] = 0.2        # a dark corner, smaller than the digit: a shadow touching the edge
    steps = digit_steps(page)
    assert steps.box == (20, 30, 6, 60)
    np.testing.assert_allclose(steps.digit, mnist_digit(paper_with_a_one()), atol=1e-6)


def test_a_digit_in_two_pieces_keeps_both():
    page = paper_with_a_one()
    page[20:26, 40:70] = 0.1  # a separate bar, as in a 5 written in two strokes
    assert digit_steps(page).box == (20, 20, 50, 70)


def test_a_big_photo_is_shrunk_first():
    photo = helpers.load_image(PHOTOS[0])
    big = cv2.resize(photo, (photo.shape[1] * 5, photo.shape[0] * 5), interpolation=cv2.INTER_LINEAR)
    steps = digit_steps(big)
    assert steps.gray.shape == (800, 600) and steps.paper.shape == steps.mask.shape == (800, 600)
    assert np.abs(steps.digit - mnist_digit(photo)).mean() < 0.05


# -- uneven light ------------------------------------------------------------------------------

@pytest.mark.parametrize("direction", ["right", "left", "down", "up"])
def test_a_shadow_across_the_page_changes_nothing_much(direction):
    page = paper_with_a_one(height=160, width=120)
    page[40:46, 30:90] = 0.1  # a bar across, so that the ramp crosses ink
    plain = digit_steps(page)
    shadowed = digit_steps(page * ramp(page.shape, direction))
    assert shadowed.box == plain.box
    assert np.abs(shadowed.digit - plain.digit).max() < 0.1
    # Ink as dark in the shadow as in the light, and paper as light: one threshold fits the whole page.
    ink = np.zeros(page.shape, bool)
    ink[32:88, 22:24] = ink[42:44, 32:88] = True  # the strokes without their blurred edges
    paper = cv2.erode((page > 0.5).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert shadowed.inverted[ink].min() > 0.8 and np.ptp(shadowed.inverted[ink]) < 0.05
    assert shadowed.inverted[paper].max() < 0.1  # far below the threshold (at least 0.2)


def test_thick_strokes_are_still_ink():
    truth = np.zeros((480, 360), np.uint8)
    cv2.ellipse(truth, (180, 240), (110, 170), 0, 0, 360, 1, 50)  # a '0' with strokes 14 % of the width
    page = np.where(truth > 0, 0.15, 0.85).astype(np.float32) * ramp(truth.shape, "right")
    mask = digit_steps(page).mask
    assert (mask & (truth > 0)).sum() / (mask | (truth > 0)).sum() > 0.95


# -- the course photos, as phone photos come -------------------------------------------------------

def test_the_course_photos_become_digits():
    for path in PHOTOS:
        steps = digit_steps(path)
        assert steps.digit.shape == (28, 28)
        assert max(steps.scaled.shape) == 20
        assert 0.2 <= steps.threshold < 0.8
        # the digit's bounding box lies inside the photo, away from its edges
        x, y, w, h = steps.box
        assert x > 0 and y > 0 and x + w < steps.gray.shape[1] and y + h < steps.gray.shape[0]


@pytest.mark.parametrize("path", PHOTOS, ids=lambda path: path.stem)
def test_the_photos_are_read_correctly(reader, path):
    assert reader(mnist_digit(path)) == label_of(path)


@pytest.mark.parametrize("path", PHOTOS, ids=lambda path: path.stem)
def test_portrait_phone_jpegs_are_turned_upright_and_read(reader, path, tmp_path):
    jpeg = as_portrait_phone_jpeg(path, tmp_path)
    assert Image.open(jpeg).size == (480, 360)  # stored landscape
    steps = digit_steps(jpeg)
    assert steps.gray.shape == (480, 360)  # read portrait
    assert reader(steps.digit) == label_of(path)


@pytest.mark.parametrize("direction", ["right", "left", "down", "up"])
@pytest.mark.parametrize("path", PHOTOS, ids=lambda path: path.stem)
def test_shadowed_photos_are_read(reader, path, direction):
    photo = helpers.load_image(path).astype(np.float32)
    assert reader(mnist_digit(photo * ramp(photo.shape, direction))) == label_of(path)


# -- what cannot become a digit is refused, with what to do -----------------------------------------------

def noisy_paper(shape=(480, 360), seed=0):
    return np.clip(0.8 + np.random.default_rng(seed).normal(0, 0.02, shape), 0, 1).astype(np.float32)


def test_a_blank_page_is_refused():
    for page in (noisy_paper(), noisy_paper() * ramp((480, 360), "down")):
        with pytest.raises(ValueError, match="no digit found: nothing .* much darker than the paper.*thick, dark pen"):
            mnist_digit(page)


def test_a_speck_on_blank_paper_is_refused():
    page = noisy_paper()
    page[200:203, 150:153] = 0.1  # a 3x3 dot
    with pytest.raises(ValueError, match=r"only \d+ pixels high.*too small for a digit.*crop the photo"):
        mnist_digit(page)


def test_a_digit_far_away_is_refused():
    page = np.pad(helpers.load_image(PHOTOS[0]), 1500, constant_values=0.82)
    with pytest.raises(ValueError, match=r"too small for a digit.*take it closer"):
        mnist_digit(page)


def test_a_digit_cut_off_by_the_edge_is_refused():
    photo = helpers.load_image(PHOTOS[0])
    with pytest.raises(ValueError, match="touches the edge of the picture.*cut off.*crop the photo"):
        mnist_digit(photo[:, 150:])


def test_the_table_beside_the_paper_is_refused():
    photo = helpers.load_image(PHOTOS[0])
    with pytest.raises(ValueError, match="touches the edge of the picture.*the table"):
        mnist_digit(np.hstack([photo, np.full((480, 120), 0.1)]))


def test_a_light_digit_treated_as_dark_is_refused():
    with pytest.raises(ValueError, match="pass dark_on_light=False"):
        mnist_digit(1.0 - paper_with_a_one(), dark_on_light=True)
    with pytest.raises(ValueError, match="pass dark_on_light=True"):
        mnist_digit(paper_with_a_one(), dark_on_light=False)


@pytest.mark.parametrize("bad, words", [
    (np.full((50, 50), 0.8), "no digit found"),
    (np.zeros(50), "2-D grayscale"),
    (np.zeros((50, 50, 3)), "2-D grayscale"),
    (np.full((50, 50), 2.0), "floats in [0, 1]"),
    (np.full((50, 50), np.nan), "floats in [0, 1]"),
    (np.zeros((50, 50), np.int64), "floats in [0, 1]"),
])
def test_bad_pictures_get_clear_errors(bad, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        mnist_digit(bad)


def test_a_path_works_like_the_loaded_image(tmp_path):
    page = np.round(paper_with_a_one() * 255).astype(np.uint8)
    path = tmp_path / "one.png"
    cv2.imwrite(str(path), page)
    np.testing.assert_allclose(mnist_digit(path), mnist_digit(page), atol=1e-6)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no_such_digit.png"):
        mnist_digit("no_such_digit.png")


def test_exported_from_helpers():
    assert helpers.mnist_digit is mnist_digit and helpers.digit_steps is digit_steps
