"""Activation functions: each one a value f(z) and a derivative f'(z).

Every function takes an array ``z`` of any shape and returns an array of the same
shape and dtype (float32 stays float32). The derivative is the elementwise
derivative df/dz, which is all backpropagation needs, because these functions act
on each entry separately.
"""

from types import MappingProxyType
from typing import Callable, NamedTuple

import numpy as np

from .checks import lookup


class Activation(NamedTuple):
    """An activation function and its derivative, both elementwise."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]


def sigmoid(z):
    """1 / (1 + exp(-z)), written so that large |z| does not overflow."""
    # exp(-|z|) never overflows; the two branches are the same function.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def relu(z):
    return np.maximum(z, z.dtype.type(0))  # a 0 of z's dtype: float32 stays float32


def relu_prime(z):
    # The kink at 0 gets derivative 0, the usual convention.
    return (z > 0).astype(z.dtype)


def tanh(z):
    return np.tanh(z)


def tanh_prime(z):
    t = np.tanh(z)
    return 1 - t * t


def identity(z):
    return z


def identity_prime(z):
    return np.ones_like(z)


ACTIVATIONS = MappingProxyType({
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_prime),
    "relu": Activation("relu", relu, relu_prime),
    "tanh": Activation("tanh", tanh, tanh_prime),
    "identity": Activation("identity", identity, identity_prime),
})


def get_activation(name):
    """The `Activation` called `name`; a ValueError lists the known names."""
    if isinstance(name, Activation):
        return name
    return lookup(ACTIVATIONS, name, "activation")
