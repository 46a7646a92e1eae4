"""helpers.images: pictures read upright and with their errors, and images as functions on the square."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import helpers

IMAGES = Path(__file__).resolve().parent.parent / "data" / "images"


def write_png(path, array):
    assert cv2.imwrite(str(path), array)
    return path


def write_phone_jpeg(path, rgb, orientation):
    """A JPEG the way a phone stores a turned photo: the sensor's pixels plus an EXIF Orientation tag."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(rgb).save(path, exif=exif.tobytes(), quality=95)
    return path


def test_load_image_gray(tmp_path):
    gray = np.array([[0, 128], [255, 64]], np.uint8)
    image = helpers.load_image(write_png(tmp_path / "gray.png", gray))
    assert image.shape == (2, 2) and image.dtype == np.float64
    assert np.allclose(image, gray / 255)
    assert np.allclose(helpers.load_image(tmp_path / "gray.png", color=True), (gray / 255)[:, :, None])


def test_load_image_colour(tmp_path):
    bgr = np.zeros((3, 4, 3), np.uint8)
    bgr[0, 0] = (0, 0, 255)    # red
    bgr[0, 1] = (0, 255, 0)    # green
    bgr[0, 2] = (255, 0, 0)    # blue
    bgr[0, 3] = (255, 255, 255)
    path = write_png(tmp_path / "colour.png", bgr)
    gray = helpers.load_image(path)
    assert gray.shape == (3, 4)
    assert np.allclose(gray[0], [0.299, 0.587, 0.114, 1.0]) and gray.max() <= 1.0
    rgb = helpers.load_image(str(path), color=True)
    assert rgb.shape == (3, 4, 3) and rgb[0, 0].tolist() == [1.0, 0.0, 0.0]


def test_load_image_alpha_is_laid_on_white(tmp_path):
    bgra = np.zeros((2, 2, 4), np.uint8)  # black...
    bgra[0, 0, 3] = 255                   # ...opaque at (0, 0), transparent at (0, 1) and (1, 1)
    bgra[1, 0, 3] = 128                   # half transparent at (1, 0)
    image = helpers.load_image(write_png(tmp_path / "alpha.png", bgra))
    assert image.shape == (2, 2)
    assert image[0, 0] == 0.0 and image[0, 1] == 1.0 and image[1, 1] == 1.0
    assert image[1, 0] == pytest.approx(1 - 128 / 255)
    assert helpers.load_image(tmp_path / "alpha.png", color=True).shape == (2, 2, 3)


def test_a_portrait_phone_photo_comes_in_upright(tmp_path):
    # What the viewer sees: a portrait picture (40 high, 30 wide), dark at its top-left corner.
    upright = np.full((40, 30, 3), 230, np.uint8)
    upright[:10, :8] = 20
    # Orientation 6: the phone stored the pixels turned a quarter anticlockwise, and says "turn them clockwise".
    stored = np.ascontiguousarray(np.rot90(upright, k=1))
    path = write_phone_jpeg(tmp_path / "portrait.jpg", stored, orientation=6)
    image = helpers.load_image(path)
    assert image.shape == (40, 30)
    assert image[:10, :8].max() < 0.2 and image[12:, 10:].min() > 0.8  # the dark corner is where it belongs
    assert helpers.load_image(path, color=True).shape == (40, 30, 3)


def test_a_photo_without_orientation_is_read_as_stored(tmp_path):
    stored = np.full((30, 40, 3), 230, np.uint8)
    stored[:10, :8] = 20
    image = helpers.load_image(write_phone_jpeg(tmp_path / "landscape.jpg", stored, orientation=1))
    assert image.shape == (30, 40) and image[:10, :8].max() < 0.2


def test_load_image_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="image file not found.*no_such_picture.png"):
        helpers.load_image(tmp_path / "no_such_picture.png")


@pytest.mark.parametrize("make, words", [
    (lambda folder: folder, "got a folder"),
    (lambda folder: folder / "empty.png", r"cannot decode .*empty\.png \(0 bytes\)"),
    (lambda folder: folder / "notes.png", r"cannot decode .*notes\.png \(23 bytes\)"),
])
def test_an_unreadable_path_is_a_file_not_found_error_and_a_value_error(tmp_path, make, words):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "notes.png").write_text("this is text, not a PNG")
    for error_type in (FileNotFoundError, ValueError, helpers.images.ImageReadError):
        with pytest.raises(error_type, match=words):
            helpers.load_image(make(tmp_path))


def test_the_pictures_in_data_images():
    assert helpers.load_image(IMAGES / "smiley.png").shape == (256, 256)
    assert helpers.load_image(IMAGES / "pattern.png").shape == (256, 256)
    assert helpers.load_image(IMAGES / "landscape.png", color=True).shape == (256, 256, 3)
    photos = sorted(IMAGES.glob("digit_*_photo.png"))
    assert len(photos) >= 3
    for path in photos:
        image = helpers.load_image(path)
        assert image.shape == (480, 360) and 0.0 <= image.min() < 0.4 and image.max() > 0.7, path.name


# -- the image as a function on the square ------------------------------------------------------

def test_pixel_grid():
    grid = helpers.pixel_grid(2, 3)
    assert grid.shape == (6, 2)
    assert np.allclose(grid[:3, 0], [-2 / 3, 0, 2 / 3]) and np.allclose(grid[:3, 1], -0.5)  # first row
    assert np.allclose(grid[3:, 1], 0.5)  # y grows downwards
    assert helpers.pixel_grid(4, 4, low=0.0, high=1.0).min() == 0.125
    with pytest.raises(ValueError, match="height"):
        helpers.pixel_grid(0, 3)
    with pytest.raises(ValueError, match="width"):
        helpers.pixel_grid(3, 2.0)


def test_image_values_at_pixel_centres_and_between():
    rng = np.random.default_rng(0)
    image = rng.uniform(size=(5, 7))
    grid = helpers.pixel_grid(5, 7)
    for interpolation in ("bilinear", "nearest"):
        assert np.allclose(helpers.image_values(image, grid, interpolation).reshape(5, 7), image)
    two = np.array([[0.0, 1.0]])
    between = helpers.image_values(two, [[0.0, 0.0]])  # halfway between the two pixel centres
    assert between.shape == (1, 1) and between[0, 0] == pytest.approx(0.5)
    assert helpers.image_values(two, [[0.1, 0.0]], "nearest")[0, 0] == 1.0
    assert helpers.image_values(two, [[-5.0, 9.0]])[0, 0] == 0.0  # clamped to the edge
    colour = rng.uniform(size=(3, 3, 3))
    assert helpers.image_values(colour, helpers.pixel_grid(3, 3)).shape == (9, 3)
    with pytest.raises(ValueError, match=r"unknown interpolation 'cubic'.*bilinear.*nearest"):
        helpers.image_values(image, grid, "cubic")
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        helpers.image_values(image, np.zeros(2))


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_image_values_at_a_point_that_is_not_a_number(interpolation, bad):
    with pytest.raises(ValueError, match=r"xy: expected finite numbers, got (nan|inf) at index \(1, 0\)"):
        helpers.image_values(np.eye(3), [[0.0, 0.0], [bad, 0.5]], interpolation)


def test_image_sampler():
    image = np.linspace(0, 1, 12).reshape(3, 4)
    sample = helpers.image_sampler(image)
    xy, values = sample(np.random.default_rng(0), 64)
    assert xy.shape == (64, 2) and values.shape == (64, 1) and xy.dtype == values.dtype == np.float64
    assert np.all(np.abs(xy) <= 1) and values.min() >= 0 and values.max() <= 1
    again = sample(np.random.default_rng(0), 64)
    assert np.array_equal(again[0], xy) and np.array_equal(again[1], values)
    xy32, colours = helpers.image_sampler(np.ones((4, 4, 3)), dtype=np.float32)(1, 8)
    assert colours.shape == (8, 3) and xy32.dtype == colours.dtype == np.float32
    with pytest.raises(ValueError, match="float pixels"):
        helpers.image_sampler(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="shape"):
        helpers.image_sampler(np.zeros(4))
    with pytest.raises(ValueError, match="interpolation"):
        helpers.image_sampler(image, interpolation="bicubic")


def test_image_sampler_drives_train():
    net = helpers.Network.random([2, 8, 1], rng=0)
    result = helpers.train(net, sample=helpers.image_sampler(np.eye(4)), lr=0.01, steps=5, batch_size=16, rng=0)
    assert len(result.history) > 0 and np.isfinite(result.history.train_cost).all()
