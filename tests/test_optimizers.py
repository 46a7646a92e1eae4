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


# -- the optimizers of notebook 06 and weight decay (notebook 07), step by step ---------------------

def two_steps(opt, g1=(1.0, 2.0), g2=(0.5, -1.0)):
    """Weights after two steps from w = [1, -2] (bias ignored: its gradient is zero)."""
    net = tiny_net()
    for g in (g1, g2):
        opt.step(net, grads_of(list(g), [0.0, 0.0]))
    return net.weights[0][0]


def test_nesterov_by_hand():
    lr, beta, w = 0.1, 0.5, np.array([1.0, -2.0])
    v = np.zeros(2)
    for g in (np.array([1.0, 2.0]), np.array([0.5, -1.0])):
        v = beta * v - lr * g
        w = w + beta * v - lr * g
    np.testing.assert_allclose(two_steps(helpers.Nesterov(lr, beta=beta)), w, rtol=1e-15)


def test_adagrad_by_hand():
    lr, eps, w, h = 0.1, 1e-10, np.array([1.0, -2.0]), np.zeros(2)
    for g in (np.array([1.0, 2.0]), np.array([0.5, -1.0])):
        h = h + g * g
        w = w - lr * g / (np.sqrt(h) + eps)
    np.testing.assert_allclose(two_steps(helpers.AdaGrad(lr)), w, rtol=1e-15)


def test_rmsprop_by_hand():
    lr, alpha, eps, w, h = 0.1, 0.9, 1e-8, np.array([1.0, -2.0]), np.zeros(2)
    for g in (np.array([1.0, 2.0]), np.array([0.5, -1.0])):
        h = alpha * h + (1 - alpha) * g * g
        w = w - lr * g / (np.sqrt(h) + eps)
    np.testing.assert_allclose(two_steps(helpers.RMSprop(lr, alpha=alpha)), w, rtol=1e-15)


def test_weight_decay_is_added_to_the_gradient():
    lr, wd, w = 0.1, 0.01, np.array([1.0, -2.0])
    for g in (np.array([1.0, 2.0]), np.array([0.5, -1.0])):
        w = w - lr * (g + wd * w)
    np.testing.assert_allclose(two_steps(SGD(lr, weight_decay=wd)), w, rtol=1e-15)


def adam_by_hand(lr, wd, decoupled, b1=0.9, b2=0.999, eps=1e-8):
    w, m, v = np.array([1.0, -2.0]), np.zeros(2), np.zeros(2)
    for t, g in enumerate((np.array([1.0, 2.0]), np.array([0.5, -1.0])), start=1):
        if decoupled:
            w = w - lr * wd * w
        else:
            g = g + wd * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return w


def test_adam_with_l2_and_adamw_by_hand():
    np.testing.assert_allclose(two_steps(Adam(0.1, weight_decay=0.1)), adam_by_hand(0.1, 0.1, False), rtol=1e-12)
    np.testing.assert_allclose(two_steps(helpers.AdamW(0.1, weight_decay=0.1)), adam_by_hand(0.1, 0.1, True),
                               rtol=1e-12)
    assert not np.allclose(adam_by_hand(0.1, 0.1, False), adam_by_hand(0.1, 0.1, True))


TORCH_TWINS = [
    ("SGD", lambda: SGD(0.1, weight_decay=0.01), lambda t, p: t.optim.SGD(p, lr=0.1, weight_decay=0.01)),
    ("Momentum", lambda: Momentum(0.1, beta=0.9), lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.9)),
    ("Nesterov", lambda: helpers.Nesterov(0.1, beta=0.9),
     lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
    ("AdaGrad", lambda: helpers.AdaGrad(0.1), lambda t, p: t.optim.Adagrad(p, lr=0.1, eps=1e-10)),
    ("RMSprop", lambda: helpers.RMSprop(0.01, alpha=0.99, eps=1e-8),
     lambda t, p: t.optim.RMSprop(p, lr=0.01, alpha=0.99, eps=1e-8)),
    ("Adam", lambda: Adam(0.01, weight_decay=0.01), lambda t, p: t.optim.Adam(p, lr=0.01, weight_decay=0.01)),
    ("AdamW", lambda: helpers.AdamW(0.01, weight_decay=0.1),
     lambda t, p: t.optim.AdamW(p, lr=0.01, weight_decay=0.1)),
]


@pytest.mark.parametrize("name, ours, theirs", TORCH_TWINS, ids=[t[0] for t in TORCH_TWINS])
def test_optimizers_agree_with_pytorch(name, ours, theirs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    net = Network.random([3, 4, 2], rng=0)
    params = [torch.tensor(p, requires_grad=True) for p in net.parameters()]
    opt, twin = ours(), theirs(torch, params)
    for _ in range(5):
        grads = [rng.normal(size=p.shape) for p in net.parameters()]
        opt.step(net, net.gradients_like(grads))
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g)
        twin.step()
    for p, q in zip(net.parameters(), params):
        np.testing.assert_allclose(p, q.detach().numpy(), rtol=1e-10, atol=1e-12)


# -- learning-rate schedules ----------------------------------------------------------------------

def test_cosine_schedule_warms_up_then_decays_to_the_floor():
    f = helpers.cosine(100, warmup=10, floor=0.1)
    assert [f(t) for t in (1, 5, 10)] == pytest.approx([0.1, 0.5, 1.0])
    assert f(55) == pytest.approx(0.1 + 0.9 * 0.5)
    assert f(100) == pytest.approx(0.1) and f(500) == pytest.approx(0.1)


def test_step_decay():
    f = helpers.step_decay(10, gamma=0.5)
    assert [f(t) for t in (1, 9, 10, 25)] == [1.0, 1.0, 0.5, 0.25]


def test_a_scheduled_sgd_step_uses_lr_times_the_factor():
    lr, w = 0.1, np.array([1.0, -2.0])
    f = helpers.cosine(4)
    for t, g in enumerate((np.array([1.0, 2.0]), np.array([0.5, -1.0])), start=1):
        w = w - lr * f(t) * g
    np.testing.assert_allclose(two_steps(SGD(lr, schedule=f)), w, rtol=1e-15)


@pytest.mark.parametrize("make, message", [
    (lambda: helpers.cosine(0), "steps: expected a positive whole number"),
    (lambda: helpers.cosine(10, warmup=10), r"warmup: expected a whole number of steps in \[0, 10\)"),
    (lambda: SGD(0.1, schedule=0.5), "schedule: expected a function of the step t"),
])
def test_bad_schedules_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()
