"""Whole networks: exact gradients, the API contract, copies, float32, bad inputs."""

import numpy as np
import pytest

import helpers
from helpers import Network


def batch(n, width, seed=0):
    return np.random.default_rng(seed).normal(size=(n, width))


SHAPES = [[3, 1], [4, 6, 2], [2, 5, 5, 3], [5, 8, 7, 6, 4]]


@pytest.mark.parametrize("sizes", SHAPES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("loss", ["quadratic", "softmax_cross_entropy"])
def test_gradients_match_finite_differences(sizes, activation, loss):
    if loss == "softmax_cross_entropy" and sizes[-1] == 1:
        sizes = sizes[:-1] + [2]  # softmax needs two classes at least (one output is refused)
    net = Network.random(sizes, activation=activation, rng=3, bias_scale=0.2)
    x = batch(7, sizes[0])
    if loss == "quadratic":
        target = batch(7, sizes[-1], seed=1)
    else:
        target = np.random.default_rng(1).integers(0, sizes[-1], size=7)
    cost, grads = net.cost_and_gradients(x, target, loss)
    numeric = helpers.numerical_gradients(net, x, target, loss)
    assert [g.shape for g in grads.weights] == [w.shape for w in net.weights]
    assert [g.shape for g in grads.biases] == [b.shape for b in net.biases]
    assert helpers.relative_error(grads, numeric) < 1e-7
    assert cost == pytest.approx(net.cost(x, target, loss), rel=1e-14)


@pytest.mark.parametrize("output_activation", ["sigmoid", "tanh", "relu"])
def test_gradients_with_an_output_activation(output_activation):
    net = Network.random([3, 6, 2], activation="tanh", output_activation=output_activation,
                         rng=4, bias_scale=0.5)
    x, target = batch(5, 3), batch(5, 2, seed=2)
    _, grads = net.cost_and_gradients(x, target)
    assert helpers.relative_error(grads, helpers.numerical_gradients(net, x, target)) < 1e-7


def test_quadratic_cost_is_the_contract():
    net = Network.random([3, 4, 2], rng=0)
    x, t = batch(9, 3), batch(9, 2, seed=1)
    expected = 0.5 * np.mean(np.sum((net.predict(x) - t) ** 2, axis=1))
    assert net.cost_and_gradients(x, t)[0] == pytest.approx(expected, rel=1e-14)


def test_one_hot_and_labels_give_the_same_gradients():
    net = Network.random([4, 5, 3], rng=0)
    x, labels = batch(6, 4), np.array([0, 2, 1, 1, 0, 2])
    c1, g1 = net.cost_and_gradients(x, labels, "softmax_cross_entropy")
    c2, g2 = net.cost_and_gradients(x, np.eye(3)[labels], "softmax_cross_entropy")
    assert c1 == pytest.approx(c2, rel=1e-14)
    assert helpers.relative_error(g1, g2) < 1e-14


def test_predict_shape_and_no_state():
    net = Network.random([2, 10, 3], rng=0)
    before = [p.copy() for p in net.parameters()]
    y = net.predict(batch(5, 2))
    assert y.shape == (5, 3)
    net.cost_and_gradients(batch(5, 2), batch(5, 3))
    assert all(np.array_equal(a, b) for a, b in zip(before, net.parameters()))
    assert set(vars(net)) == {"weights", "biases", "activation", "output_activation"}


def test_random_is_seeded_and_initializations():
    a, b = Network.random([50, 40, 3], rng=7), Network.random([50, 40, 3], rng=7)
    assert all(np.array_equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not np.array_equal(a.weights[0], Network.random([50, 40, 3], rng=8).weights[0])
    # He for relu, Glorot for sigmoid, zero biases by default.
    assert np.std(Network.random([400, 300], rng=0).weights[0]) == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    sig = Network.random([400, 300], activation="sigmoid", rng=0)
    assert np.std(sig.weights[0]) == pytest.approx(np.sqrt(2 / 700), rel=0.02)
    assert all(np.all(b == 0) for b in a.biases)
    uni = Network.random([30, 20], init="uniform", scale=0.5, rng=np.random.default_rng(0))
    assert np.abs(uni.weights[0]).max() <= 0.5 and np.abs(uni.weights[0]).max() > 0.45
    normal = Network.random([400, 300], init="normal", scale=0.1, rng=0)
    assert np.std(normal.weights[0]) == pytest.approx(0.1, rel=0.02)


def test_copy_is_independent():
    net = Network.random([3, 4, 2], rng=0)
    twin = net.copy()
    for p, q in zip(net.parameters(), twin.parameters()):
        assert not np.shares_memory(p, q)
    twin.weights[0] -= 1
    assert not np.array_equal(net.weights[0], twin.weights[0])


def test_float32_network_stays_float32():
    net = Network.random([3, 8, 2], rng=0, dtype=np.float32)
    x = batch(4, 3)  # float64 input: the network's dtype decides
    assert net.dtype == np.float32 and net.predict(x).dtype == np.float32
    cost, grads = net.cost_and_gradients(x, np.array([0, 1, 1, 0]), "softmax_cross_entropy")
    assert all(g.dtype == np.float32 for g in grads)
    reference = net.astype(np.float64).cost_and_gradients(x.astype(np.float32), np.array([0, 1, 1, 0]),
                                                           "softmax_cross_entropy")[1]
    assert helpers.relative_error(grads, reference) < 1e-5


def test_repr_names_the_architecture():
    assert repr(Network.random([2, 5, 1], rng=0)) == (
        "Network(2-5-1, activation='relu', output_activation='identity', dtype=float64)")


# -- bad input gets a clear error ------------------------------------------------

def test_batch_of_wrong_width():
    net = Network.random([3, 4, 2], rng=0)
    with pytest.raises(ValueError, match=r"expected a batch of shape \(batch, 3\).*got an array of shape \(5, 4\)"):
        net.predict(np.zeros((5, 4)))


def test_single_sample_instead_of_a_batch():
    net = Network.random([3, 4, 2], rng=0)
    with pytest.raises(ValueError, match=r"shape \(3,\).*a single sample\? use x\[None, :\]"):
        net.predict(np.zeros(3))


def test_targets_of_the_wrong_length():
    net = Network.random([3, 4, 2], rng=0)
    with pytest.raises(ValueError, match=r"expected 5 targets.*shape \(4, 2\)"):
        net.cost_and_gradients(np.zeros((5, 3)), np.zeros((4, 2)))


def test_labels_out_of_range_through_the_network():
    net = Network.random([3, 4, 2], rng=0)
    with pytest.raises(ValueError, match=r"labels out of range: expected 0\.\.1"):
        net.cost_and_gradients(np.zeros((2, 3)), np.array([0, 2]), "softmax_cross_entropy")


def test_softmax_needs_identity_output():
    net = Network.random([3, 4, 2], output_activation="sigmoid", rng=0)
    with pytest.raises(ValueError, match="works on logits: expected output_activation='identity'"):
        net.cost_and_gradients(np.zeros((2, 3)), np.array([0, 1]), "softmax_cross_entropy")


@pytest.mark.parametrize("kwargs, message", [
    (dict(layer_sizes=[3]), "at least two positive whole numbers"),
    (dict(layer_sizes=[3, 0, 1]), "at least two positive whole numbers"),
    (dict(layer_sizes=[3, 2.5, 1]), r"positive whole numbers, e.g. \[2, 30, 1\], got \[3, 2.5, 1\]"),
    (dict(layer_sizes="a"), "got 'a'"),
    (dict(layer_sizes=5), "got 5"),
    (dict(layer_sizes=None), "got None"),
    (dict(layer_sizes=[3, True, 1]), "positive whole numbers"),
    (dict(layer_sizes=[3, 1], activation="swish"), "unknown activation 'swish'"),
    (dict(layer_sizes=[3, 1], init="lecun"), "unknown init 'lecun'"),
    (dict(layer_sizes=[3, 1], init="uniform"), "needs a scale"),
])
def test_random_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Network.random(**kwargs)


def test_unknown_loss_through_the_network():
    with pytest.raises(ValueError, match="unknown loss 'cross_entropy'"):
        Network.random([2, 1], rng=0).cost_and_gradients(np.zeros((1, 2)), np.zeros((1, 1)), "cross_entropy")


def test_mismatched_layers_are_rejected():
    with pytest.raises(ValueError, match=r"layer 1: expected 4 inputs"):
        Network([np.zeros((3, 4)), np.zeros((5, 2))], [np.zeros(4), np.zeros(2)])
    with pytest.raises(ValueError, match=r"expected weights \(n_in, n_out\) and biases \(n_out,\)"):
        Network([np.zeros((3, 4))], [np.zeros(3)])
