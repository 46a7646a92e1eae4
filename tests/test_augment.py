"""helpers.augment: shape and dtype kept, input untouched, reproducible from the seed, and the geometry right."""

import numpy as np
import pytest

import helpers
from helpers import augment

DTYPES = [np.uint8, np.float32, np.float64]
AUGMENTATIONS = {"affine": augment.affine, "elastic": augment.elastic}


@pytest.fixture(scope="module")
def digits():
    return helpers.load_mnist()[0][:128]


def as_dtype(images, dtype):
    return images if dtype == np.uint8 else (images / 255).astype(dtype)


def ramps(n, h=28, w=28):
    """(n, h, w) float64 images whose value is the column index: bilinear reading of them is exact, so
    ``warped - ramps`` is the horizontal displacement the warp applied, where it read inside the image."""
    return np.broadcast_to(np.arange(w, dtype=np.float64), (n, h, w)).copy()


@pytest.mark.parametrize("name", AUGMENTATIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_shape_and_dtype_kept_input_untouched(digits, name, dtype):
    images = as_dtype(digits, dtype)
    before = images.copy()
    out = AUGMENTATIONS[name](images, rng=0)
    assert out.shape == images.shape and out.dtype == images.dtype
    assert np.array_equal(images, before)  # a pure function
    assert not np.shares_memory(out, images)
    assert not np.array_equal(out, images)  # it did something
    if dtype != np.uint8:
        assert out.min() >= 0 and out.max() <= 1 + 1e-6  # interpolation stays within the pixels' range


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_reproducible_from_the_seed(digits, name):
    transform = AUGMENTATIONS[name]
    first, again = transform(digits, rng=7), transform(digits, rng=np.random.default_rng(7))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, transform(digits, rng=8))
    # the same draws for every dtype: float images get the same warp as their uint8 originals
    floats = transform(as_dtype(digits, np.float32), rng=7)
    assert np.abs(floats * 255 - first).max() <= 1.0


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_a_generator_moves_on(digits, name):
    rng = np.random.default_rng(0)
    transform = AUGMENTATIONS[name]
    assert not np.array_equal(transform(digits[:4], rng), transform(digits[:4], rng))


def test_every_image_gets_its_own_draw(digits):
    same = np.repeat(digits[:1], 8, axis=0)
    for transform in AUGMENTATIONS.values():
        out = transform(same, rng=0)
        assert len({out[k].tobytes() for k in range(8)}) == 8


def test_no_change_when_nothing_is_asked(digits):
    for dtype in DTYPES:
        images = as_dtype(digits, dtype)
        assert np.array_equal(augment.affine(images, 0, max_shift=0, max_rotation=0, max_scale=0), images)
        assert np.array_equal(augment.elastic(images, 0, alpha=0), images)
        assert np.array_equal(augment.affine_transform(images), images)


# -- the geometry ------------------------------------------------------------------------------

def test_affine_transform_shift_turn_and_scale():
    dot = np.zeros((1, 5, 5), np.float32)
    dot[0, 0, 1] = 1.0  # top row, second column
    assert np.array_equal(augment.affine_transform(dot, shift=(1, 2))[0], np.roll(dot[0], (2, 1), axis=(0, 1)))
    assert np.array_equal(augment.affine_transform(dot, rotation=90), np.rot90(dot, axes=(1, 2)))  # anticlockwise
    assert np.array_equal(augment.affine_transform(dot, shift=(-9, 0)), np.zeros_like(dot))  # moved out: background
    square = np.zeros((1, 28, 28))
    square[0, 12:16, 12:16] = 1.0
    grown = augment.affine_transform(square, scale=2.0)[0]
    assert grown.sum() == pytest.approx(4 * square.sum(), rel=0.05)
    assert np.array_equal(grown, grown[::-1, ::-1])  # about the centre


def test_affine_transform_per_image_parameters():
    images = np.zeros((2, 5, 5))
    images[:, 2, 2] = 1.0
    out = augment.affine_transform(images, shift=[(1, 0), (0, -1)], rotation=[0, 0], scale=[1, 1])
    assert out[0, 2, 3] == 1.0 and out[1, 1, 2] == 1.0


def test_affine_draws_stay_within_their_bounds():
    shifted = augment.affine(ramps(256), 0, max_shift=2, max_rotation=0, max_scale=0)
    move = -(shifted - ramps(256))[:, 4:-4, 4:-4]  # each image shifted by one amount: its x shift
    assert np.all(np.ptp(move, axis=(1, 2)) < 0.05)
    shifts = move[:, 0, 0]
    assert shifts.min() >= -2 and shifts.max() <= 2 and shifts.min() < -1.5 and shifts.max() > 1.5
    rotation = np.deg2rad(10)
    turned = augment.affine(ramps(64), 1, max_shift=0, max_rotation=10, max_scale=0)
    # a turn by a moves row 14 (half a pixel below the centre) along x by at most 13.5 (1 - cos a) + 0.5 sin a
    bound = 13.5 * (1 - np.cos(rotation)) + 0.5 * np.sin(rotation)
    moved = np.abs(turned - ramps(64))[:, 14, 1:-1].max(axis=1)
    assert moved.max() <= bound + 0.05 and moved.max() > 0.7 * bound


def test_elastic_field_is_smooth_and_as_strong_as_alpha_says():
    images = ramps(64)
    inside = np.s_[:, 5:-5, 5:-5]  # away from the edges, where the ramp is read inside the image
    field = (augment.elastic(images, 0, alpha=34, sigma=4) - images)[inside]
    assert 1.2 < field.std() < 1.6  # about 1.4 pixels per axis: see the docstring
    assert np.abs(np.diff(field, axis=2)).mean() < 0.2 * np.abs(field).mean()  # smooth: neighbours move together
    half = (augment.elastic(images, 0, alpha=17, sigma=4) - images)[inside]
    np.testing.assert_allclose(half, field / 2, atol=0.05)  # the same field, half as strong
    rough = (augment.elastic(images, 0, alpha=34, sigma=1) - images)[inside]
    assert np.abs(np.diff(rough, axis=2)).mean() > 3 * np.abs(np.diff(field, axis=2)).mean()


def test_large_batches_are_warped_in_pieces_alike():
    images = np.random.default_rng(0).random((2500, 28, 28)).astype(np.float32)  # more than one remap call
    out = augment.affine_transform(images, shift=(1, 0))
    np.testing.assert_array_equal(out[:, :, 1:], images[:, :, :-1])
    assert np.all(out[:, :, 0] == 0)


# -- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("call, words", [
    (lambda: augment.affine(np.zeros((4, 784), np.float32)), r"\(batch, height, width\).*flattened"),
    (lambda: augment.elastic(np.zeros((28, 28, 1), np.int64)), "uint8, float32 or float64"),
    (lambda: augment.affine(np.zeros((0, 28, 28))), r"got \(0, 28, 28\)"),
    (lambda: augment.affine(np.zeros((1, 28, 28)), max_shift=-1), "max_shift"),
    (lambda: augment.affine(np.zeros((1, 28, 28)), max_scale=1.0), "max_scale"),
    (lambda: augment.affine(np.zeros((1, 28, 28)), max_rotation=float("nan")), "max_rotation"),
    (lambda: augment.elastic(np.zeros((1, 28, 28)), sigma=0), "sigma"),
    (lambda: augment.elastic(np.zeros((1, 28, 28)), alpha=-1), "alpha"),
    (lambda: augment.affine_transform(np.zeros((3, 5, 5)), shift=(1, 2, 3)), r"shift: expected shape \(2,\)"),
    (lambda: augment.affine_transform(np.zeros((3, 5, 5)), rotation=[1, 2]), r"rotation: expected shape"),
    (lambda: augment.affine_transform(np.zeros((3, 5, 5)), scale=0), "scale: expected positive"),
])
def test_bad_input_gets_a_clear_error(call, words):
    with pytest.raises(ValueError, match=words):
        call()
