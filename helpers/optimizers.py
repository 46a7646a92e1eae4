"""Optimizers: how a gradient becomes a change of the weights.

Each optimizer holds its own explicit state (velocities, moment estimates), one
array per parameter, created on the first step and bound to the network it was
made for: stepping another network with it is refused, since its velocities would
push that network with the first one's history. ``opt.step(net, grads)`` updates
``net`` in place: the one place in the helpers where a network is mutated, and the
method's name says so. A step is applied whole or not at all: an interrupt that
arrives during it is delivered when it is done. ``opt.fresh()`` gives an optimizer
with the same settings and no state; ``opt.copy()`` one with a copy of the state.

``weight_decay`` has PyTorch's meaning: ``weight_decay * w`` is added to every
gradient (L2 regularization; notebook 07) — except in `AdamW`, which decays the
weights directly, apart from Adam's scaling (Loshchilov and Hutter, 2019).
"""

import copy
import weakref
from types import MappingProxyType

import numpy as np

from .checks import finite_float, lookup, positive_float
from .interrupts import deferred_interrupt


class Optimizer:
    """Shared bookkeeping: checks that grads match the network, owns the state.

    A subclass names its per-parameter state arrays in ``state_names`` and writes
    ``_update(params, grads, lr)``; ``grads`` already include the weight decay, ``lr`` the schedule.
    """

    state_names = ()
    decoupled = False  # True: weight decay acts on the weights directly (AdamW), not through the gradient

    def __init__(self, lr, weight_decay=0.0, schedule=None):
        self.lr = positive_float("learning rate", lr)
        self.weight_decay = finite_float("weight_decay", weight_decay, low=0.0)
        if schedule is not None and not callable(schedule):
            raise ValueError(f"schedule: expected a function of the step t, e.g. helpers.cosine(1000), "
                             f"got {schedule!r}")
        self.schedule = schedule  # lr at step t is lr * schedule(t); helpers/schedules.py
        self.t = 0  # steps taken
        self._owner = None  # weak references to the arrays of the network the state belongs to
        for name in self.state_names:
            setattr(self, name, None)

    def step(self, net, grads):
        """Update net's parameters in place from grads (a `Gradients`, or arrays in ``net.parameters()`` order).
        An interrupt that arrives meanwhile is raised when the update is complete."""
        with deferred_interrupt():
            self._step(net, grads)

    def _step(self, net, grads):
        """`step` without holding interrupts back: for `train`, which holds them back around the whole update."""
        if isinstance(grads, tuple) and len(grads) == 2 and np.isscalar(grads[0]):
            raise ValueError(
                "opt.step: expected the gradients, got the (cost, grads) pair that cost_and_gradients returns; "
                "write `cost, grads = net.cost_and_gradients(...)` and pass `grads`"
            )
        params, gs = net.parameters(), list(grads)
        if len(params) != len(gs) or any(np.shape(p) != np.shape(g) for p, g in zip(params, gs)):
            raise ValueError(
                "gradients do not match the network: expected shapes "
                f"{[p.shape for p in params]}, got {[np.shape(g) for g in gs]}"
            )
        self._bind(params)
        self.t += 1
        if self.weight_decay and not self.decoupled:
            gs = [g + p.dtype.type(self.weight_decay) * p for p, g in zip(params, gs)]
        self._update(params, gs, self.lr * (self.schedule(self.t) if self.schedule else 1.0))

    def fresh(self):
        """An optimizer with the same settings and no state (what `train` starts from)."""
        new = copy.copy(self)
        Optimizer.__init__(new, self.lr, self.weight_decay, self.schedule)
        return new

    def copy(self):
        """An independent copy, state included (still bound to the same network)."""
        return copy.deepcopy(self)

    def _bind(self, params):
        if self._owner is None:
            self._owner = [weakref.ref(p) for p in params]
        elif len(self._owner) != len(params) or any(ref() is not p for ref, p in zip(self._owner, params)):
            raise ValueError(
                f"{type(self).__name__} holds the state (velocities, moments) of another network; "
                "use one optimizer per network: opt.fresh() gives a new one with the same settings"
            )

    def _state(self, name, params):
        """The list of state arrays called `name`, zeros on the first step."""
        if getattr(self, name) is None:
            setattr(self, name, [np.zeros_like(p) for p in params])
        return getattr(self, name)

    def _settings(self):
        decay = f", weight_decay={self.weight_decay:g}" if self.weight_decay else ""
        schedule = f", schedule={self.schedule!r}" if self.schedule else ""
        return f"lr={self.lr:g}{decay}{schedule}"

    def __repr__(self):
        return f"{type(self).__name__}({self._settings()})"


def _beta(name, value):
    return finite_float(name, value, low=0.0, high=1.0, high_inclusive=False)


class SGD(Optimizer):
    """Plain gradient descent: w <- w - lr * g."""

    def _update(self, params, grads, lr):
        for p, g in zip(params, grads):
            p -= p.dtype.type(lr) * g


class Momentum(Optimizer):
    """Gradient descent with momentum (heavy ball):

        v <- beta * v - lr * g
        w <- w + v
    """

    state_names = ("velocity",)

    def __init__(self, lr, beta=0.9, weight_decay=0.0, schedule=None):
        super().__init__(lr, weight_decay, schedule)
        self.beta = _beta("beta", beta)

    def _update(self, params, grads, lr):
        for p, g, v in zip(params, grads, self._state("velocity", params)):
            v *= p.dtype.type(self.beta)
            v -= p.dtype.type(lr) * g
            p += v

    def _settings(self):
        return f"{super()._settings()}, beta={self.beta:g}"


class Nesterov(Momentum):
    """Nesterov's accelerated gradient: momentum that looks ahead before it steps.

        v <- beta * v - lr * g
        w <- w + beta * v - lr * g      (the gradient at w + beta * v, to first order)
    """

    def _update(self, params, grads, lr):
        for p, g, v in zip(params, grads, self._state("velocity", params)):
            dt = p.dtype.type
            v *= dt(self.beta)
            v -= dt(lr) * g
            p += dt(self.beta) * v - dt(lr) * g


class AdaGrad(Optimizer):
    """AdaGrad (Duchi et al., 2011): each parameter's step shrinks with its squared gradients so far.

        h <- h + g**2
        w <- w - lr * g / (sqrt(h) + eps)
    """

    state_names = ("h",)

    def __init__(self, lr=1e-2, eps=1e-10, weight_decay=0.0, schedule=None):
        super().__init__(lr, weight_decay, schedule)
        self.eps = positive_float("eps", eps)

    def _update(self, params, grads, lr):
        for p, g, h in zip(params, grads, self._state("h", params)):
            h += g * g
            p -= p.dtype.type(lr) * g / (np.sqrt(h) + p.dtype.type(self.eps))


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012): AdaGrad with a forgetting average of the squared gradients.

        h <- alpha * h + (1 - alpha) * g**2
        w <- w - lr * g / (sqrt(h) + eps)
    """

    state_names = ("h",)

    def __init__(self, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, schedule=None):
        super().__init__(lr, weight_decay, schedule)
        self.alpha, self.eps = _beta("alpha", alpha), positive_float("eps", eps)

    def _update(self, params, grads, lr):
        for p, g, h in zip(params, grads, self._state("h", params)):
            dt = p.dtype.type
            h *= dt(self.alpha)
            h += dt(1 - self.alpha) * (g * g)
            p -= dt(lr) * g / (np.sqrt(h) + dt(self.eps))

    def _settings(self):
        return f"{super()._settings()}, alpha={self.alpha:g}"


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015), with bias-corrected moment estimates:

        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g**2
        w <- w - lr * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)
    """

    state_names = ("m", "v")

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, schedule=None):
        super().__init__(lr, weight_decay, schedule)
        self.beta1, self.beta2 = _beta("beta1", beta1), _beta("beta2", beta2)
        self.eps = positive_float("eps", eps)

    def _update(self, params, grads, lr):
        b1, b2, t = self.beta1, self.beta2, self.t
        # Fold both bias corrections into one step size and one epsilon:
        # lr * m_hat / (sqrt(v_hat) + eps) == step * m / (sqrt(v) + eps_t).
        step = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        eps_t = self.eps * np.sqrt(1 - b2**t)
        if self.decoupled:
            for p in params:
                p *= p.dtype.type(1 - lr * self.weight_decay)
        for p, g, m, v in zip(params, grads, self._state("m", params), self._state("v", params)):
            dt = p.dtype.type
            m *= dt(b1)
            m += dt(1 - b1) * g
            v *= dt(b2)
            v += dt(1 - b2) * (g * g)
            denom = np.sqrt(v)
            denom += dt(eps_t)
            p -= dt(step) * m / denom

    def _settings(self):
        return f"{super()._settings()}, beta1={self.beta1:g}, beta2={self.beta2:g}"


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019), PyTorch's AdamW:

        w <- w - lr * weight_decay * w, then the Adam step (the decay is not rescaled by Adam).
    """

    decoupled = True

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2, schedule=None):
        super().__init__(lr, beta1, beta2, eps, weight_decay, schedule)


OPTIMIZERS = MappingProxyType({
    "sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": AdaGrad,
    "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW,
})


def get_optimizer(spec, lr=None):
    """A state-free optimizer from an instance (its settings) or a name with an optional lr.

    Names: see ``OPTIMIZERS``. An instance together with ``lr`` is refused: two learning rates.
    """
    if isinstance(spec, Optimizer):
        if lr is not None:
            raise ValueError(
                f"two learning rates: the optimizer {spec!r} has its own, and lr={lr!r} was passed too; "
                "give one of them (optimizer=helpers.SGD(0.5), or optimizer='sgd', lr=0.5)"
            )
        return spec.fresh()
    cls = lookup(OPTIMIZERS, spec, "optimizer")
    if lr is None and cls in (SGD, Momentum, Nesterov):
        raise ValueError(f"optimizer {spec!r} needs a learning rate: pass lr=...")
    return cls(lr) if lr is not None else cls()
