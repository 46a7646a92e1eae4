"""Finite-difference gradients: the check that backpropagation is right.

The central difference (C(w + eps) - C(w - eps)) / (2 eps) has an error of order
eps**2 from the Taylor series and of order (rounding / eps) from floating point.
In float64, eps = 1e-6 keeps both small (about 1e-10 absolute; notebook 01 sweeps
eps and shows the two slopes). The differences are always taken in float64: in
float32 the rounding term alone is about 1e-7 / eps, which would make correct
code look broken.
"""

import numpy as np


def finite_differences(cost, arrays, eps=1e-6):
    """Central-difference gradients of ``cost()`` with respect to each array in ``arrays``.

    cost: a function of no arguments returning a float, that reads ``arrays``;
    arrays: float64 arrays, perturbed one entry at a time in place and restored.
    Returns a list of float64 arrays shaped like ``arrays``. Costs two calls of
    ``cost`` per entry: use it on small problems.
    """
    grads = []
    for array in arrays:
        g = np.zeros(array.shape, dtype=np.float64)
        for i in np.ndindex(array.shape):
            saved = array[i]
            array[i] = saved + eps
            plus = cost()
            array[i] = saved - eps
            minus = cost()
            array[i] = saved
            g[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def numerical_gradients(model, x, target, loss="quadratic", eps=1e-6, rng=None):
    """Central-difference gradients of ``model.training_cost(x, target, loss, rng)``, in float64.

    That is the cost ``cost_and_gradients`` differentiates: batch statistics for batch
    normalization, and dropout masks from ``rng`` — pass the same int seed to both, so every
    evaluation draws the same masks. model: a `Network` (returns `Gradients` shaped like its
    weights and biases) or any model with ``parameters()``, ``astype``, ``training_cost`` and
    ``gradients_like`` (e.g. `Sequential`).
    The model is not modified: the perturbations happen on a float64 copy, so a
    float32 model is checked at float64 precision (its own gradients are then float32,
    compare them with a float32 tolerance).
    """
    probe = model.astype(np.float64)
    x = np.asarray(x, dtype=np.float64) if np.asarray(x).dtype.kind == "f" else x
    if rng is not None and not isinstance(rng, (int, np.integer)):
        raise ValueError(f"numerical_gradients: rng must be an int seed (the same masks at every evaluation), "
                         f"got {rng!r}")
    grads = finite_differences(lambda: probe.training_cost(x, target, loss, rng=rng), probe.parameters(), eps)
    return probe.gradients_like(grads)


def relative_error(a, b):
    """max |a - b| / max(|a| + |b|), over all entries: 0 for equal, about 1 for unrelated.

    a, b: arrays of one shape, or gradients (compared over all parameters at once).
    Dividing by the largest magnitude, not entry by entry, keeps entries that are
    zero in both (dead ReLUs) from dividing 0 by 0. A nan or inf anywhere gives nan
    or inf, never a small number: a broken gradient must fail the check.
    """
    a_parts, b_parts = _parts(a), _parts(b)
    if [p.shape for p in a_parts] != [p.shape for p in b_parts]:
        raise ValueError(
            f"relative_error: expected arrays of the same shapes, got "
            f"{[p.shape for p in a_parts]} and {[p.shape for p in b_parts]}"
        )
    if not all(np.isfinite(p).all() for p in a_parts + b_parts):
        return float("nan")
    diff = max(float(np.max(np.abs(p - q), initial=0.0)) for p, q in zip(a_parts, b_parts))
    scale = max(float(np.max(np.abs(p) + np.abs(q), initial=0.0)) for p, q in zip(a_parts, b_parts))
    return diff / scale if scale > 0 else 0.0


def _parts(g):
    if isinstance(g, np.ndarray) or np.isscalar(g):
        return [np.asarray(g, dtype=np.float64)]
    return [np.asarray(p, dtype=np.float64) for p in g]
