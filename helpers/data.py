"""Data for the notebooks: MNIST from its IDX files, pictures read with OpenCV, 2-D functions.

Everything is read from the repository's ``data/`` folder; nothing downloads. The MNIST
files are parsed here (no pickle) and checked against the sha256 of LeCun and Cortes's
files, so a damaged copy is found before it can teach anything wrong.

Coordinates on the square (used by ``image_values``, ``image_sampler``, ``pixel_grid``):
a point is a row ``(x, y)`` with x to the right and y *down*, as in an image, both in
[-1, 1]. The corners of the square are the outer corners of the picture, so pixel
``(row i, column j)`` of an ``h x w`` image has its centre at
``x = -1 + (2 j + 1) / w``, ``y = -1 + (2 i + 1) / h``. To show something drawn on this
square with matplotlib: ``plt.imshow(values.reshape(h, w), extent=(-1, 1, 1, -1))``.

Every function returns new arrays; nothing is cached between calls.
"""

import gzip
import hashlib
import struct
import zlib
from pathlib import Path
from types import MappingProxyType

import numpy as np

# -- MNIST ----------------------------------------------------------------------------

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


def _read_mnist_file(folder, name):
    """One checked MNIST file from ``folder``: its uint8 array."""
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(f"MNIST file not found: {path}. {_RESTORE}")
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as error:  # gzip reports damage as any of these
        raise ValueError(f"MNIST file {path} cannot be decompressed ({error}): it is corrupted "
                         f"or truncated. {_RESTORE}") from None
    expected_sha, expected_shape = MNIST_FILES[name]
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected_sha:
        # Say what is wrong as precisely as we can: the header, the shape, or the content.
        try:
            shape = parse_idx(data, name=f"MNIST file {path}").shape
        except ValueError as error:
            raise ValueError(f"{error}. {_RESTORE}") from None
        found = f"shape {shape}, expected {expected_shape}" if shape != expected_shape else "the right shape"
        raise ValueError(f"MNIST file {path} has been modified ({found}): the sha256 of its "
                         f"uncompressed content is {digest}, expected {expected_sha}. {_RESTORE}")
    return parse_idx(data, name=f"MNIST file {path}")


def load_mnist(path=None):
    """The MNIST digits: ``(x_train, y_train, x_test, y_test)``.

    Shapes and dtypes: x_train (60000, 28, 28) uint8, y_train (60000,) uint8,
    x_test (10000, 28, 28) uint8, y_test (10000,) uint8; pixels 0 (background) to 255
    (ink), labels 0..9. Use ``to_float`` for network inputs and ``one_hot`` for targets.

    path: a folder holding the four gzipped IDX files (default: the repository's
    data/mnist). Each file is parsed (magic number, big-endian sizes, payload length)
    and its uncompressed content checked against the sha256 in ``MNIST_FILES``.
    Raises FileNotFoundError for a missing folder or file, ValueError for a
    corrupted, truncated or modified one; both say how to restore it.
    """
    folder = default_mnist_path() if path is None else Path(path)
    if folder.is_file():
        raise ValueError(f"load_mnist: expected a folder holding the four MNIST files, got the file {folder}")
    if not folder.is_dir():
        where = (" (the default, found next to the helpers package: install it editable from the "
                 "repository with `pip install -e .`, or pass path=)") if path is None else ""
        raise FileNotFoundError(f"MNIST folder not found: {folder}{where}; expected a folder holding "
                                f"{', '.join(MNIST_FILES)}. {_RESTORE}")
    for name in MNIST_FILES:  # every file present before any is read: a missing one is named at once
        if not (folder / name).is_file():
            raise FileNotFoundError(f"MNIST file not found: {folder / name}. {_RESTORE}")
    # The small label files first, so a damaged one is reported without waiting for the images.
    order = sorted(MNIST_FILES, key=lambda name: "images" in name)
    arrays = {name: _read_mnist_file(folder, name) for name in order}
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
    if not (isinstance(n_val, (int, np.integer)) and 0 < n_val < len(x)):
        raise ValueError(f"train_val_split: expected n_val an integer in 1..{len(x) - 1}, got {n_val!r}")
    is_val = np.zeros(len(x), dtype=bool)
    is_val[np.random.default_rng(rng).choice(len(x), size=int(n_val), replace=False)] = True
    return x[~is_val], y[~is_val], x[is_val], y[is_val]


def minibatches(x, y, batch_size, rng=None, shuffle=True, drop_last=False):
    """One epoch of mini-batches: yields ``(x_batch, y_batch)`` of batch_size rows each.

    x: (n, ...), y: (n, ...). The order is a permutation drawn from ``rng`` (int seed,
    Generator or None) unless shuffle=False. The last batch is smaller when batch_size
    does not divide n (dropped with drop_last=True). Batches are copies.
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"minibatches: expected one target per sample, got {len(x)} samples "
                         f"and {len(y)} targets")
    if not (isinstance(batch_size, (int, np.integer)) and batch_size > 0):
        raise ValueError(f"minibatches: expected a positive integer batch_size, got {batch_size!r}")
    order = np.random.default_rng(rng).permutation(len(x)) if shuffle else np.arange(len(x))
    stop = len(x) - len(x) % batch_size if drop_last else len(x)
    for start in range(0, stop, batch_size):
        idx = order[start:start + batch_size]
        yield x[idx], y[idx]


# -- pictures ----------------------------------------------------------------------------

def load_image(path, color=False):
    """A picture as floats in [0, 1], read with OpenCV.

    Returns (height, width) grayscale (luma 0.299 R + 0.587 G + 0.114 B), or with
    color=True (height, width, 3) in RGB order; float64. 8- and 16-bit files are
    scaled by 255 and 65535; a transparent picture (alpha channel) is laid on white.
    Raises FileNotFoundError for a missing path, ValueError for a file OpenCV cannot
    decode (cv2 itself would silently return None).
    """
    import cv2  # here, so `import helpers` stays fast for notebooks that show no pictures

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"image file not found: {path}")
    if not path.is_file():
        raise ValueError(f"expected an image file, got a folder: {path}")
    # imdecode on the file's bytes rather than imread(path): same decoder, and it also
    # reads paths with non-ASCII characters on Windows.
    raw = np.fromfile(path, dtype=np.uint8)
    image = cv2.imdecode(raw, cv2.IMREAD_UNCHANGED) if raw.size else None
    if image is None:
        raise ValueError(f"OpenCV cannot decode {path}: expected an image file (PNG, JPEG, ...)")
    return _to_unit_float(image, color, path)


def _to_unit_float(image, color, path):
    """OpenCV's array (h, w), (h, w, 1|2|3|4) in BGR(A) -> floats in [0, 1], gray or RGB."""
    scale = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(image.dtype)
    if scale is None and image.dtype.kind != "f":
        raise ValueError(f"{path}: expected 8-bit, 16-bit or float pixels, got dtype {image.dtype}")
    pixels = image.astype(np.float64) / (scale or 1.0)
    pixels = np.clip(pixels, 0.0, 1.0) if scale is None else pixels
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    n_channels = pixels.shape[2]
    if n_channels in (2, 4):  # the last channel is alpha: lay the picture on white paper
        alpha = pixels[:, :, -1:]
        pixels = pixels[:, :, :-1] * alpha + (1.0 - alpha)
    if pixels.shape[2] == 3:
        rgb = pixels[:, :, ::-1]  # OpenCV stores BGR
    elif pixels.shape[2] == 1:
        rgb = np.repeat(pixels, 3, axis=2)
    else:
        raise ValueError(f"{path}: expected 1 to 4 channels, got {n_channels}")
    if color:
        return np.ascontiguousarray(rgb)
    if pixels.shape[2] == 1:
        return pixels[:, :, 0].copy()
    # Weights in thousandths, divided last, so that white is exactly 1.0 (0.299 + 0.587 + 0.114 is not).
    return rgb @ np.array([299.0, 587.0, 114.0]) / 1000.0


def pixel_grid(height, width, low=-1.0, high=1.0):
    """The centres of a height x width grid of pixels covering the square [low, high]^2.

    Returns (height * width, 2) float64 rows (x, y), x to the right and y down, in row
    order: ``net.predict(pixel_grid(h, w)).reshape(h, w)`` is a picture of the net at any
    resolution. For an image of that size these are exactly its pixel centres.
    """
    for name, n in (("height", height), ("width", width)):
        if not (isinstance(n, (int, np.integer)) and n > 0):
            raise ValueError(f"pixel_grid: expected a positive integer {name}, got {n!r}")
    xs = low + (high - low) * (np.arange(width) + 0.5) / width
    ys = low + (high - low) * (np.arange(height) + 0.5) / height
    gx, gy = np.meshgrid(xs, ys)  # (height, width) each, rows along y
    return np.column_stack([gx.ravel(), gy.ravel()])


def image_values(image, xy, interpolation="bilinear"):
    """The image as a function on the square: its value at points ``xy``.

    image: (h, w) or (h, w, c) floats. xy: (n, 2) rows (x, y) in [-1, 1], x right, y
    down (outside is clamped to the edge). Returns (n, 1) for a grayscale image,
    (n, c) otherwise. interpolation: "bilinear" (between the 4 nearest pixel centres)
    or "nearest" (the pixel the point falls in).
    """
    image = _check_image(image, "image_values")
    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"image_values: expected points of shape (n, 2), got {xy.shape}")
    h, w, _ = image.shape
    # Continuous pixel coordinates: column j's centre is at u = j, row i's at v = i.
    u = np.clip((xy[:, 0] + 1.0) * w / 2.0 - 0.5, 0.0, w - 1.0)
    v = np.clip((xy[:, 1] + 1.0) * h / 2.0 - 0.5, 0.0, h - 1.0)
    if interpolation == "nearest":
        return image[np.rint(v).astype(int), np.rint(u).astype(int)]
    if interpolation != "bilinear":
        raise ValueError(f"image_values: unknown interpolation {interpolation!r}, "
                         "expected 'bilinear' or 'nearest'")
    # The upper-left of the 4 neighbours; on the last row or column, the pair before it (weight 1 on the last).
    j0, i0 = np.minimum(u.astype(int), max(w - 2, 0)), np.minimum(v.astype(int), max(h - 2, 0))
    j1, i1 = np.minimum(j0 + 1, w - 1), np.minimum(i0 + 1, h - 1)
    fu, fv = (u - j0)[:, None], (v - i0)[:, None]
    top = image[i0, j0] * (1 - fu) + image[i0, j1] * fu
    bottom = image[i1, j0] * (1 - fu) + image[i1, j1] * fu
    return top * (1 - fv) + bottom * fv


def image_sampler(image, interpolation="bilinear", dtype=np.float64):
    """``sample(rng, batch_size) -> (xy, values)``: random points of the image, for ``train(sample=...)``.

    image: (h, w) or (h, w, c) floats, e.g. from ``load_image``. Each call draws
    batch_size points uniformly on the square (see ``image_values`` for the
    coordinates and the interpolation): xy (batch_size, 2), values (batch_size, 1)
    for grayscale or (batch_size, c), both of ``dtype``. rng: a Generator or an int seed.
    """
    image = _check_image(image, "image_sampler")
    image_values(image, np.zeros((1, 2)), interpolation)  # fail now on a bad interpolation name

    def sample(rng, batch_size):
        xy = np.random.default_rng(rng).uniform(-1.0, 1.0, size=(batch_size, 2))
        return xy.astype(dtype), image_values(image, xy, interpolation).astype(dtype)

    return sample


def _check_image(image, caller):
    """A float image as (h, w, c), c >= 1; a ValueError for anything else."""
    image = np.asarray(image)
    if image.ndim not in (2, 3) or 0 in image.shape:
        raise ValueError(f"{caller}: expected an image of shape (h, w) or (h, w, channels), "
                         f"got {image.shape}")
    if image.dtype.kind != "f":
        raise ValueError(f"{caller}: expected float pixels in [0, 1] (load_image gives them), "
                         f"got dtype {image.dtype}")
    return image[:, :, None] if image.ndim == 2 else image


# -- 2-D functions for notebook 01 ---------------------------------------------------------

def _peaks(x, y):
    """Three smooth hills and a pit of different widths: values roughly in [-0.8, 1]."""
    return (np.exp(-8 * ((x - 0.35) ** 2 + (y - 0.3) ** 2))
            + 0.7 * np.exp(-20 * ((x + 0.45) ** 2 + (y - 0.45) ** 2))
            + 0.5 * np.exp(-4 * ((x + 0.2) ** 2 + (y + 0.55) ** 2))
            - 0.8 * np.exp(-12 * ((x - 0.5) ** 2 + (y + 0.4) ** 2)))


def _ripples(x, y):
    """Rings around the centre that fade outwards: cos(3 pi r) exp(-r^2), in [-1, 1]."""
    r = np.sqrt(x ** 2 + y ** 2)
    return np.cos(3 * np.pi * r) * np.exp(-r ** 2)


def _wavy_edge(x, y):
    """A smooth step from 0 to 1 across a wavy line y = 0.3 sin(3 x): sharp, but differentiable."""
    return 1.0 / (1.0 + np.exp(-12 * (y - 0.3 * np.sin(3 * x))))


# Named targets f(x, y) -> values of the same shape; all smooth, each with a different kind
# of structure (bumps, oscillation, an edge) for sigmoid and ReLU networks to struggle with.
TARGET_FUNCTIONS = MappingProxyType({
    "peaks": _peaks,
    "ripples": _ripples,
    "wavy_edge": _wavy_edge,
})


def target_function(name):
    """The named 2-D function ``f(x, y)`` (arrays of one shape -> values of that shape)."""
    try:
        return TARGET_FUNCTIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown target function {name!r}; known: {', '.join(TARGET_FUNCTIONS)}") from None


def function_sampler(f, low=-1.0, high=1.0, dtype=np.float64):
    """``sample(rng, batch_size) -> (xy, values)`` for ``train(sample=...)``: points of f.

    f: a name from ``TARGET_FUNCTIONS`` or a function ``f(x, y)`` taking two arrays of
    shape (n,) and returning (n,). Each call draws xy (batch_size, 2) uniformly in
    [low, high]^2 and returns it with values (batch_size, 1), both of ``dtype``.
    rng: a Generator or an int seed.
    """
    f = target_function(f) if isinstance(f, str) else f
    if not callable(f):
        raise ValueError(f"function_sampler: expected a function f(x, y) or a name "
                         f"({', '.join(TARGET_FUNCTIONS)}), got {type(f).__name__}")
    if not high > low:
        raise ValueError(f"function_sampler: expected low < high, got low={low}, high={high}")

    def sample(rng, batch_size):
        xy = np.random.default_rng(rng).uniform(low, high, size=(batch_size, 2))
        values = np.asarray(f(xy[:, 0], xy[:, 1]), dtype=np.float64)
        if values.shape != (batch_size,):
            raise ValueError(f"function_sampler: expected f(x, y) to return shape ({batch_size},) "
                             f"for x, y of that shape, got {values.shape}")
        return xy.astype(dtype), values[:, None].astype(dtype)

    return sample
