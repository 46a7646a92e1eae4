"""Cost functions: each returns the cost of a batch and its gradient.

Shapes: ``y`` (the network's output) is ``(batch, n_out)``. Every cost is a mean
over the batch, so its gradient with respect to ``y`` carries the factor
``1 / batch``; that is where the gradients of the whole network get averaged.
"""

from types import MappingProxyType
from typing import Callable, NamedTuple

import numpy as np


class Loss(NamedTuple):
    """A cost function ``(y, target) -> (cost, dcost_dy)``."""

    name: str
    cost_and_gradient: Callable


def quadratic(y, target):
    """cost = 0.5 * mean over the batch of sum over outputs of (y - target)**2.

    y, target: (batch, n_out). Returns (cost, dcost/dy of shape (batch, n_out)).
    """
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
    """log(softmax(logits)) along the last axis, stable for huge logits. (batch, n) -> (batch, n)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # shifted is ours: in place
    return shifted


def softmax(logits):
    """softmax along the last axis, stable for huge logits. (batch, n) -> (batch, n)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    e /= e.sum(axis=1, keepdims=True)
    return e


def softmax_cross_entropy(logits, target):
    """cost = mean over the batch of -log softmax(logits)[label].

    logits: (batch, n_classes). target: integer labels (batch,) or one-hot
    (batch, n_classes) (any rows that sum to 1 work: soft labels too).
    Returns (cost, dcost/dlogits of shape (batch, n_classes)), where the gradient
    is the famous (softmax(logits) - one_hot) / batch.
    """
    batch, n_classes = logits.shape
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
            raise ValueError(f"labels must be whole numbers in 0..{n_classes - 1}, got fractions")
        labels = labels.astype(np.int64)
    if labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers in 0..{n_classes - 1}, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels out of range: expected 0..{n_classes - 1}, "
            f"got values from {labels.min()} to {labels.max()}"
        )
    return labels


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
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown loss {name!r}; expected one of {sorted(LOSSES)}") from None
