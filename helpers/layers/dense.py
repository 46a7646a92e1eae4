"""Dense: the fully connected layer, z = x @ weight + bias, on the maths `Network` uses too."""

import numpy as np

from ..checks import positive_int
from ..dense import dense_backward, dense_forward
from ..init import initial_weights
from .base import Layer, describe


class Dense(Layer):
    """x: (batch, n_in) -> x @ weight + bias: (batch, n_out).

    weight: (n_in, n_out), drawn by ``init`` ("he" by default; "glorot", "normal" or "uniform"
    with ``scale``: see `initial_weights`); bias: (n_out,), zero. rng: an int seed, a numpy
    Generator or None.
    """

    parameter_names = ("weight", "bias")

    def __init__(self, n_in, n_out, rng=None, dtype=np.float64, init="he", scale=None):
        n_in, n_out = positive_int("n_in", n_in), positive_int("n_out", n_out)
        self.weight = initial_weights((n_in, n_out), n_in, n_out, rng, dtype, init, scale)
        self.bias = np.zeros(n_out, dtype=self.weight.dtype)

    @property
    def n_in(self):
        return self.weight.shape[0]

    @property
    def n_out(self):
        return self.weight.shape[1]

    @property
    def input_shape(self):
        return (self.n_in,)

    def output_shape(self, shape):
        if shape is not None and (len(shape) != 1 or shape[0] not in (None, self.n_in)):
            flatten = " (put a Flatten() before it)" if shape and len(shape) > 1 else ""
            raise ValueError(f"{self!r}: expected a batch of shape (batch, {self.n_in}), "
                             f"got {describe(shape)}{flatten}")
        return (self.n_out,)

    def _forward(self, x, training, rng):
        return dense_forward(x, self.weight, self.bias), x

    def backward(self, cache, dy, need_input_gradient=True):
        grad_w, grad_b, dx = dense_backward(cache, self.weight, dy, need_input_gradient)
        return dx, [grad_w, grad_b]

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out})"
