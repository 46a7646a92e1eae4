"""Optimizers: how a gradient becomes a change of the weights.

Each optimizer holds its own explicit state (velocities, moment estimates), one
array per parameter, created on the first step. ``opt.step(net, grads)`` updates
``net`` in place: the one place in the helpers where a network is mutated, and
the method's name says so. ``opt.copy()`` gives an optimizer with its own state.
"""

import copy

import numpy as np


class Optimizer:
    """Shared bookkeeping: checks that grads match the network, owns the state."""

    def __init__(self, lr):
        if not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"learning rate: expected a positive number, got {lr!r}")
        self.lr = float(lr)
        self.t = 0  # steps taken

    def step(self, net, grads):
        """Update net's weights and biases in place from grads (a `Gradients`)."""
        params, gs = net.parameters(), list(grads.weights) + list(grads.biases)
        if len(params) != len(gs) or any(p.shape != g.shape for p, g in zip(params, gs)):
            raise ValueError(
                "gradients do not match the network: expected shapes "
                f"{[p.shape for p in params]}, got {[g.shape for g in gs]}"
            )
        self.t += 1
        self._update(params, gs)

    def copy(self):
        """An independent copy, state included."""
        return copy.deepcopy(self)

    def _state(self, name, params):
        """The list of state arrays called `name`, zeros on the first step."""
        state = getattr(self, name, None)
        if state is None or [s.shape for s in state] != [p.shape for p in params]:
            if state is not None:
                raise ValueError(
                    f"{type(self).__name__} was used on a network of another shape; "
                    "use a fresh optimizer (or opt.copy() before the first step) for each network"
                )
            state = [np.zeros_like(p) for p in params]
            setattr(self, name, state)
        return state

    def __repr__(self):
        return f"{type(self).__name__}(lr={self.lr:g})"


class SGD(Optimizer):
    """Plain gradient descent: w <- w - lr * g."""

    def _update(self, params, grads):
        for p, g in zip(params, grads):
            p -= p.dtype.type(self.lr) * g


class Momentum(Optimizer):
    """Gradient descent with momentum (heavy ball):

        v <- beta * v - lr * g
        w <- w + v
    """

    def __init__(self, lr, beta=0.9):
        super().__init__(lr)
        if not 0 <= beta < 1:
            raise ValueError(f"beta: expected a number in [0, 1), got {beta!r}")
        self.beta = float(beta)
        self.velocity = None

    def _update(self, params, grads):
        for p, g, v in zip(params, grads, self._state("velocity", params)):
            v *= p.dtype.type(self.beta)
            v -= p.dtype.type(self.lr) * g
            p += v

    def __repr__(self):
        return f"Momentum(lr={self.lr:g}, beta={self.beta:g})"


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015), with bias-corrected moment estimates:

        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g**2
        w <- w - lr * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)
    """

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"{name}: expected a number in [0, 1), got {beta!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.m = None
        self.v = None

    def _update(self, params, grads):
        b1, b2, t = self.beta1, self.beta2, self.t
        # Fold both bias corrections into one step size and one epsilon:
        # lr * m_hat / (sqrt(v_hat) + eps) == step * m / (sqrt(v) + eps_t).
        step = self.lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        eps_t = self.eps * np.sqrt(1 - b2**t)
        ms, vs = self._state("m", params), self._state("v", params)
        for p, g, m, v in zip(params, grads, ms, vs):
            dt = p.dtype.type
            m *= dt(b1)
            m += dt(1 - b1) * g
            v *= dt(b2)
            v += dt(1 - b2) * (g * g)
            denom = np.sqrt(v)
            denom += dt(eps_t)
            p -= dt(step) * m / denom

    def __repr__(self):
        return f"Adam(lr={self.lr:g}, beta1={self.beta1:g}, beta2={self.beta2:g})"


def get_optimizer(spec, lr=None):
    """An optimizer from an instance (copied) or a name ("sgd", "momentum", "adam")."""
    if isinstance(spec, Optimizer):
        return spec.copy()
    names = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
    if spec not in names:
        raise ValueError(f"unknown optimizer {spec!r}; expected an optimizer object or one of {list(names)}")
    return names[spec](lr) if lr is not None else names[spec]()
