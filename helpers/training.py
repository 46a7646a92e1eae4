"""train(): the training loop, once, for every notebook.

It trains a *copy* of the network it is given, so the caller's network is never
changed (the aliasing pitfall of ``Weights = Weights_init`` cannot happen through
it), and returns everything it learned: the final network, the best one by
validation cost, and the history. The same seed gives the same history, bit for
bit, on the same machine.
"""

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from .losses import check_labels, get_loss
from .network import Network
from .optimizers import SGD, get_optimizer


class StopTraining(Exception):
    """Raise it in a callback to end training cleanly; the result is returned."""


@dataclass
class History:
    """What training recorded, one entry per record point (every ``eval_every`` steps).

    step: steps taken; samples: samples seen (step * batch_size); time: seconds
    spent in training steps (validation and callbacks not counted, so runs with
    and without live figures compare fairly); train_cost: mean training cost over
    the steps since the previous record; val_cost and metric: on the validation
    data (nan without it).
    """

    step: List[int] = field(default_factory=list)
    samples: List[int] = field(default_factory=list)
    time: List[float] = field(default_factory=list)
    train_cost: List[float] = field(default_factory=list)
    val_cost: List[float] = field(default_factory=list)
    metric: List[float] = field(default_factory=list)

    def __len__(self):
        return len(self.step)

    def append(self, **row):
        for name, value in row.items():
            getattr(self, name).append(value)

    def arrays(self):
        """The columns as a dict of numpy arrays."""
        return {name: np.asarray(getattr(self, name)) for name in self.__dataclass_fields__}


@dataclass
class Progress:
    """What a callback sees. ``net`` is the network being trained: read it, do not keep it
    (``net.copy()`` if you need it later)."""

    step: int
    steps: int
    batch_size: int
    cost: float
    net: Network
    history: History
    elapsed: float
    done: bool = False
    stopped: Optional[str] = None
    message: str = ""

    @property
    def samples(self):
        return self.step * self.batch_size


@dataclass
class TrainResult:
    """net: the network after the last step (after divergence: a copy of best_net); best_net: the one with the lowest validation
    cost at a record point (training cost without validation data); history: see `History`;
    stopped: None, "diverged", "interrupted" or "callback"; message: what happened."""

    net: Network
    best_net: Network
    history: History
    best_step: int
    stopped: Optional[str] = None
    message: str = ""

    def __repr__(self):
        h = self.history
        last = f", last train cost {h.train_cost[-1]:.4g}" if len(h) else ""
        stop = f", stopped: {self.stopped}" if self.stopped else ""
        return f"TrainResult({h.step[-1] if len(h) else 0} steps{last}, best at step {self.best_step}{stop})"


def train(net, x=None, y=None, *, sample=None, loss="quadratic", optimizer=None, lr=None,
          steps=1000, batch_size=32, validation=None, metric=None, eval_every=None,
          callback=None, callback_every=None, rng=None):
    """Train a copy of ``net`` by mini-batch gradient descent; ``net`` itself is untouched.

    Data, one of:
      x, y: arrays, x (n, n_in) and y (n, n_out) or labels (n,); batches are drawn
        without replacement, reshuffled every epoch, a last partial batch dropped.
      sample: a function ``sample(rng, batch_size) -> (x_batch, y_batch)`` that
        draws a fresh batch each step (e.g. points of a 2-D function).
    loss: "quadratic" or "softmax_cross_entropy". optimizer: an optimizer object
      (copied, so its state is not changed) or a name; default SGD(lr).
    validation: (x_val, y_val), evaluated every ``eval_every`` steps (default:
      steps // 100). metric: "accuracy" or ``f(net, x_val, y_val) -> float``.
    callback(progress): called every ``callback_every`` steps (default eval_every)
      and once more at the end with ``progress.done = True``; it may raise
      `StopTraining`.
    rng: int seed, numpy Generator or None; it draws the batches.

    A cost that becomes nan or inf stops training with a warning naming the step;
    the result's net is then a copy of the best network seen before it. An interrupt (Jupyter's stop button) ends training and returns the
    result so far. Returns a `TrainResult`.
    """
    if not isinstance(net, Network):
        raise ValueError(f"expected a helpers.Network to train, got {type(net).__name__}")
    steps, batch_size = _positive_int("steps", steps), _positive_int("batch_size", batch_size)
    eval_every = _positive_int("eval_every", eval_every or max(1, steps // 100))
    callback_every = _positive_int("callback_every", callback_every or eval_every)
    loss_fn = get_loss(loss)
    if optimizer is None:
        if lr is None:
            raise ValueError("train: pass a learning rate (lr=0.01) or an optimizer (optimizer=helpers.Adam(1e-3))")
        opt = SGD(lr)
    else:
        opt = get_optimizer(optimizer, lr)
    rng = np.random.default_rng(rng)
    next_batch = _batches(x, y, sample, batch_size, rng, net)
    evaluate = _evaluator(net, validation, loss_fn, metric)

    net = net.copy()
    history = History()
    best_net, best_cost, best_step = net.copy(), math.inf, 0
    stopped, message = None, ""
    train_time, costs_since_record, step, cost = 0.0, [], 0, math.nan

    def progress(done=False):
        return Progress(step, steps, batch_size, cost, net, history, train_time, done, stopped, message)

    try:
        while step < steps:
            xb, yb = next_batch()
            t0 = time.perf_counter()
            cost, grads = net.cost_and_gradients(xb, yb, loss_fn)
            if not math.isfinite(cost):
                stopped = "diverged"
                message = (f"training diverged: the cost became {cost} at step {step + 1}; "
                           f"try a smaller learning rate (now {opt!r}). Returning the best network "
                           f"seen before it, from step {best_step}.")
                net = best_net.copy()
                break
            opt.step(net, grads)
            train_time += time.perf_counter() - t0
            step += 1
            costs_since_record.append(cost)
            if step % eval_every == 0 or step == steps:
                val_cost, val_metric = evaluate(net)
                history.append(step=step, samples=step * batch_size, time=train_time,
                               train_cost=float(np.mean(costs_since_record)), val_cost=val_cost,
                               metric=val_metric)
                costs_since_record = []
                judged = val_cost if validation is not None else history.train_cost[-1]
                if judged < best_cost:
                    best_net, best_cost, best_step = net.copy(), judged, step
            if callback is not None and step % callback_every == 0 and step < steps:
                callback(progress())
    except KeyboardInterrupt:
        stopped, message = "interrupted", f"training interrupted at step {step}; returning the result so far."
    except StopTraining as stop:
        stopped, message = "callback", f"stopped by the callback at step {step}" + (f": {stop}" if str(stop) else ".")

    if stopped in ("interrupted", "callback") and costs_since_record:
        val_cost, val_metric = evaluate(net)
        history.append(step=step, samples=step * batch_size, time=train_time,
                       train_cost=float(np.mean(costs_since_record)), val_cost=val_cost, metric=val_metric)
    if stopped == "diverged":
        warnings.warn(message, RuntimeWarning, stacklevel=2)
    if callback is not None:
        try:
            callback(progress(done=True))
        except StopTraining:
            pass  # training has ended anyway
    return TrainResult(net, best_net, history, best_step, stopped, message)


def accuracy(net, x, labels):
    """Fraction of samples whose largest output is at the true class.

    x: (batch, n_in); labels: (batch,) integers or (batch, n_out) one-hot."""
    labels = np.asarray(labels)
    if labels.ndim == 2:
        labels = labels.argmax(axis=1)
    return float(np.mean(net.predict(x).argmax(axis=1) == labels))


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected a positive whole number, got {value!r}")
    return int(value)


def _batches(x, y, sample, batch_size, rng, net):
    """A function that returns the next (x_batch, y_batch)."""
    if sample is not None:
        if x is not None or y is not None:
            raise ValueError("train: pass either arrays x, y or a sample function, not both")
        return lambda: sample(rng, batch_size)
    if x is None or y is None:
        raise ValueError("train: expected training data: arrays x and y, or sample=f(rng, batch_size)")
    x, y = np.asarray(x), np.asarray(y)
    n_in = net.layer_sizes[0]
    if x.ndim != 2 or x.shape[1] != n_in:
        raise ValueError(f"train: expected x of shape (n, {n_in}), got {x.shape}")
    if len(y) != len(x):
        raise ValueError(f"train: expected one target per sample ({len(x)}), got {len(y)}")
    if batch_size > len(x):
        raise ValueError(f"train: batch_size {batch_size} is larger than the {len(x)} training samples")
    n_batches = len(x) // batch_size
    order, position = None, n_batches

    def next_batch():
        nonlocal order, position
        if position == n_batches:
            order, position = rng.permutation(len(x)), 0
        idx = order[position * batch_size:(position + 1) * batch_size]
        position += 1
        return x[idx], y[idx]

    return next_batch


def _evaluator(net, validation, loss_fn, metric):
    """A function net -> (validation cost, metric), nan where there is nothing to evaluate."""
    if validation is None:
        if metric is not None:
            raise ValueError("train: a metric is evaluated on validation data; pass validation=(x_val, y_val)")
        return lambda current: (math.nan, math.nan)
    try:
        x_val, y_val = validation
    except (TypeError, ValueError):
        raise ValueError("train: expected validation=(x_val, y_val)") from None
    x_val, y_val = np.asarray(x_val), np.asarray(y_val)
    if len(x_val) != len(y_val):
        raise ValueError(f"train: validation has {len(x_val)} inputs but {len(y_val)} targets")
    if loss_fn.name == "softmax_cross_entropy" and y_val.ndim == 1:
        check_labels(y_val, net.layer_sizes[-1])
    if metric == "accuracy":
        metric_fn = accuracy
    elif metric is None or callable(metric):
        metric_fn = metric
    else:
        raise ValueError(f"train: unknown metric {metric!r}; expected 'accuracy' or a function f(net, x, y)")

    def evaluate(current):
        cost = current.cost(x_val, y_val, loss_fn)
        return cost, (float(metric_fn(current, x_val, y_val)) if metric_fn else math.nan)

    return evaluate
