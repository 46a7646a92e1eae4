"""What every layer is: parameters it owns, and a forward and a backward pass that keep nothing.

A layer holds its parameters (the arrays an optimizer updates) and its hyperparameters,
never the last input it saw. The forward pass returns what the backward pass will need,
and the caller hands it back:

    y, cache = layer.forward(x, training, rng)            x: (batch, ...) -> y: (batch, ...)
    dx, grads = layer.backward(cache, dy)                  dy = dC/dy, dx = dC/dx, grads = [dC/dp, ...]

``grads`` lists dC/d(parameter) in the order of ``layer.parameters()``. So the same layer can be
in two forward passes at once and nothing goes stale: a network is a list you walk forward
(collecting the caches) and back (handing them in again), as in Deep Learning from Scratch,
without its stored state.

Shapes are checked per sample (the batch axis left off) by ``layer.output_shape(shape)``, which
returns the shape a sample has after the layer, with None for a size that is not known yet.
"""

import copy

import numpy as np



class Layer:
    """The shared part of every layer. Subclasses define ``_forward``, ``backward`` and ``output_shape``.

    parameter_names: the attributes that are parameters (trained); state_names: other arrays the
    layer owns (BatchNorm's running statistics). Both are copied by ``copy`` and ``astype``.
    """

    parameter_names = ()
    state_names = ()
    uses_rng = False  # True for layers that draw random numbers in training mode (Dropout)
    input_shape = None  # the per-sample input shape the layer requires, None where it does not fix one
    keeps_shape = False  # True for layers whose output has their input's shape (activations, BatchNorm, Dropout)

    def parameters(self):
        """The layer's own arrays, in a fixed order: an optimizer updates them in place."""
        return [getattr(self, name) for name in self.parameter_names]

    @property
    def dtype(self):
        """The dtype of the layer's parameters, None for a layer without any."""
        arrays = self.parameters()
        return arrays[0].dtype if arrays else None

    def forward(self, x, training=False, rng=None):
        """(y, cache) for a batch x; checks x's shape and converts it to the layer's dtype.

        training: batch statistics and dropout (True) or evaluation mode (False);
        rng: an int seed, a numpy Generator or None, used only by layers that draw masks.
        """
        x = np.asarray(x)
        if x.ndim == 0 or x.dtype.kind not in "fiub":
            raise ValueError(f"{self!r}: expected a numeric batch (batch, ...), got {x.dtype} of shape {x.shape}")
        self.output_shape(x.shape[1:])
        dtype = self.dtype if self.dtype is not None else (x.dtype if x.dtype.kind == "f" else np.float64)
        x = x if x.dtype == dtype else x.astype(dtype)
        rng = np.random.default_rng(rng) if training and self.uses_rng else None
        return self._forward(x, training, rng)

    def backward(self, cache, dy, need_input_gradient=True):
        """(dx, grads) from the forward pass's cache and dy = dC/dy.

        dx = dC/dx has x's shape (None when need_input_gradient is False: the first layer's
        input gradient is nobody's business and can be the most expensive product);
        grads: [dC/dp for p in parameters()].
        """
        raise NotImplementedError

    def statistics(self, cache):
        """What the training forward pass measured for the running statistics; None for most layers."""
        return None

    def update_statistics(self, statistics):
        """Fold ``statistics`` (from ``self.statistics(cache)``) into the layer's running state."""

    def astype(self, dtype):
        """A copy whose arrays are converted to ``dtype``; it shares no array with this layer."""
        new = copy.copy(self)  # the hyperparameters are numbers and strings: sharing them is safe
        for name in self.parameter_names + self.state_names:
            setattr(new, name, getattr(self, name).astype(dtype))  # astype copies
        return new

    def copy(self):
        """An independent copy: no array is shared."""
        return self.astype(self.dtype) if self.dtype is not None else copy.copy(self)

    def _fail(self, expected, shape):
        raise ValueError(f"{self!r}: expected {expected}, got {describe(shape)}")


def fits(shape, expected):
    """Whether a per-sample ``shape`` is one that ``expected`` (with None for any size) allows."""
    return len(shape) == len(expected) and all(e is None or e == n for e, n in zip(expected, shape))


def describe(shape):
    """A per-sample shape as a person reads it: (batch, 1, 28, 28); '?' where unknown."""
    if shape is None:
        return "a batch of shape (batch, ...)"
    sizes = ", ".join("?" if n is None else str(n) for n in shape)
    return f"a batch of shape (batch, {sizes})"
