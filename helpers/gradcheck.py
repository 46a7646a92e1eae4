"""Finite-difference gradients: the check that backpropagation is right.

The central difference (C(w + eps) - C(w - eps)) / (2 eps) has an error of
order eps**2 from the Taylor series and of order (rounding / eps) from floating
point; eps = 1e-6 balances both in float64, giving about 1e-10 absolute accuracy.
"""

import numpy as np

from .network import Gradients


def numerical_gradients(net, x, target, loss="quadratic", eps=1e-6):
    """Central-difference gradients of ``net.cost(x, target, loss)``.

    Returns `Gradients` shaped like net.weights and net.biases. Costs one pair of
    forward passes per parameter, so use it on small networks and batches.
    The network is not modified: the perturbations happen on a copy.
    """
    probe = net.copy()

    def grad_of(array):
        g = np.zeros(array.shape, dtype=np.float64)
        for i in np.ndindex(array.shape):
            saved = array[i]
            array[i] = saved + eps
            plus = probe.cost(x, target, loss)
            array[i] = saved - eps
            minus = probe.cost(x, target, loss)
            array[i] = saved
            g[i] = (plus - minus) / (2 * eps)
        return g

    return Gradients([grad_of(w) for w in probe.weights], [grad_of(b) for b in probe.biases])


def relative_error(a, b):
    """max |a - b| / max(|a| + |b|), over all entries: 0 for equal, about 1 for unrelated.

    a, b: arrays of one shape, or `Gradients` (compared over all parameters at once).
    Dividing by the largest magnitude, not entry by entry, keeps entries that are
    zero in both (dead ReLUs) from dividing 0 by 0.
    """
    a_parts, b_parts = _parts(a), _parts(b)
    if [p.shape for p in a_parts] != [p.shape for p in b_parts]:
        raise ValueError(
            f"relative_error: expected arrays of the same shapes, got "
            f"{[p.shape for p in a_parts]} and {[p.shape for p in b_parts]}"
        )
    diff = max(float(np.max(np.abs(p - q), initial=0.0)) for p, q in zip(a_parts, b_parts))
    scale = max(float(np.max(np.abs(p) + np.abs(q), initial=0.0)) for p, q in zip(a_parts, b_parts))
    return diff / scale if scale > 0 else 0.0


def _parts(g):
    if isinstance(g, Gradients):
        return [np.asarray(p, dtype=np.float64) for p in g]
    return [np.asarray(g, dtype=np.float64)]
