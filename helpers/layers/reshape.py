"""Flatten: (batch, C, H, W) -> (batch, C*H*W), so a Dense layer can follow convolutions."""

import math

from .base import Layer


class Flatten(Layer):
    """x: (batch, d1, d2, ...) -> (batch, d1 * d2 * ...); backward reshapes dy back."""

    def output_shape(self, shape):
        if shape is None or None in shape:
            return (None,)
        return (math.prod(shape),)

    def _forward(self, x, training, rng):
        return x.reshape(len(x), -1), x.shape

    def backward(self, cache, dy, need_input_gradient=True):
        return (dy.reshape(cache) if need_input_gradient else None), []

    def __repr__(self):
        return "Flatten()"
