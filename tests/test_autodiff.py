"""helpers.autodiff: every operation against finite differences, and the engine's promises."""

import numpy as np
import pytest

from types import MappingProxyType

import helpers
from helpers import activations
from helpers import autodiff as ad
from helpers.gradcheck import finite_differences

TOL = 1e-7  # relative error of backward rules vs central differences, float64


def check(f, *values):
    """Compare the autodiff gradients of scalar f(*tensors) with finite differences; return the tensors."""
    values = [np.array(v, dtype=np.float64) for v in values]
    tensors = [ad.Tensor(v) for v in values]
    out = f(*tensors)
    out.backward()
    numeric = finite_differences(lambda: f(*[ad.Tensor(v) for v in values]).item(), values)
    for t, n in zip(tensors, numeric):
        assert t.grad.shape == t.value.shape
        assert helpers.relative_error(t.grad, n) < TOL, (t.grad, n)
    return tensors


def weighted(op, shape, seed=0):
    """sum(op(...) * R) with a fixed random R: a scalar whose gradient sees every output entry."""
    weights = np.random.default_rng(seed).normal(size=shape)
    return lambda *ts: (op(*ts) * weights).sum()


def randn(*shape, seed=1):
    return np.random.default_rng(seed).normal(size=shape)


# -- every operation, against finite differences ---------------------------------------------

@pytest.mark.parametrize("shape_a, shape_b", [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),      # a bias row added to every sample
    ((3, 1), (1, 4)),    # both sides broadcast
    ((), (3, 4)),        # a scalar tensor
    ((2, 3, 4), (3, 1)),
])
@pytest.mark.parametrize("op", [ad.add, ad.sub, ad.mul, lambda a, b: a + b, lambda a, b: a - b,
                                lambda a, b: a * b, lambda a, b: a / b], ids=["add", "sub", "mul", "+", "-", "*", "/"])
def test_binary_operations_with_broadcasting(op, shape_a, shape_b):
    out_shape = np.broadcast_shapes(shape_a, shape_b)
    divisor = 0.5 + np.abs(randn(*shape_b, seed=2))  # away from 0, where a / b has its pole
    a, b = check(weighted(op, out_shape), randn(*shape_a, seed=1), divisor)
    assert a.grad.shape == shape_a and b.grad.shape == shape_b


def test_matmul():
    check(weighted(lambda a, b: a @ b, (3, 2)), randn(3, 4, seed=1), randn(4, 2, seed=2))


def test_an_affine_layer_with_a_bias_row():
    check(weighted(lambda x, w, b: x @ w + b, (5, 3)), randn(5, 4, seed=1), randn(4, 3, seed=2), randn(3, seed=3))


@pytest.mark.parametrize("op, values", [
    (lambda t: -t, randn(3, 4)),
    # relu has a kink at 0: keep entries away from it, where finite differences are exact
    (ad.relu, np.sign(randn(3, 4)) * (0.1 + np.abs(randn(3, 4, seed=2)))),
    (ad.sigmoid, 3 * randn(3, 4)),
    (ad.tanh, 2 * randn(3, 4)),
    (ad.exp, randn(3, 4)),
    (ad.log, 0.1 + np.abs(randn(3, 4))),
    (lambda t: t ** 2, randn(3, 4)),
    (lambda t: t ** 3, randn(3, 4)),
    (lambda t: t ** -1, 0.5 + np.abs(randn(3, 4))),
    (lambda t: t ** 0.5, 0.5 + np.abs(randn(3, 4))),
    (lambda t: t / 2, randn(3, 4)),
    (lambda t: 2 / t, 0.5 + np.abs(randn(3, 4))),
    (lambda t: t.reshape(2, 6), randn(3, 4)),
    (lambda t: t.reshape((4, -1)), randn(3, 4)),
    (lambda t: t.T, randn(3, 4)),
    (lambda t: t.T, randn(2, 3, 4)),
], ids=["-t", "relu", "sigmoid", "tanh", "exp", "log", "t**2", "t**3", "t**-1", "t**0.5", "t/2", "2/t",
        "reshape", "reshape(-1)", "T", "T3d"])
def test_elementwise_and_shape_operations(op, values):
    expected_shape = op(ad.Tensor(values)).shape
    check(weighted(op, expected_shape), values)


@pytest.mark.parametrize("op, numpy_op", [
    (lambda t: t ** 2, lambda v: v ** 2),
    (lambda t: t / 2, lambda v: v / 2),
    (lambda t: 1 / t, lambda v: 1 / v),
    (lambda t: t.reshape(4, 3), lambda v: v.reshape(4, 3)),
    (lambda t: t.T, lambda v: v.T),
], ids=["t**2", "t/2", "1/t", "reshape", "T"])
def test_micrograd_style_operators_compute_what_numpy_does(op, numpy_op):
    values = 0.5 + np.abs(randn(3, 4))
    assert np.allclose(op(ad.Tensor(values)).value, numpy_op(values), rtol=1e-15, atol=0)


def test_new_operations_with_broadcasting():
    # a transposed weight matrix and a reshaped bias column, broadcast over a batch, then divided by a row
    def f(x, w, b, d):
        return ((x @ w.T + b.reshape(1, 3)) ** 2 / d).sum()
    check(f, randn(5, 4, seed=1), randn(3, 4, seed=2), randn(3, seed=3), 0.5 + np.abs(randn(3, seed=4)))


def test_division_and_negation_are_compositions():
    x = ad.Tensor(randn(3))
    assert {n.op for n in ad.topological_order(x / ad.Tensor(randn(3, seed=2)))} == {"leaf", "**", "*"}
    assert {n.op for n in ad.topological_order(-x)} == {"leaf", "const", "*"}
    assert {n.op for n in ad.topological_order(x.mean())} == {"leaf", "sum", "const", "**", "*"}


def test_activations_take_value_and_derivative_from_helpers_activations():
    z = np.array([-2.0, 0.0, 3.0])
    for name in ("relu", "sigmoid", "tanh"):
        x = ad.Tensor(z)
        y = getattr(x, name)()
        y.sum().backward()
        act = activations.ACTIVATIONS[name]
        assert np.array_equal(y.value, act.f(z)) and np.array_equal(x.grad, act.df(z)), name


def test_a_changed_relu_convention_reaches_autodiff(monkeypatch):
    # The derivative lives once: change relu'(0) in helpers.activations and the engine follows.
    half_at_zero = lambda z: np.where(z > 0, 1.0, np.where(z == 0, 0.5, 0.0))  # noqa: E731
    table = dict(activations.ACTIVATIONS, relu=activations.Activation("relu", activations.relu, half_at_zero))
    monkeypatch.setattr(activations, "ACTIVATIONS", MappingProxyType(table))
    x = ad.Tensor(np.array([-1.0, 0.0, 1.0]))
    x.relu().sum().backward()
    assert np.array_equal(x.grad, [0.0, 0.5, 1.0])


def test_methods_call_the_same_operations():
    x = ad.Tensor(randn(2, 3))
    for method, fn in [("relu", ad.relu), ("sigmoid", ad.sigmoid), ("tanh", ad.tanh), ("exp", ad.exp)]:
        assert np.array_equal(getattr(x, method)().value, fn(x).value)
    assert np.array_equal(x.exp().log().value, ad.log(ad.exp(x)).value)


@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, False), (-1, True), ((0, 2), False),
                                            ((0, 2), True), (None, True)])
@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_sum_and_mean_over_axes(reduce, axis, keepdims):
    values = randn(2, 3, 4)
    expected = getattr(values, reduce)(axis=axis, keepdims=keepdims)
    op = lambda t: getattr(t, reduce)(axis=axis, keepdims=keepdims)  # noqa: E731
    assert np.allclose(op(ad.Tensor(values)).value, expected)
    check(weighted(op, expected.shape), values)


def test_mean_gradient_is_one_over_n():
    x = ad.Tensor(np.ones((4, 5)))
    x.mean().backward()
    assert np.all(x.grad == 1 / 20)


def test_softmax_cross_entropy_matches_the_hand_written_loss_and_finite_differences():
    logits, labels = 3 * randn(6, 4), np.array([0, 3, 1, 1, 2, 0])
    t = ad.Tensor(logits)
    cost = ad.softmax_cross_entropy(t, labels)
    cost.backward()
    expected_cost, expected_grad = helpers.softmax_cross_entropy(logits, labels)
    assert cost.shape == () and cost.item() == pytest.approx(expected_cost, rel=1e-14)
    assert helpers.relative_error(t.grad, expected_grad) < 1e-14
    check(lambda z: ad.softmax_cross_entropy(z, labels), logits)
    check(lambda z: 2.5 * ad.softmax_cross_entropy(z, labels), logits)  # an upstream gradient other than 1


def test_a_small_network_matches_hand_written_backprop():
    net = helpers.Network.random([5, 7, 6, 3], rng=0)
    x, labels = randn(8, 5), np.array([0, 1, 2, 2, 1, 0, 0, 1])
    params = [ad.Tensor(p) for p in net.parameters()]
    n = len(net.weights)
    h = ad.Tensor(x)
    for j in range(n):
        h = h @ params[j] + params[n + j]
        h = h.relu() if j < n - 1 else h
    cost = ad.softmax_cross_entropy(h, labels)
    cost.backward()
    expected_cost, grads = net.cost_and_gradients(x, labels, loss="softmax_cross_entropy")
    assert cost.item() == pytest.approx(expected_cost, rel=1e-13)
    ours = helpers.Gradients([p.grad for p in params[:n]], [p.grad for p in params[n:]])
    assert helpers.relative_error(ours, grads) < 1e-12


# -- reuse: a node used twice gets both gradients -----------------------------------------------

def test_x_times_x():
    x = ad.Tensor(np.array([1.0, -2.0, 3.0]))
    (x * x).sum().backward()
    assert np.array_equal(x.grad, 2 * x.value)
    check(weighted(lambda t: t * t, (3,)), randn(3))


def test_x_plus_x_and_x_minus_x():
    x = ad.Tensor(randn(3))
    (x + x).sum().backward()
    assert np.all(x.grad == 2)
    (x - x).sum().backward()
    assert np.all(x.grad == 0)


def test_a_node_feeding_two_branches():
    def f(x, w):
        h = (x @ w).tanh()          # h is used by both branches below
        return (h * h.exp()).sum() + h.sigmoid().mean() + (h @ w * x).sum()  # w and x reused as well
    check(f, randn(3, 4), randn(4, 4, seed=2))


# -- deep graphs: the topological order needs no recursion --------------------------------------

def test_a_chain_of_ten_thousand_operations():
    x = ad.Tensor(np.array([0.5, -1.0]))
    y = x
    for _ in range(10_000):
        y = y + x           # x is used 10,001 times, the chain is 10,000 nodes deep
    y.sum().backward()
    assert np.array_equal(x.grad, [10_001.0, 10_001.0])


def test_a_chain_of_ten_thousand_nonlinear_operations():
    x = ad.Tensor(np.array(1.0))
    y = x
    for _ in range(10_000):
        y = -y.tanh()       # tanh, then -1 (a constant leaf) times it: three nodes per step, 20,000 deep
    y.backward()
    assert np.isfinite(x.grad) and x.grad != 0
    assert len(ad.topological_order(y)) == 30_001


def test_topological_order_puts_parents_first_and_each_node_once():
    a, b = ad.Tensor(1.0), ad.Tensor(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = ad.topological_order(e)
    assert len(order) == len(set(order)) == 5
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        assert all(position[p] < position[node] for p in node.parents)
    assert order[-1] is e


# -- what backward() does when called again ---------------------------------------------------

def test_backward_twice_gives_the_same_gradients_not_twice_them():
    w = ad.Tensor(randn(3, 2))
    x = ad.Tensor(randn(4, 3))
    cost = (x @ w).tanh().mean()
    cost.backward()
    first = w.grad.copy()
    cost.backward()
    assert np.array_equal(w.grad, first)


def test_a_leaf_shared_by_two_graphs_holds_the_last_graphs_gradient():
    w = ad.Tensor(np.array([1.0, 2.0]))
    cost1 = (w * 3.0).sum()
    cost2 = (w * w).sum()
    cost1.backward()
    assert np.array_equal(w.grad, [3.0, 3.0])
    cost2.backward()
    assert np.array_equal(w.grad, [2.0, 4.0])
    (cost1 + cost2).backward()  # the documented way to differentiate a sum of costs
    assert np.array_equal(w.grad, [5.0, 7.0])


def test_backward_with_a_seed_gradient():
    x = ad.Tensor(randn(2, 3))
    seed = randn(2, 3, seed=5)
    x.exp().backward(seed)
    assert np.allclose(x.grad, seed * np.exp(x.value))


def test_intermediate_nodes_keep_their_gradients():
    x = ad.Tensor(np.array([1.0, 2.0]))
    h = x * 2.0
    (h * h).sum().backward()
    assert np.array_equal(h.grad, 2 * h.value)


# -- values, not references --------------------------------------------------------------------

def test_no_two_nodes_share_a_gradient_array():
    a, b = ad.Tensor(np.ones(3)), ad.Tensor(np.ones(3))
    c = a + b
    c.sum().backward()
    a.grad[0] = 100.0
    assert b.grad[0] == 1.0 and c.grad[0] == 1.0


@pytest.mark.parametrize("op", [lambda t: t.reshape(6), lambda t: t.T, lambda t: t + 0.0, lambda t: t.sum(axis=0)],
                         ids=["reshape", "T", "add", "sum"])
def test_gradients_passed_on_as_views_are_copied(op):
    x = ad.Tensor(np.ones((2, 3)))
    y = op(x)
    (y * 2.0).sum().backward()
    x.grad[...] = 100.0
    assert np.all(y.grad == 2.0)


def test_reshape_and_transpose_do_not_share_their_input_array():
    x = ad.Tensor(np.ones((2, 3)))
    for y in (x.reshape(6), x.T):
        y.value[0] = 5.0
        assert np.all(x.value == 1.0)


def test_a_leaf_owns_a_copy_of_its_array():
    array = np.ones(3)
    t = ad.Tensor(array)
    array[0] = 5.0
    assert t.value[0] == 1.0


def test_float32_stays_float32():
    x = ad.Tensor(np.ones((2, 3), dtype=np.float32))
    w = ad.Tensor(np.ones((3, 2), dtype=np.float32))
    cost = ad.softmax_cross_entropy((x @ w * 2 + 1.0 - 0.5).sigmoid(), [0, 1])
    cost.backward()
    assert cost.dtype == x.grad.dtype == w.grad.dtype == np.float32
    y = ((x / 2) ** 2 - 1 / (x + 1)).T.reshape(6).mean()
    y.backward()
    assert y.dtype == x.grad.dtype == np.float32


def test_integers_become_float64_and_numbers_mix_with_tensors():
    x = ad.Tensor([1, 2, 3])
    assert x.dtype == np.float64
    y = 2 * x + 1 - x * 0.5
    y = 1.0 - y
    assert isinstance(np.ones(3) + x, ad.Tensor)  # numpy on the left still builds a node
    assert isinstance(np.ones((1, 3)) @ ad.Tensor(np.ones((3, 1))), ad.Tensor)
    y.sum().backward()
    assert np.array_equal(x.grad, [-1.5, -1.5, -1.5])


def test_the_module_keeps_no_mutable_state():
    mutable = [name for name, v in vars(ad).items()
               if not name.startswith("__") and isinstance(v, (list, dict, set, np.ndarray))]
    assert mutable == []


# -- stability ---------------------------------------------------------------------------------

def test_softmax_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1e4, 0.0, -1e4], [1000.0, 1000.0, 999.0], [-1e30, 0.0, 1e30]])
    labels = np.array([1, 2, 2])
    t = ad.Tensor(logits)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, no nan anywhere
        cost = ad.softmax_cross_entropy(t, labels)
        cost.backward()
    # row 0: -log softmax = 1e4 exactly; row 1: log(2 + e^-1) + 1; row 2: 0
    expected = (1e4 + np.log(2 + np.exp(-1.0)) + 1 + 0.0) / 3
    assert cost.item() == pytest.approx(expected, rel=1e-14)
    p = np.exp(-1.0) / (2 + np.exp(-1.0))
    expected_grad = np.array([[1, -1, 0], [(1 - p) / 2, (1 - p) / 2, p - 1], [0, 0, 0]]) / 3
    assert np.allclose(t.grad, expected_grad, rtol=0, atol=1e-15)


def test_sigmoid_does_not_overflow():
    x = ad.Tensor(np.array([-1000.0, 0.0, 1000.0]))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = x.sigmoid()
        s.sum().backward()
    assert np.array_equal(s.value, [0.0, 0.5, 1.0])
    assert np.array_equal(x.grad, [0.0, 0.25, 0.0])


# -- clear errors --------------------------------------------------------------------------------

def test_matmul_of_incompatible_shapes():
    with pytest.raises(ValueError, match="mismatch"):  # numpy's own message names the sizes
        ad.Tensor(np.ones((3, 4))) @ ad.Tensor(np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"expected matrices .* got shapes \(4,\) @ \(4, 2\).*reshape"):
        ad.Tensor(np.ones(4)) @ np.ones((4, 2))


@pytest.mark.parametrize("op", [ad.add, ad.sub, ad.mul, lambda a, b: a / b])
def test_shapes_that_do_not_broadcast_are_named(op):
    with pytest.raises(ValueError, match=r"shapes \(3,4\) \(3,\)"):  # numpy's message
        op(ad.Tensor(np.ones((3, 4))), ad.Tensor(np.ones(3)))


def test_power_needs_a_constant_finite_exponent():
    x = ad.Tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"exponent p .*expected a finite number, got Tensor"):
        x ** ad.Tensor(2.0)
    with pytest.raises(ValueError, match=r"exponent p .*expected a finite number, got nan"):
        x ** float("nan")


def test_bad_reshape():
    with pytest.raises(ValueError, match="cannot reshape array of size 6 into shape"):  # numpy's message
        ad.Tensor(np.ones((2, 3))).reshape(4, 2)


def test_backward_on_a_non_scalar_needs_a_seed():
    x = ad.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"shape \(2, 3\) needs a seed gradient.*t.sum\(\)"):
        x.exp().backward()
    with pytest.raises(ValueError, match=r"seed gradient of shape \(2, 3\).*got shape \(3,\)"):
        x.exp().backward(np.ones(3))


def test_softmax_cross_entropy_bad_inputs():
    logits = ad.Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"labels out of range: expected 0..2, got values from 0 to 3"):
        ad.softmax_cross_entropy(logits, [0, 3])
    with pytest.raises(ValueError, match=r"labels of shape \(2,\) or one-hot targets of shape \(2, 3\), got shape "
                                         r"\(3,\)"):
        ad.softmax_cross_entropy(logits, [0, 1, 2])
    with pytest.raises(ValueError, match=r"shape \(batch, n_out\), got shape \(3,\)"):
        ad.softmax_cross_entropy(ad.Tensor(np.zeros(3)), [0])


def test_softmax_cross_entropy_takes_one_hot_targets_as_the_loss_does():
    logits, labels = 3 * randn(6, 4), np.array([0, 3, 1, 1, 2, 0])
    by_label, by_one_hot = ad.Tensor(logits), ad.Tensor(logits)
    ad.softmax_cross_entropy(by_label, labels).backward()
    ad.softmax_cross_entropy(by_one_hot, np.eye(4)[labels]).backward()
    assert helpers.relative_error(by_label.grad, by_one_hot.grad) < 1e-15


def test_bad_values_and_axes():
    with pytest.raises(ValueError, match="expected numbers, got an array of dtype <U1"):
        ad.Tensor(["a"])
    with pytest.raises(ValueError, match="expected a numpy array or a number, got a Tensor"):
        ad.Tensor(ad.Tensor(1.0))
    with pytest.raises(ValueError, match="axis 2 is out of bounds"):
        ad.Tensor(np.ones((2, 3))).sum(axis=2)


def test_a_backward_rule_that_returns_the_wrong_shape_is_caught():
    x = ad.Tensor(np.ones((2, 3)))
    bad = ad.Tensor(x.value.sum(axis=0), (x,), lambda g: (g,), "bad_sum")  # forgot to spread g back
    with pytest.raises(ValueError, match=r"'bad_sum' returned a gradient of shape \(3,\) for an input of shape "
                                         r"\(2, 3\)"):
        bad.sum().backward()


def test_gradients_are_arrays_even_for_scalars():
    s = ad.Tensor(2.0)
    (s + ad.Tensor(np.ones((3, 4)))).sum().backward()  # the scalar's gradient is a full sum
    assert isinstance(s.grad, np.ndarray) and s.grad.shape == () and s.grad == 12.0
