"""Mini-batches from arrays: the one batching convention of the course.

An epoch is one pass over the data in a fresh random order. Batches keep coming,
epoch after epoch, for as long as they are asked for; the last partial batch of an
epoch is dropped, so every step sees exactly ``batch_size`` samples and costs of
different steps compare fairly. (With 60,000 samples and batches of 128 that drops
96 samples an epoch, different ones each time.)
"""

import numpy as np

from .checks import positive_int


def batches(x, y, batch_size, rng=None):
    """An endless iterator of ``(x_batch, y_batch)``, reshuffled every epoch.

    x: (n, ...) inputs; y: (n, ...) targets or labels; rng: an int seed, a numpy
    Generator or None. Take as many as you need: ``next(it)``, or
    ``itertools.islice(batches(...), steps)``.
    """
    x, y = np.asarray(x), np.asarray(y)
    batch_size = positive_int("batch_size", batch_size)
    if len(y) != len(x):
        raise ValueError(f"batches: expected one target per sample ({len(x)}), got {len(y)}")
    if batch_size > len(x):
        raise ValueError(f"batches: batch_size {batch_size} is larger than the {len(x)} samples")
    rng = np.random.default_rng(rng)
    per_epoch = len(x) // batch_size
    while True:
        order = rng.permutation(len(x))
        for k in range(per_epoch):
            idx = order[k * batch_size:(k + 1) * batch_size]
            yield x[idx], y[idx]
