"""helpers.predict and helpers.accuracy: many samples in chunks, with the BLAS thread policy of train."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import helpers


def blas_threads():
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


class Watched:
    """A model that records the BLAS thread counts and batch sizes its predict runs with."""

    def __init__(self, net):
        self.net, self.calls = net, []

    def predict(self, x):
        self.calls.append((len(x), blas_threads()))
        return self.net.predict(x)

    def __getattr__(self, name):
        return getattr(self.net, name)


@pytest.mark.parametrize("n", [1, 499, 500, 1234])
def test_predict_is_net_predict_in_chunks(n):
    net = helpers.Network.random([784, 32, 10], rng=0)
    x = np.random.default_rng(1).random((n, 784))
    watched = Watched(net)
    out = helpers.predict(watched, x, blas_threads=1)
    assert out.shape == (n, 10)
    np.testing.assert_allclose(out, net.predict(x), rtol=1e-12, atol=1e-12)
    assert [size for size, _ in watched.calls] == [min(500, n - k) for k in range(0, n, 500)]


def test_predict_a_convolutional_network_in_chunks():
    model = helpers.Sequential([helpers.Conv2D(1, 4, 3, rng=0), helpers.ReLU(), helpers.MaxPool2D(2),
                                helpers.Flatten(), helpers.Dense(4 * 5 * 5, 10, rng=1)])
    x = np.random.default_rng(2).random((70, 1, 12, 12))
    np.testing.assert_allclose(helpers.predict(model, x, batch_size=32, blas_threads=1), model.predict(x),
                               rtol=1e-12, atol=1e-12)


def test_fixed_threads_are_used_and_the_process_count_comes_back():
    before = blas_threads()
    watched = Watched(helpers.Network.random([20, 8, 3], rng=0))
    helpers.predict(watched, np.ones((1200, 20)), blas_threads=1)
    assert all(threads == [1] * len(before) for _, threads in watched.calls)
    assert blas_threads() == before


def test_accuracy_counts_the_right_answers():
    net = helpers.Network.random([5, 7, 3], rng=0)
    x = np.random.default_rng(0).random((1100, 5))
    right = net.predict(x).argmax(axis=1)
    labels = right.copy()
    labels[:110] = (labels[:110] + 1) % 3  # 10 % wrong
    assert helpers.accuracy(net, x, labels) == pytest.approx(0.9)
    assert helpers.accuracy(net, x, np.eye(3)[labels]) == pytest.approx(0.9)  # one-hot labels


def test_bad_input_is_refused():
    net = helpers.Network.random([3, 2], rng=0)
    with pytest.raises(ValueError, match="batch_size"):
        helpers.predict(net, np.ones((4, 3)), batch_size=0)
    with pytest.raises(ValueError, match="non-empty"):
        helpers.predict(net, np.ones((0, 3)))
    with pytest.raises(ValueError, match="one per sample"):
        helpers.accuracy(net, np.ones((4, 3)), np.array([1]))


def test_validation_accuracy_in_train_runs_with_trains_thread_count(monkeypatch):
    # Inside train the accuracy's chunks take the count training runs with now: no trial of their own.
    from helpers import evaluation
    made = []

    class Recorded(evaluation.AdaptiveThreads):
        def __init__(self, fixed=None, **kwargs):
            made.append(fixed)
            super().__init__(fixed, **kwargs)

    monkeypatch.setattr(evaluation, "AdaptiveThreads", Recorded)
    rng = np.random.default_rng(0)
    x, labels = rng.random((600, 10)), rng.integers(0, 3, 600)
    result = helpers.train(helpers.Network.random([10, 8, 3], rng=0), x, labels, loss="softmax_cross_entropy",
                           lr=0.1, steps=40, batch_size=50, validation=(x[:300], labels[:300]), metric="accuracy",
                           eval_every=10, rng=0)  # blas_threads=None: train chooses
    assert len(made) == 4 and all(isinstance(n, int) and n >= 1 for n in made), made
    assert result.history.metric[-1] == helpers.accuracy(result.net, x[:300], labels[:300], blas_threads=1)
    assert made[-1] == 1  # the call just above
