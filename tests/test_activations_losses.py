"""Every activation and loss against finite differences, and their bad inputs."""

import numpy as np
import pytest

import helpers
from helpers.activations import ACTIVATIONS, get_activation
from helpers.losses import get_loss, log_softmax, softmax, softmax_cross_entropy


def central_difference(f, x, eps=1e-6):
    """d(sum f(x))/dx elementwise for an elementwise f, by central differences."""
    return (f(x + eps) - f(x - eps)) / (2 * eps)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivative_matches_finite_differences(name):
    act = get_activation(name)
    # Stay away from relu's kink at 0, where the derivative is a convention.
    z = np.random.default_rng(0).normal(size=(50, 7)) * 3
    z[np.abs(z) < 1e-3] = 0.5
    numeric = central_difference(act.f, z)
    assert helpers.relative_error(act.df(z), numeric) < 1e-7


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_keeps_shape_and_float32(name):
    z = np.linspace(-5, 5, 12, dtype=np.float32).reshape(3, 4)
    act = get_activation(name)
    assert act.f(z).dtype == np.float32 and act.f(z).shape == (3, 4)
    assert act.df(z).dtype == np.float32 and act.df(z).shape == (3, 4)


def test_sigmoid_does_not_overflow():
    z = np.array([-1000.0, 0.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = get_activation("sigmoid").f(z)
    np.testing.assert_allclose(s, [0.0, 0.5, 1.0])


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown activation 'softplus'.*'relu'.*'sigmoid'"):
        get_activation("softplus")


def loss_gradient_check(loss, y, target):
    cost_fn = get_loss(loss).cost_and_gradient
    _, grad = cost_fn(y.copy(), target)
    numeric = np.zeros_like(y)
    eps = 1e-6
    for i in np.ndindex(y.shape):
        plus, minus = y.copy(), y.copy()
        plus[i] += eps
        minus[i] -= eps
        numeric[i] = (cost_fn(plus, target)[0] - cost_fn(minus, target)[0]) / (2 * eps)
    return helpers.relative_error(grad, numeric)


def test_quadratic_value_and_gradient():
    rng = np.random.default_rng(1)
    y, t = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    cost, _ = get_loss("quadratic").cost_and_gradient(y.copy(), t)
    assert cost == pytest.approx(0.5 * np.mean(np.sum((y - t) ** 2, axis=1)))
    assert loss_gradient_check("quadratic", y, t) < 1e-7


@pytest.mark.parametrize("target_kind", ["labels", "one_hot"])
def test_softmax_cross_entropy_value_and_gradient(target_kind):
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(8, 5)) * 2
    labels = rng.integers(0, 5, size=8)
    target = labels if target_kind == "labels" else np.eye(5)[labels]
    cost, _ = softmax_cross_entropy(logits.copy(), target)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert cost == pytest.approx(-np.mean(np.log(p[np.arange(8), labels])))
    assert loss_gradient_check("softmax_cross_entropy", logits, target) < 1e-7


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-1e4, 1e4, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        cost, grad = softmax_cross_entropy(logits, np.array([0, 0]))
    # The first sample is right with certainty, the second wrong by 2e4 in logit.
    assert cost == pytest.approx(2e4 / 2)
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(softmax(logits).sum(axis=1), 1.0)
    assert np.all(np.isfinite(log_softmax(logits)))


def test_labels_out_of_range():
    with pytest.raises(ValueError, match=r"labels out of range: expected 0\.\.2, got values from 0 to 3"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))


def test_fractional_labels_rejected():
    with pytest.raises(ValueError, match="whole numbers"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0.5, 1.0]))


def test_one_hot_of_wrong_width():
    with pytest.raises(ValueError, match=r"one-hot targets of shape \(2, 3\), got shape \(2, 4\)"):
        softmax_cross_entropy(np.zeros((2, 3)), np.zeros((2, 4)))


def test_quadratic_target_of_wrong_shape():
    with pytest.raises(ValueError, match=r"expected targets of shape \(4, 2\).*got shape \(4, 3\)"):
        get_loss("quadratic").cost_and_gradient(np.zeros((4, 2)), np.zeros((4, 3)))


def test_unknown_loss_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown loss 'mse'.*'quadratic'.*'softmax_cross_entropy'"):
        get_loss("mse")
