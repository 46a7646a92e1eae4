"""Initial weights: the distributions a network starts from, written once for `Network` and the layers.

Each draws in float64 from a numpy Generator and converts, so a seed gives one set of
numbers whatever the dtype. fan_in / fan_out: the inputs and outputs one unit sees
(n_in and n_out for a dense layer; c_in * k * k and c_out * k * k for a convolution).
"""

from types import MappingProxyType

import numpy as np

from .checks import lookup, positive_float


def _he(rng, shape, fan_in, fan_out, scale):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)


def _glorot(rng, shape, fan_in, fan_out, scale):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), shape)


def _normal(rng, shape, fan_in, fan_out, scale):
    return rng.normal(0.0, scale, shape)


def _uniform(rng, shape, fan_in, fan_out, scale):
    return rng.uniform(-scale, scale, shape)


INITIALIZATIONS = MappingProxyType({"he": _he, "glorot": _glorot, "normal": _normal, "uniform": _uniform})


def initial_weights(shape, fan_in, fan_out, rng=None, dtype=np.float64, init="he", scale=None):
    """Random weights of ``shape``, drawn in float64 and then converted (a seed gives one set of numbers).

    init: "he" (normal, std sqrt(2 / fan_in): keeps ReLU signals at one scale), "glorot" (normal,
    std sqrt(2 / (fan_in + fan_out))), "normal" (std ``scale``) or "uniform" (in [-scale, scale]).
    """
    draw = lookup(INITIALIZATIONS, init, "init")
    if init in ("normal", "uniform"):
        if scale is None:
            raise ValueError(f"init={init!r} needs a scale, e.g. scale=0.1")
        scale = positive_float("scale", scale)
    dtype = float_dtype(dtype)
    return draw(np.random.default_rng(rng), shape, fan_in, fan_out, scale).astype(dtype)


def float_dtype(dtype):
    """``dtype`` as a numpy float dtype; anything else is refused."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype: expected a float dtype such as np.float32, got {dtype!r}") from None
    if dtype.kind != "f":
        raise ValueError(f"dtype: expected a float dtype such as np.float32, got {dtype}")
    return dtype
