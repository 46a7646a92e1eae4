"""Activation layers: an elementwise f(z) forward, dy * f'(z) backward (helpers/activations.py's maths)."""

from ..activations import get_activation
from .base import Layer


class ActivationLayer(Layer):
    """y = f(x), elementwise, any shape; backward dC/dx = dC/dy * f'(x). The cache is x itself."""

    activation = None  # the name in helpers.activations.ACTIVATIONS
    keeps_shape = True

    def output_shape(self, shape):
        return shape

    def _forward(self, x, training, rng):
        return get_activation(self.activation).f(x), x

    def backward(self, cache, dy, need_input_gradient=True):
        return (dy * get_activation(self.activation).df(cache) if need_input_gradient else None), []

    def __repr__(self):
        return f"{type(self).__name__}()"


class ReLU(ActivationLayer):
    """max(x, 0), elementwise."""

    activation = "relu"


class Sigmoid(ActivationLayer):
    """1 / (1 + exp(-x)), elementwise."""

    activation = "sigmoid"


class Tanh(ActivationLayer):
    """tanh(x), elementwise."""

    activation = "tanh"
