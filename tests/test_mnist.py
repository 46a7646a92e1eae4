"""helpers.mnist: MNIST is canonical, every kind of damage is reported the same way, arrays for the network."""

import gzip
import io
import importlib.util
import pickle
import re
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

import helpers
from helpers.mnist import default_mnist_path

REPO = Path(__file__).resolve().parent.parent

# The facts from issue 3, independent of how the copy was made.
SHA256 = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
RESTORE = re.escape("Restore it with `git checkout data/mnist`")


@pytest.fixture(scope="module")
def mnist():
    return helpers.load_mnist()


@pytest.fixture
def mnist_copy(tmp_path):
    """A private copy of data/mnist that a test may damage."""
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in helpers.mnist.MNIST_FILES:
        shutil.copyfile(default_mnist_path() / name, folder / name)
    return folder


def rewrite(path, change):
    """Decompress ``path``, apply ``change(bytes) -> bytes``, write it back gzipped."""
    path.write_bytes(gzip.compress(change(gzip.decompress(path.read_bytes()))))


def flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def load_rebuild_script():
    spec = importlib.util.spec_from_file_location("rebuild", REPO / "data" / "mnist" / "rebuild.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- canonical ----------------------------------------------------------------------------

def test_recorded_checksums_are_the_canonical_ones():
    assert {name: sha for name, (sha, _) in helpers.mnist.MNIST_FILES.items()} == SHA256
    with pytest.raises(TypeError):
        helpers.mnist.MNIST_FILES["train-images-idx3-ubyte.gz"] = ("0" * 64, (1,))  # immutable


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


# -- damage: every case names the file, the expected sha256 and the cure -------------------------------

DAMAGE = {
    "missing": ("t10k-labels-idx1-ubyte.gz", lambda path: path.unlink(), FileNotFoundError, "not found"),
    "empty": ("train-labels-idx1-ubyte.gz", lambda path: path.write_bytes(b""), ValueError, r"empty \(0 bytes\)"),
    "truncated gzip": ("t10k-labels-idx1-ubyte.gz", lambda path: path.write_bytes(path.read_bytes()[:-100]),
                       ValueError, "not a complete gzip file.*ended before"),
    "not gzip": ("train-labels-idx1-ubyte.gz", lambda path: path.write_bytes(gzip.decompress(path.read_bytes())),
                 ValueError, "not a complete gzip file.*Not a gzipped file"),
    "flipped byte": ("train-labels-idx1-ubyte.gz", flip_a_byte, ValueError, "not a complete gzip file"),
    "wrong magic": ("train-labels-idx1-ubyte.gz",
                    lambda path: rewrite(path, lambda data: struct.pack(">I", 0x00000D01) + data[4:]),
                    ValueError, "magic number.*got 0x00000D01"),
    "short payload": ("train-labels-idx1-ubyte.gz", lambda path: rewrite(path, lambda data: data[:-10]),
                      ValueError, r"expected 60008 bytes.*got 59998.*truncated"),
    "tampered": ("t10k-labels-idx1-ubyte.gz",
                 lambda path: rewrite(path, lambda data: data[:100] + bytes([(data[100] + 1) % 10]) + data[101:]),
                 ValueError, "has been modified: the right shape"),
    "swapped": ("train-labels-idx1-ubyte.gz",
                lambda path: shutil.copyfile(path.parent / "t10k-labels-idx1-ubyte.gz", path),
                ValueError, r"content is that of t10k-labels-idx1-ubyte\.gz \(files swapped"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_every_damage_names_the_file_its_checksum_and_the_cure(mnist_copy, case):
    name, damage, error_type, reason = DAMAGE[case]
    path = mnist_copy / name
    damage(path)
    with pytest.raises(error_type) as caught:
        helpers.load_mnist(mnist_copy)
    message = str(caught.value)
    assert message.startswith(f"MNIST file {path}: "), message
    assert re.search(reason, message), message
    assert f"sha256 {SHA256[name]}" in message, message
    assert re.search(RESTORE + ".*rebuild.py", message), message


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nowhere.*not found \(there is no folder .*nowhere.*git checkout"):
        helpers.load_mnist(tmp_path / "nowhere")


def test_damaged_images_file(mnist_copy):
    path = mnist_copy / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[: 1 << 20])
    with pytest.raises(ValueError, match=rf"t10k-images-idx3-ubyte\.gz: not a complete.*{SHA256[path.name]}"):
        helpers.load_mnist(mnist_copy)


def test_parse_idx_round_trip_and_errors():
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    data = bytes([0, 0, 8, 3]) + struct.pack(">3I", 2, 3, 4) + array.tobytes()
    assert np.array_equal(helpers.mnist.parse_idx(data), array)
    with pytest.raises(ValueError, match="header"):
        helpers.mnist.parse_idx(b"\x00\x00")
    with pytest.raises(ValueError, match="12 header bytes"):
        helpers.mnist.parse_idx(bytes([0, 0, 8, 2, 0, 0]))
    with pytest.raises(ValueError, match="extra bytes"):
        helpers.mnist.parse_idx(data + b"\x00")


# -- the rebuild script -------------------------------------------------------------------

def test_rebuild_script_agrees_with_the_loader():
    rebuild = load_rebuild_script()
    assert {f"{name}.gz": sha for name, sha in rebuild.IDX_SHA256.items()} == SHA256
    array = np.arange(60, dtype=np.uint8).reshape(3, 4, 5)
    packed = rebuild.gzip_deterministic(rebuild.idx_bytes(array))
    assert packed == rebuild.gzip_deterministic(rebuild.idx_bytes(array))  # same bytes every time
    assert np.array_equal(helpers.mnist.parse_idx(gzip.decompress(packed)), array)
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
    with pytest.raises(ValueError, match="floating dtype"):
        helpers.to_float(mnist[0][:2], dtype=np.int32)


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
    with pytest.raises(ValueError, match="n_classes"):
        helpers.one_hot([1], 0)


def test_train_val_split():
    x, y = np.arange(100).reshape(50, 2), np.arange(50)
    x_tr, y_tr, x_val, y_val = helpers.train_val_split(x, y, 10, rng=0)
    assert x_tr.shape == (40, 2) and x_val.shape == (10, 2) and len(y_tr) == 40 and len(y_val) == 10
    assert sorted(y_tr.tolist() + y_val.tolist()) == list(range(50))
    assert np.array_equal(x_val[:, 0] // 2, y_val)  # rows stay with their targets
    assert np.array_equal(np.sort(y_val), y_val)  # each part keeps the original order
    assert np.array_equal(helpers.train_val_split(x, y, 10, rng=0)[3], y_val)  # seeded
    for bad in (0, 50, 2.5, True):
        with pytest.raises(ValueError, match="n_val"):
            helpers.train_val_split(x, y, bad, rng=0)
    with pytest.raises(ValueError, match="one target per sample"):
        helpers.train_val_split(x, y[:-1], 5)
