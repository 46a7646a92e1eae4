"""The layer API: each layer's exact gradients, Sequential's model protocol, value semantics, float32, bad input.

Conv2D and MaxPool2D have their own file (test_conv.py); the comparison with PyTorch is test_layers_torch.py.
"""

import numpy as np
import pytest

import helpers
from helpers import (SGD, BatchNorm, Conv2D, Dense, Dropout, Flatten, MaxPool2D, Network, ReLU, Sequential,
                     Sigmoid, Tanh)
from helpers.layers import LayerGradients
from layer_checks import TOLERANCE, all_arrays, assert_layer_gradients


def normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def labels(n, n_classes, seed=1):
    return np.random.default_rng(seed).integers(0, n_classes, n)


def with_random_parameters(layer, seed=5):
    """The layer with every parameter drawn at random (zero biases and unit gammas hide mistakes)."""
    for p in layer.parameters():
        p[...] = np.random.default_rng(seed).normal(size=p.shape)
        seed += 1
    return layer


def mlp(dtype=np.float64, p=0.3):
    """dense-bn-relu-dropout-dense."""
    return Sequential([Dense(5, 8, rng=0, dtype=dtype), BatchNorm(8, dtype=dtype), ReLU(), Dropout(p),
                       Dense(8, 3, rng=1, dtype=dtype)])


# -- each layer's gradient -------------------------------------------------------------------

@pytest.mark.parametrize("n_in, n_out, batch", [(1, 1, 1), (3, 5, 4), (7, 2, 9)])
def test_dense_gradients(n_in, n_out, batch):
    assert_layer_gradients(with_random_parameters(Dense(n_in, n_out, rng=0)), normal(batch, n_in))


@pytest.mark.parametrize("layer", [ReLU(), Sigmoid(), Tanh()], ids=repr)
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4, 5), (1, 1)])
def test_activation_gradients(layer, shape):
    x = normal(*shape)
    x[np.abs(x) < 1e-3] = 0.5  # ReLU's kink at 0 has no derivative: keep finite differences away from it
    assert_layer_gradients(layer, x)


@pytest.mark.parametrize("shape", [(6, 4), (2, 3), (3, 2, 4, 5), (1, 3, 2, 2)])
def test_batchnorm_gradients_in_training_mode(shape):
    layer = with_random_parameters(BatchNorm(shape[1]))
    assert_layer_gradients(layer, 3 * normal(*shape) + 1, training=True)


@pytest.mark.parametrize("shape", [(6, 4), (1, 3), (3, 2, 4, 5)])
def test_batchnorm_gradients_in_evaluation_mode(shape):
    layer = with_random_parameters(BatchNorm(shape[1]))
    layer.running_mean[...] = normal(shape[1], seed=8)
    layer.running_var[...] = 0.5 + np.abs(normal(shape[1], seed=9))
    assert_layer_gradients(layer, normal(*shape))


@pytest.mark.parametrize("p", [0.0, 0.3, 0.8])
@pytest.mark.parametrize("shape", [(5, 7), (2, 3, 4, 4)])
def test_dropout_gradients_with_a_fixed_mask(p, shape):
    assert_layer_gradients(Dropout(p), normal(*shape), training=True, rng=11)


def test_flatten_gradients():
    assert_layer_gradients(Flatten(), normal(2, 3, 4, 5))


# -- whole models --------------------------------------------------------------------------------

@pytest.mark.parametrize("loss", ["quadratic", "softmax_cross_entropy"])
def test_dense_bn_relu_dropout_dense_end_to_end(loss):
    model = mlp()
    for layer in model.layers:
        with_random_parameters(layer)
    x = normal(10, 5)
    target = normal(10, 3, seed=2) if loss == "quadratic" else labels(10, 3)
    cost, grads = model.cost_and_gradients(x, target, loss, rng=7)
    numeric = helpers.numerical_gradients(model, x, target, loss, rng=7)
    assert [g.shape for g in grads] == [p.shape for p in model.parameters()]
    assert helpers.relative_error(list(grads), numeric) < TOLERANCE
    assert cost == pytest.approx(model.training_cost(x, target, loss, rng=7), rel=1e-14)


def test_without_dropout_or_batchnorm_numerical_gradients_apply():
    """The eval-mode cost is the trained cost here, so helpers.numerical_gradients (model.cost) checks it too."""
    model = Sequential([Dense(4, 6, rng=0), Tanh(), Dense(6, 6, rng=1), Sigmoid(), Dense(6, 2, rng=2)])
    x, target = normal(5, 4), normal(5, 2, seed=3)
    _, grads = model.cost_and_gradients(x, target)
    assert helpers.relative_error(grads, helpers.numerical_gradients(model, x, target)) < TOLERANCE


def test_dense_layers_compute_what_network_computes():
    net = Network.random([4, 7, 3], rng=0, bias_scale=0.3)
    model = Sequential([Dense(4, 7), ReLU(), Dense(7, 3)])
    for p, q in zip(model.parameters(), [net.weights[0], net.biases[0], net.weights[1], net.biases[1]]):
        p[...] = q
    x, target = normal(6, 4), labels(6, 3)
    np.testing.assert_array_equal(model.predict(x), net.predict(x))
    cost, grads = model.cost_and_gradients(x, target, "softmax_cross_entropy")
    net_cost, net_grads = net.cost_and_gradients(x, target, "softmax_cross_entropy")
    assert cost == net_cost
    for g, h in zip(grads, [net_grads.weights[0], net_grads.biases[0], net_grads.weights[1], net_grads.biases[1]]):
        np.testing.assert_array_equal(g, h)


def test_dense_initializations():
    assert np.array_equal(Dense(30, 20, rng=4).weight, Network.random([30, 20], rng=4).weights[0])
    big = 400
    assert np.std(Dense(big, big, rng=0).weight) == pytest.approx(np.sqrt(2 / big), rel=0.01)
    assert np.std(Dense(big, big, rng=0, init="glorot").weight) == pytest.approx(np.sqrt(1 / big), rel=0.01)
    assert np.std(Dense(big, big, rng=0, init="normal", scale=0.1).weight) == pytest.approx(0.1, rel=0.01)
    assert np.abs(Dense(big, big, rng=0, init="uniform", scale=0.2).weight).max() <= 0.2
    assert not Dense(3, 4, rng=0).bias.any()
    assert not np.array_equal(Dense(3, 4, rng=0).weight, Dense(3, 4, rng=1).weight)


# -- dropout ---------------------------------------------------------------------------------------

def test_dropout_is_inverted_and_seeded():
    x = np.ones((200, 50))
    layer = Dropout(0.25)
    y, _ = layer.forward(x, training=True, rng=3)
    assert set(np.unique(y)) == {0.0, 1 / 0.75}  # kept units scaled by 1 / (1 - p)
    assert np.mean(y == 0) == pytest.approx(0.25, abs=0.01)
    np.testing.assert_array_equal(layer.forward(x, True, rng=3)[0], y)
    assert not np.array_equal(layer.forward(x, True, rng=4)[0], y)
    np.testing.assert_array_equal(layer.forward(x, training=False, rng=3)[0], x)


def test_same_seed_same_masks_in_training_cost_and_cost_and_gradients():
    model, x, target = mlp(p=0.5), normal(16, 5), labels(16, 3)
    costs = {model.training_cost(x, target, "softmax_cross_entropy", rng=9) for _ in range(3)}
    costs.add(model.cost_and_gradients(x, target, "softmax_cross_entropy", rng=9)[0])
    assert len(costs) == 1
    assert model.training_cost(x, target, "softmax_cross_entropy", rng=10) not in costs


def test_a_generator_draws_fresh_masks_and_never_a_global_one():
    model, x, target = Sequential([Dense(5, 30, rng=0), Dropout(0.5), Dense(30, 2, rng=1)]), normal(8, 5), normal(8, 2)
    generator = np.random.default_rng(0)
    first, second = model.training_cost(x, target, rng=generator), model.training_cost(x, target, rng=generator)
    assert first != second
    np.random.seed(0)
    state = np.random.get_state()[1].copy()
    model.cost_and_gradients(x, target, rng=1)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_float32_and_float64_models_drop_the_same_units():
    x = normal(6, 10)
    y64, _ = Dropout(0.4).forward(x, True, rng=5)
    y32, _ = Dropout(0.4).forward(x.astype(np.float32), True, rng=5)
    np.testing.assert_array_equal(y64 == 0, y32 == 0)


# -- batch normalization's statistics ----------------------------------------------------------------

def test_batchnorm_normalizes_per_feature_and_per_channel():
    y, _ = BatchNorm(3).forward(5 * normal(20, 3) - 2, training=True)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), 1, rtol=1e-3)
    y, _ = BatchNorm(2).forward(3 * normal(4, 2, 5, 5) + 7, training=True)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-3)


@pytest.mark.parametrize("shape, axes", [((12, 4), (0,)), ((3, 4, 5, 2), (0, 2, 3))])
def test_update_statistics_is_pytorchs_formula(shape, axes):
    model = Sequential([BatchNorm(4, momentum=0.2), Flatten(), Dense(int(np.prod(shape[1:])), 2, rng=0)])
    bn = model.layers[0]
    bn.running_mean[...], bn.running_var[...] = normal(4, seed=3), 1 + np.abs(normal(4, seed=4))
    mean0, var0 = bn.running_mean.copy(), bn.running_var.copy()
    x = 2 * normal(*shape) + 1
    _, grads = model.cost_and_gradients(x, normal(shape[0], 2, seed=1))
    np.testing.assert_array_equal(bn.running_mean, mean0)  # computing a gradient changes nothing
    model.update_statistics(grads)
    m = x.size // shape[1]
    batch_var = x.var(axis=axes) * m / (m - 1)  # unbiased, as PyTorch keeps it
    np.testing.assert_allclose(bn.running_mean, 0.8 * mean0 + 0.2 * x.mean(axis=axes), rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, 0.8 * var0 + 0.2 * batch_var, rtol=1e-13)
    assert grads.statistics[1:] == (None, None)


def test_evaluation_mode_uses_the_running_statistics():
    layer = with_random_parameters(BatchNorm(3))
    layer.running_mean[...], layer.running_var[...] = [1.0, -2.0, 0.5], [4.0, 0.25, 1.0]
    x = normal(5, 3)
    expected = (x - layer.running_mean) / np.sqrt(layer.running_var + 1e-5) * layer.gamma + layer.beta
    np.testing.assert_allclose(layer.forward(x)[0], expected, rtol=1e-14)
    np.testing.assert_allclose(layer.forward(x[:1])[0], expected[:1], rtol=1e-14)  # one sample at a time works


def test_train_updates_the_running_statistics_of_its_copy_only():
    model, x, y = mlp(), normal(64, 5), labels(64, 3)
    result = helpers.train(model, x, y, loss="softmax_cross_entropy", optimizer=helpers.Adam(1e-2), steps=20,
                           batch_size=16, rng=0)
    assert not model.layers[1].running_mean.any()
    assert result.net.layers[1].running_mean.any()
    assert np.all(result.net.layers[1].running_var != 1)


# -- the model protocol -------------------------------------------------------------------------------

def test_copy_shares_no_array():
    model = Sequential([Conv2D(1, 2, 3, rng=0), BatchNorm(2), ReLU(), MaxPool2D(2), Flatten(), Dense(8, 3, rng=1)])
    for copy in (model.copy(), model.astype(np.float64), model.astype(np.float32)):
        for a in all_arrays(model):
            assert not any(np.shares_memory(a, b) for b in all_arrays(copy))
        for a, b in zip(all_arrays(model), all_arrays(copy)):
            np.testing.assert_array_equal(a.astype(b.dtype), b)
    copy = model.copy()
    copy.parameters()[0][...] += 1
    copy.layers[1].running_mean[...] = 5
    assert not np.array_equal(copy.parameters()[0], model.parameters()[0])
    assert not model.layers[1].running_mean.any()


def test_a_model_shares_no_array_with_the_layers_it_was_built_from():
    layers = [Dense(3, 4, rng=0), BatchNorm(4), ReLU(), Dense(4, 2, rng=1)]
    first, second = Sequential(layers), Sequential(layers)
    for a in all_arrays(first):
        assert not any(np.shares_memory(a, b) for b in all_arrays(second))
        assert not any(np.shares_memory(a, p) for layer in layers for p in layer.parameters())
    x = normal(8, 3)
    _, grads = first.cost_and_gradients(x, normal(8, 2))
    SGD(0.5).step(first, grads)
    first.update_statistics(grads)
    np.testing.assert_array_equal(second.predict(x), Sequential(layers).predict(x))


def test_predict_and_costs_never_change_the_model():
    model = mlp()
    model.layers[1].running_mean[...] = 0.5
    before = [a.copy() for a in all_arrays(model)]
    x, target = normal(12, 5), labels(12, 3)
    model.predict(x)
    model.cost(x, target, "softmax_cross_entropy")
    model.training_cost(x, target, "softmax_cross_entropy", rng=0)
    model.cost_and_gradients(x, target, "softmax_cross_entropy", rng=0)
    model.layer_outputs(x, training=True, rng=0)
    for a, b in zip(all_arrays(model), before):
        np.testing.assert_array_equal(a, b)


def test_gradients_alias_no_parameter():
    model, x = mlp(), normal(8, 5)
    _, grads = model.cost_and_gradients(x, labels(8, 3), "softmax_cross_entropy", rng=0)
    for g in grads:
        assert not any(np.shares_memory(g, a) for a in all_arrays(model))


def test_every_optimizer_trains_a_sequential():
    x, y = normal(96, 5), labels(96, 3)
    for make in (lambda: SGD(0.1), lambda: helpers.Momentum(0.05), lambda: helpers.Adam(1e-2),
                 *(lambda name=name: getattr(helpers.optimizers, name)(1e-2)
                   for name in ("Nesterov", "AdaGrad", "RMSprop", "AdamW"))):
        model = Sequential([Dense(5, 16, rng=0), ReLU(), Dense(16, 3, rng=1)])
        start = model.cost(x, y, "softmax_cross_entropy")
        result = helpers.train(model, x, y, loss="softmax_cross_entropy", optimizer=make(), steps=60,
                               batch_size=32, rng=0)
        assert result.net.cost(x, y, "softmax_cross_entropy") < start, make()


def test_protocol_facts():
    model = mlp()
    assert model.input_shape == (5,) and model.n_out == 3 and model.dtype == np.float64
    conv = Sequential([Conv2D(1, 4, 3, padding=1, rng=0), ReLU(), MaxPool2D(2), Flatten(), Dense(4 * 7 * 7, 10)])
    assert conv.input_shape == (1, None, None) and conv.n_out == 10
    assert Sequential([Flatten(), Dense(784, 10)]).input_shape is None
    assert Sequential([BatchNorm(3), Dense(3, 1)]).input_shape == (3,)
    grads = model.gradients_like([np.zeros(p.shape) for p in model.parameters()])
    assert isinstance(grads, LayerGradients) and grads.statistics == (None,) * 5
    model.update_statistics(grads)  # nothing measured: nothing changes
    assert not model.layers[1].running_mean.any()
    assert model.n_parameters == 5 * 8 + 8 + 8 + 8 + 8 * 3 + 3


def test_predict_takes_a_large_batch_in_pieces(monkeypatch):
    model = mlp()
    model.layers[1].running_mean[...] = normal(8, seed=3)
    x = normal(25, 5)
    whole = model.layer_outputs(x)[-1]
    monkeypatch.setattr(helpers.layers.sequential, "PREDICT_BATCH", 7)
    np.testing.assert_allclose(model.predict(x), whole, rtol=1e-14, atol=1e-15)
    assert model.cost(x, labels(25, 3), "softmax_cross_entropy") == pytest.approx(
        helpers.get_loss("softmax_cross_entropy").cost_and_gradient(whole, labels(25, 3))[0], rel=1e-14)


def test_layer_outputs_show_each_layer():
    model, x = mlp(), normal(7, 5)
    outputs = model.layer_outputs(x)
    assert [o.shape for o in outputs] == [(7, 8)] * 4 + [(7, 3)]
    np.testing.assert_array_equal(outputs[-1], model.predict(x))
    assert (outputs[2] >= 0).all()


# -- float32 ----------------------------------------------------------------------------------------

def test_float32_stays_float32():
    model = Sequential([Conv2D(1, 3, 3, padding=1, rng=0, dtype=np.float32), BatchNorm(3, dtype=np.float32),
                        ReLU(), MaxPool2D(2), Flatten(), Dropout(0.2), Dense(48, 8, rng=1, dtype=np.float32),
                        Sigmoid(), Dense(8, 4, rng=2, dtype=np.float32), Tanh(), Dense(4, 3, rng=3, dtype=np.float32)])
    x, y = normal(6, 1, 8, 8), labels(6, 3)  # float64 input, int64 labels
    assert all(o.dtype == np.float32 for o in model.layer_outputs(x, training=True, rng=0))
    assert model.predict(x).dtype == np.float32
    _, grads = model.cost_and_gradients(x, np.eye(3)[y], "softmax_cross_entropy", rng=0)
    assert all(g.dtype == np.float32 for g in grads)
    assert all(s.dtype == np.float32 for stats in grads.statistics if stats is not None for s in stats)
    model.update_statistics(grads)
    assert all(a.dtype == np.float32 for a in all_arrays(model))
    trained = helpers.train(model, normal(32, 1, 8, 8), labels(32, 3), loss="softmax_cross_entropy",
                            optimizer=helpers.Adam(1e-3), steps=3, batch_size=8, rng=0).net
    assert all(a.dtype == np.float32 for a in all_arrays(trained))


def test_float32_gradients_match_float64():
    model = mlp()
    x, y = normal(10, 5), labels(10, 3)
    _, g64 = model.cost_and_gradients(x, y, "softmax_cross_entropy", rng=3)
    _, g32 = model.astype(np.float32).cost_and_gradients(x, y, "softmax_cross_entropy", rng=3)
    assert helpers.relative_error(g32, g64) < 1e-5


# -- bad input --------------------------------------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: Dense(0, 3), "n_in"),
    (lambda: Dense(3, -1), "n_out"),
    (lambda: Dense(3, 2.5), "n_out"),
    (lambda: Dense(3, 2, init="xavier"), "unknown init 'xavier'"),
    (lambda: Dense(3, 2, init="normal"), "needs a scale"),
    (lambda: Dense(3, 2, dtype=np.int32), "float dtype"),
    (lambda: Dropout(1.0), r"p \(the probability of dropping a unit\): expected a number in \[0, 1\)"),
    (lambda: Dropout(-0.1), "expected a number in"),
    (lambda: Dropout("half"), "expected a finite number"),
    (lambda: BatchNorm(0), "n_features"),
    (lambda: BatchNorm(3, momentum=1.5), "momentum"),
    (lambda: BatchNorm(3, eps=0), "eps"),
    (lambda: Sequential([Dense(3, 4), "relu"]), "expected layers .* got str at position 1"),
    (lambda: Sequential([Dense(3, 4), ReLU, Dense(4, 1)]), "got type at position 1"),
    (lambda: Sequential([]), "no layer with parameters"),
    (lambda: Sequential([ReLU(), Flatten()]), r"no layer with parameters in \[ReLU\(\), Flatten\(\)\]"),
    (lambda: Sequential([Dense(3, 4), ReLU(), Dense(5, 2)]), r"layer 2, Dense\(5, 2\): expected a batch of shape "
                                                            r"\(batch, 5\), got a batch of shape \(batch, 4\)"),
    (lambda: Sequential([Dense(3, 4), Dense(4, 2, dtype=np.float32)]), "one dtype"),
    (lambda: Sequential([Conv2D(1, 2, 3), Dense(8, 2)]), r"Flatten\(\)"),
    (lambda: Sequential([Dense(4, 4), BatchNorm(3)]), r"layer 1, BatchNorm\(3.*\(batch, 3\) or \(batch, 3, H, W\)"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_bad_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_batches():
    model = mlp()
    with pytest.raises(ValueError, match=r"expected a batch of shape \(batch, 5\).*got an array of shape \(5,\)"
                                         r".*single sample"):
        model.predict(np.ones(5))
    with pytest.raises(ValueError, match=r"layer 0, Dense\(5, 8\): expected a batch of shape \(batch, 5\), got a batch"
                                         r" of shape \(batch, 4\) \(the input batch has shape \(3, 4\)\)"):
        model.predict(np.ones((3, 4)))
    with pytest.raises(ValueError, match="numeric"):
        model.predict(np.array([["a"] * 5]))
    with pytest.raises(ValueError, match="expected 3 targets"):
        model.cost_and_gradients(np.ones((3, 5)), labels(4, 3), "softmax_cross_entropy")
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        model.cost(np.ones((3, 5)), labels(3, 3), "hinge")
    with pytest.raises(ValueError, match="more than one value per feature"):
        model.cost_and_gradients(np.ones((1, 5)), labels(1, 3), "softmax_cross_entropy")
    with pytest.raises(ValueError, match="update_statistics: expected the gradients of this model"):
        model.update_statistics([np.zeros(p.shape) for p in model.parameters()])


@pytest.mark.parametrize("last", [Sigmoid(), Tanh(), ReLU()], ids=repr)
def test_softmax_cross_entropy_wants_logits(last):
    model = Sequential([Dense(4, 3), last, Dropout(0.1)])
    for call in (model.cost, model.training_cost, model.cost_and_gradients):
        with pytest.raises(ValueError, match=f"softmax_cross_entropy works on logits.*got {type(last).__name__}"):
            call(np.ones((2, 4)), [0, 1], "softmax_cross_entropy")
    model.cost_and_gradients(np.ones((2, 4)), np.ones((2, 3)))  # the quadratic cost takes any output
