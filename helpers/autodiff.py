"""A tiny reverse-mode automatic differentiation on numpy arrays (notebook 05).

Define-by-run: every operation on a `Tensor` computes its value at once and
returns a new node that remembers its parents and a *backward rule*, a closure
that maps the gradient of the output to the gradients of the inputs. The program
you run is the graph. ``cost.backward()`` orders the graph topologically and
walks it once in reverse, applying the chain rule at every node:

    x = Tensor(rng.normal(size=(128, 784)))    # leaves: data and parameters
    w = Tensor(rng.normal(size=(784, 10)))
    b = Tensor(np.zeros(10))
    cost = softmax_cross_entropy(x @ w + b, labels)
    cost.backward()
    w.grad, b.grad                             # dcost/dw (784, 10), dcost/db (10,)

Rules of the engine:

- Gradients have the shape and dtype of their node's value. Where an operation
  broadcast an input (``(3, 4) + (4,)``), its backward rule sums the gradient back
  over the broadcast axes with `unbroadcast`.
- A node used twice (``x * x``, or one node feeding two branches) gets the sum of
  the gradients from every use.
- ``backward()`` computes gradients **from zero on every call**: it first clears
  the gradient of every node in the graph, then fills them. Calling it twice gives
  the same gradients, not twice the gradients (unlike PyTorch, which accumulates
  until ``zero_grad``). A leaf shared by two graphs holds the gradient of the last
  graph whose ``backward()`` ran; to differentiate a sum of costs, add them first:
  ``(cost1 + cost2).backward()``.
- The topological order is computed with an explicit stack, not recursion, so a
  graph 10,000 operations deep works.
- Nothing is global: there is no graph object and no registry; a graph is just
  the nodes reachable from the tensor you call ``backward()`` on.
- Gradients are summed out of place, and a gradient passed through unchanged
  (by add) is copied, so no two nodes ever share a gradient array.
"""

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from .activations import sigmoid as _stable_sigmoid
from .losses import check_labels, log_softmax


class Tensor:
    """A node of the graph: a value, its gradient, its parents and a backward rule.

    value: a float numpy array of any shape (ints and Python numbers become float64).
    A leaf (no parents) keeps its own copy of the array it is given; an operation's
    output owns the fresh array the operation computed.
    parents: the input tensors of the operation that made this node.
    backward (stored as ``backward_rule``): ``rule(grad) -> tuple`` with one gradient
    per parent (or None for a parent that needs none), each of that parent's shape;
    None for a leaf. op, name: labels for printing and drawing.
    grad: dcost/dvalue after ``cost.backward()``, same shape as value; None before.
    """

    __slots__ = ("value", "grad", "parents", "backward_rule", "op", "name")
    __array_ufunc__ = None  # `numpy_array + tensor` must call Tensor.__radd__, not loop over entries

    def __init__(self, value, parents=(), backward=None, op="", name=None):
        if isinstance(value, Tensor):
            raise ValueError("Tensor(value): expected a numpy array or a number, got a Tensor")
        # A leaf copies what it is given (no aliasing with the caller); an operation's result is already fresh.
        value = np.asarray(value) if parents else np.array(value)
        if value.dtype.kind != "f":
            if value.dtype.kind not in "iub":
                raise ValueError(f"Tensor(value): expected numbers, got an array of dtype {value.dtype}")
            value = value.astype(np.float64)
        self.value = value
        self.grad = None
        self.parents = tuple(parents)
        self.backward_rule = backward
        self.op = op or ("leaf" if not parents else "op")
        self.name = name

    # -- facts -------------------------------------------------------------------

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def ndim(self):
        return self.value.ndim

    def item(self):
        """The value of a one-element tensor as a Python float."""
        return self.value.item()

    def __repr__(self):
        label = f"{self.name!r}, " if self.name else ""
        value = self.value.item() if self.value.size == 1 else f"<array {self.shape}>"
        return f"Tensor({label}op={self.op!r}, value={value}, dtype={self.dtype.name})"

    # -- the backward pass -------------------------------------------------------

    def backward(self, grad=None):
        """Fill ``.grad`` of every node that this tensor depends on, by the chain rule.

        grad: the seed dcost/dself, of this tensor's shape; may be left out when
        the tensor holds a single number (a cost), which seeds with 1. Every
        gradient in the graph is recomputed from zero (see the module docstring).
        """
        if grad is None:
            if self.value.size != 1:
                raise ValueError(
                    f"backward() on a tensor of shape {self.shape} needs a seed gradient of that shape, "
                    f"e.g. t.backward(np.ones({self.shape})); or reduce it to a scalar first (t.sum(), t.mean())"
                )
            grad = np.ones_like(self.value)
        else:
            grad = np.array(grad, dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(
                    f"backward(grad): expected a seed gradient of shape {self.shape} (the tensor's), "
                    f"got shape {grad.shape}"
                )
        order = topological_order(self)
        for node in order:
            node.grad = None
        self.grad = grad
        for node in reversed(order):  # children before parents: a node's grad is complete when reached
            if node.backward_rule is None or node.grad is None:
                continue
            parent_grads = node.backward_rule(node.grad)
            for parent, g in zip(node.parents, parent_grads):
                if g is not None:
                    _accumulate(parent, g, node)
        for node in order:  # reachable, but every path to it had gradient "None" (a constant)
            if node.grad is None:
                node.grad = np.zeros_like(node.value)

    # -- operators, so that formulas read like the maths ---------------------------

    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __neg__(self):
        return neg(self)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def relu(self):
        return relu(self)

    def sigmoid(self):
        return sigmoid(self)

    def tanh(self):
        return tanh(self)

    def exp(self):
        return exp(self)

    def log(self):
        return log(self)

    def sum(self, axis=None, keepdims=False):
        return tensor_sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return mean(self, axis, keepdims)


def topological_order(root):
    """Every node ``root`` depends on, each after all of its parents; ``root`` last.

    Works on anything with a ``parents`` tuple. A depth-first search with an
    explicit stack: the entry ``(node, True)`` is pushed below the node's parents,
    so it comes off the stack (and the node is emitted) only once they are done.
    """
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        # reversed, so that the first parent comes off the stack first: x before w in x @ w
        stack.extend((p, False) for p in reversed(node.parents) if p not in seen)
    return order


def _accumulate(parent, g, child):
    """parent.grad += g, out of place, after checking the backward rule kept the parent's shape."""
    if g.shape != parent.shape:
        raise ValueError(
            f"the backward rule of {child.op!r} returned a gradient of shape {g.shape} for an input of "
            f"shape {parent.shape}; sum it back over broadcast axes with unbroadcast(grad, shape)"
        )
    g = np.asarray(g, dtype=parent.dtype)  # a full sum gives a numpy scalar: make it a 0-d array; float32 stays
    if parent.grad is None:
        # A rule that passes its incoming gradient through (add, sub) must not make two nodes share one array.
        parent.grad = g.copy() if g is child.grad else g
    else:
        parent.grad = parent.grad + g


def as_tensor(x, like=None):
    """x itself if it is a Tensor, otherwise a constant leaf (in like's dtype, so float32 stays float32)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and not isinstance(x, np.ndarray):
        return Tensor(np.asarray(x, dtype=like.dtype), op="const")
    return Tensor(x, op="const")


def unbroadcast(grad, shape):
    """Sum ``grad`` back to ``shape``: the gradient rule of numpy broadcasting.

    Broadcasting copies an input along new leading axes and along axes of length 1;
    each copy's gradient flows back to the one original entry, so the gradients are
    summed over exactly those axes. E.g. grad (3, 4) -> shape (4,) sums axis 0;
    -> shape (3, 1) sums axis 1, keeping it. Without broadcasting, grad itself comes back.
    """
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _broadcast_shape(op, a, b):
    try:
        return np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"{op}: shapes {a.shape} and {b.shape} do not broadcast (trailing axes must be equal or 1)"
        ) from None


# -- operations: value now, and the rule for the way back ------------------------------

def add(a, b):
    """a + b with numpy broadcasting."""
    a, b = _pair(a, b)
    _broadcast_shape("add", a, b)
    return Tensor(a.value + b.value, (a, b), lambda g: (unbroadcast(g, a.shape), unbroadcast(g, b.shape)), "+")


def sub(a, b):
    """a - b with numpy broadcasting."""
    a, b = _pair(a, b)
    _broadcast_shape("sub", a, b)
    return Tensor(a.value - b.value, (a, b), lambda g: (unbroadcast(g, a.shape), unbroadcast(-g, b.shape)), "-")


def neg(a):
    """-a."""
    a = as_tensor(a)
    return Tensor(-a.value, (a,), lambda g: (-g,), "neg")


def mul(a, b):
    """a * b elementwise, with numpy broadcasting."""
    a, b = _pair(a, b)
    _broadcast_shape("mul", a, b)
    av, bv = a.value, b.value
    return Tensor(av * bv, (a, b), lambda g: (unbroadcast(g * bv, av.shape), unbroadcast(g * av, bv.shape)), "*")


def matmul(a, b):
    """a @ b for matrices: (m, k) @ (k, n) -> (m, n).

    The gradients are g @ b.T (m, k) and a.T @ g (k, n): each entry of a meets
    one row of b, and the other way round.
    """
    a, b = _pair(a, b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(
            f"matmul: cannot multiply shapes {a.shape} @ {b.shape}; expected (m, k) @ (k, n) "
            "with the same k (a 1-D vector? use v.reshape(1, -1) as a batch of one)"
        )
    av, bv = a.value, b.value
    return Tensor(av @ bv, (a, b), lambda g: (g @ bv.T, av.T @ g), "@")


def relu(a):
    """max(a, 0) elementwise; the derivative at exactly 0 is taken as 0."""
    a = as_tensor(a)
    positive = a.value > 0
    return Tensor(np.maximum(a.value, 0), (a,), lambda g: (g * positive,), "relu")


def sigmoid(a):
    """1 / (1 + exp(-a)), without overflow; its derivative is s * (1 - s)."""
    a = as_tensor(a)
    s = _stable_sigmoid(a.value)
    return Tensor(s, (a,), lambda g: (g * s * (1 - s),), "sigmoid")


def tanh(a):
    """tanh(a); its derivative is 1 - tanh(a)**2."""
    a = as_tensor(a)
    t = np.tanh(a.value)
    return Tensor(t, (a,), lambda g: (g * (1 - t * t),), "tanh")


def exp(a):
    """exp(a); its own derivative."""
    a = as_tensor(a)
    e = np.exp(a.value)
    return Tensor(e, (a,), lambda g: (g * e,), "exp")


def log(a):
    """The natural logarithm (numpy's: -inf at 0, nan below); its derivative is 1 / a."""
    a = as_tensor(a)
    av = a.value
    return Tensor(np.log(av), (a,), lambda g: (g / av,), "log")


def tensor_sum(a, axis=None, keepdims=False):
    """The sum over ``axis`` (None: all entries; an int or a tuple of ints), as numpy's."""
    a = as_tensor(a)
    axes = _axes(a, axis)
    return Tensor(a.value.sum(axis=axes, keepdims=keepdims), (a,),
                  lambda g: (_spread(g, a.shape, axes, keepdims, 1),), "sum")


def mean(a, axis=None, keepdims=False):
    """The mean over ``axis`` (None: all entries; an int or a tuple of ints), as numpy's."""
    a = as_tensor(a)
    axes = _axes(a, axis)
    n = int(np.prod([a.shape[i] for i in axes]))
    return Tensor(a.value.mean(axis=axes, keepdims=keepdims), (a,),
                  lambda g: (_spread(g, a.shape, axes, keepdims, n),), "mean")


def softmax_cross_entropy(logits, labels):
    """The batch mean of -log softmax(logits)[label], fused and stable.

    logits: a Tensor (batch, n_classes); labels: integers (batch,) in 0..n_classes-1
    (plain data, not differentiated). Returns a scalar Tensor. Huge logits are safe:
    the log-softmax subtracts each row's maximum before exp. The backward rule is the
    famous (softmax(logits) - one_hot(labels)) / batch.
    """
    logits = as_tensor(logits)
    if logits.ndim != 2:
        raise ValueError(f"softmax_cross_entropy: expected logits of shape (batch, n_classes), got {logits.shape}")
    batch, n_classes = logits.shape
    labels = np.asarray(labels)
    if labels.shape != (batch,):
        raise ValueError(
            f"softmax_cross_entropy: expected {batch} integer labels, shape ({batch},), got shape {labels.shape}"
        )
    labels = check_labels(labels, n_classes)
    logp = log_softmax(logits.value)
    rows = np.arange(batch)
    cost = -logp[rows, labels].sum() / batch

    def backward(g):
        d = np.exp(logp)
        d[rows, labels] -= 1
        return (d * (g / batch),)

    return Tensor(np.asarray(cost, dtype=logits.dtype), (logits,), backward, "softmax_xent")


# -- small helpers of the operations ------------------------------------------------

def _pair(a, b):
    """Both operands as tensors; a plain number takes the other operand's dtype."""
    if isinstance(a, Tensor):
        return a, as_tensor(b, like=a)
    b = as_tensor(b)
    return as_tensor(a, like=b), b


def _axes(a, axis):
    if axis is None:
        return tuple(range(a.ndim))
    return normalize_axis_tuple(axis, a.ndim)  # raises numpy's AxisError (a ValueError) for a bad axis


def _spread(g, shape, axes, keepdims, n):
    """The gradient of a sum or mean: g, divided by n, copied back along the reduced axes."""
    if not keepdims:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g / n, shape).copy()


def numerical_gradient(f, *values, eps=1e-6):
    """Central-difference gradients of a scalar function of arrays, for checking backward rules.

    f: takes one Tensor per array in ``values`` and returns a one-element Tensor.
    values: float64 arrays. Returns a list of arrays, one per value, of its shape:
    (f(x + eps) - f(x - eps)) / (2 eps), one entry at a time.
    """
    values = [np.array(v, dtype=np.float64) for v in values]

    def f_at(vals):
        return f(*[Tensor(v) for v in vals]).item()

    grads = []
    for k, v in enumerate(values):
        g = np.zeros_like(v)
        for i in np.ndindex(v.shape):
            saved = v[i]
            v[i] = saved + eps
            plus = f_at(values)
            v[i] = saved - eps
            minus = f_at(values)
            v[i] = saved
            g[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads
