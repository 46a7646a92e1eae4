"""Dropout (inverted): in training, zero each unit with probability p and scale the rest by 1 / (1 - p).

The scaling keeps each unit's expected value what it is in evaluation mode, where the layer does
nothing, so the network needs no rescaling after training (Srivastava et al. 2014 scale the weights
at test time instead; the two are the same in expectation).
"""

import numpy as np

from ..checks import finite_float
from .base import Layer


class Dropout(Layer):
    """x: any shape -> x * mask in training mode, x in evaluation mode. p: in [0, 1).

    The mask is drawn from the ``rng`` the forward pass is given, never from a global generator:
    the same int seed gives the same mask. It is drawn in float32 whatever the dtype, so a float32
    and a float64 model given one seed drop the same units.
    """

    uses_rng = True
    keeps_shape = True

    def __init__(self, p=0.5):
        self.p = finite_float("p (the probability of dropping a unit)", p, low=0.0, high=1.0,
                              high_inclusive=False)

    def output_shape(self, shape):
        return shape

    def _forward(self, x, training, rng):
        if not training or self.p == 0:
            return x, None
        keep = rng.random(x.shape, dtype=np.float32) >= np.float32(self.p)
        mask = keep.astype(x.dtype)
        mask *= x.dtype.type(1 / (1 - self.p))
        return x * mask, mask

    def backward(self, cache, dy, need_input_gradient=True):
        if not need_input_gradient:
            return None, []
        return (dy if cache is None else dy * cache), []

    def __repr__(self):
        return f"Dropout(p={self.p:g})"
