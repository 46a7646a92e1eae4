"""Sequential: a model that is a list of layers, walked forward and back.

    forward:   x -> layer 0 -> layer 1 -> ... -> output     each layer returns (y, cache)
    backward:  dC/d(output) -> ... -> layer 0               each layer turns (cache, dy) into (dx, grads)

The caches live in the call, not in the layers, so ``predict`` and ``cost_and_gradients`` change
nothing. The one method that changes the model on purpose, besides an optimizer's step, is
``update_statistics``: it folds the batch statistics a training pass measured (carried on the
gradients) into BatchNorm's running statistics.
"""

import math

import numpy as np

from ..losses import get_loss
from .activation import ActivationLayer
from ..init import float_dtype
from .base import Layer, describe, fits
from .dropout import Dropout

PREDICT_BATCH = 1024


class LayerGradients(list):
    """dC/dp for each array p of ``Sequential.parameters()``, in that order.

    statistics: one entry per layer, what its training forward pass measured for the running
    statistics (BatchNorm: (batch mean, unbiased batch variance)), None for the other layers.
    """

    def __init__(self, arrays, statistics):
        super().__init__(arrays)
        self.statistics = tuple(statistics)


class Sequential:
    """A model made of ``layers`` applied in order.

    It copies the layers it is given, so it shares no array with them or with another model built from
    them (two models from one list of layers train apart). Follows the model protocol of `Network`:
    predict, cost, training_cost, cost_and_gradients, parameters, gradients_like, copy, astype, dtype,
    input_shape, n_out; and update_statistics.
    """

    def __init__(self, layers):
        layers = list(layers)
        for j, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise ValueError(f"Sequential: expected layers (Dense, ReLU, Conv2D, ...), "
                                 f"got {type(layer).__name__} at position {j}")
        dtypes = {layer.dtype for layer in layers if layer.dtype is not None}
        if len(dtypes) != 1:
            got = f"dtypes {sorted(map(str, dtypes))}" if dtypes else f"no layer with parameters in {layers}"
            raise ValueError(f"Sequential: expected layers with parameters (Dense, Conv2D, BatchNorm) of one dtype, "
                             f"got {got}")
        self.layers = [layer.copy() for layer in layers]
        self._output_shapes(None)  # checks what can be checked before seeing data: the sizes where layers meet

    @classmethod
    def _of(cls, layers):
        """A model of ``layers`` (this model's own, fresh copies), taken as they are."""
        model = cls.__new__(cls)
        model.layers = layers
        return model

    # -- facts --------------------------------------------------------------------------

    def parameters(self):
        """Every layer's parameters, in layer order: the arrays an optimizer updates."""
        return [p for layer in self.layers for p in layer.parameters()]

    @property
    def dtype(self):
        return next(layer.dtype for layer in self.layers if layer.dtype is not None)

    @property
    def input_shape(self):
        """The per-sample input shape, None where any size goes: (784,), (1, None, None), or None."""
        for layer in self.layers:
            if layer.input_shape is not None or not layer.keeps_shape:
                return layer.input_shape  # None after a Flatten first: any shape with the right size goes
        return None

    @property
    def n_out(self):
        """The number of outputs per sample (None when it depends on the input's size)."""
        shape = self._output_shapes(self.input_shape)[-1]
        return None if shape is None or None in shape else math.prod(shape)

    @property
    def n_parameters(self):
        return sum(p.size for p in self.parameters())

    def __repr__(self):
        inner = ",\n".join(f"    {layer!r}" for layer in self.layers)
        return f"Sequential([\n{inner},\n], dtype={self.dtype})"

    # -- copies -------------------------------------------------------------------------

    def copy(self):
        """An independent copy: no array (parameter or running statistic) is shared."""
        return Sequential._of([layer.copy() for layer in self.layers])

    def astype(self, dtype):
        """A copy with every array converted to ``dtype`` (e.g. np.float32)."""
        return Sequential._of([layer.astype(float_dtype(dtype)) for layer in self.layers])

    def gradients_like(self, arrays):
        """`LayerGradients` from a list of arrays in parameter order (no statistics)."""
        arrays = list(arrays)
        shapes = [p.shape for p in self.parameters()]
        if [np.shape(a) for a in arrays] != shapes:
            raise ValueError(f"gradients_like: expected arrays of shapes {shapes}, "
                             f"got {[np.shape(a) for a in arrays]}")
        return LayerGradients(arrays, [None] * len(self.layers))

    # -- the passes ---------------------------------------------------------------------

    def forward(self, x, training=False, rng=None):
        """(output, caches): the forward pass, keeping what ``backward`` needs (one cache per layer).

        x: a batch, (batch, *input_shape); training: batch statistics and dropout on (True) or off;
        rng: an int seed, a numpy Generator or None, for the dropout masks.
        """
        return self._forward(self._check_batch(x), training, self._rng(training, rng))

    def backward(self, caches, dcost_dy):
        """`LayerGradients` from the caches of ``forward`` and dC/d(output) (already divided by the batch size)."""
        first = next((j for j, layer in enumerate(self.layers) if layer.parameters()), len(self.layers))
        per_layer = [[] for _ in self.layers]
        dy = dcost_dy
        for j in reversed(range(first, len(self.layers))):
            # Below the first layer with parameters nobody needs dC/dx: skip its product.
            dy, per_layer[j] = self.layers[j].backward(caches[j], dy, need_input_gradient=j > first)
        statistics = [layer.statistics(cache) for layer, cache in zip(self.layers, caches)]
        return LayerGradients([g for grads in per_layer for g in grads], statistics)

    def layer_outputs(self, x, training=False, rng=None):
        """Every layer's output for the batch x, in order (for looking inside: activation statistics)."""
        y, rng, outputs = self._check_batch(x), self._rng(training, rng), []
        for layer in self.layers:
            y = layer._forward(y, training, rng)[0]
            outputs.append(y)
        return outputs

    def predict(self, x):
        """The model's output for a batch x, in evaluation mode (no dropout, running statistics).

        A large batch (a whole test set) goes through PREDICT_BATCH samples at a time: evaluation mode
        treats each sample on its own, so only the memory differs (a conv net's first layer alone would
        take 500 MB for MNIST's 10,000 test digits at once).
        """
        x = self._check_batch(x)
        parts = []
        for start in range(0, len(x), PREDICT_BATCH):
            y = x[start:start + PREDICT_BATCH]
            for layer in self.layers:
                y = layer._forward(y, False, None)[0]
            parts.append(y)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def cost(self, x, target, loss="quadratic"):
        """The cost of the batch (a float) in evaluation mode."""
        loss_fn = self._loss(loss)
        y = self.predict(x)
        return loss_fn.cost_and_gradient(y, self._check_target(target, y))[0]

    def training_cost(self, x, target, loss="quadratic", rng=None):
        """The cost that ``cost_and_gradients`` differentiates: training mode, masks drawn from rng."""
        loss_fn = self._loss(loss)
        y = self.layer_outputs(x, training=True, rng=rng)[-1]
        return loss_fn.cost_and_gradient(y, self._check_target(target, y))[0]

    def cost_and_gradients(self, x, target, loss="quadratic", rng=None):
        """(cost, `LayerGradients`) of a batch, in training mode; the model is not changed.

        x: (batch, *input_shape). target: (batch, n_out) for "quadratic"; integer labels (batch,)
        or one-hot (batch, n_out) for "softmax_cross_entropy" (the model's output are logits).
        rng: an int seed (the same masks on every call), a numpy Generator or None.
        """
        loss_fn = self._loss(loss)
        y, caches = self.forward(x, training=True, rng=rng)
        cost, dcost_dy = loss_fn.cost_and_gradient(y, self._check_target(target, y))
        return cost, self.backward(caches, dcost_dy)

    def update_statistics(self, grads):
        """Fold the batch statistics on ``grads`` (from ``cost_and_gradients``) into the running ones, in place."""
        statistics = getattr(grads, "statistics", None)
        if statistics is None or len(statistics) != len(self.layers):
            raise ValueError(f"update_statistics: expected the gradients of this model's cost_and_gradients "
                             f"(one statistics entry per layer, {len(self.layers)}), got {type(grads).__name__}")
        for layer, stats in zip(self.layers, statistics):
            layer.update_statistics(stats)

    # -- inside -------------------------------------------------------------------------

    def _forward(self, x, training, rng):
        caches = []
        for layer in self.layers:
            x, cache = layer._forward(x, training, rng)
            caches.append(cache)
        return x, caches

    def _rng(self, training, rng):
        uses_rng = training and any(layer.uses_rng for layer in self.layers)
        return np.random.default_rng(rng) if uses_rng else None

    def _output_shapes(self, shape, x=None, hint=""):
        """The per-sample shape after each layer, from the input's; a ValueError names the layer that refuses."""
        shapes = []
        for j, layer in enumerate(self.layers):
            try:
                shape = layer.output_shape(shape)
            except ValueError as error:
                came = f" (the input batch has shape {x.shape}){hint}" if x is not None else ""
                raise ValueError(f"layer {j}, {error}{came}") from None
            shapes.append(shape)
        return shapes

    def _check_batch(self, x):
        x = np.asarray(x)
        if x.dtype.kind not in "fiub":
            raise ValueError(f"expected a numeric batch, got dtype {x.dtype}")
        expected = self.input_shape
        hint = " (a single sample? use x[None])" if expected is not None and fits(x.shape, expected) else ""
        if x.ndim < 2 or len(x) == 0:
            raise ValueError(f"expected {describe(expected)}, one sample per row, got an array of shape {x.shape}"
                             f"{hint}")
        self._output_shapes(x.shape[1:], x, hint)
        # The model's dtype decides: a float32 model computes in float32, never upcast.
        return x if x.dtype == self.dtype else x.astype(self.dtype)

    def _check_target(self, target, y):
        target = np.asarray(target)
        if target.shape[:1] != y.shape[:1]:
            raise ValueError(f"expected {y.shape[0]} targets, one per sample in the batch, "
                             f"got an array of shape {target.shape}")
        return target

    def _loss(self, loss):
        loss_fn = get_loss(loss)
        last = next((layer for layer in reversed(self.layers) if not isinstance(layer, Dropout)), None)
        if loss_fn.name == "softmax_cross_entropy" and isinstance(last, ActivationLayer):
            raise ValueError(f"softmax_cross_entropy works on logits: expected a model whose last layer is not "
                             f"an activation (the softmax is part of the loss), got {last!r}; remove it")
        return loss_fn
