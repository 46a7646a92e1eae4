"""A fully connected network as a value: its weights, biases and activations.

Notation (the blackboard's): a batch is a 2-D array, one sample per row.
Layer j maps its input ``y`` of shape ``(batch, n_in)`` to

    z = y @ w + b        w: (n_in, n_out), b: (n_out,), z: (batch, n_out)
    y' = f(z)

and backpropagation walks back with ``delta = dC/dz``:

    dC/dw = y.T @ delta      dC/db = delta summed over the batch
    delta_previous = (delta @ w.T) * f'(z_previous)

The cost is a mean over the batch, so the 1/batch is already inside the first delta.
Nothing is stored between calls: ``predict`` and ``cost_and_gradients`` are pure.
"""

import numbers
from dataclasses import dataclass
from typing import List

import numpy as np

from .activations import get_activation
from .dense import dense_backward, dense_forward
from .init import INITIALIZATIONS, initial_weights
from .losses import get_loss

@dataclass(eq=False)
class Gradients:
    """dC/dw and dC/db, with exactly the shapes of a network's weights and biases."""

    weights: List[np.ndarray]
    biases: List[np.ndarray]

    def __iter__(self):
        """Weights then biases, in layer order, as ``Network.parameters()`` does."""
        yield from self.weights
        yield from self.biases


@dataclass(eq=False)  # arrays have no single truth value; compare parameters explicitly
class Network:
    """Weights and biases of a fully connected network, and its activations.

    weights[j]: (n_j, n_{j+1}); biases[j]: (n_{j+1},). ``activation`` is used on
    every hidden layer, ``output_activation`` on the last one. The network owns its
    arrays: the constructor copies the ones it is given, so a caller's arrays never
    change when an optimizer updates the network.
    """

    weights: List[np.ndarray]
    biases: List[np.ndarray]
    activation: str = "relu"
    output_activation: str = "identity"

    def __post_init__(self):
        get_activation(self.activation)
        get_activation(self.output_activation)
        self.weights = [np.array(w) for w in self.weights]  # np.array copies: value semantics
        self.biases = [np.array(b) for b in self.biases]
        _check_structure(self.weights, self.biases)

    # -- building -------------------------------------------------------------

    @classmethod
    def random(cls, layer_sizes, activation="relu", output_activation="identity",
               rng=None, dtype=np.float64, init="auto", scale=None, bias_scale=0.0):
        """A network with random weights.

        layer_sizes: e.g. [2, 100, 100, 1]. rng: an int seed, a numpy Generator, or
        None for fresh entropy. init chooses the weight distribution:

        - "auto": He for relu, Glorot for sigmoid/tanh/identity hidden layers;
        - "he": normal, std sqrt(2 / n_in), which keeps ReLU signals at one scale;
        - "glorot": normal, std sqrt(2 / (n_in + n_out));
        - "normal": normal with std ``scale`` (e.g. 0.1, the classic examples);
        - "uniform": uniform in [-scale, scale] (the classic lecture code).

        Biases are zero unless ``bias_scale`` > 0 draws them like "uniform".
        """
        sizes = _layer_sizes(layer_sizes)
        get_activation(activation)
        get_activation(output_activation)
        if init not in ("auto",) + tuple(INITIALIZATIONS):
            raise ValueError(f"unknown init {init!r}; expected one of {['auto'] + sorted(INITIALIZATIONS)}")
        if init == "auto":
            init = "he" if activation == "relu" else "glorot"
        rng = np.random.default_rng(rng)  # one Generator for every layer, drawn in order
        weights, biases = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            weights.append(initial_weights((n_in, n_out), n_in, n_out, rng, dtype, init, scale))
            b = rng.uniform(-bias_scale, bias_scale, n_out) if bias_scale else np.zeros(n_out)
            biases.append(b.astype(dtype))
        return cls(weights, biases, activation, output_activation)

    def copy(self):
        """An independent deep copy: no array is shared with this network (the constructor copies)."""
        return type(self)(self.weights, self.biases, self.activation, self.output_activation)

    def astype(self, dtype):
        """A copy with every parameter converted to ``dtype`` (e.g. np.float32)."""
        return type(self)([w.astype(dtype, copy=False) for w in self.weights],
                          [b.astype(dtype, copy=False) for b in self.biases],
                          self.activation, self.output_activation)

    def gradients_like(self, arrays):
        """`Gradients` from arrays in ``parameters()`` order (weights, then biases)."""
        arrays, n = list(arrays), len(self.weights)
        return Gradients(arrays[:n], arrays[n:])

    # -- facts ------------------------------------------------------------------

    @property
    def layer_sizes(self):
        return [self.weights[0].shape[0]] + [w.shape[1] for w in self.weights]

    @property
    def dtype(self):
        return self.weights[0].dtype

    @property
    def input_shape(self):
        """The shape of one sample: (n_in,)."""
        return (self.weights[0].shape[0],)

    @property
    def n_out(self):
        return self.weights[-1].shape[1]

    @property
    def n_parameters(self):
        return sum(p.size for p in self.parameters())

    def parameters(self):
        """Weights then biases, in layer order: the arrays an optimizer updates."""
        return self.weights + self.biases

    def __repr__(self):
        sizes = "-".join(map(str, self.layer_sizes))
        return (f"Network({sizes}, activation={self.activation!r}, "
                f"output_activation={self.output_activation!r}, dtype={self.dtype.name})")

    # -- the forward pass -------------------------------------------------------

    def predict(self, x):
        """The network's output for a batch x: (batch, n_in) -> (batch, n_out)."""
        y = self._check_batch(x)
        f, f_out = get_activation(self.activation).f, get_activation(self.output_activation).f
        last = len(self.weights) - 1
        for j, (w, b) in enumerate(zip(self.weights, self.biases)):
            y = (f_out if j == last else f)(y @ w + b)
        return y

    def forward(self, x):
        """The forward pass, keeping what backpropagation needs.

        Returns (zs, ys): zs[j] = ys[j] @ w[j] + b[j] is layer j's input to its
        activation, ys[0] = x and ys[j+1] = f(zs[j]). ys[-1] is the output.
        """
        y = self._check_batch(x)
        f, f_out = get_activation(self.activation).f, get_activation(self.output_activation).f
        last = len(self.weights) - 1
        zs, ys = [], [y]
        for j, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = dense_forward(y, w, b)
            y = (f_out if j == last else f)(z)
            zs.append(z)
            ys.append(y)
        return zs, ys

    # -- the backward pass ------------------------------------------------------

    def backward(self, zs, ys, dcost_dy):
        """Backpropagation: gradients of the cost from dC/d(output).

        zs, ys: from ``forward``. dcost_dy: (batch, n_out), already divided by the
        batch size. Returns `Gradients` with the shapes of weights and biases.
        """
        df, df_out = get_activation(self.activation).df, get_activation(self.output_activation).df
        n_layers = len(self.weights)
        grad_w, grad_b = [None] * n_layers, [None] * n_layers
        if self.output_activation == "identity":
            delta = dcost_dy  # f' = 1: skip a multiplication by ones
        else:
            delta = dcost_dy * df_out(zs[-1])
        for j in reversed(range(n_layers)):
            # The input layer needs no delta: nobody uses the gradient with respect to x.
            grad_w[j], grad_b[j], dcost_dy_prev = dense_backward(ys[j], self.weights[j], delta, j > 0)
            if j > 0:
                delta = dcost_dy_prev  # a fresh array: scaling it in place aliases nothing
                delta *= df(zs[j - 1])
        return Gradients(grad_w, grad_b)

    def cost(self, x, target, loss="quadratic"):
        """The cost of the batch (a float), as ``cost_and_gradients`` defines it."""
        loss_fn = self._loss(loss)
        y = self.predict(x)
        return loss_fn.cost_and_gradient(y, self._check_target(target, y))[0]

    def training_cost(self, x, target, loss="quadratic", rng=None):
        """The cost that ``cost_and_gradients`` differentiates: for this network, ``cost``.

        (Models with dropout or batch normalization differ between training and
        evaluation; this one does not. ``rng`` is accepted and unused.)"""
        return self.cost(x, target, loss)

    def cost_and_gradients(self, x, target, loss="quadratic", rng=None):
        """The cost of a batch and its exact gradients.

        x: (batch, n_in). target: (batch, n_out) for "quadratic"; integer labels
        (batch,) or one-hot (batch, n_out) for "softmax_cross_entropy", where the
        network's output are the logits. Returns (cost, Gradients). ``rng`` is
        accepted for the model protocol (layers with dropout use it) and unused here.
        """
        loss_fn = self._loss(loss)
        zs, ys = self.forward(x)
        cost, dcost_dy = loss_fn.cost_and_gradient(ys[-1], self._check_target(target, ys[-1]))
        return cost, self.backward(zs, ys, dcost_dy)

    # -- input checks -------------------------------------------------------------

    def _loss(self, loss):
        loss_fn = get_loss(loss)
        if loss_fn.name == "softmax_cross_entropy" and self.output_activation != "identity":
            raise ValueError(
                "softmax_cross_entropy works on logits: expected output_activation='identity', "
                f"got {self.output_activation!r}"
            )
        return loss_fn

    def _check_batch(self, x):
        x = np.asarray(x)
        n_in = self.weights[0].shape[0]
        if x.ndim != 2 or x.shape[1] != n_in:
            hint = " (a single sample? use x[None, :] or x.reshape(1, -1))" if x.ndim == 1 else ""
            raise ValueError(
                f"expected a batch of shape (batch, {n_in}), one sample per row, "
                f"got an array of shape {x.shape}{hint}"
            )
        if x.dtype.kind not in "fiub":
            raise ValueError(f"expected a numeric batch, got dtype {x.dtype}")
        # The network's dtype decides: float32 nets compute in float32, never upcast.
        return x if x.dtype == self.dtype else x.astype(self.dtype)

    def _check_target(self, target, y):
        target = np.asarray(target)
        if target.shape[:1] != y.shape[:1]:
            raise ValueError(
                f"expected {y.shape[0]} targets, one per sample in the batch, "
                f"got an array of shape {target.shape}"
            )
        return target


def _layer_sizes(layer_sizes):
    """layer_sizes as a list of ints >= 1, at least two of them; anything else is refused."""
    example = "expected a list of at least two positive whole numbers, e.g. [2, 30, 1]"
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__"):
        raise ValueError(f"layer_sizes: {example}, got {layer_sizes!r}")
    sizes = list(layer_sizes)
    bad = [n for n in sizes if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1]
    if len(sizes) < 2 or bad:
        raise ValueError(f"layer_sizes: {example}, got {sizes!r}")
    return [int(n) for n in sizes]


def _check_structure(weights, biases):
    if len(weights) == 0 or len(weights) != len(biases):
        raise ValueError(
            f"expected as many weight matrices as bias vectors (at least one), "
            f"got {len(weights)} and {len(biases)}"
        )
    for j, (w, b) in enumerate(zip(weights, biases)):
        if w.ndim != 2 or b.shape != (w.shape[1],):
            raise ValueError(
                f"layer {j}: expected weights (n_in, n_out) and biases (n_out,), "
                f"got {w.shape} and {b.shape}"
            )
        if j and w.shape[0] != weights[j - 1].shape[1]:
            raise ValueError(
                f"layer {j}: expected {weights[j - 1].shape[1]} inputs (the previous layer's outputs), "
                f"got weights of shape {w.shape}"
            )
        if w.dtype.kind != "f" or w.dtype != weights[0].dtype or b.dtype != w.dtype:
            raise ValueError(
                f"layer {j}: expected float weights and biases of one dtype ({weights[0].dtype}), "
                f"got {w.dtype} and {b.dtype}"
            )
