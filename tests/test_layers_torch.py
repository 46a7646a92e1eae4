"""The layers against PyTorch, in float64: forward outputs, gradients, batch normalization's running statistics.

Skipped where torch is not installed (it is not a dependency of the course); the finite-difference
tests of test_layers.py and test_conv.py check the same gradients everywhere.
"""

import numpy as np
import pytest

from helpers import BatchNorm, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential

torch = pytest.importorskip("torch")
F = torch.nn.functional


def normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def tensor(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def assert_close(ours, theirs, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=rtol, atol=atol)


def forward_backward(layer, x, training=False):
    """Our (y, dx, grads) for dC/dy = r, and r."""
    y, cache = layer.forward(x, training)
    r = normal(*y.shape, seed=99)
    dx, grads = layer.backward(cache, r)
    return y, dx, grads, r


@pytest.mark.parametrize("n_in, n_out, batch", [(1, 1, 1), (5, 3, 4), (20, 7, 16)])
def test_dense(n_in, n_out, batch):
    layer = Dense(n_in, n_out, rng=0)
    layer.bias[...] = normal(n_out, seed=1)
    x = normal(batch, n_in)
    y, dx, (gw, gb), r = forward_backward(layer, x)
    tx, tw, tb = tensor(x), tensor(layer.weight), tensor(layer.bias)
    ty = F.linear(tx, tw.T, tb)
    ty.backward(torch.tensor(r))
    for ours, theirs in ((y, ty), (dx, tx.grad), (gw, tw.grad), (gb, tb.grad)):
        assert_close(ours, theirs)


@pytest.mark.parametrize("shape", [(8, 3), (2, 5), (4, 3, 5, 6), (1, 2, 3, 3)])
def test_batchnorm_training_mode_and_running_statistics(shape):
    c = shape[1]
    layer = BatchNorm(c, eps=1e-3, momentum=0.3)
    layer.gamma[...], layer.beta[...] = normal(c, seed=2), normal(c, seed=3)
    model = Sequential([layer, Flatten()])  # the losses take (batch, n_out)
    x = 2 * normal(*shape) + 0.5
    y, dx, (g_gamma, g_beta), r = forward_backward(layer, x, training=True)
    t_bn = torch.nn.BatchNorm1d(c, eps=1e-3, momentum=0.3) if len(shape) == 2 else \
        torch.nn.BatchNorm2d(c, eps=1e-3, momentum=0.3)
    t_bn = t_bn.double()
    with torch.no_grad():
        t_bn.weight[...] = torch.tensor(layer.gamma)
        t_bn.bias[...] = torch.tensor(layer.beta)
    tx = tensor(x)
    ty = t_bn.train()(tx)  # PyTorch updates its running statistics in this forward pass
    ty.backward(torch.tensor(r))
    for ours, theirs in ((y, ty), (dx, tx.grad), (g_gamma, t_bn.weight.grad), (g_beta, t_bn.bias.grad)):
        assert_close(ours, theirs, atol=1e-11)
    _, grads = model.cost_and_gradients(x, np.zeros((len(x), x[0].size)))
    model.update_statistics(grads)  # ours: explicitly, from what the gradient's forward pass measured
    layer = model.layers[0]  # the model's own copy of the layer
    assert_close(layer.running_mean, t_bn.running_mean)
    assert_close(layer.running_var, t_bn.running_var)
    # Evaluation mode with those statistics.
    x2 = normal(*shape, seed=4)
    y2, dx2, (g_gamma2, g_beta2), r2 = forward_backward(layer, x2, training=False)
    tx2 = tensor(x2)
    t_bn.weight.grad = t_bn.bias.grad = None
    ty2 = t_bn.eval()(tx2)
    ty2.backward(torch.tensor(r2))
    for ours, theirs in ((y2, ty2), (dx2, tx2.grad), (g_gamma2, t_bn.weight.grad), (g_beta2, t_bn.bias.grad)):
        assert_close(ours, theirs, atol=1e-11)


@pytest.mark.parametrize("n, c_in, c_out, h, w, k, s, p", [
    (2, 3, 4, 8, 8, 3, 1, 1), (1, 1, 2, 9, 7, 5, 2, 2), (3, 2, 3, 10, 11, 4, 3, 0), (2, 4, 2, 6, 6, 1, 2, 1)])
def test_conv2d(n, c_in, c_out, h, w, k, s, p):
    layer = Conv2D(c_in, c_out, k, stride=s, padding=p, rng=0)
    layer.bias[...] = normal(c_out, seed=1)
    x = normal(n, c_in, h, w)
    y, dx, (gw, gb), r = forward_backward(layer, x)
    tx, tw, tb = tensor(x), tensor(layer.weight), tensor(layer.bias)
    ty = F.conv2d(tx, tw, tb, stride=s, padding=p)
    ty.backward(torch.tensor(r))
    for ours, theirs in ((y, ty), (dx, tx.grad), (gw, tw.grad), (gb, tb.grad)):
        assert_close(ours, theirs)


@pytest.mark.parametrize("n, c, h, w, k, s", [(2, 3, 8, 8, 2, None), (1, 1, 7, 9, 3, 2), (2, 2, 9, 9, 3, 1),
                                              (1, 2, 10, 7, 2, 3)])
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
def test_maxpool2d(n, c, h, w, k, s, ties):
    x = normal(n, c, h, w)
    if ties:
        x = np.maximum(np.round(x), 0)  # many equal maxima, as after a ReLU: PyTorch's tie rule must hold
    layer = MaxPool2D(k, s)
    y, dx, _, r = forward_backward(layer, x)
    tx = tensor(x)
    ty = F.max_pool2d(tx, k, s)
    ty.backward(torch.tensor(r))
    assert_close(y, ty, rtol=0, atol=0)
    # Where windows overlap (stride < kernel) an input sums several gradients, in another order than PyTorch's.
    assert_close(dx, tx.grad, rtol=0, atol=0 if (s or k) >= k else 1e-14)


def test_a_whole_conv_net():
    model = Sequential([Conv2D(1, 4, 5, padding=2, rng=0), ReLU(), MaxPool2D(2), Conv2D(4, 6, 3, padding=1, rng=1),
                        ReLU(), MaxPool2D(2), Flatten(), Dense(6 * 3 * 3, 10, rng=2)])
    x, labels = normal(5, 1, 12, 12), np.array([3, 1, 4, 1, 5])
    cost, grads = model.cost_and_gradients(x, labels, "softmax_cross_entropy")
    params = [tensor(p) for p in model.parameters()]
    w1, b1, w2, b2, w3, b3 = params
    h = F.max_pool2d(F.relu(F.conv2d(torch.tensor(x), w1, b1, padding=2)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2, padding=1)), 2)
    t_cost = F.cross_entropy(F.linear(h.flatten(1), w3.T, b3), torch.tensor(labels))
    t_cost.backward()
    assert cost == pytest.approx(t_cost.item(), rel=1e-13)
    for ours, theirs in zip(grads, params):
        assert_close(ours, theirs.grad)
