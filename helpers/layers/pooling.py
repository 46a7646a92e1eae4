"""MaxPool2D: the largest value of each k x k window, on NCHW batches.

The gradient of a max flows to the one input that was the max; where a window has several equal
maxima (a window of zeros after a ReLU, a blank background) it goes to the first in reading order,
as PyTorch does, so the gradient stays a gradient of the max (not k*k copies of it).

Both passes loop over the k*k offsets (i, j) of the window, not over pixels: offset (i, j) of all
windows at once is the strided slice x[:, :, i::stride, j::stride].
"""

import numpy as np

from ..checks import positive_int
from .base import Layer
from .im2col import output_size


class MaxPool2D(Layer):
    """x: (batch, C, H, W) -> (batch, C, OH, OW), OH = (H - k) // stride + 1; stride defaults to k."""

    input_shape = (None, None, None)

    def __init__(self, kernel_size, stride=None):
        self.kernel_size = positive_int("kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else positive_int("stride", stride)

    def output_shape(self, shape):
        k = self.kernel_size
        if shape is None:
            return (None, None, None)
        if len(shape) != 3:
            self._fail("a batch of images of shape (batch, C, H, W)", shape)
        if any(size is not None and size < k for size in shape[1:]):
            self._fail(f"images of at least {k} x {k} pixels (the pooling window)", shape)
        return shape[:1] + tuple(None if size is None else output_size(size, k, self.stride, 0)
                                 for size in shape[1:])

    def _windows(self, x, out_shape):
        """For each offset (i, j) of the window, in reading order: that entry of every window, a view of out_shape."""
        oh, ow = out_shape[2:]
        s = self.stride
        for i in range(self.kernel_size):
            for j in range(self.kernel_size):
                yield x[:, :, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s]

    def _forward(self, x, training, rng):
        out_shape = x.shape[:2] + tuple(output_size(size, self.kernel_size, self.stride, 0) for size in x.shape[2:])
        windows = self._windows(x, out_shape)
        y = next(windows).copy(order="K")  # in x's memory order: the passes below then run along it
        for view in windows:
            np.maximum(y, view, out=y)
        return y, (x, y)

    def backward(self, cache, dy, need_input_gradient=True):
        if not need_input_gradient:
            return None, []
        x, y = cache
        k, s = self.kernel_size, self.stride
        if _axis_order(dy) != _axis_order(y):  # passes over arrays of one memory order run along it; mixed ones jump
            dy_copy = np.empty_like(y)
            dy_copy[...] = dy
            dy = dy_copy
        # Windows that tile x exactly write each input once; gaps and overlaps need zeros to start from.
        tiled = s == k and all(size % k == 0 for size in x.shape[2:])
        dx = np.empty_like(x) if tiled else np.zeros_like(x)
        taken = None  # windows whose max already got its gradient
        for n, (view, dx_view) in enumerate(zip(self._windows(x, y.shape), self._windows(dx, y.shape))):
            first_max = view == y
            if taken is not None:
                first_max = np.greater(first_max, taken, out=first_max)  # a max here, and none earlier
            if s >= k:  # windows do not overlap: each input gets the gradient of one window at most
                np.multiply(dy, first_max, out=dx_view)
            else:
                dx_view += dy * first_max
            if n < k * k - 1:
                taken = first_max if taken is None else np.logical_or(taken, first_max, out=taken)
        return dx, []

    def __repr__(self):
        return f"MaxPool2D({self.kernel_size}, stride={self.stride})"


def _axis_order(a):
    """a's axes from the slowest to the fastest in memory."""
    return tuple(np.argsort(a.strides, kind="stable")[::-1])
