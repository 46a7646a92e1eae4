"""Batch normalization (Ioffe and Szegedy, 2015): normalize each feature over the batch, then scale and shift.

Training mode, for each feature (each channel, over batch and pixels, on (N, C, H, W)):

    xhat = (x - mean) / sqrt(var + eps)        mean, var: of the batch (var biased, divided by m)
    y = gamma * xhat + beta
    dC/dx = gamma / sqrt(var + eps) * (dy - mean(dy) - xhat * mean(dy * xhat))

Evaluation mode uses the running statistics instead, so y depends on one sample only. They are
explicit state, updated by ``update_statistics`` (as PyTorch does, with the unbiased variance):

    running = (1 - momentum) * running + momentum * batch
"""

import numpy as np

from ..checks import finite_float, positive_float, positive_int
from ..init import float_dtype
from .base import Layer, describe


class BatchNorm(Layer):
    """x: (batch, C) or (batch, C, H, W) -> the same shape, normalized per feature / channel.

    gamma (C,), ones, and beta (C,), zeros, are parameters; running_mean (C,), zeros, and
    running_var (C,), ones, are state.
    """

    parameter_names = ("gamma", "beta")
    state_names = ("running_mean", "running_var")
    keeps_shape = True

    def __init__(self, n_features, eps=1e-5, momentum=0.1, dtype=np.float64):
        n = positive_int("n_features", n_features)
        self.eps = positive_float("eps", eps)
        self.momentum = finite_float("momentum", momentum, low=0.0, high=1.0)
        dtype = float_dtype(dtype)
        self.gamma, self.beta = np.ones(n, dtype), np.zeros(n, dtype)
        self.running_mean, self.running_var = np.zeros(n, dtype), np.ones(n, dtype)

    @property
    def n_features(self):
        return self.gamma.shape[0]

    def output_shape(self, shape):
        if shape is not None and (len(shape) not in (1, 3) or shape[0] not in (None, self.n_features)):
            c = self.n_features
            self._fail(f"a batch of shape (batch, {c}) or (batch, {c}, H, W)", shape)
        return shape

    def _forward(self, x, training, rng):
        axes = (0,) if x.ndim == 2 else (0, 2, 3)
        per_feature = (1, -1) + (1,) * (x.ndim - 2)  # broadcasts a (C,) vector over x
        gamma, beta = self.gamma.reshape(per_feature), self.beta.reshape(per_feature)
        if not training:
            inv_std = 1 / np.sqrt(self.running_var + x.dtype.type(self.eps))
            xhat = (x - self.running_mean.reshape(per_feature)) * inv_std.reshape(per_feature)
            return xhat * gamma + beta, (xhat, inv_std, axes, None)
        m = x.size // x.shape[1]
        if m < 2:
            raise ValueError(f"{self!r} in training mode: expected more than one value per feature "
                             f"to take a batch mean and variance of, got {describe(x.shape[1:])} with batch {len(x)}")
        mean = x.mean(axis=axes, keepdims=True)
        xc = x - mean
        var = np.mean(xc * xc, axis=axes)
        inv_std = 1 / np.sqrt(var + x.dtype.type(self.eps))
        xc *= inv_std.reshape(per_feature)  # xc is ours: it becomes xhat in place
        batch_stats = (mean.reshape(-1), var * x.dtype.type(m / (m - 1)))
        return xc * gamma + beta, (xc, inv_std, axes, batch_stats)

    def backward(self, cache, dy, need_input_gradient=True):
        xhat, inv_std, axes, batch_stats = cache
        grad_beta = dy.sum(axis=axes)
        grad_gamma = np.sum(dy * xhat, axis=axes)
        if not need_input_gradient:
            return None, [grad_gamma, grad_beta]
        per_feature = (1, -1) + (1,) * (dy.ndim - 2)
        scale = (self.gamma * inv_std).reshape(per_feature)
        if batch_stats is None:  # evaluation mode: an affine map per feature
            return dy * scale, [grad_gamma, grad_beta]
        m = dy.size // dy.shape[1]
        # mean(dy) = grad_beta / m and mean(dy * xhat) = grad_gamma / m: reuse the sums.
        dx = xhat * (grad_gamma / m).reshape(per_feature)
        dx += (grad_beta / m).reshape(per_feature)
        np.subtract(dy, dx, out=dx)
        dx *= scale
        return dx, [grad_gamma, grad_beta]

    def statistics(self, cache):
        """(batch mean, unbiased batch variance), each (C,), from a training forward pass; None in evaluation."""
        return cache[3]

    def update_statistics(self, statistics):
        """running = (1 - momentum) * running + momentum * batch, for the mean and the variance, in place."""
        if statistics is None:
            return
        for running, batch in zip((self.running_mean, self.running_var), statistics):
            if batch.shape != running.shape:
                raise ValueError(f"{self!r}: expected batch statistics of shape {running.shape}, got {batch.shape}")
            running *= running.dtype.type(1 - self.momentum)
            running += running.dtype.type(self.momentum) * batch

    def __repr__(self):
        return f"BatchNorm({self.n_features}, eps={self.eps:g}, momentum={self.momentum:g})"
