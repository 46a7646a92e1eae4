"""Shared checks for the layer tests: a layer's exact gradients against finite differences.

A layer is checked through the scalar C = sum(forward(x) * r) for a fixed random r, so that
dC/dy = r reaches backward as an arbitrary, known upstream gradient. (r's seed differs from the
inputs': with r equal to x, batch normalization's dC/dx is 0 and the check compares rounding noise.)
"""

import numpy as np

from helpers import relative_error
from helpers.gradcheck import finite_differences

TOLERANCE = 1e-7


def layer_gradient_errors(layer, x, training=False, rng=None, seed=2024):
    """Relative errors of backward's dC/dx and dC/dp against central differences, in float64.

    rng: what forward is given (an int seed gives the same dropout mask on every call).
    Returns (input_error, [parameter_errors]).
    """
    x = np.array(x, dtype=np.float64)
    y, _ = layer.forward(x, training, rng)
    r = np.random.default_rng(seed).normal(size=y.shape)

    def cost():
        return float(np.sum(layer.forward(x, training, rng)[0] * r))

    _, cache = layer.forward(x, training, rng)
    dx, grads = layer.backward(cache, r)
    assert [g.shape for g in grads] == [p.shape for p in layer.parameters()]
    assert dx.shape == x.shape
    numeric = finite_differences(cost, [x, *layer.parameters()])
    return relative_error(dx, numeric[0]), [relative_error(g, n) for g, n in zip(grads, numeric[1:])]


def assert_layer_gradients(layer, x, training=False, rng=None):
    input_error, parameter_errors = layer_gradient_errors(layer, x, training, rng)
    assert input_error < TOLERANCE, f"{layer!r}: dC/dx off by {input_error:.2e}"
    for name, error in zip(layer.parameter_names, parameter_errors):
        assert error < TOLERANCE, f"{layer!r}: dC/d{name} off by {error:.2e}"


def all_arrays(model):
    """Every array a Sequential owns: parameters and running statistics, in layer order."""
    return [getattr(layer, name) for layer in model.layers for name in layer.parameter_names + layer.state_names]
