"""A tiny reverse-mode automatic differentiation on numpy arrays (notebook 05).

Define-by-run: every operation on a `Tensor` computes its value at once and returns a node
that remembers its parents and a *backward rule*, a closure from the gradient of the output
to the gradients of the inputs. ``cost.backward()`` orders the graph topologically and walks
it once in reverse, applying the chain rule:

    w, b = Tensor(rng.normal(size=(784, 10))), Tensor(np.zeros(10))
    cost = softmax_cross_entropy(Tensor(x) @ w + b, labels)
    cost.backward()                    # w.grad: dcost/dw (784, 10), b.grad: dcost/db (10,)

A gradient has its node's shape and dtype (a broadcast input's is summed back, `unbroadcast`);
a node used twice gets the sum of both uses' gradients. ``backward()`` computes every gradient
from zero, so calling it twice gives the same gradients, not twice them (PyTorch accumulates
until ``zero_grad``); for the gradient of a sum of costs, add the costs first. The topological
order needs no recursion, so deep graphs work. Nothing is global; no two nodes share an array.
"""

import numpy as np

from . import activations, losses
from .checks import finite_float


class Tensor:
    """A node of the graph: a value, its gradient, its parents and a backward rule.

    value: a float array of any shape (ints and Python numbers become float64). A leaf
    (no parents) copies what it is given; an operation's output owns the array it computed.
    parents: the input tensors of the operation that made this node.
    backward (kept as ``backward_rule``): ``rule(grad) -> tuple`` of one gradient per
    parent, each of that parent's shape; None for a leaf. op, name: labels for printing.
    grad: dcost/dvalue after ``cost.backward()``, of the value's shape; None before.
    """

    __slots__ = ("value", "grad", "parents", "backward_rule", "op", "name")
    __array_ufunc__ = None  # `numpy_array + tensor` must call Tensor.__radd__, not loop over entries

    def __init__(self, value, parents=(), backward=None, op="", name=None):
        if isinstance(value, Tensor):
            raise ValueError("Tensor(value): expected a numpy array or a number, got a Tensor")
        value = np.asarray(value) if parents else np.array(value)
        if value.dtype.kind != "f":
            if value.dtype.kind not in "iub":
                raise ValueError(f"Tensor(value): expected numbers, got an array of dtype {value.dtype}")
            value = value.astype(np.float64)
        self.value, self.grad = value, None
        self.parents, self.backward_rule = tuple(parents), backward
        self.op, self.name = op or ("leaf" if not parents else "op"), name

    @property
    def shape(self): return self.value.shape
    @property
    def dtype(self): return self.value.dtype
    @property
    def ndim(self): return self.value.ndim
    @property
    def T(self): return transpose(self)

    def item(self):
        """The value of a one-element tensor as a Python float."""
        return self.value.item()

    def __repr__(self):
        label = f"{self.name!r}, " if self.name else ""
        value = self.value.item() if self.value.size == 1 else f"<array {self.shape}>"
        return f"Tensor({label}op={self.op!r}, value={value}, dtype={self.dtype.name})"

    # Shown in notebook 05 (inspect.getsource): keep it short and about the algorithm.
    def backward(self, grad=None):
        """Fill ``.grad`` of every node this tensor depends on; grad: the seed (default 1 for a scalar)."""
        order = topological_order(self)
        for node in order:
            node.grad = None  # every call starts from zero
        self.grad = _seed(self, grad)
        for node in reversed(order):  # children before parents: a node's grad is complete when reached
            if node.backward_rule is not None:
                for parent, g in zip(node.parents, node.backward_rule(node.grad)):
                    _accumulate(parent, g, node)

    # Operators, so that formulas read like the maths; -, / and mean are compositions of other operations.
    def __add__(self, other): return add(self, other)
    def __radd__(self, other): return add(other, self)
    def __sub__(self, other): return sub(self, other)
    def __rsub__(self, other): return sub(other, self)
    def __mul__(self, other): return mul(self, other)
    def __rmul__(self, other): return mul(other, self)
    def __matmul__(self, other): return matmul(self, other)
    def __rmatmul__(self, other): return matmul(other, self)
    def __pow__(self, p): return power(self, p)
    def __neg__(self): return mul(self, -1)
    def __truediv__(self, other): return mul(self, power(as_tensor(other, like=self), -1))
    def __rtruediv__(self, other): return mul(other, power(self, -1))

    def relu(self): return relu(self)
    def sigmoid(self): return sigmoid(self)
    def tanh(self): return tanh(self)
    def exp(self): return exp(self)
    def log(self): return log(self)
    def sum(self, axis=None, keepdims=False): return tensor_sum(self, axis, keepdims)
    def mean(self, axis=None, keepdims=False): return mean(self, axis, keepdims)
    def reshape(self, *shape): return reshape(self, *shape)


# Shown in notebook 05 (inspect.getsource): keep it short and about the algorithm.
def topological_order(root):
    """Every node ``root`` depends on, each after all of its parents; ``root`` last.

    A depth-first search with an explicit stack: the entry ``(node, True)`` is pushed
    below the node's parents, so the node is emitted only once they are done.
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


def _seed(root, grad):
    """The gradient backward() starts from: 1 for a one-element tensor (a cost), else grad, of root's shape."""
    if grad is None and root.value.size != 1:
        raise ValueError(f"backward() on a tensor of shape {root.shape} needs a seed gradient of that shape, e.g. "
                         f"t.backward(np.ones({root.shape})); or reduce it to a scalar first (t.sum(), t.mean())")
    grad = np.ones_like(root.value) if grad is None else np.array(grad, dtype=root.dtype)
    if grad.shape != root.shape:
        raise ValueError(f"backward(grad): expected a seed gradient of shape {root.shape}, got shape {grad.shape}")
    return grad


def _accumulate(parent, g, child):
    """parent.grad += g, out of place, after checking that child's backward rule kept the parent's shape."""
    if g.shape != parent.shape:
        raise ValueError(
            f"the backward rule of {child.op!r} returned a gradient of shape {g.shape} for an input of "
            f"shape {parent.shape}; sum it back over broadcast axes with unbroadcast(grad, shape)"
        )
    g = np.asarray(g, dtype=parent.dtype)  # a full sum gives a numpy scalar: make it a 0-d array
    if parent.grad is None:
        # A rule that passes its gradient on (add) or reshapes it must not make two nodes share an array.
        parent.grad = g.copy() if np.may_share_memory(g, child.grad) else g
    else:
        parent.grad = parent.grad + g


def as_tensor(x, like=None):
    """x itself if it is a Tensor, otherwise a constant leaf (a number in like's dtype: float32 stays)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and not isinstance(x, np.ndarray):
        return Tensor(np.asarray(x, dtype=like.dtype), op="const")
    return Tensor(x, op="const")


def _pair(a, b):
    """Both operands as tensors; a plain number takes the other operand's dtype."""
    if isinstance(a, Tensor):
        return a, as_tensor(b, like=a)
    b = as_tensor(b)
    return as_tensor(a, like=b), b


# Shown in notebook 05 (inspect.getsource): keep it short and about the algorithm.
def unbroadcast(grad, shape):
    """Sum ``grad`` back to ``shape``: the gradient rule of numpy broadcasting.

    Broadcasting copies an input along new leading axes and along axes of length 1; every
    copy's gradient belongs to the one original entry, so the gradient sums over those axes.
    """
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


# -- operations: the value now, and the rule for the way back ------------------------------

def add(a, b):
    """a + b with numpy broadcasting."""
    a, b = _pair(a, b)
    return Tensor(a.value + b.value, (a, b), lambda g: (unbroadcast(g, a.shape), unbroadcast(g, b.shape)), "+")


def sub(a, b):
    """a - b with numpy broadcasting (its own node, not a + (-b), so that drawn graphs read like the formula)."""
    a, b = _pair(a, b)
    return Tensor(a.value - b.value, (a, b), lambda g: (unbroadcast(g, a.shape), unbroadcast(-g, b.shape)), "-")


# Shown in notebook 05 (inspect.getsource): keep it short and about the algorithm.
def mul(a, b):
    """a * b elementwise, with numpy broadcasting."""
    a, b = _pair(a, b)
    av, bv = a.value, b.value
    return Tensor(av * bv, (a, b), lambda g: (unbroadcast(g * bv, av.shape), unbroadcast(g * av, bv.shape)), "*")


def power(a, p):
    """a ** p elementwise, for a constant number p; the derivative is p * a ** (p - 1)."""
    p = finite_float("power(a, p): the exponent p (a constant; for a Tensor p write (p * a.log()).exp())", p)
    a = as_tensor(a)
    av = a.value
    return Tensor(av ** p, (a,), lambda g: (g * p * av ** (p - 1),), "**")


def matmul(a, b):
    """a @ b for matrices, (m, k) @ (k, n) -> (m, n); the gradients are g @ b.T and a.T @ g."""
    a, b = _pair(a, b)
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(
            f"matmul: expected matrices (m, k) @ (k, n), got shapes {a.shape} @ {b.shape} "
            "(a 1-D vector? v.reshape(1, -1) is a batch of one)"
        )
    av, bv = a.value, b.value
    return Tensor(av @ bv, (a, b), lambda g: (g @ bv.T, av.T @ g), "@")


def relu(a):
    """max(a, 0) elementwise; value and derivative (0 at the kink) are helpers.activations'."""
    return _activation(a, "relu")


def sigmoid(a):
    """1 / (1 + exp(-a)) elementwise, without overflow; value and derivative are helpers.activations'."""
    return _activation(a, "sigmoid")


def tanh(a):
    """tanh(a) elementwise; value and derivative are helpers.activations'."""
    return _activation(a, "tanh")


def _activation(a, name):
    # The very functions Network uses, looked up at each call: a change of convention (relu' at 0) reaches both.
    a, act = as_tensor(a), activations.ACTIVATIONS[name]
    av = a.value
    return Tensor(act.f(av), (a,), lambda g: (g * act.df(av),), name)


def exp(a):
    """exp(a) elementwise; its own derivative."""
    a = as_tensor(a)
    e = np.exp(a.value)
    return Tensor(e, (a,), lambda g: (g * e,), "exp")


def log(a):
    """The natural logarithm (numpy's: -inf at 0, nan below); its derivative is 1 / a."""
    a = as_tensor(a)
    av = a.value
    return Tensor(np.log(av), (a,), lambda g: (g / av,), "log")


def tensor_sum(a, axis=None, keepdims=False):
    """The sum over ``axis`` (None: all entries; an int or a tuple), as numpy's; g is copied back along it."""
    a = as_tensor(a)

    def backward(g):
        if axis is not None and not keepdims:
            g = np.expand_dims(g, axis)  # the summed axes back, as length 1, to broadcast along
        return (np.broadcast_to(g, a.shape).copy(),)

    return Tensor(a.value.sum(axis=axis, keepdims=keepdims), (a,), backward, "sum")


def mean(a, axis=None, keepdims=False):
    """The mean over ``axis``, as numpy's: a composition, the sum divided by the number of entries summed."""
    a = as_tensor(a)
    total = tensor_sum(a, axis, keepdims)
    return total / (a.value.size // max(total.value.size, 1))


def reshape(a, *shape):
    """a with a new shape, by numpy's rules (one -1 allowed); the gradient is reshaped back."""
    a = as_tensor(a)
    return Tensor(a.value.reshape(*shape).copy(), (a,), lambda g: (g.reshape(a.shape),), "reshape")


def transpose(a):
    """a.T, the axes in reverse order (a matrix's rows and columns swapped); the gradient is transposed back."""
    a = as_tensor(a)
    return Tensor(a.value.T.copy(), (a,), lambda g: (g.T,), "T")


def softmax_cross_entropy(logits, target):
    """The batch mean of -log softmax(logits)[label], fused and stable: helpers.losses' cost as one node.

    logits: a Tensor (batch, n_classes); target: integer labels (batch,) or one-hot rows (batch,
    n_classes), data, not differentiated. Returns a scalar Tensor. Huge logits cannot overflow (each
    row's maximum is subtracted before exp); the backward rule scales losses' (softmax - one_hot) / batch.
    """
    logits = as_tensor(logits)
    cost, dlogits = losses.softmax_cross_entropy(logits.value, target)
    return Tensor(np.asarray(cost, dtype=logits.dtype), (logits,), lambda g: (dlogits * g,), "softmax_xent")
