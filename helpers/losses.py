"""Cost functions: each returns the cost of a batch and its gradient.

Shapes: ``y`` (the network's output) is ``(batch, n_out)``. Every cost is a mean
over the batch, so its gradient with respect to ``y`` carries the factor
``1 / batch``; that is where the gradients of the whole network get averaged.
"""

from types import MappingProxyType
from typing import Callable, NamedTuple

import numpy as np

from .checks import lookup


class Loss(NamedTuple):
    """A cost function ``(y, target) -> (cost, dcost_dy)``."""

    name: str
    cost_and_gradient: Callable


def quadratic(y, target):
    """cost = 0.5 * mean over the batch of sum over outputs of (y - target)**2.

    y, target: (batch, n_out). Returns (cost, dcost/dy of shape (batch, n_out)).
    """
    y = _float_batch(y, "quadratic cost")
    target = _float_target(target, y)
    if target.shape != y.shape:
        raise ValueError(
            f"quadratic cost: expected targets of shape {y.shape} (batch, n_out), "
            f"got shape {target.shape}"
        )
    diff = y - target
    batch = y.shape[0]
    cost = 0.5 * np.vdot(diff, diff) / batch
    diff *= y.dtype.type(1 / batch)  # diff is ours; scaling it in place saves a temporary
    return float(cost), diff


def log_softmax(logits):
    """log(softmax(logits)) along the last axis, stable for huge logits. (..., n) -> (..., n)."""
    logits = np.asarray(logits)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=-1, keepdims=True))  # shifted is ours: in place
    return shifted


def softmax(logits):
    """softmax along the last axis, stable for huge logits. (..., n) -> (..., n)."""
    logits = np.asarray(logits)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def softmax_cross_entropy(logits, target):
    """cost = mean over the batch of -log softmax(logits)[label].

    logits: (batch, n_classes), n_classes >= 2. target: integer labels (batch,) or
    one-hot (batch, n_classes) (any rows that sum to 1 work: soft labels too).
    Returns (cost, dcost/dlogits of shape (batch, n_classes)), where the gradient
    is the famous (softmax(logits) - one_hot) / batch (derived in notebook 04).
    """
    logits = _float_batch(logits, "softmax cross-entropy")
    batch, n_classes = logits.shape
    if n_classes < 2:
        raise ValueError(
            "softmax cross-entropy: expected logits for at least 2 classes, got 1 output "
            "(softmax of one number is always 1: the cost would be 0 whatever the network does; "
            "for two classes use 2 outputs, or a sigmoid output with the quadratic cost)"
        )
    logp = log_softmax(logits)
    probs = np.exp(logp)
    if _is_label_vector(target, batch):
        labels = check_labels(target, n_classes)
        rows = np.arange(batch)
        cost = -logp[rows, labels].sum() / batch
        probs[rows, labels] -= 1
    else:
        target = _float_target(target, logits)
        if target.shape != logits.shape:
            raise ValueError(
                "softmax cross-entropy: expected integer labels of shape "
                f"({batch},) or one-hot targets of shape {logits.shape}, got shape {target.shape}"
            )
        cost = -np.vdot(target, logp) / batch
        probs -= target
    probs *= logits.dtype.type(1 / batch)
    return float(cost), probs


def check_labels(labels, n_classes):
    """Integer labels as an int array, after checking they lie in 0..n_classes-1."""
    labels = np.asarray(labels)
    if labels.dtype.kind == "f":
        if not np.all(labels == np.round(labels)):
            raise ValueError(f"labels must be whole numbers in 0..{n_classes - 1}, got fractions (or nan)")
        labels = labels.astype(np.int64)
    if labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers in 0..{n_classes - 1}, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels out of range: expected 0..{n_classes - 1}, "
            f"got values from {labels.min()} to {labels.max()}"
        )
    return labels


def _float_batch(y, what):
    """y as a non-empty 2-D float array; lists and integer arrays become float64."""
    y = np.asarray(y)
    if y.dtype.kind not in "fiub":
        raise ValueError(f"{what}: expected numbers, got an array of dtype {y.dtype}")
    if y.dtype.kind != "f":
        y = y.astype(np.float64)  # integers would truncate 1 / batch to 0 in place
    if y.ndim != 2 or y.shape[0] == 0:
        raise ValueError(
            f"{what}: expected a non-empty batch of outputs of shape (batch, n_out), got shape {y.shape}"
            + (" (one sample? use y[None, :])" if y.ndim == 1 else "")
        )
    return y


def _is_label_vector(target, batch):
    target = np.asarray(target)
    return target.ndim == 1 and target.shape[0] == batch


def _float_target(target, like):
    # Targets follow the network's dtype: a float64 target must not upcast a float32 net.
    return np.asarray(target, dtype=like.dtype)


LOSSES = MappingProxyType({
    "quadratic": Loss("quadratic", quadratic),
    "softmax_cross_entropy": Loss("softmax_cross_entropy", softmax_cross_entropy),
})


def get_loss(name):
    """The `Loss` called `name`; a ValueError lists the known names."""
    if isinstance(name, Loss):
        return name
    return lookup(LOSSES, name, "loss")
