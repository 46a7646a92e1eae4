"""MNIST from its IDX files, checked, and the arrays a network wants from it.

Everything is read from the repository's ``data/mnist`` folder; nothing downloads. The files
are parsed here (no pickle) and checked against the sha256 of LeCun and Cortes's files, so a
damaged copy is found before it can teach anything wrong. Every function returns new arrays.
"""

import gzip
import hashlib
import struct
import zlib
from pathlib import Path
from types import MappingProxyType

import numpy as np

from .checks import positive_int

# sha256 of the *uncompressed* IDX files as LeCun and Cortes published them, and the
# shape each holds. Checked on every load; see data/mnist/README.md.
MNIST_FILES = MappingProxyType({
    "train-images-idx3-ubyte.gz": (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", (60000, 28, 28)),
    "train-labels-idx1-ubyte.gz": (
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", (60000,)),
    "t10k-images-idx3-ubyte.gz": (
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", (10000, 28, 28)),
    "t10k-labels-idx1-ubyte.gz": (
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", (10000,)),
})

_IDX_UBYTE = 0x08  # the IDX type code for unsigned bytes, the only type MNIST uses

_RESTORE = ("Restore it with `git checkout data/mnist` from the repository's root, or rebuild it "
            "with data/mnist/rebuild.py (see data/mnist/README.md).")


def default_mnist_path():
    """The repository's ``data/mnist`` folder (the helpers are installed editable from it)."""
    return Path(__file__).resolve().parent.parent / "data" / "mnist"


def parse_idx(data, name="IDX data"):
    """An unsigned-byte IDX file's bytes -> the array it holds, dtype uint8.

    The format: two zero bytes, the type code 0x08, the number of dimensions d, then d
    big-endian uint32 sizes, then the payload in C order. ``name`` is used in errors.
    Raises ValueError when the header or the payload length is wrong.
    """
    if len(data) < 4:
        raise ValueError(f"{name}: expected an IDX header (4 bytes or more), got {len(data)} bytes")
    zero1, zero2, type_code, ndim = struct.unpack(">BBBB", data[:4])
    if (zero1, zero2, type_code) != (0, 0, _IDX_UBYTE) or ndim == 0:
        magic = int.from_bytes(data[:4], "big")
        raise ValueError(f"{name}: expected an unsigned-byte IDX magic number 0x000008NN "
                         f"(0x00000801 labels, 0x00000803 images), got 0x{magic:08X}")
    header_length = 4 + 4 * ndim
    if len(data) < header_length:
        raise ValueError(f"{name}: expected {header_length} header bytes for {ndim} dimensions, "
                         f"got {len(data)} bytes")
    shape = struct.unpack(f">{ndim}I", data[4:header_length])
    expected = int(np.prod(shape, dtype=np.int64)) + header_length
    if len(data) != expected:
        raise ValueError(f"{name}: expected {expected} bytes for shape {shape}, got {len(data)} "
                         f"({'truncated' if len(data) < expected else 'extra bytes at the end'})")
    # frombuffer shares the (read-only) bytes; the copy makes an array the caller owns.
    return np.frombuffer(data, dtype=np.uint8, offset=header_length).reshape(shape).copy()


def _read_checked(path):
    """The uint8 array of the MNIST file at ``path`` (its name one of MNIST_FILES), checked.

    Every way a file can be wrong ends in the one message of ``_damaged``."""
    if not path.is_file():
        folder = path.parent
        where = "" if folder.is_dir() else f" (there is no folder {folder}; load_mnist(path=...) reads another)"
        raise FileNotFoundError(_damaged(path, f"not found{where}"))
    compressed = path.read_bytes()
    if not compressed:
        raise ValueError(_damaged(path, "empty (0 bytes)"))
    try:
        data = gzip.decompress(compressed)
    except (OSError, EOFError, zlib.error) as error:  # gzip reports damage as any of these
        raise ValueError(_damaged(path, f"not a complete gzip file ({error}): corrupted or truncated")) from None
    if hashlib.sha256(data).hexdigest() != MNIST_FILES[path.name][0]:
        raise ValueError(_damaged(path, _what_changed(data, path.name)))
    return parse_idx(data, name=str(path))


def _what_changed(data, name):
    """Why well-compressed content is not the recorded one, as precisely as the bytes tell."""
    digest = hashlib.sha256(data).hexdigest()
    twin = [other for other, (sha, _) in MNIST_FILES.items() if sha == digest]
    if twin:
        return f"its content is that of {twin[0]} (files swapped or copied over)"
    try:
        shape = parse_idx(data, name="its content").shape
    except ValueError as error:
        return f"{error} (sha256 {digest})"
    expected_shape = MNIST_FILES[name][1]
    if shape != expected_shape:
        return f"it holds shape {shape}, expected {expected_shape} (sha256 {digest})"
    return f"it has been modified: the right shape, but its content's sha256 is {digest}"


def _damaged(path, what):
    """The message for an MNIST file that cannot be used: which file, what is wrong, what it should be, the cure."""
    return (f"MNIST file {path}: {what}. Expected the uncompressed content to have sha256 "
            f"{MNIST_FILES[path.name][0]}. {_RESTORE}")


def load_mnist(path=None):
    """The MNIST digits: ``(x_train, y_train, x_test, y_test)``.

    Shapes and dtypes: x_train (60000, 28, 28) uint8, y_train (60000,) uint8,
    x_test (10000, 28, 28) uint8, y_test (10000,) uint8; pixels 0 (background) to 255
    (ink), labels 0..9. Use ``to_float`` for network inputs and ``one_hot`` for targets.

    path: a folder holding the four gzipped IDX files (default: the repository's
    data/mnist). Each file is parsed (magic number, big-endian sizes, payload length)
    and its uncompressed content checked against the sha256 in ``MNIST_FILES``.
    Raises FileNotFoundError for a missing file (or folder), ValueError for an empty,
    corrupted, truncated, modified or swapped one; each names the file, the expected
    sha256 and how to restore it.
    """
    folder = default_mnist_path() if path is None else Path(path)
    # The small label files first, so a missing or damaged one is reported without waiting for the images.
    order = sorted(MNIST_FILES, key=lambda name: "images" in name)
    arrays = {name: _read_checked(folder / name) for name in order}
    x_train, y_train, x_test, y_test = (arrays[name] for name in MNIST_FILES)
    return x_train, y_train, x_test, y_test


# -- arrays for the network ----------------------------------------------------------------

def to_float(images, dtype=np.float32, flatten=True):
    """uint8 images -> floats in [0, 1] (pixel / 255), flattened to one row per image.

    images: (n, h, w) uint8, e.g. MNIST's (n, 28, 28). Returns (n, h * w) of ``dtype``
    (with ``flatten=False``: (n, h, w)). An (n, d) array stays (n, d). A single image
    is a batch of one: ``to_float(image[None])``.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"to_float: expected uint8 images (0..255), got dtype {images.dtype}"
                         + (" (already floats? then they need no scaling)"
                            if images.dtype.kind == "f" else ""))
    if images.ndim not in (2, 3):
        raise ValueError(f"to_float: expected images of shape (n, h, w) or (n, d), got {images.shape}")
    if np.dtype(dtype).kind != "f":
        raise ValueError(f"to_float: expected a floating dtype, got {np.dtype(dtype)}")
    scaled = images.astype(dtype) / np.dtype(dtype).type(255)
    return scaled.reshape(len(images), -1) if flatten else scaled


def one_hot(labels, n_classes=10, dtype=np.float32):
    """Integer labels (n,) -> one-hot rows (n, n_classes) of ``dtype``: row k has a 1 at labels[k]."""
    n_classes = positive_int("n_classes", n_classes)
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"one_hot: expected labels of shape (n,), got {labels.shape}")
    if labels.size and labels.dtype.kind not in "iu":
        raise ValueError(f"one_hot: expected integer labels, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"one_hot: expected labels in 0..{n_classes - 1}, "
                         f"got values from {labels.min()} to {labels.max()}")
    encoded = np.zeros((len(labels), n_classes), dtype=dtype)
    encoded[np.arange(len(labels)), labels] = 1
    return encoded


def train_val_split(x, y, n_val, rng=None):
    """A random split into ``(x_train, y_train, x_val, y_val)``, all new arrays.

    x: (n, ...), y: (n, ...). n_val samples (chosen by ``rng``: an int seed, a numpy
    Generator, or None for fresh entropy) go to validation, the other n - n_val to
    training; each part keeps the original order of its samples.
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"train_val_split: expected one target per sample, got {len(x)} samples "
                         f"and {len(y)} targets")
    n_val = positive_int("n_val", n_val)
    if n_val >= len(x):
        raise ValueError(f"n_val: expected at most {len(x) - 1} of the {len(x)} samples, got {n_val}")
    is_val = np.zeros(len(x), dtype=bool)
    is_val[np.random.default_rng(rng).choice(len(x), size=n_val, replace=False)] = True
    return x[~is_val], y[~is_val], x[is_val], y[is_val]
