"""A trained model on many samples: its predictions and its accuracy, in chunks, with the BLAS thread policy.

A test set of 10,000 digits is one large matrix product per layer. Outside `train` it would run
with the process's BLAS threads, and next to other work two spin-waiting OpenBLAS threads make it
many times slower (notebook 08's 30,000 test predictions once took 18-36 s instead of 1.5 s).
`predict` evaluates the rows in chunks, each chunk one "step" for `helpers.threads.AdaptiveThreads`,
so it takes one or more threads by timing, as `train` does. Chunks also bound the memory a
convolutional network needs (its unrolled patches grow with the number of images).

Each row's output does not depend on the chunk it is in, but OpenBLAS's products differ in the last
bits between one thread and two: for the same bits every time, pass ``blas_threads=1``.
"""

import time

import numpy as np

from .checks import positive_int
from .threads import AdaptiveThreads


def predict(net, x, batch_size=500, blas_threads=None):
    """``net.predict(x)`` computed ``batch_size`` rows at a time with the BLAS thread policy.

    x: (n, ...) samples of the model's input shape. Returns (n, n_out), as ``net.predict(x)``.
    blas_threads: None chooses by timing the chunks (see `helpers.threads`); an int fixes the count."""
    batch_size = positive_int("predict: batch_size", batch_size)
    x = np.asarray(x)
    if x.ndim == 0 or len(x) == 0:
        raise ValueError(f"predict: expected a non-empty array of samples, got shape {x.shape}")
    chunks = []
    with AdaptiveThreads(blas_threads) as threads:
        for start in range(0, len(x), batch_size):
            threads.before_step()
            t0 = time.perf_counter()
            chunks.append(net.predict(x[start:start + batch_size]))
            threads.after_step(time.perf_counter() - t0)
    return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)


def accuracy(net, x, labels, batch_size=500, blas_threads=None):
    """Fraction of samples whose largest output is at the true class (predictions from `predict`).

    x: (n, ...) samples; labels: (n,) integers or (n, n_out) one-hot."""
    labels = np.asarray(labels)
    if labels.ndim == 2:
        labels = labels.argmax(axis=1)
    if labels.shape != (len(x),):
        raise ValueError(f"accuracy: expected {len(x)} labels, one per sample, got an array of shape {labels.shape}")
    outputs = predict(net, x, batch_size, blas_threads)
    return float(np.mean(outputs.argmax(axis=1) == labels))
