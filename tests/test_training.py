"""train(): never mutates its input, repeats exactly, stops cleanly."""

import math
import warnings

import numpy as np
import pytest

import helpers
from helpers import Network, StopTraining, train


def wave(rng, batch_size):
    """A 2-D function on the square, sampled fresh each step: (batch, 2) -> (batch, 1)."""
    xy = rng.uniform(-1, 1, size=(batch_size, 2))
    return xy, np.sin(3 * xy[:, :1]) * np.cos(2 * xy[:, 1:])


def blobs(n=300, seed=0):
    """Three separable clusters in 2-D with integer labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    centres = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    return centres[labels] + rng.normal(scale=0.5, size=(n, 2)), labels


def snapshot(net):
    return [p.copy() for p in net.parameters()]


def test_train_never_mutates_its_input():
    net = Network.random([2, 16, 1], rng=0)
    before = snapshot(net)
    result = train(net, sample=wave, lr=0.05, steps=200, batch_size=32, rng=1)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.parameters()))
    for p in result.net.parameters() + result.best_net.parameters():
        assert not any(np.shares_memory(p, q) for q in net.parameters())
    assert not np.array_equal(result.net.weights[0], net.weights[0])


def test_train_does_not_touch_the_optimizer_it_is_given():
    opt = helpers.Momentum(0.05)
    train(Network.random([2, 8, 1], rng=0), sample=wave, optimizer=opt, steps=20, batch_size=8, rng=0)
    assert opt.velocity is None and opt.t == 0


def test_same_seed_same_history_bit_for_bit():
    x, y = blobs()
    runs = [train(Network.random([2, 12, 3], rng=0), x, y, loss="softmax_cross_entropy",
                  optimizer=helpers.Adam(0.01), steps=150, batch_size=20, validation=(x, y),
                  metric="accuracy", rng=5) for _ in range(2)]
    a, b = runs[0].history, runs[1].history
    assert a.step == b.step and a.train_cost == b.train_cost
    assert a.val_cost == b.val_cost and a.metric == b.metric
    assert all(np.array_equal(p, q) for p, q in zip(runs[0].net.parameters(), runs[1].net.parameters()))
    other = train(Network.random([2, 12, 3], rng=0), x, y, loss="softmax_cross_entropy",
                  optimizer=helpers.Adam(0.01), steps=150, batch_size=20, rng=6)
    assert other.history.train_cost != a.train_cost


def test_history_and_learning():
    x, y = blobs()
    result = train(Network.random([2, 12, 3], rng=0), x, y, loss="softmax_cross_entropy",
                   optimizer=helpers.Adam(0.01), steps=300, batch_size=30, eval_every=30,
                   validation=(x, y), metric="accuracy", rng=0)
    h = result.history
    assert h.step == list(range(30, 301, 30))
    assert h.samples == [s * 30 for s in h.step]
    assert all(t2 >= t1 for t1, t2 in zip(h.time, h.time[1:]))
    assert h.train_cost[-1] < h.train_cost[0] / 3
    assert h.metric[-1] > 0.95
    assert result.stopped is None and result.message == ""
    # best_net is the network at the record point with the lowest validation cost.
    best = int(np.argmin(h.val_cost))
    assert result.best_step == h.step[best]
    assert result.best_net.cost(x, y, "softmax_cross_entropy") == pytest.approx(h.val_cost[best], rel=1e-12)
    assert set(h.arrays()) == {"step", "samples", "time", "train_cost", "val_cost", "metric"}


def test_epochs_visit_every_sample_once():
    x = np.arange(10, dtype=float).reshape(10, 1)
    seen = []

    def record(progress):
        seen.append(progress.step)

    net = Network.random([1, 1], rng=0)
    # With SGD at a tiny rate, batches are what matter: draw 5 batches of 2 = one epoch.
    gathered = []
    original = Network.cost_and_gradients

    class Spy(Network):
        def cost_and_gradients(self, xb, yb, loss="quadratic", rng=None):
            gathered.append(xb[:, 0].copy())
            return original(self, xb, yb, loss)

    spy = Spy(net.weights, net.biases)
    train(spy, x, x, lr=1e-9, steps=5, batch_size=2, callback=record, callback_every=1, rng=0)
    assert sorted(np.concatenate(gathered)) == list(range(10))
    assert seen == [1, 2, 3, 4, 5]


def test_callback_sees_progress_and_a_final_call():
    calls = []
    train(Network.random([2, 4, 1], rng=0), sample=wave, lr=0.01, steps=50, batch_size=4,
          callback=lambda p: calls.append((p.step, p.done, p.samples)), callback_every=10, rng=0)
    assert calls == [(10, False, 40), (20, False, 80), (30, False, 120), (40, False, 160), (50, True, 200)]


def test_divergence_stops_names_the_step_and_returns_finite_networks():
    net = Network.random([2, 16, 1], rng=0)
    with pytest.warns(RuntimeWarning, match=r"training diverged: the cost became (inf|nan) at step \d+; "
                                            r"try a smaller learning rate"):
        result = train(net, sample=wave, lr=40.0, steps=500, batch_size=16, eval_every=1, rng=0)
    assert result.stopped == "diverged"
    assert len(result.history) < 500
    for candidate in (result.net, result.best_net):
        assert all(np.all(np.isfinite(p)) for p in candidate.parameters())
    assert math.isfinite(result.net.cost(*wave(np.random.default_rng(0), 8)))


def test_interrupt_returns_the_result_so_far():
    def interrupt_at_step_30(progress):
        if progress.step == 30 and not progress.done:
            raise KeyboardInterrupt

    finals = []
    result = train(Network.random([2, 8, 1], rng=0), sample=wave, lr=0.05, steps=1000, batch_size=8,
                   eval_every=20, callback=lambda p: (finals.append(p.stopped) if p.done else interrupt_at_step_30(p)),
                   callback_every=1, rng=0)
    assert result.stopped == "interrupted"
    assert "interrupted at step 30" in result.message
    assert result.history.step == [20, 30]
    assert finals == ["interrupted"]


def test_a_callback_can_stop_training():
    def stop(progress):
        if progress.step == 40 and not progress.done:
            raise StopTraining("good enough")

    result = train(Network.random([2, 8, 1], rng=0), sample=wave, lr=0.05, steps=1000, batch_size=8,
                   eval_every=25, callback=stop, callback_every=1, rng=0)
    assert result.stopped == "callback" and result.message == "stopped by the callback at step 40: good enough"
    assert result.history.step[-1] == 40


@pytest.mark.parametrize("kwargs, message", [
    (dict(), "expected training data"),
    (dict(sample=wave, x=np.zeros((4, 2)), targets=np.zeros((4, 1))), "either arrays x, targets or a sample function"),
    (dict(x=np.zeros((4, 3)), targets=np.zeros((4, 1))), r"train: x: expected an array of shape \(n, 2\), one sample per row, got \(4, 3\)"),
    (dict(x=np.zeros((4, 2)), targets=np.zeros((5, 1))), r"one target per sample \(4\), got 5"),
    (dict(x=np.zeros((4, 2)), targets=np.zeros((4, 1)), batch_size=8), "batch_size 8 is larger than the 4"),
    (dict(sample=wave, steps=0), "steps: expected a positive whole number, got 0"),
    (dict(sample=wave, batch_size=2.5), "batch_size: expected a positive whole number, got 2.5"),
    (dict(sample=wave, validation=np.zeros((3, 2))), r"expected validation=\(x_val, y_val\)"),
    (dict(sample=wave, metric="accuracy"), "a metric is evaluated on validation data"),
    (dict(sample=wave, validation=(np.zeros((3, 2)), np.zeros((3, 1))), metric="f1"), "unknown metric 'f1'"),
    (dict(sample=wave, optimizer="lbfgs"), "unknown optimizer 'lbfgs'"),
])
def test_bad_arguments(kwargs, message):
    kwargs.setdefault("lr", 0.1)
    with pytest.raises(ValueError, match=message):
        train(Network.random([2, 3, 1], rng=0), **kwargs)


def test_no_learning_rate():
    with pytest.raises(ValueError, match=r"pass a learning rate \(lr=0.01\) or an optimizer"):
        train(Network.random([2, 3, 1], rng=0), sample=wave)


def test_not_a_network():
    with pytest.raises(ValueError, match="expected a helpers.Network or helpers.Sequential to train, got list"):
        train([np.zeros((2, 1))], sample=wave, lr=0.1)


def test_no_warning_when_all_is_well():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train(Network.random([2, 4, 1], rng=0), sample=wave, lr=0.01, steps=20, batch_size=4, rng=0)
