"""2-D target functions for notebook 01, and samplers that draw training points from them.

A target is a function ``f(x, y)`` on the square: arrays of one shape in, values of that
shape out. Points are rows ``(x, y)``, as in ``helpers.images`` (x right, y down).
"""

from types import MappingProxyType

import numpy as np

from .checks import finite_float, lookup


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
    return lookup(TARGET_FUNCTIONS, name, "target function")


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
    low, high = finite_float("low", low), finite_float("high", high)
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
