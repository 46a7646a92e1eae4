"""train(): the training loop, once, for every notebook.

It trains a *copy* of the network it is given, so the caller's network is never
changed (the aliasing pitfall of ``Weights = Weights_init`` cannot happen through
it), and returns everything it learned: the final network, the best one by
validation cost, and the history. The same seed gives the same history, bit for
bit, on the same machine with a fixed number of BLAS threads (``blas_threads=1``):
OpenBLAS's products, float32 and float64 alike, give slightly different bits with
one thread and with two, and by default train picks the count by timing (threads.py).

Names: ``x`` are inputs and ``targets`` what the network should output (values or
labels); ``y`` is kept for the network's activations, as in network.py.
"""

import math
import time
import warnings

import numpy as np

from .batching import batches
from .checks import finite_array, positive_int
from .evaluation import accuracy
from .interrupts import InterruptHold
from .losses import check_labels, get_loss
from .optimizers import get_optimizer
from .results import History, Progress, TrainResult
from .threads import AdaptiveThreads

# A callback that takes longer than this did real work, such as drawing a live frame and sending it; the kernel's
# message threads, the server and a browser then handle it on the other core (tests/test_browser.py measures 20-45 ms
# of CPU per frame), and a multi-thread step in that burst stalls: the steps of the next QUIET_AFTER_CALLBACK seconds
# run with one thread, untimed (helpers/threads.py gives the figures).
CALLBACK_WORK, QUIET_AFTER_CALLBACK = 1e-3, 0.03
DATA_HINT = " (nan or inf in the data, not a training problem: clean the data first)"


class StopTraining(Exception):
    """Raise it in a callback to end training cleanly; the result is returned."""


def train(net, x=None, targets=None, *, sample=None, loss="quadratic", optimizer=None, lr=None,
          steps=1000, batch_size=32, validation=None, metric=None, eval_every=None,
          callback=None, callback_every=None, rng=None, blas_threads=None):
    """Train a copy of ``net`` by mini-batch gradient descent; ``net`` itself is untouched.

    net: a `Network` or a `Sequential`. Data, one of:
      x, targets: arrays, x (n, ...) and targets (n, n_out) or labels (n,); batches as
        `helpers.batching.batches` draws them (reshuffled every epoch, last partial batch dropped).
      sample: a function ``sample(rng, batch_size) -> (x_batch, target_batch)`` that
        draws a fresh batch each step (e.g. points of a 2-D function).
    loss: "quadratic" or "softmax_cross_entropy". optimizer: an optimizer object
      (its settings; training starts from fresh optimizer state) or a name with ``lr``;
      default SGD(lr).
    validation: (x_val, y_val), evaluated every ``eval_every`` steps (default:
      steps // 100). metric: "accuracy" or ``f(net, x_val, y_val) -> float``.
    callback(progress): called every ``callback_every`` steps (default eval_every)
      and once more at the end with ``progress.done = True``; it may raise
      `StopTraining`. A callback that fails ends training with a warning, never loses it.
    rng: int seed, numpy Generator or None; it draws the batches (and dropout masks).
    blas_threads: None chooses per step by timing (`helpers.threads`); an int fixes it
      (a run is bit-for-bit reproducible only then, in float32 and float64 alike).

    Bad data (nan or inf in x or validation, labels out of range, widths that do not fit
    the network) is refused before the first step. A cost that becomes nan or inf
    stops training with a warning naming the step; the result's net is then a copy of
    the best network seen before it. An interrupt (Jupyter's stop button) ends
    training and returns the result so far. Returns a `TrainResult`.
    """
    _check_model(net)
    for name, f in (("callback", callback), ("sample", sample)):
        if f is not None and not callable(f):
            raise ValueError(f"train: {name} must be a function, got {type(f).__name__} {f!r}")
    steps, batch_size = positive_int("steps", steps), positive_int("batch_size", batch_size)
    eval_every = max(1, steps // 100) if eval_every is None else positive_int("eval_every", eval_every)
    callback_every = eval_every if callback_every is None else positive_int("callback_every", callback_every)
    loss_fn = get_loss(loss)
    if optimizer is None and lr is None:
        raise ValueError("train: pass a learning rate (lr=0.01) or an optimizer (optimizer=helpers.Adam(1e-3))")
    opt = get_optimizer("sgd" if optimizer is None else optimizer, lr)
    rng = np.random.default_rng(rng)
    next_batch = _batch_source(x, targets, sample, batch_size, rng, net, loss_fn)
    evaluate = _evaluator(net, validation, loss_fn, metric)
    metric_label = metric_name(metric)

    net = net.copy()
    history = History()
    best_net, best_cost, best_step = net.copy(), math.inf, 0
    stopped, message = None, ""
    train_time, costs_since_record, step, cost = 0.0, [], 0, math.nan

    def progress(done=False):
        return Progress(step, steps, batch_size, cost, net, history, train_time, done, stopped, message,
                        metric_label)

    def record(blas_threads=None):
        val_cost, val_metric = evaluate(net, blas_threads)
        history.append(step=step, samples=step * batch_size, time=train_time,
                       train_cost=float(np.mean(costs_since_record)), val_cost=val_cost, metric=val_metric)
        costs_since_record.clear()

    with AdaptiveThreads(blas_threads) as threads, InterruptHold() as hold:
        try:
            while step < steps:
                xb, tb = next_batch()
                recording = (step + 1) % eval_every == 0 or step + 1 == steps
                threads.before_step()
                t0 = time.perf_counter()
                cost, grads = net.cost_and_gradients(xb, tb, loss_fn, rng=rng)
                if not math.isfinite(cost):
                    stopped, message = _why_not_finite(cost, step, xb, tb, opt, best_step)
                    net = best_net.copy()
                    break
                # Without validation data the best network is judged by its own cost on this batch, at the
                # record points and at the start: keep the network before the update, the one that cost belongs to.
                judged = validation is None and (recording or step == 0) and cost < best_cost
                before = net.copy() if judged else None
                hold.depth += 1  # the update and its bookkeeping happen whole, or not at all
                try:
                    opt._step(net, grads)
                    if hasattr(net, "update_statistics"):
                        net.update_statistics(grads)
                    elapsed = time.perf_counter() - t0
                    train_time += elapsed
                    step += 1
                    costs_since_record.append(cost)
                finally:
                    hold.depth -= 1
                    hold.release()
                threads.after_step(elapsed)
                if before is not None:
                    best_net, best_cost, best_step = before, cost, step - 1
                if recording:
                    record(threads.current)
                    if validation is not None and history.val_cost[-1] < best_cost:
                        best_net, best_cost, best_step = net.copy(), history.val_cost[-1], step
                if callback is not None and step % callback_every == 0 and step < steps:
                    called = time.perf_counter()
                    _call(callback, progress())
                    if time.perf_counter() - called > CALLBACK_WORK:  # it drew (and sent) something
                        threads.quiet_for(QUIET_AFTER_CALLBACK)
        except KeyboardInterrupt:
            stopped, message = "interrupted", f"training interrupted at step {step}; returning the result so far."
        except StopTraining as stop:
            stopped = "callback"
            message = f"stopped by the callback at step {step}" + (f": {stop}" if str(stop) else ".")
        except CallbackError as failure:
            error = failure.__cause__
            stopped = "callback error"
            message = (f"the callback failed at step {step} ({type(error).__name__}: {error}); "
                       "training stopped there and its result is returned.")

    if stopped in ("interrupted", "callback", "callback error") and costs_since_record:
        record()
    if stopped in ("diverged", "bad data", "callback error"):
        warnings.warn(message, RuntimeWarning, stacklevel=2)
    _final_callback(callback, progress(done=True))
    return TrainResult(net, best_net, history, best_step, best_cost, stopped, message)


def metric_name(metric):
    """What train's ``metric`` is called: "accuracy", a metric function's name, or "metric"."""
    return metric if isinstance(metric, str) else getattr(metric, "__name__", "metric")


def _final_callback(callback, progress):
    """The last frame: whatever happens in it (a second stop press, a drawing error), the result survives."""
    if callback is None:
        return
    try:
        callback(progress)
    except (KeyboardInterrupt, StopTraining):
        pass  # training has ended anyway
    except Exception as error:  # noqa: BLE001 -- a figure must never lose a training run
        warnings.warn(f"the final callback failed ({type(error).__name__}: {error}); the result is returned",
                      RuntimeWarning, stacklevel=3)


class CallbackError(Exception):
    """A callback failed; its error is the ``__cause__``. Kept apart from errors of training itself."""


def _call(callback, progress):
    try:
        callback(progress)
    except (KeyboardInterrupt, StopTraining):
        raise
    except Exception as error:  # noqa: BLE001 -- a figure must never lose a training run
        raise CallbackError(str(error)) from error


def _why_not_finite(cost, step, xb, tb, opt, best_step):
    """(stopped, message) for a cost that is nan or inf: bad data from a sampler, or divergence."""
    if any(np.asarray(a).dtype.kind == "f" and not np.isfinite(a).all() for a in (xb, tb)):
        return "bad data", (f"the sample function returned nan or inf at step {step + 1}; "
                            f"returning the best network seen before it, from step {best_step}.")
    return "diverged", (f"training diverged: the cost became {cost} at step {step + 1}; "
                        f"try a smaller learning rate (now {opt!r}). Returning the best network "
                        f"seen before it, from step {best_step}.")


def _check_model(net):
    needed = ("cost_and_gradients", "parameters", "copy", "predict", "cost")
    if not all(callable(getattr(net, name, None)) for name in needed):
        raise ValueError(f"expected a helpers.Network or helpers.Sequential to train, got {type(net).__name__}")


def check_inputs(name, x, model):
    """x as an array of samples that fit ``model.input_shape``, finite; else a ValueError naming ``name``."""
    x = finite_array(name, x, DATA_HINT)
    expected = model.input_shape
    if expected is None:  # the model fixes no input shape (e.g. it starts with Flatten): its layers check
        return x
    fits = x.ndim == len(expected) + 1 and all(e is None or e == n for e, n in zip(expected, x.shape[1:]))
    if not fits:
        shape = ", ".join("n" if e is None else str(e) for e in (None,) + tuple(expected))
        raise ValueError(f"{name}: expected an array of shape ({shape}), one sample per row, got {x.shape}")
    return x


def _check_targets(name, x, targets, model, loss_fn):
    targets = finite_array(name, targets, DATA_HINT)
    if len(targets) != len(x):
        raise ValueError(f"{name}: expected one target per sample ({len(x)}), got {len(targets)}")
    if loss_fn.name == "softmax_cross_entropy" and targets.ndim == 1:
        check_labels(targets, model.n_out)
    return targets


def _batch_source(x, targets, sample, batch_size, rng, net, loss_fn):
    """A function that returns the next (x_batch, target_batch)."""
    if sample is not None:
        if x is not None or targets is not None:
            raise ValueError("train: pass either arrays x, targets or a sample function, not both")
        return lambda: sample(rng, batch_size)
    if x is None or targets is None:
        raise ValueError("train: expected training data: arrays x and targets, or sample=f(rng, batch_size)")
    x = check_inputs("train: x", x, net)
    targets = _check_targets("train: targets", x, targets, net, loss_fn)
    if batch_size > len(x):
        raise ValueError(f"train: batch_size {batch_size} is larger than the {len(x)} training samples")
    return batches(x, targets, batch_size, rng).__next__


def _evaluator(net, validation, loss_fn, metric):
    """A function (net, blas_threads) -> (validation cost, metric), nan where there is nothing to evaluate."""
    if validation is None:
        if metric is not None:
            raise ValueError("train: a metric is evaluated on validation data; pass validation=(x_val, y_val)")
        return lambda current, blas_threads: (math.nan, math.nan)
    try:
        x_val, y_val = validation
    except (TypeError, ValueError):
        raise ValueError("train: expected validation=(x_val, y_val)") from None
    x_val = check_inputs("train: validation inputs", x_val, net)
    y_val = _check_targets("train: validation targets", x_val, y_val, net, loss_fn)
    if metric is not None and metric != "accuracy" and not callable(metric):
        raise ValueError(f"train: unknown metric {metric!r}; expected 'accuracy' or a function f(net, x, y)")

    def evaluate(current, blas_threads):
        # blas_threads: the count training runs with now (the accuracy's chunks then need no trial of their own)
        cost = current.cost(x_val, y_val, loss_fn)
        if metric == "accuracy":
            return cost, accuracy(current, x_val, y_val, blas_threads=blas_threads)
        return cost, (float(metric(current, x_val, y_val)) if metric is not None else math.nan)

    return evaluate
