"""The finite-difference tools themselves."""

import numpy as np
import pytest

import helpers
from helpers import Network


def test_numerical_gradients_do_not_modify_the_network():
    net = Network.random([3, 4, 2], rng=0)
    before = [p.copy() for p in net.parameters()]
    helpers.numerical_gradients(net, np.ones((2, 3)), np.zeros((2, 2)))
    assert all(np.array_equal(a, b) for a, b in zip(before, net.parameters()))


def test_numerical_gradient_of_a_known_function():
    # cost = 0.5 * (w*x + b - t)^2 with one weight: dC/dw = (w x + b - t) x, dC/db = (w x + b - t)
    net = Network([np.array([[2.0]])], [np.array([0.5])], activation="identity")
    g = helpers.numerical_gradients(net, np.array([[3.0]]), np.array([[1.0]]))
    assert g.weights[0][0, 0] == pytest.approx(5.5 * 3, rel=1e-8)
    assert g.biases[0][0] == pytest.approx(5.5, rel=1e-8)


def test_relative_error_scale():
    a = np.array([1.0, 2.0, 0.0])
    assert helpers.relative_error(a, a) == 0.0
    assert helpers.relative_error(a, a + 1e-9) == pytest.approx(1e-9 / 4, rel=1e-6)
    assert helpers.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match=r"same shapes, got \[\(3,\)\] and \[\(2,\)\]"):
        helpers.relative_error(a, a[:2])
