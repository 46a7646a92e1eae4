"""Optimizers against steps computed by hand."""

import numpy as np
import pytest

import helpers
from helpers import SGD, Adam, Gradients, Momentum, Network


def tiny_net():
    return Network([np.array([[1.0, -2.0]])], [np.array([0.5, 0.0])])


def grads_of(gw, gb):
    return Gradients([np.array([gw], dtype=float)], [np.array(gb, dtype=float)])


def test_sgd_is_exactly_w_minus_lr_g():
    net = Network.random([4, 3, 2], rng=0)
    _, g = net.cost_and_gradients(np.ones((2, 4)), np.zeros((2, 2)))
    expected = [p - 0.1 * q for p, q in zip(net.parameters(), g)]
    SGD(0.1).step(net, g)
    for p, e in zip(net.parameters(), expected):
        np.testing.assert_array_equal(p, e)


def test_momentum_by_hand():
    net, opt = tiny_net(), Momentum(0.1, beta=0.5)
    opt.step(net, grads_of([1.0, 2.0], [4.0, 0.0]))
    # v1 = -0.1 g1
    np.testing.assert_allclose(net.weights[0], [[0.9, -2.2]])
    np.testing.assert_allclose(net.biases[0], [0.1, 0.0])
    opt.step(net, grads_of([1.0, 0.0], [0.0, 0.0]))
    # v2 = 0.5 v1 - 0.1 g2 = [-0.05 - 0.1, -0.1 + 0] ; w2 = w1 + v2
    np.testing.assert_allclose(net.weights[0], [[0.9 - 0.15, -2.2 - 0.1]])
    np.testing.assert_allclose(net.biases[0], [0.1 - 0.2, 0.0])


def test_adam_by_hand():
    net, opt = tiny_net(), Adam(0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    g1, g2 = np.array([[1.0, -3.0]]), np.array([[0.5, 1.0]])
    w = net.weights[0].copy()
    m = v = np.zeros_like(w)
    for t, g in enumerate([g1, g2], start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g**2
        m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
        w = w - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
        opt.step(net, Gradients([g], [np.zeros(2)]))
        np.testing.assert_allclose(net.weights[0], w, rtol=1e-12)
    # The first Adam step moves every weight by lr, whatever the gradient's size.
    first = tiny_net()
    Adam(0.01).step(first, Gradients([np.array([[1e-2, -1e3]])], [np.zeros(2)]))
    np.testing.assert_allclose(first.weights[0] - tiny_net().weights[0], [[-0.01, 0.01]], rtol=1e-6)


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Momentum(0.1), lambda: Adam(0.01)])
def test_optimizers_keep_float32(make):
    net = Network.random([3, 4, 2], rng=0, dtype=np.float32)
    opt = make()
    for _ in range(3):
        _, g = net.cost_and_gradients(np.ones((2, 3), np.float32), np.zeros((2, 2), np.float32))
        opt.step(net, g)
    assert all(p.dtype == np.float32 for p in net.parameters())


def test_copy_has_its_own_state():
    net, opt = tiny_net(), Momentum(0.1)
    opt.step(net, grads_of([1.0, 1.0], [1.0, 1.0]))
    twin = opt.copy()
    twin.step(net, grads_of([1.0, 1.0], [1.0, 1.0]))
    assert not np.shares_memory(opt.velocity[0], twin.velocity[0])
    np.testing.assert_allclose(opt.velocity[0], [[-0.1, -0.1]])
    np.testing.assert_allclose(twin.velocity[0], [[-0.19, -0.19]])


def test_gradients_must_match_the_network():
    with pytest.raises(ValueError, match=r"gradients do not match the network: expected shapes \[\(1, 2\), \(2,\)\]"):
        SGD(0.1).step(tiny_net(), Gradients([np.zeros((2, 2))], [np.zeros(2)]))


def test_an_optimizer_used_on_another_shape():
    opt = Adam()
    opt.step(tiny_net(), grads_of([1.0, 1.0], [1.0, 1.0]))
    other = Network.random([3, 2], rng=0)
    with pytest.raises(ValueError, match="holds the state .* of another network"):
        opt.step(other, Gradients([np.zeros((3, 2))], [np.zeros(2)]))


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(0), "learning rate: expected a positive number, got 0"),
    (lambda: SGD(float("nan")), "learning rate"),
    (lambda: Momentum(0.1, beta=1.0), r"beta: expected a number in \[0, 1\)"),
    (lambda: Adam(1e-3, beta2=1.5), r"beta2: expected a number in \[0, 1\)"),
])
def test_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()
