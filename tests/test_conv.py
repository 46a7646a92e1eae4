"""Conv2D and MaxPool2D: the definition by loops, exact gradients (input too), im2col's adjoint, bad input."""

import itertools

import numpy as np
import pytest

import helpers
import helpers.layers.conv as conv_module
from helpers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential
from helpers.layers import col2im, im2col
from layer_checks import TOLERANCE, assert_layer_gradients

# (batch, c_in, c_out, height, width, kernel, stride, padding): a batch of one, one channel,
# non-square images, strides that leave rows over, padding wider than the kernel's reach.
CONV_CASES = [
    (1, 1, 1, 5, 5, 3, 1, 0),
    (2, 3, 4, 6, 7, 3, 1, 1),
    (3, 2, 3, 7, 6, 3, 2, 0),
    (2, 1, 2, 8, 8, 5, 1, 2),
    (1, 2, 2, 7, 9, 4, 3, 2),
    (2, 3, 2, 4, 4, 1, 1, 0),
    (1, 2, 3, 3, 3, 3, 1, 0),
    (2, 2, 1, 5, 6, 2, 2, 3),
]
POOL_CASES = [  # (batch, channels, height, width, kernel, stride)
    (1, 1, 4, 4, 2, None),
    (2, 3, 6, 8, 2, None),
    (2, 2, 7, 5, 2, None),
    (1, 2, 7, 7, 3, 2),
    (2, 1, 6, 6, 3, 1),
    (2, 2, 5, 9, 2, 3),
    (1, 1, 3, 3, 3, None),
]


def normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def conv_by_loops(x, weight, bias, stride, padding):
    """The definition, one output pixel at a time."""
    n, c, h, w = x.shape
    c_out, _, k, _ = weight.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - k) // stride + 1, (w + 2 * padding - k) // stride + 1
    y = np.empty((n, c_out, oh, ow))
    for b, o, i, j in itertools.product(range(n), range(c_out), range(oh), range(ow)):
        window = xp[b, :, i * stride:i * stride + k, j * stride:j * stride + k]
        y[b, o, i, j] = np.sum(window * weight[o]) + bias[o]
    return y


def conv_layer(c_in, c_out, k, stride, padding, seed=0):
    layer = Conv2D(c_in, c_out, k, stride=stride, padding=padding, rng=seed)
    layer.bias[...] = normal(c_out, seed=seed + 1)
    return layer


@pytest.mark.parametrize("n, c_in, c_out, h, w, k, s, p", CONV_CASES)
def test_conv_is_the_definition(n, c_in, c_out, h, w, k, s, p):
    layer = conv_layer(c_in, c_out, k, s, p)
    x = normal(n, c_in, h, w)
    y, _ = layer.forward(x)
    np.testing.assert_allclose(y, conv_by_loops(x, layer.weight, layer.bias, s, p), rtol=1e-12, atol=1e-12)
    assert y.shape == (n,) + layer.output_shape(x.shape[1:])


@pytest.mark.parametrize("n, c_in, c_out, h, w, k, s, p", CONV_CASES)
def test_conv_gradients(n, c_in, c_out, h, w, k, s, p):
    assert_layer_gradients(conv_layer(c_in, c_out, k, s, p), normal(n, c_in, h, w))


@pytest.mark.parametrize("n, c, h, w, k, s", POOL_CASES)
def test_maxpool_is_the_definition_and_its_gradient_is_exact(n, c, h, w, k, s):
    layer = MaxPool2D(k, s)
    x = normal(n, c, h, w)
    y, _ = layer.forward(x)
    s = s or k
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    expected = np.empty((n, c, oh, ow))
    for i, j in itertools.product(range(oh), range(ow)):
        expected[:, :, i, j] = x[:, :, i * s:i * s + k, j * s:j * s + k].max(axis=(2, 3))
    np.testing.assert_array_equal(y, expected)
    assert_layer_gradients(layer, x)  # distinct values: every max is unique and differentiable


@pytest.mark.parametrize("k, s", [(2, None), (3, 1), (2, 3)])
def test_maxpool_sends_a_tied_maximum_to_the_first_one_only(k, s):
    """A window of equal values (zeros after a ReLU, a blank background) passes its gradient on once."""
    x = np.zeros((2, 2, 6, 6))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = 3.0  # a tie between two maxima in one window
    layer = MaxPool2D(k, s)
    y, cache = layer.forward(x)
    dy = normal(*y.shape)
    dx, _ = layer.backward(cache, dy)
    np.testing.assert_allclose(dx.sum(), dy.sum())  # each window's gradient lands exactly once
    first = np.zeros_like(x)  # reading order: the first maximum of each window gets it
    stride = s or k
    for i, j in itertools.product(range(y.shape[2]), range(y.shape[3])):
        window = x[:, :, i * stride:i * stride + k, j * stride:j * stride + k].reshape(2, 2, -1)
        a, b = np.divmod(window.argmax(axis=2), k)
        for n_, c_ in itertools.product(range(2), range(2)):
            first[n_, c_, i * stride + a[n_, c_], j * stride + b[n_, c_]] += dy[n_, c_, i, j]
    np.testing.assert_allclose(dx, first, rtol=1e-14)


def test_im2col_and_col2im_are_adjoint():
    """<im2col(x), c> = <x, col2im(c)> for every x and c: col2im is exactly the transpose."""
    for n, c, _, h, w, k, s, p in CONV_CASES:
        x = normal(n, c, h, w)
        cols = im2col(x, k, s, p)
        r = normal(*cols.shape, seed=1)
        assert np.vdot(cols, r) == pytest.approx(np.vdot(x, col2im(r, x.shape, k, s, p)), rel=1e-12)


def test_im2col_lays_out_windows_as_columns():
    x = normal(2, 3, 5, 4)
    cols = im2col(x, 3, 1, 1).reshape(3, 3, 3, 5, 4, 2)  # (c, i, j) x (oh, ow, n)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    np.testing.assert_array_equal(cols[:, :, :, 2, 1, 1], xp[1, :, 2:5, 1:4])


def test_pieces_of_the_batch_give_the_same_numbers(monkeypatch):
    """Conv2D goes through the batch in cache-sized pieces; any piece size gives one result."""
    layer = conv_layer(3, 4, 3, 1, 1)
    x = normal(5, 3, 9, 7)
    y, cache = layer.forward(x)
    dy = normal(*y.shape, seed=3)
    dx, grads = layer.backward(cache, dy)
    for size in (1, 3 * 9 * 7 * 8, 3 * 9 * 5 * 7 * 8):  # one sample-row, one row of 5 samples... , several rows
        monkeypatch.setattr(conv_module, "SLICE_BYTES", size)
        assert len(layer._pieces(x.shape)) > 1
        y2, cache2 = layer.forward(x)
        dx2, grads2 = layer.backward(cache2, dy)
        np.testing.assert_allclose(y2, y, rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(dx2, dx, rtol=1e-13, atol=1e-14)
        for g, g2 in zip(grads, grads2):
            np.testing.assert_allclose(g2, g, rtol=1e-12)


def test_the_first_layer_skips_its_input_gradient():
    layer = conv_layer(2, 3, 3, 1, 1)
    _, cache = layer.forward(normal(2, 2, 5, 5))
    dy = normal(2, 3, 5, 5)
    dx, grads = layer.backward(cache, dy, need_input_gradient=False)
    assert dx is None
    for g, h in zip(grads, layer.backward(cache, dy)[1]):
        np.testing.assert_array_equal(g, h)


def lenet(dtype=np.float64):
    return Sequential([Conv2D(1, 3, 3, padding=1, rng=0, dtype=dtype), ReLU(), MaxPool2D(2),
                       Conv2D(3, 4, 3, rng=1, dtype=dtype), ReLU(), MaxPool2D(2, stride=1), Flatten(),
                       Dense(4 * 1 * 1, 3, rng=2, dtype=dtype)])


@pytest.mark.parametrize("loss", ["quadratic", "softmax_cross_entropy"])
def test_conv_relu_pool_flatten_dense_end_to_end(loss):
    model = lenet()
    for layer in model.layers:
        for p in layer.parameters():
            p += 0.1 * normal(*p.shape, seed=p.size)
    x = normal(3, 1, 8, 8)
    target = normal(3, 3, seed=4) if loss == "quadratic" else np.array([0, 2, 1])
    cost, grads = model.cost_and_gradients(x, target, loss)
    assert helpers.relative_error(grads, helpers.numerical_gradients(model, x, target, loss)) < TOLERANCE
    assert cost == pytest.approx(model.cost(x, target, loss), rel=1e-14)


def test_conv_batchnorm_dropout_end_to_end():
    """Batch statistics per channel and dropout masks on the conv layers' batch-last memory order."""
    model = Sequential([Conv2D(2, 3, 3, padding=1, rng=0), helpers.BatchNorm(3), ReLU(), helpers.Dropout(0.3),
                        MaxPool2D(2), Flatten(), Dense(3 * 3 * 3, 2, rng=1)])
    for layer in model.layers:
        for p in layer.parameters():
            p += 0.3 * normal(*p.shape, seed=p.size)
    x, target = normal(4, 2, 6, 7), np.array([0, 1, 1, 0])
    _, grads = model.cost_and_gradients(x, target, "softmax_cross_entropy", rng=5)
    numeric = helpers.numerical_gradients(model, x, target, "softmax_cross_entropy", rng=5)
    assert helpers.relative_error(list(grads), numeric) < TOLERANCE


def test_a_conv_net_learns_with_train():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 1, 8, 8))
    y = (x[:, 0, :4].sum(axis=(1, 2)) > x[:, 0, 4:].sum(axis=(1, 2))).astype(int)  # top half or bottom half?
    model = lenet()
    result = helpers.train(model, x, y, loss="softmax_cross_entropy", optimizer=helpers.Adam(1e-2), steps=150,
                           batch_size=16, rng=0)
    assert helpers.accuracy(result.net, x, y) > 0.9
    assert helpers.accuracy(model, x, y) < 0.9  # the model given to train() is untouched


def test_float32_conv_net_stays_float32():
    model = lenet(np.float32)
    x = normal(2, 1, 8, 8)
    assert all(o.dtype == np.float32 for o in model.layer_outputs(x))
    _, grads = model.cost_and_gradients(x, [0, 1], "softmax_cross_entropy")
    assert all(g.dtype == np.float32 for g in grads)
    _, g64 = lenet().cost_and_gradients(x, [0, 1], "softmax_cross_entropy")
    assert helpers.relative_error(grads, g64) < 1e-5


@pytest.mark.parametrize("make, message", [
    (lambda: Conv2D(0, 2, 3), "c_in"),
    (lambda: Conv2D(1, 2, 0), "kernel_size"),
    (lambda: Conv2D(1, 2, 3, stride=0), "stride"),
    (lambda: Conv2D(1, 2, 3, padding=-1), r"padding: expected a whole number >= 0, got -1"),
    (lambda: Conv2D(1, 2, 3, padding=1.5), "padding"),
    (lambda: MaxPool2D(0), "kernel_size"),
    (lambda: MaxPool2D(2, stride=-2), "stride"),
    (lambda: Sequential([Conv2D(1, 4, 3), Conv2D(3, 2, 3)]),
     r"layer 1, Conv2D\(3, 2.*expected a batch of images of shape \(batch, 3, H, W\), got .*\(batch, 4, \?, \?\)"),
    (lambda: Sequential([Conv2D(1, 4, 3), Flatten(), Dense(5, 2)]), None),
], ids=lambda v: v if isinstance(v, str) else "")
def test_bad_construction(make, message):
    if message is None:
        make()  # the width after Flatten is not known before the image size: checked on the first batch
        return
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_batches():
    model = Sequential([Conv2D(1, 4, 5, padding=1, rng=0), ReLU(), MaxPool2D(2), Flatten(), Dense(4, 2)])
    wanted = (r"layer 0, Conv2D\(1, 4.*expected a batch of images of shape \(batch, 1, H, W\), "
              r"got a batch of shape \(batch, 784\) \(the input batch has shape \(2, 784\)\)")
    with pytest.raises(ValueError, match=wanted):
        model.predict(np.zeros((2, 784)))
    with pytest.raises(ValueError, match=r"\(batch, 1, H, W\), got a batch of shape \(batch, 3, 8, 8\)"):
        model.predict(np.zeros((2, 3, 8, 8)))
    with pytest.raises(ValueError, match=r"images of at least 5 x 5 pixels with the padding of 1.*\(batch, 1, 2, 9\)"):
        model.predict(np.zeros((2, 1, 2, 9)))
    with pytest.raises(ValueError, match=r"layer 2, MaxPool2D\(2.*at least 2 x 2 pixels.*\(batch, 4, 1, 1\)"):
        model.predict(np.zeros((2, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"layer 4, Dense\(4, 2\): expected a batch of shape \(batch, 4\), got a batch "
                                         r"of shape \(batch, 144\)"):
        model.predict(np.zeros((2, 1, 14, 14)))
    assert model.predict(np.zeros((2, 1, 5, 5))).shape == (2, 2)
    with pytest.raises(ValueError, match=r"got a batch of shape \(batch, 5\).*shape \(5, 5\)\)$"):
        model.predict(np.zeros((5, 5)))
    with pytest.raises(ValueError, match=r"got a batch of shape \(batch, 5, 5\).*single sample\? use x\[None\]"):
        model.predict(np.zeros((1, 5, 5)))
    with pytest.raises(ValueError, match=r"MaxPool2D\(2.*expected a batch of images"):
        MaxPool2D(2).forward(np.zeros((2, 4, 4)))
