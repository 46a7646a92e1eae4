"""Tests of helpers/data.py: MNIST is canonical, damage is reported, images and samplers behave."""

import gzip
import io
import importlib.util
import pickle
import shutil
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest

import helpers
from helpers.data import default_mnist_path

REPO = Path(__file__).resolve().parent.parent
IMAGES = REPO / "data" / "images"

# The facts from issue 3, independent of how the copy was made.
SHA256 = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist():
    return helpers.load_mnist()


@pytest.fixture
def mnist_copy(tmp_path):
    """A private copy of data/mnist that a test may damage."""
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in helpers.MNIST_FILES:
        shutil.copyfile(default_mnist_path() / name, folder / name)
    return folder


def rewrite(path, change):
    """Decompress ``path``, apply ``change(bytes) -> bytes``, write it back gzipped."""
    path.write_bytes(gzip.compress(change(gzip.decompress(path.read_bytes()))))


def load_rebuild_script():
    spec = importlib.util.spec_from_file_location("rebuild", REPO / "data" / "mnist" / "rebuild.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- MNIST: canonical -------------------------------------------------------------------

def test_recorded_checksums_are_the_canonical_ones():
    assert {name: sha for name, (sha, _) in helpers.MNIST_FILES.items()} == SHA256
    with pytest.raises(TypeError):
        helpers.MNIST_FILES["train-images-idx3-ubyte.gz"] = ("0" * 64, (1,))  # immutable


def test_load_mnist_shapes_dtypes_and_labels(mnist):
    x_train, y_train, x_test, y_test = mnist
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert all(a.dtype == np.uint8 for a in mnist)
    assert np.bincount(y_train, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test, minlength=10).tolist() == TEST_COUNTS
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    counts = np.bincount(x_train.ravel(), minlength=256)  # mean and std from a histogram: fast
    values = np.arange(256.0)
    mean = counts @ values / counts.sum()
    std = np.sqrt(counts @ (values - mean) ** 2 / counts.sum())
    assert round(mean, 3) == 33.318 and round(std, 3) == 78.567


def test_load_mnist_returns_arrays_the_caller_owns(mnist):
    x_train = mnist[0]
    assert x_train.flags.writeable and x_train.flags.owndata


def test_load_mnist_accepts_a_folder(mnist_copy, mnist):
    loaded = helpers.load_mnist(str(mnist_copy))
    assert all(np.array_equal(a, b) for a, b in zip(loaded, mnist))


# -- MNIST: damage is reported --------------------------------------------------------

def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="MNIST folder not found.*nowhere"):
        helpers.load_mnist(tmp_path / "nowhere")


def test_missing_file(mnist_copy):
    (mnist_copy / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"t10k-labels-idx1-ubyte\.gz.*git checkout data/mnist"):
        helpers.load_mnist(mnist_copy)


def test_flipped_byte_in_the_compressed_file(mnist_copy):
    path = mnist_copy / "train-labels-idx1-ubyte.gz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte\.gz.*(corrupted|modified).*git checkout"):
        helpers.load_mnist(mnist_copy)


def test_truncated_compressed_file(mnist_copy):
    path = mnist_copy / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz cannot be decompressed.*rebuild\.py"):
        helpers.load_mnist(mnist_copy)


def test_truncated_payload(mnist_copy):
    path = mnist_copy / "train-labels-idx1-ubyte.gz"
    rewrite(path, lambda data: data[:-10])
    with pytest.raises(ValueError, match=r"train-labels.*expected 60008 bytes.*got 59998.*truncated"):
        helpers.load_mnist(mnist_copy)


def test_tampered_content(mnist_copy):
    path = mnist_copy / "t10k-labels-idx1-ubyte.gz"
    rewrite(path, lambda data: data[:100] + bytes([(data[100] + 1) % 10]) + data[101:])
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz has been modified.*"
                                         + SHA256["t10k-labels-idx1-ubyte.gz"]):
        helpers.load_mnist(mnist_copy)


def test_wrong_magic_number(mnist_copy):
    path = mnist_copy / "train-labels-idx1-ubyte.gz"
    rewrite(path, lambda data: struct.pack(">I", 0x00000D01) + data[4:])  # 0x0D: floats
    with pytest.raises(ValueError, match=r"train-labels.*magic number.*got 0x00000D01.*git checkout"):
        helpers.load_mnist(mnist_copy)


def test_files_swapped(mnist_copy):
    # A well-formed file in the wrong place: the shape gives it away.
    shutil.copyfile(mnist_copy / "t10k-labels-idx1-ubyte.gz", mnist_copy / "train-labels-idx1-ubyte.gz")
    with pytest.raises(ValueError, match=r"train-labels.*shape \(10000,\), expected \(60000,\)"):
        helpers.load_mnist(mnist_copy)


def test_damaged_images_file(mnist_copy):
    path = mnist_copy / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[: 1 << 20])
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte\.gz"):
        helpers.load_mnist(mnist_copy)


def test_parse_idx_round_trip_and_errors():
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    data = bytes([0, 0, 8, 3]) + struct.pack(">3I", 2, 3, 4) + array.tobytes()
    assert np.array_equal(helpers.parse_idx(data), array)
    with pytest.raises(ValueError, match="header"):
        helpers.parse_idx(b"\x00\x00")
    with pytest.raises(ValueError, match="12 header bytes"):
        helpers.parse_idx(bytes([0, 0, 8, 2, 0, 0]))
    with pytest.raises(ValueError, match="extra bytes"):
        helpers.parse_idx(data + b"\x00")


# -- the rebuild script -------------------------------------------------------------------

def test_rebuild_script_agrees_with_the_loader():
    rebuild = load_rebuild_script()
    assert {f"{name}.gz": sha for name, sha in rebuild.IDX_SHA256.items()} == SHA256
    array = np.arange(60, dtype=np.uint8).reshape(3, 4, 5)
    packed = rebuild.gzip_deterministic(rebuild.idx_bytes(array))
    assert packed == rebuild.gzip_deterministic(rebuild.idx_bytes(array))  # same bytes every time
    assert np.array_equal(helpers.parse_idx(gzip.decompress(packed)), array)
    pixels = np.array([[0.0, 1 / 256, 255 / 256]], np.float32)
    assert rebuild.to_bytes(np.tile(pixels, (1, 784 // 3 + 1))[:, :784]).max() == 255
    with pytest.raises(ValueError, match="not exactly"):
        rebuild.to_bytes(np.full((1, 784), 0.3, np.float32))


def test_rebuild_script_unpickles_numpy_arrays_only():
    rebuild = load_rebuild_script()

    class Evil:
        def __reduce__(self):
            return (print, ("this must not run",))

    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        rebuild.NumpyOnlyUnpickler(io.BytesIO(pickle.dumps(Evil()))).load()
    with pytest.raises(ValueError, match="sha256"):
        rebuild.load_pickle(gzip.compress(b"not the file"))


# -- arrays for the network ---------------------------------------------------------------

def test_to_float(mnist):
    x = helpers.to_float(mnist[0][:5])
    assert x.shape == (5, 784) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    assert helpers.to_float(mnist[0][:2], dtype=np.float64, flatten=False).shape == (2, 28, 28)
    with pytest.raises(ValueError, match="uint8.*already floats"):
        helpers.to_float(x)
    with pytest.raises(ValueError, match="shape"):
        helpers.to_float(np.zeros((2, 2, 2, 2), np.uint8))


def test_one_hot():
    encoded = helpers.one_hot(np.array([3, 0, 9]))
    assert encoded.shape == (3, 10) and encoded.dtype == np.float32
    assert encoded.argmax(axis=1).tolist() == [3, 0, 9] and encoded.sum() == 3
    assert helpers.one_hot([1], 3, dtype=np.float64).tolist() == [[0.0, 1.0, 0.0]]
    with pytest.raises(ValueError, match=r"labels in 0\.\.9.*10"):
        helpers.one_hot([1, 10])
    with pytest.raises(ValueError, match="integer"):
        helpers.one_hot([1.0, 2.0])
    with pytest.raises(ValueError, match=r"shape \(n,\)"):
        helpers.one_hot(np.zeros((2, 2), int))


def test_train_val_split():
    x, y = np.arange(100).reshape(50, 2), np.arange(50)
    x_tr, y_tr, x_val, y_val = helpers.train_val_split(x, y, 10, rng=0)
    assert x_tr.shape == (40, 2) and x_val.shape == (10, 2) and len(y_tr) == 40 and len(y_val) == 10
    assert sorted(y_tr.tolist() + y_val.tolist()) == list(range(50))
    assert np.array_equal(x_val[:, 0] // 2, y_val)  # rows stay with their targets
    assert np.array_equal(helpers.train_val_split(x, y, 10, rng=0)[3], y_val)  # seeded
    for bad in (0, 50, 2.5):
        with pytest.raises(ValueError, match="n_val"):
            helpers.train_val_split(x, y, bad, rng=0)
    with pytest.raises(ValueError, match="one target per sample"):
        helpers.train_val_split(x, y[:-1], 5)


def test_minibatches():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    batches = list(helpers.minibatches(x, y, 4, rng=1))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate([b[1] for b in batches]).tolist()) == list(range(10))
    assert all(np.array_equal(bx[:, 0] // 2, by) for bx, by in batches)
    again = list(helpers.minibatches(x, y, 4, rng=1))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(batches, again))
    assert [len(b[1]) for b in helpers.minibatches(x, y, 4, drop_last=True)] == [4, 4]
    in_order = list(helpers.minibatches(x, y, 5, shuffle=False))
    assert in_order[0][1].tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="batch_size"):
        next(helpers.minibatches(x, y, 0))


# -- pictures ------------------------------------------------------------------------------

def write_png(path, array):
    assert cv2.imwrite(str(path), array)
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


def test_load_image_16_bit(tmp_path):
    deep = np.array([[0, 65535], [32768, 1000]], np.uint16)
    image = helpers.load_image(write_png(tmp_path / "deep.png", deep))
    assert np.allclose(image, deep / 65535) and image.max() == 1.0


def test_load_image_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="image file not found.*no_such_picture.png"):
        helpers.load_image(tmp_path / "no_such_picture.png")


def test_load_image_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is text, not a PNG")
    with pytest.raises(ValueError, match="OpenCV cannot decode.*notes.png"):
        helpers.load_image(path)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.png"):
        helpers.load_image(empty)
    with pytest.raises(ValueError, match="folder"):
        helpers.load_image(tmp_path)


def test_the_pictures_in_data_images():
    assert helpers.load_image(IMAGES / "smiley.png").shape == (256, 256)
    assert helpers.load_image(IMAGES / "pattern.png").shape == (256, 256)
    assert helpers.load_image(IMAGES / "landscape.png", color=True).shape == (256, 256, 3)
    photos = sorted(IMAGES.glob("digit_*_photo.png"))
    assert len(photos) >= 3
    for path in photos:
        image = helpers.load_image(path)
        assert image.ndim == 2 and 0.0 <= image.min() < 0.4 and image.max() > 0.7, path.name


# -- the image as a function on the square ------------------------------------------------------

def test_pixel_grid():
    grid = helpers.pixel_grid(2, 3)
    assert grid.shape == (6, 2)
    assert np.allclose(grid[:3, 0], [-2 / 3, 0, 2 / 3]) and np.allclose(grid[:3, 1], -0.5)  # first row
    assert np.allclose(grid[3:, 1], 0.5)  # y grows downwards
    assert helpers.pixel_grid(4, 4, low=0.0, high=1.0).min() == 0.125
    with pytest.raises(ValueError, match="height"):
        helpers.pixel_grid(0, 3)


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
    with pytest.raises(ValueError, match="interpolation"):
        helpers.image_values(image, grid, "cubic")
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        helpers.image_values(image, np.zeros(2))


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


# -- 2-D target functions ----------------------------------------------------------------------

def test_target_functions():
    grid = helpers.pixel_grid(32, 32)
    for name in helpers.TARGET_FUNCTIONS:
        values = helpers.target_function(name)(grid[:, 0], grid[:, 1])
        assert values.shape == (1024,) and np.all(np.isfinite(values)) and np.abs(values).max() <= 1.5
        assert values.std() > 0.1, name  # some structure, not a constant
    with pytest.raises(ValueError, match="unknown target function 'spiral'.*peaks.*ripples"):
        helpers.target_function("spiral")


def test_function_sampler():
    sample = helpers.function_sampler("peaks", low=0.0, high=2.0)
    xy, values = sample(np.random.default_rng(3), 50)
    assert xy.shape == (50, 2) and values.shape == (50, 1)
    assert xy.min() >= 0.0 and xy.max() <= 2.0
    assert np.allclose(values[:, 0], helpers.target_function("peaks")(xy[:, 0], xy[:, 1]))
    custom = helpers.function_sampler(lambda x, y: x * y, dtype=np.float32)
    xy, values = custom(0, 5)
    assert values.dtype == np.float32 and np.allclose(values[:, 0], xy[:, 0] * xy[:, 1])
    with pytest.raises(ValueError, match="known: peaks"):
        helpers.function_sampler("nope")
    with pytest.raises(ValueError, match="low < high"):
        helpers.function_sampler("peaks", low=1, high=1)
    with pytest.raises(ValueError, match=r"return shape \(4,\)"):
        helpers.function_sampler(lambda x, y: 1.0)(0, 4)


def test_samplers_drive_train():
    net = helpers.Network.random([2, 8, 1], rng=0)
    for sample in (helpers.function_sampler("ripples"), helpers.image_sampler(np.eye(4))):
        result = helpers.train(net, sample=sample, lr=0.01, steps=5, batch_size=16, rng=0)
        assert len(result.history) > 0
