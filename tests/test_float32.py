"""float32 end to end: a float32 network never computes in float64.

No silent upcasting anywhere: inputs and targets of other dtypes are converted to
the network's dtype, and every intermediate of the forward pass, every gradient of
the losses and of the network, every optimizer state and every trained parameter of
a float32 network is float32, for both losses, all activations, all optimizers,
and through train(). And the float32 numbers are the float64 ones, to float32
precision.
"""

import numpy as np
import pytest

import helpers
from helpers import ACTIVATIONS, SGD, Adam, Momentum, Network

F32 = np.dtype(np.float32)
OPTIMIZERS = [lambda: SGD(0.05), lambda: Momentum(0.05, beta=0.9), lambda: Adam(1e-3)]
OPTIMIZER_IDS = ["sgd", "momentum", "adam"]
CASES = [(act, out, loss)
         for act in sorted(ACTIVATIONS)
         for out, loss in (("identity", "quadratic"), ("sigmoid", "quadratic"), ("tanh", "quadratic"),
                           ("identity", "softmax_cross_entropy"))]


def data(batch=6, n_in=5, n_out=3, rng=0):
    """float64 inputs, float64 targets and int64 labels: everything a float32 net must not follow."""
    rng = np.random.default_rng(rng)
    return (rng.standard_normal((batch, n_in)), rng.standard_normal((batch, n_out)),
            rng.integers(0, n_out, batch))


def targets_for(loss, y, labels):
    if loss == "quadratic":
        return [y, y.astype(np.float32)]
    return [labels, labels.astype(np.uint8), np.eye(y.shape[1])[labels]]  # int, uint8, float64 one-hot


def assert_all_float32(arrays, what):
    for k, a in enumerate(arrays):
        assert isinstance(a, np.ndarray) and a.dtype == F32, f"{what}[{k}] is {getattr(a, 'dtype', type(a))}"


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(), (7,), (4, 3)])
def test_activations_keep_float32(name, shape):
    act = ACTIVATIONS[name]
    z = np.linspace(-3, 3, int(np.prod(shape))).reshape(shape).astype(np.float32)
    for value in (act.f(z), act.df(z)):
        assert np.asarray(value).dtype == F32 and np.shape(value) == shape


@pytest.mark.parametrize("loss", ["quadratic", "softmax_cross_entropy"])
def test_losses_return_float32_gradients(loss):
    x, y, labels = data()
    logits = x[:, :3].astype(np.float32)
    for target in targets_for(loss, y, labels):
        cost, grad = helpers.get_loss(loss).cost_and_gradient(logits, target)
        assert isinstance(cost, float)
        assert grad.dtype == F32 and grad.shape == logits.shape
    assert helpers.softmax(logits).dtype == F32 and helpers.log_softmax(logits).dtype == F32


@pytest.mark.parametrize("activation, output_activation, loss", CASES)
def test_forward_backward_stay_float32(activation, output_activation, loss):
    net = Network.random([5, 8, 7, 3], activation, output_activation, rng=1, dtype=np.float32)
    x, y, labels = data()
    for xx in (x, x.astype(np.float32), (x * 10).astype(np.int64)):
        zs, ys = net.forward(xx)
        assert_all_float32(zs, "zs")
        assert_all_float32(ys, "ys")
        assert net.predict(xx).dtype == F32
        for target in targets_for(loss, y, labels):
            cost, dcost_dy = helpers.get_loss(loss).cost_and_gradient(ys[-1], net._check_target(target, ys[-1]))
            assert dcost_dy.dtype == F32
            grads = net.backward(zs, ys, dcost_dy)
            assert_all_float32(grads.weights, "grads.weights")
            assert_all_float32(grads.biases, "grads.biases")
            cost2, grads2 = net.cost_and_gradients(xx, target, loss)
            assert isinstance(cost2, float) and cost2 == cost
            assert_all_float32(list(grads2), "cost_and_gradients")


@pytest.mark.parametrize("activation, output_activation, loss", CASES)
def test_float32_gradients_are_the_float64_ones(activation, output_activation, loss):
    net64 = Network.random([5, 8, 7, 3], activation, output_activation, rng=2)
    net32 = net64.astype(np.float32)
    x, y, labels = data(rng=3)
    target = y if loss == "quadratic" else labels
    cost64, g64 = net64.cost_and_gradients(x, target, loss)
    cost32, g32 = net32.cost_and_gradients(x, target, loss)
    assert cost32 == pytest.approx(cost64, rel=1e-5)
    assert helpers.relative_error(g32, g64) < 1e-5


@pytest.mark.parametrize("make_opt", OPTIMIZERS, ids=OPTIMIZER_IDS)
def test_optimizers_keep_float32(make_opt):
    net = Network.random([5, 8, 3], rng=4, dtype=np.float32)
    x, y, _ = data()
    opt = make_opt()
    for _ in range(3):
        _, grads = net.cost_and_gradients(x, y)
        opt.step(net, grads)
        assert_all_float32(net.parameters(), "parameters")
        for name in ("velocity", "m", "v"):
            if getattr(opt, name, None) is not None:
                assert_all_float32(getattr(opt, name), name)


@pytest.mark.parametrize("make_opt", OPTIMIZERS, ids=OPTIMIZER_IDS)
@pytest.mark.parametrize("loss", ["quadratic", "softmax_cross_entropy"])
def test_train_keeps_float32(make_opt, loss):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 5))  # float64 data for a float32 net
    y = rng.standard_normal((64, 3)) if loss == "quadratic" else rng.integers(0, 3, 64)
    net = Network.random([5, 8, 3], rng=6, dtype=np.float32)
    seen = []

    def callback(progress):
        seen.append(progress.net.dtype)

    result = helpers.train(net, x, y, loss=loss, optimizer=make_opt(), steps=20, batch_size=16,
                           validation=(x[:16], y[:16]), eval_every=5, callback=callback, rng=7)
    for trained in (result.net, result.best_net):
        assert_all_float32(trained.parameters(), "trained parameters")
    assert set(seen) == {F32}
    assert all(np.isfinite(result.history.train_cost))
    assert all(isinstance(c, float) for c in result.history.train_cost + result.history.val_cost)


def test_train_with_a_sample_function_keeps_float32():
    def sample(rng, batch):  # float64 batches, as a 2-D target function would make them
        x = rng.uniform(-1, 1, (batch, 2))
        return x, np.sin(3 * x[:, :1]) * x[:, 1:]

    net = Network.random([2, 16, 1], rng=8, dtype=np.float32)
    result = helpers.train(net, sample=sample, lr=0.05, steps=30, batch_size=32, rng=9)
    assert_all_float32(result.net.parameters(), "trained parameters")


def test_float32_training_follows_float64_training():
    """Same data, same seed: the float32 run's costs are the float64 run's, to float32 precision."""
    rng = np.random.default_rng(10)
    x, labels = rng.standard_normal((200, 5)), rng.integers(0, 3, 200)
    net64 = Network.random([5, 16, 3], rng=11)
    kwargs = dict(loss="softmax_cross_entropy", lr=0.1, steps=30, batch_size=20, rng=12)
    h64 = helpers.train(net64, x, labels, **kwargs).history
    h32 = helpers.train(net64.astype(np.float32), x, labels, **kwargs).history
    np.testing.assert_allclose(h32.train_cost, h64.train_cost, rtol=1e-4)
